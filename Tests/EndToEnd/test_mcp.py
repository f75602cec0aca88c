"""MCP over Streamable HTTP end to end, raw HTTP: the rows of docs/mcp.md's per-revision table (methods, header
fields, status codes), auth and per-tool scopes, on both back ends."""

import json

import pytest

from workflow_fixtures import KEY_NOBODY, KEY_READER, auth_config, call, open_config

ACCEPT = "application/json, text/event-stream"
LEGACY = ["2025-03-26", "2025-06-18", "2025-11-25"]
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


def rpc(srv, body, headers=None, raw=None, method="POST"):
    h = {"Accept": ACCEPT, **(headers or {})}
    return call(srv, method, "/mcp", body, headers=h, raw=raw)


def body_json(r):
    if r.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[6:] for line in r.body.decode().splitlines() if line.startswith("data: ")]
        return json.loads(data[-1])
    return r.json()


def initialize(srv, version, headers=None):
    r = rpc(srv, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
            headers=headers)
    assert r.status == 200, r
    assert body_json(r)["result"]["protocolVersion"] == version
    sid = r.headers["mcp-session-id"]
    h = {"Mcp-Session-Id": sid, **(headers or {})}
    if version != "2025-03-26":
        h["MCP-Protocol-Version"] = version
    assert rpc(srv, {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=h).status == 202
    return h


def modern(srv, method, params=None, headers=None, name=None):
    h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method, **(headers or {})}
    if name is not None:
        h["Mcp-Name"] = name
    return rpc(srv, {"jsonrpc": "2.0", "id": 7, "method": method, "params": {**(params or {}), "_meta": META}}, headers=h)


@pytest.mark.parametrize("version", LEGACY)
def test_legacy_session_lifecycle(nexus, version):
    srv = nexus(open_config())
    h = initialize(srv, version)
    r = rpc(srv, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, headers=h)
    assert body_json(r) == {"jsonrpc": "2.0", "id": 2, "result": {}}
    tools = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, headers=h))["result"]["tools"]
    assert [t["name"] for t in tools] == ["echo", "add"]
    assert ("outputSchema" in tools[1]) == (version != "2025-03-26")
    res = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 2}}},
                        headers=h))["result"]
    assert json.loads(res["content"][0]["text"]) == {"sum": 3} and res["isError"] is False
    assert ("structuredContent" in res) == (version != "2025-03-26")
    # Sessions: required, checked, ended by DELETE.
    no_session = {k: v for k, v in h.items() if k != "Mcp-Session-Id"}
    assert rpc(srv, {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, headers=no_session).status == 400
    assert rpc(srv, {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, headers={**h, "Mcp-Session-Id": "00000000000000f0"}).status == 404
    assert call(srv, "GET", "/mcp", headers={**h, "Accept": "text/event-stream"}).status == 405
    assert call(srv, "DELETE", "/mcp", headers=h).status == 200
    assert rpc(srv, {"jsonrpc": "2.0", "id": 6, "method": "tools/list"}, headers=h).status == 404
    assert call(srv, "DELETE", "/mcp", headers=h).status == 404


def test_batches_only_in_2025_03_26(nexus):
    srv = nexus(open_config())
    h = initialize(srv, "2025-03-26")
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 1}}},
             {"jsonrpc": "2.0", "method": "notifications/progress"},
             {"jsonrpc": "2.0", "id": 2, "method": "nope"}]
    answers = body_json(rpc(srv, batch, headers=h))
    assert [a["id"] for a in answers] == [1, 2]
    assert answers[1]["error"]["code"] == -32601
    h2 = initialize(srv, "2025-06-18")
    r = rpc(srv, batch, headers=h2)
    assert r.status == 400 and body_json(r)["error"]["code"] == -32600


@pytest.mark.parametrize("version", LEGACY)
def test_jsonrpc_errors(nexus, version):
    srv = nexus(open_config())
    h = initialize(srv, version)
    r = rpc(srv, None, headers=h, raw=b'{"jsonrpc":"2.0","id":1,')
    assert r.status == 400 and body_json(r)["error"]["code"] == -32700
    r = rpc(srv, {"jsonrpc": "2.0", "id": 1}, headers=h)
    assert r.status == 400 and body_json(r)["error"]["code"] == -32600
    assert body_json(rpc(srv, {"jsonrpc": "2.0", "id": 1, "method": "resources/list"}, headers=h))["error"]["code"] == -32601
    unknown = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nope"}}, headers=h))
    assert unknown["error"]["code"] == -32602
    bad = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": "x"}}},
                        headers=h))
    if version == "2025-11-25":
        assert bad["result"]["isError"] is True and "/a" in bad["result"]["content"][0]["text"]
    else:
        assert bad["error"]["code"] == -32602
        assert {v["instanceLocation"] for v in bad["error"]["data"]["violations"]} == {"/a", ""}


