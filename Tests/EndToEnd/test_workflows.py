"""Workflows over REST and OpenAPI end to end: list, describe, run, every violation listed with its JSON pointer,
the problem answers, scopes, limits and usage per workflow, the configuration checks."""

import json
import time

import pytest

from nexus_e2e import run_nexusd, to_yaml, DEFAULT_CONFIG, deep_merge
from test_state import ctl, wait_socket
from workflow_fixtures import ADD, ECHO, KEY_NOBODY, KEY_READER, auth_config, call, open_config


def test_list_describe_and_run(nexus):
    srv = nexus(open_config())
    r = call(srv, "GET", "/v1/workflows")
    assert r.status == 200
    names = [w["name"] for w in r.json()["workflows"]]
    assert names == ["echo", "add"]
    d = call(srv, "GET", "/v1/workflows/add").json()
    assert d["inputSchema"]["required"] == ["a", "b"] and d["outputSchema"]["required"] == ["sum"]
    r = call(srv, "POST", "/v1/workflows/add", {"a": 2, "b": 40})
    assert r.status == 200 and r.json() == {"sum": 42}
    r = call(srv, "POST", "/v1/workflows/add", {"a": 0.1, "b": 0.2})
    assert abs(r.json()["sum"] - 0.3) < 1e-9
    r = call(srv, "POST", "/v1/workflows/echo", {"message": "héllo"})
    assert r.json() == {"message": "héllo"}


def test_violations_are_listed_with_pointers(nexus):
    srv = nexus(open_config())
    r = call(srv, "POST", "/v1/workflows/add", {"a": "two", "c": True})
    assert r.status == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["status"] == 400 and "3 violations" in p["detail"]
    where = sorted(v["instanceLocation"] for v in p["violations"])
    assert where == ["", "/a", "/c"]
    assert all({"keywordLocation", "keyword", "message"} <= set(v) for v in p["violations"])


@pytest.mark.parametrize("raw,status", [
    (b"{not json", 400), (b"", 400), (b"[1,2]", 400), (b'{"a":1,"a":2,"b":3}', 400), (b"\xff\xfe", 400),
])
def test_bad_bodies_are_problems(nexus, raw, status):
    srv = nexus(open_config())
    r = call(srv, "POST", "/v1/workflows/add", raw=raw)
    assert r.status == status, r
    assert r.json()["status"] == status


def test_unknown_workflow_wrong_type_and_method(nexus):
    srv = nexus(open_config())
    assert call(srv, "GET", "/v1/workflows/nope").status == 404
    assert call(srv, "POST", "/v1/workflows/nope", {}).status == 404
    assert call(srv, "POST", "/v1/workflows/a/b", {}).status == 404
    r = call(srv, "POST", "/v1/workflows/add", raw=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    assert call(srv, "DELETE", "/v1/workflows/add").status == 405
    assert call(srv, "POST", "/v1/workflows", {}).status == 405


def test_scopes_keys_and_visibility(nexus, tmp_config_dir):
    srv = nexus(auth_config(tmp_config_dir))
    # Without a key: only the anonymous workflow is listed, and runnable.
    assert [w["name"] for w in call(srv, "GET", "/v1/workflows").json()["workflows"]] == ["echo"]
    assert call(srv, "POST", "/v1/workflows/echo", {"message": "x"}).status == 200
    assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).status == 401
    assert call(srv, "GET", "/v1/workflows/add").status == 404
    # A key without the scope: 403 to run, not listed.
    h = {"X-API-Key": KEY_NOBODY}
    assert [w["name"] for w in call(srv, "GET", "/v1/workflows", headers=h).json()["workflows"]] == ["echo"]
    r = call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}, headers=h)
    assert r.status == 403 and "math:run" in r.json()["detail"]
    # With the scope.
    h = {"Authorization": f"Bearer {KEY_READER}"}
    assert [w["name"] for w in call(srv, "GET", "/v1/workflows", headers=h).json()["workflows"]] == ["echo", "add"]
    assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}, headers=h).json() == {"sum": 3}
    # A wrong key is refused even where none is needed.
    assert call(srv, "GET", "/v1/workflows", headers={"X-API-Key": "wrong-key-0123456789"}).status == 401


def test_rate_limit_per_consumer_per_workflow(nexus, tmp_config_dir):
    srv = nexus(auth_config(tmp_config_dir, {"per": "consumer", "rate": "2/m", "burst": 0}))
    h = {"X-API-Key": KEY_READER}
    statuses = [call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 1}, headers=h).status for _ in range(4)]
    assert statuses[0] == 200 and 429 in statuses
    r = call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 1}, headers=h)
    assert r.status == 429 and r.headers.get("retry-after")
    # Another workflow is not limited by it.
    assert call(srv, "POST", "/v1/workflows/echo", {"message": "m"}, headers=h).status == 200


