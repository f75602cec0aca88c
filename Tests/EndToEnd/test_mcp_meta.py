"""2026-07-28's per-request protocol fields over raw HTTP: every request's `params._meta` carries
`io.modelcontextprotocol/protocolVersion` (equal to the MCP-Protocol-Version header) and
`io.modelcontextprotocol/clientCapabilities` (an object); a request missing either is malformed: 400 with
JSON-RPC -32602. A version that differs from the header is -32020, an unknown one -32022. On both back ends."""

import pytest

from workflow_fixtures import call, open_config

MODERN = "2026-07-28"
VERSION = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
INFO = "io.modelcontextprotocol/clientInfo"


def post(srv, method, params, rpc_id=9):
    body = {"jsonrpc": "2.0", "method": method}
    if rpc_id is not None:
        body["id"] = rpc_id
    if params is not None:
        body["params"] = params
    h = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if method == "tools/call":
        h["Mcp-Name"] = "add"
    return call(srv, "POST", "/mcp", body, headers=h)


ADD = {"name": "add", "arguments": {"a": 1, "b": 2}}


@pytest.mark.parametrize("params", [
    None,
    {},
    {"_meta": None},
    {"_meta": {}},
    {"_meta": {CAPS: {}}},
    {"_meta": {VERSION: MODERN}},
    {"_meta": {VERSION: MODERN, INFO: {"name": "raw", "version": "1"}}},
    {"_meta": {VERSION: MODERN, CAPS: None}},
    {"_meta": {VERSION: MODERN, CAPS: "all"}},
    {"_meta": {VERSION: MODERN, CAPS: []}},
    {"_meta": {VERSION: 20260728, CAPS: {}}},
], ids=["no-params", "no-meta", "null-meta", "empty-meta", "no-version", "no-capabilities", "info-only", "null-capabilities",
        "string-capabilities", "array-capabilities", "number-version"])
@pytest.mark.parametrize("method", ["server/discover", "tools/list", "tools/call"])
def test_missing_required_meta_is_invalid_params(nexus, method, params):
    srv = nexus(open_config())
    if params is not None and method == "tools/call":
        params = {**ADD, **params}
    r = post(srv, method, params)
    assert r.status == 400, r
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["id"] == 9 and body["error"]["code"] == -32602, body


def test_required_meta_accepted(nexus):
    srv = nexus(open_config())
    for meta in [{VERSION: MODERN, CAPS: {}},
                 {VERSION: MODERN, CAPS: {"roots": {}, "extensions": {"io.example/x": {}}}, INFO: {"name": "raw", "version": "1"},
                  "io.modelcontextprotocol/logLevel": "info", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"}]:
        assert post(srv, "server/discover", {"_meta": meta}).json()["result"]["supportedVersions"][0] == MODERN
        assert post(srv, "tools/call", {**ADD, "_meta": meta}).json()["result"]["structuredContent"] == {"sum": 3}


def test_version_in_meta_checked_against_the_header(nexus):
    srv = nexus(open_config())
    r = post(srv, "tools/list", {"_meta": {VERSION: "2025-11-25", CAPS: {}}})
    assert r.status == 400 and r.json()["error"]["code"] == -32020
    r = post(srv, "tools/list", {"_meta": {VERSION: "2099-01-01", CAPS: {}}})
    assert r.status == 400 and r.json()["error"]["code"] == -32022 and r.json()["error"]["data"]["requested"] == "2099-01-01"


def test_notifications_need_no_meta(nexus):
    srv = nexus(open_config())
    assert post(srv, "notifications/cancelled", {"requestId": 1}, rpc_id=None).status == 202
    assert post(srv, "notifications/x", None, rpc_id=None).status == 202