def test_headers_accept_content_type_origin_version(nexus):
    srv = nexus(open_config())
    h = initialize(srv, "2025-11-25")
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    sse = rpc(srv, ping, headers={**h, "Accept": "text/event-stream"})
    assert sse.status == 200 and sse.headers["content-type"] == "text/event-stream"
    assert sse.body.startswith(b"event: message\ndata: ")
    assert rpc(srv, ping, headers={**h, "Accept": "text/html"}).status == 406
    assert call(srv, "POST", "/mcp", raw=b"{}", headers={**h, "Content-Type": "text/plain", "Accept": ACCEPT}).status == 415
    r = rpc(srv, ping, headers={**h, "MCP-Protocol-Version": "1999-01-01"})
    assert r.status == 400 and body_json(r)["error"]["code"] == -32022
    assert rpc(srv, ping, headers={**h, "Origin": "https://evil.example"}).status == 403
    assert rpc(srv, ping, headers={**h, "Origin": "http://localhost:6274"}).status == 200
    assert call(srv, "PUT", "/mcp", raw=b"{}", headers=h).status == 405


def test_modern_revision_is_stateless(nexus):
    srv = nexus(open_config())
    r = modern(srv, "server/discover")
    assert r.status == 200 and "mcp-session-id" not in r.headers
    d = body_json(r)["result"]
    assert d["supportedVersions"][0] == MODERN and set(LEGACY) <= set(d["supportedVersions"]) and d["resultType"] == "complete"
    tools = body_json(modern(srv, "tools/list"))["result"]
    assert [t["name"] for t in tools["tools"]] == ["echo", "add"] and tools["cacheScope"] == "private"
    res = body_json(modern(srv, "tools/call", {"name": "add", "arguments": {"a": 5, "b": 6}}, name="add"))["result"]
    assert res["structuredContent"] == {"sum": 11} and res["resultType"] == "complete"
    # Mirrored header fields are checked against the body: 400, -32020.
    for headers, name in [({"Mcp-Method": "tools/list"}, "add"), ({}, "echo"), ({}, None)]:
        r = modern(srv, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, headers=headers, name=name)
        assert r.status == 400 and body_json(r)["error"]["code"] == -32020, (headers, name, r)
    # No initialize, no ping (method not found: 404), no sessions, no GET stream.
    for m in ["initialize", "ping"]:
        r = modern(srv, m)
        assert r.status == 404 and body_json(r)["error"]["code"] == -32601
    assert call(srv, "GET", "/mcp", headers={"MCP-Protocol-Version": MODERN}).status == 405
    assert call(srv, "DELETE", "/mcp", headers={"MCP-Protocol-Version": MODERN, "Mcp-Session-Id": "00000000000000f0"}).status == 405
    r = modern(srv, "tools/list", headers={"Mcp-Session-Id": "00000000000000f0"})
    assert r.status == 200  # ignored
    # An unknown version: 400, -32022 with the supported list.
    r = rpc(srv, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={"MCP-Protocol-Version": "2030-01-01", "Mcp-Method": "tools/list"})
    assert r.status == 400 and body_json(r)["error"]["data"]["supported"][0] == MODERN
    assert rpc(srv, {"jsonrpc": "2.0", "method": "notifications/x", "params": {"_meta": META}},
               headers={"MCP-Protocol-Version": MODERN, "Mcp-Method": "notifications/x"}).status == 202


def test_per_tool_scopes_and_keys(nexus, tmp_config_dir):
    srv = nexus(auth_config(tmp_config_dir))
    names = lambda h: [t["name"] for t in body_json(modern(srv, "tools/list", headers=h))["result"]["tools"]]
    assert names({}) == ["echo"]
    assert names({"X-API-Key": KEY_NOBODY}) == ["echo"]
    assert names({"Authorization": f"Bearer {KEY_READER}"}) == ["echo", "add"]
    # A tool the caller may not run is unknown to it.
    r = modern(srv, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, headers={"X-API-Key": KEY_NOBODY}, name="add")
    assert body_json(r)["error"]["code"] == -32602
    r = modern(srv, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, headers={"X-API-Key": KEY_READER}, name="add")
    assert body_json(r)["result"]["structuredContent"] == {"sum": 2}
    assert modern(srv, "tools/list", headers={"X-API-Key": "not-a-key-0123456789"}).status == 401


def test_per_consumer_tool_rate_limit(nexus, tmp_config_dir):
    srv = nexus(auth_config(tmp_config_dir, {"per": "consumer", "rate": "2/m", "burst": 0}))
    h = {"X-API-Key": KEY_READER}
    statuses = [modern(srv, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, headers=h, name="add").status for _ in range(4)]
    assert statuses[0] == 200 and 429 in statuses
    assert modern(srv, "tools/call", {"name": "echo", "arguments": {"message": "m"}}, headers=h, name="echo").status == 200
