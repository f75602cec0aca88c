"""Runtime workflows: nexusctl workflows list|show|add|remove over the admin API, served at once over REST and
MCP, kept across a restart, refused with the configuration's messages, and audited."""

import json

import pytest

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge
from test_state import ctl, wait_socket
from upstreams import upstream  # noqa: F401 (fixture)
from workflow_fixtures import ADD, call, open_config

MUL_SPEC = {"title": "Echo again", "handler": "echo", "description": "runtime",
            "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}


def config(tmp):
    return deep_merge(DEFAULT_CONFIG, {**open_config(), "admin": {"socket": str(tmp / "admin.sock")},
                                       "state": {"folder": str(tmp / "state")}})


def start(binary, tmp, io):
    srv = start_nexusd(binary, config(tmp), tmp, ["--io", io], name="nexus.yaml")
    wait_socket(tmp / "admin.sock")
    return srv


@pytest.mark.parametrize("io", ["uring", "epoll"])
def test_runtime_workflows(nexusd_binary, tmp_path, io):
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, tmp_path, io)
    try:
        p = ctl(sock, "workflows", "list")
        assert p.returncode == 0, p.stderr
        assert [(w["name"], w["source"]) for w in json.loads(p.stdout)["workflows"]] == [("add", "config"), ("echo", "config")]
        p = ctl(sock, "workflows", "add", "again", "--spec", json.dumps(MUL_SPEC))
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["source"] == "runtime"
        # Served at once, over REST and MCP.
        assert call(srv, "POST", "/v1/workflows/again", {"n": 3}).json() == {"n": 3}
        r = call(srv, "POST", "/v1/workflows/again", {"n": "x"})
        assert r.status == 400 and r.json()["violations"][0]["instanceLocation"] == "/n"
        h = {"Accept": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
        meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
        tools = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}, headers=h).json()
        assert "again" in [t["name"] for t in tools["result"]["tools"]]
        # Taken names, bad definitions: refused with the configuration's messages.
        p = ctl(sock, "workflows", "add", "again", "--spec", json.dumps(MUL_SPEC))
        assert p.returncode == 1 and "exists" in p.stderr
        p = ctl(sock, "workflows", "add", "bad", "--spec", json.dumps({"handler": "nope", "input_schema": {"type": "object"}}))
        assert p.returncode == 1 and "expected one of echo, add" in p.stderr, p.stderr
        p = ctl(sock, "workflows", "add", "bad", "--spec", json.dumps({"handler": "echo", "input_schema": {"type": "object", "pattern": "(?=x)"}}))
        assert p.returncode == 1 and "input_schema" in p.stderr, p.stderr
        # An override of a file workflow, then its removal gives the file's back.
        p = ctl(sock, "workflows", "add", "add", "--replace", "--spec", json.dumps({**MUL_SPEC, "title": "Override"}))
        assert p.returncode == 0 and json.loads(p.stdout)["source"] == "override", p.stderr
        assert call(srv, "POST", "/v1/workflows/add", {"n": 1}).json() == {"n": 1}
        assert ctl(sock, "workflows", "remove", "add").returncode == 0
        assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).json() == {"sum": 3}
        p = ctl(sock, "workflows", "remove", "echo")
        assert p.returncode == 1 and "configuration file" in p.stderr
        p = ctl(sock, "workflows", "show", "nope")
        assert p.returncode == 1 and "no workflow 'nope'" in p.stderr
        audit = json.loads(ctl(sock, "audit").stdout)
        actions = [(e["action"], e["outcome"]) for e in audit["entries"]]
        assert ("workflows.add", "ok") in actions and ("workflows.remove", "ok") in actions and ("workflows.add", "refused") in actions
    finally:
        assert srv.stop() == 0
    # Kept across a restart.
    srv = start(nexusd_binary, tmp_path, io)
    try:
        assert call(srv, "POST", "/v1/workflows/again", {"n": 5}).json() == {"n": 5}
        p = ctl(sock, "--output", "table", "workflows", "list")
        assert p.returncode == 0 and "again" in p.stdout and "runtime" in p.stdout
        assert ctl(sock, "workflows", "remove", "again").returncode == 0
        assert call(srv, "POST", "/v1/workflows/again", {"n": 5}).status == 404
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize("io", ["uring", "epoll"])
def test_reload_changes_workflows_and_keeps_runtime_ones_and_sessions(nexusd_binary, tmp_path, io):
    from nexus_e2e import to_yaml
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, tmp_path, io)
    try:
        assert ctl(sock, "workflows", "add", "again", "--spec", json.dumps(MUL_SPEC)).returncode == 0
        # An MCP session opened before the reload still works after it.
        init = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}},
                    headers={"Accept": "application/json, text/event-stream"})
        sid = init.headers["mcp-session-id"]
        cfg = config(tmp_path)
        cfg["workflows"] = [ADD]  # echo is gone from the file
        (tmp_path / "nexus.yaml").write_text(to_yaml({**cfg, "state": {"folder": str(tmp_path / "state")}}))
        p = ctl(sock, "config", "reload")
        assert p.returncode == 0, p.stderr
        assert call(srv, "POST", "/v1/workflows/echo", {"message": "m"}).status == 404
        assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 1}).json() == {"sum": 2}
        assert call(srv, "POST", "/v1/workflows/again", {"n": 1}).json() == {"n": 1}
        h = {"Accept": "application/json", "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"}
        tools = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=h).json()["result"]["tools"]
        assert [t["name"] for t in tools] == ["add", "again"]
    finally:
        assert srv.stop() == 0


