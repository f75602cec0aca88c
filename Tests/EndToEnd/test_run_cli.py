"""`nexusctl run`: a workflow run through nexusd's own public path as a consumer (--as) or a key (--key), with
the input from --input, -p pairs or stdin; problems on stderr with exit 1; the same usage counters as REST."""

import json
import subprocess
import time

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge
from test_state import ctl, nexusctl_path, wait_socket
from upstreams import upstream  # noqa: F401 (fixture)
from workflow_fixtures import KEY_READER, auth_config


def run(sock, *args, stdin=None):
    return subprocess.run([str(nexusctl_path()), "--socket", str(sock), *args], capture_output=True, text=True,
                          input=stdin, timeout=20)


def test_run(nexusd_binary, tmp_path):
    cfg = deep_merge(DEFAULT_CONFIG, {**auth_config(tmp_path), "admin": {"socket": str(tmp_path / "admin.sock")},
                                      "state": {"folder": str(tmp_path / "state"), "usage_flush": "200ms"}})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, name="nexus.yaml")
    sock = tmp_path / "admin.sock"
    try:
        wait_socket(sock)
        p = run(sock, "--output", "json", "run", "add", "-p", "a=2", "-p", "b=3", "--as", "reader")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == {"sum": 5}
        p = run(sock, "run", "add", "--input", '{"a": 1.5, "b": 1}', "--key", KEY_READER)
        assert p.returncode == 0 and p.stdout.split() == ["sum", "2.5"], p.stdout
        p = run(sock, "--output", "json", "run", "echo", stdin='{"message": "from stdin"}')
        assert p.returncode == 0 and json.loads(p.stdout) == {"message": "from stdin"}, p.stderr
        p = run(sock, "run", "echo", "-p", "message=hi there")
        assert p.returncode == 0 and "hi there" in p.stdout
        # Refusals: exit 1, the problem on stderr.
        p = run(sock, "run", "add", "-p", "a=x", "--as", "reader")
        assert p.returncode == 1
        assert "400 Bad Request" in p.stderr and "/a: must be number" in p.stderr and "(root): required property" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "-p", "b=1", "--as", "nobody")
        assert p.returncode == 1 and "403" in p.stderr and "math:run" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "-p", "b=1")
        assert p.returncode == 1 and "401" in p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "--as", "ghost")
        assert p.returncode == 1 and "no consumer" in p.stderr, p.stderr
        p = run(sock, "run", "nope", "-p", "a=1")
        assert p.returncode == 1 and "404" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "--as", "reader", "--key", "k")
        assert p.returncode == 64
        # The same usage counters as any channel.
        deadline = time.time() + 10
        rows = {}
        while time.time() < deadline:
            rows = {r["route"]: r for r in json.loads(ctl(sock, "usage", "--by", "total", "--consumer", "reader").stdout)["rows"]}
            if rows.get("workflow:add", {}).get("requests", 0) >= 3:
                break
            time.sleep(0.2)
        assert rows["workflow:add"]["requests"] == 3, rows
    finally:
        assert srv.stop() == 0


def test_one_audit_record_per_run_whatever_the_channel(nexusd_binary, tmp_path, upstream):
    """REST, MCP and nexusctl run each leave the same `workflow.run` entry (consumer, workflow, channel, status,
    client address); an upstream-targeted workflow runs from the CLI too, and its failure is exit 1."""
    from upstreams import JSONSum, upstream_block
    up = upstream("math")
    up.on("/sum", JSONSum())
    base = auth_config(tmp_path)
    remote = {"name": "remote_add", "description": "a + b upstream", "upstream": "math", "path": "/sum", "scopes": ["math:run"],
              "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}
    cfg = deep_merge(DEFAULT_CONFIG, {**base, "workflows": base["workflows"] + [remote],
                                      "upstreams": [upstream_block("math", [up], retry=False)],
                                      "admin": {"socket": str(tmp_path / "admin.sock")},
                                      "state": {"folder": str(tmp_path / "state"), "usage_flush": "200ms"}})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, name="nexus.yaml")
    sock = tmp_path / "admin.sock"
    try:
        wait_socket(sock)
        from workflow_fixtures import call
        assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}, headers={"X-API-Key": KEY_READER}).status == 200
        meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
        r = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                       "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": meta}},
                 headers={"X-API-Key": KEY_READER, "Accept": "application/json", "MCP-Protocol-Version": "2026-07-28",
                          "Mcp-Method": "tools/call", "Mcp-Name": "add"})
        assert r.status == 200, r
        p = run(sock, "--output", "json", "run", "add", "-p", "a=1", "-p", "b=2", "--as", "reader")
        assert p.returncode == 0, p.stderr
        p = run(sock, "--output", "json", "run", "remote_add", "-p", "a=20", "-p", "b=22", "--as", "reader")
        assert p.returncode == 0 and json.loads(p.stdout) == {"sum": 42}, p.stderr
        up.close()
        p = run(sock, "run", "remote_add", "-p", "a=1", "-p", "b=1", "--as", "reader")
        assert p.returncode == 1 and "502" in p.stderr and "upstream failed" in p.stderr, p.stderr
        deadline = time.time() + 10
        runs = []
        while time.time() < deadline:
            entries = json.loads(ctl(sock, "audit").stdout)["entries"]
            runs = [e for e in entries if e["action"] == "workflow.run"]
            if len(runs) >= 5:
                break
            time.sleep(0.2)
        assert [(e["target"], e["consumer"], e["outcome"]) for e in runs] == [
            ("add", "reader", "ok"), ("add", "reader", "ok"), ("add", "reader", "ok"),
            ("remote_add", "reader", "ok"), ("remote_add", "reader", "failed")], runs
        assert [e["detail"].split()[0] for e in runs] == ["channel=rest", "channel=mcp", "channel=cli", "channel=cli", "channel=cli"]
        assert all("client=127.0.0.1" in e["detail"] for e in runs)
        assert "status=502" in runs[-1]["detail"]
    finally:
        assert srv.stop() == 0