def test_usage_is_counted_per_workflow(nexusd_binary, tmp_path):
    from conftest import start_nexusd
    cfg = deep_merge(DEFAULT_CONFIG, {**auth_config(tmp_path), "admin": {"socket": str(tmp_path / "admin.sock")},
                                      "state": {"folder": str(tmp_path / "state"), "usage_flush": "200ms"}})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, name="nexus.yaml")
    try:
        wait_socket(tmp_path / "admin.sock")
        h = {"X-API-Key": KEY_READER}
        for _ in range(3):
            assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 1}, headers=h).status == 200
        assert call(srv, "POST", "/v1/workflows/add", {"a": "x"}, headers=h).status == 400
        deadline = time.time() + 10
        rows = {}
        while time.time() < deadline:
            p = ctl(tmp_path / "admin.sock", "usage", "--by", "total")
            assert p.returncode == 0, p.stderr
            rows = {r["route"]: r for r in json.loads(p.stdout)["rows"]}
            if rows.get("workflow:add", {}).get("requests", 0) >= 4:
                break
            time.sleep(0.2)
        assert rows["workflow:add"]["requests"] == 4, rows
    finally:
        srv.stop()


def test_openapi_document_validates(nexus):
    validator = pytest.importorskip("openapi_spec_validator")
    srv = nexus(open_config())
    r = call(srv, "GET", "/openapi.json")
    assert r.status == 200
    doc = r.json()
    validator.validate(doc)
    assert doc["openapi"].startswith("3.1")
    op = doc["paths"]["/v1/workflows/add"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["required"] == ["a", "b"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["required"] == ["sum"]


def test_paths_are_configurable(nexus):
    srv = nexus({**open_config(), "workflow_api": {"rest_path": "/api/flows", "mcp_path": "/agents/mcp", "openapi_path": "/spec.json"}})
    assert call(srv, "GET", "/api/flows").status == 200
    assert call(srv, "POST", "/api/flows/add", {"a": 1, "b": 1}).json() == {"sum": 2}
    assert call(srv, "GET", "/spec.json").status == 200
    assert call(srv, "GET", "/v1/workflows").status == 404


def _check(tmp_path, cfg: dict):
    path = tmp_path / "check.yaml"
    path.write_text(to_yaml(deep_merge(DEFAULT_CONFIG, cfg)))
    return run_nexusd(["--check-config", str(path)])


def test_config_errors(tmp_path):
    clash = _check(tmp_path, {**open_config(), "routes": [{"name": "api", "path_prefix": "/v1/", "handler": "echo"}]})
    assert clash.returncode != 0 and "clashes with the route 'api'" in clash.stderr, clash.stderr
    upstream = _check(tmp_path, {"workflows": [{**ADD, "handler": None, "upstream": "x", "method": "POST", "path": "/add"}]})
    assert upstream.returncode != 0 and "unknown upstream 'x'" in upstream.stderr, upstream.stderr
    schema = _check(tmp_path, {"workflows": [{**ECHO, "input_schema": {"type": "object", "properties": {"m": {"pattern": "(a)\\1"}}}}]})
    assert schema.returncode != 0 and "workflows[0].input_schema" in schema.stderr, schema.stderr
    dup = _check(tmp_path, {"workflows": [ECHO, ECHO]})
    assert dup.returncode != 0 and "workflow names are unique" in dup.stderr
    ok = _check(tmp_path, open_config())
    assert ok.returncode == 0, ok.stderr


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_paths_per_listener(nexus):
    import re
    from nexus_e2e import HTTPConn
    p1, p2 = _free_port(), _free_port()
    srv = nexus({**open_config(), "listeners": [
        {"name": "public", "address": "127.0.0.1:0"},
        {"name": "agents", "address": f"127.0.0.1:{p1}", "workflow_api": {"rest_path": "/flows", "mcp_path": "/agents/mcp"}},
        {"name": "plain", "address": f"127.0.0.1:{p2}", "workflow_api": {"enabled": False}},
    ]})

    def on(port, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        with HTTPConn("127.0.0.1", port) as c:
            return c.request(head.encode() + data)

    assert call(srv, "GET", "/v1/workflows").status == 200
    assert on(p1, "GET", "/v1/workflows").status == 404
    assert on(p1, "POST", "/flows/add", {"a": 1, "b": 2}).json() == {"sum": 3}
    assert on(p1, "GET", "/flows/add").json()["path"] == "/flows/add"
    assert on(p1, "POST", "/agents/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25"}}).status == 200
    assert on(p2, "GET", "/v1/workflows").status == 404
    assert on(p2, "GET", "/openapi.json").status == 404
    # Routes stay on every listener.
    assert on(p2, "GET", "/").status == call(srv, "GET", "/").status


def test_listener_path_clash_is_a_config_error(tmp_path):
    r = _check(tmp_path, {**open_config(), "routes": [{"name": "flows", "path_prefix": "/flows/", "handler": "echo"}],
                          "listeners": [{"name": "a", "address": "127.0.0.1:0", "workflow_api": {"rest_path": "/flows"}}]})
    assert r.returncode != 0 and "listeners[0].workflow_api" in r.stderr and "clashes with the route 'flows'" in r.stderr, r.stderr


def test_a_result_that_fails_the_output_schema_is_a_failed_run(nexus):
    bad = {**ECHO, "name": "badout", "output_schema": {"type": "object", "required": ["zzz"]}}
    srv = nexus({"workflows": [bad]})
    r = call(srv, "POST", "/v1/workflows/badout", {"message": "m"})
    assert r.status == 502 and "output schema" in r.json()["detail"]
    h = {"Accept": "application/json", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "badout"}
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    res = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                     "params": {"name": "badout", "arguments": {"message": "m"}, "_meta": meta}}, headers=h).json()["result"]
    assert res["isError"] is True