@pytest.mark.parametrize("io", ["uring", "epoll"])
def test_garbage_never_hurts_the_endpoints(nexusd_binary, tmp_path, io):
    import random
    srv = start(nexusd_binary, tmp_path, io)
    rnd = random.Random(7)
    pieces = [b"{", b"}", b"[", b"]", b'"jsonrpc"', b":", b'"2.0"', b",", b'"id"', b"1", b'"method"', b'"tools/call"',
              b'"initialize"', b'"params"', b'"name"', b'"add"', b'"arguments"', b"null", b"\xff", b'"_meta"', b"1e999999"]
    try:
        for i in range(300):
            body = b"".join(rnd.choice(pieces) for _ in range(rnd.randrange(0, 25)))
            path = rnd.choice(["/mcp", "/v1/workflows/add", "/v1/workflows/echo"])
            headers = {"Accept": rnd.choice(["application/json", "text/event-stream", "*/*", "x/y"])}
            if path == "/mcp":
                headers["MCP-Protocol-Version"] = rnd.choice(["2025-03-26", "2025-11-25", "2026-07-28", "bogus"])
                headers["Mcp-Method"] = rnd.choice(["tools/call", "tools/list"])
                headers["Mcp-Name"] = rnd.choice(["add", "=?base64?!!?=", "=?base64?YWRk?="])
            r = call(srv, "POST", path, raw=body, headers=headers)
            assert r.status in (200, 202, 400, 404, 406, 415), (body, r)
        assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).json() == {"sum": 3}
    finally:
        assert srv.stop() == 0


def test_runtime_workflow_on_an_upstream(nexusd_binary, tmp_path, upstream):
    """A workflow added at run time may target a pool of the file; one naming no pool is refused with the
    configuration's message."""
    from upstreams import JSONSum, upstream_block
    up = upstream("math")
    up.on("/sum", JSONSum())
    cfg = deep_merge(config(tmp_path), {"upstreams": [upstream_block("math", [up])]})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, name="nexus.yaml")
    sock = tmp_path / "admin.sock"
    try:
        wait_socket(sock)
        spec = {"upstream": "math", "method": "POST", "path": "/sum", "timeout": "5s",
                "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}
        p = ctl(sock, "workflows", "add", "remote", "--spec", json.dumps(spec))
        assert p.returncode == 0, p.stderr
        shown = json.loads(ctl(sock, "workflows", "show", "remote").stdout)
        assert shown["spec"]["upstream"] == "math" and shown["spec"]["path"] == "/sum" and shown["active"] is True
        assert call(srv, "POST", "/v1/workflows/remote", {"a": 2, "b": 5}).json() == {"sum": 7}
        p = ctl(sock, "workflows", "add", "lost", "--spec", json.dumps({**spec, "upstream": "nope"}))
        assert p.returncode != 0 and "unknown upstream 'nope'" in p.stderr, p.stderr
    finally:
        assert srv.stop() == 0
