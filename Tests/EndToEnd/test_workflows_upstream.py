"""Workflows served by an upstream pool, end to end on both back ends: the request Nexus makes from the input
(method, path template, query or JSON body, the fields it adds and the ones it never passes on), the answer mapped
to the result on REST and MCP, failing upstreams (refused, killed, 5xx, not JSON, too large, too slow for the
workflow's timeout) as 502/504 problems and MCP `isError` results, keep-alive reuse, pipelining, batches, runtime
workflows, and the configuration checks."""

from __future__ import annotations

import json
import time

import pytest

from nexus_e2e import run_nexusd, to_yaml, DEFAULT_CONFIG, deep_merge
from test_mcp import MODERN, body_json, initialize, modern, rpc
from upstreams import Delay, Fixed, JSONSum, Raw, dead_address, upstream, upstream_block  # noqa: F401
from workflow_fixtures import ADD, KEY_READER, auth_config, call

NUMBERS = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
           "required": ["a", "b"], "additionalProperties": False}
SUM = {"type": "object", "properties": {"sum": {"type": "number"}}, "required": ["sum"]}


def flows(up_address, **extra_workflow):
    """An upstream pool `math` at `up_address` and workflows on it: `remote_add` (POST /sum), `forecast`
    (GET /cities/{city}/forecast with the rest as the query) and `raw` (POST /raw, no output schema)."""
    remote_add = {"name": "remote_add", "description": "a + b, upstream", "upstream": "math", "method": "POST", "path": "/sum",
                  "input_schema": NUMBERS, "output_schema": SUM, **extra_workflow}
    forecast = {"name": "forecast", "description": "the weather", "upstream": "math", "method": "GET",
                "path": "/cities/{city}/forecast",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
                                                                  "tags": {"type": "array", "items": {"type": "string"}}},
                                 "required": ["city"]}}
    raw = {"name": "raw", "description": "whatever /raw answers", "upstream": "math", "path": "/raw",
           "input_schema": {"type": "object"}}
    return {"upstreams": [upstream_block("math", [up_address], retry=False)],
            "workflows": [ADD, remote_add, forecast, raw]}


def test_rest_call_goes_upstream_with_the_input(nexus, upstream):
    up = upstream("math")
    up.on("/sum", JSONSum())
    srv = nexus(flows(up))
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 2, "b": 40},
             headers={"Authorization": "Bearer caller-secret", "Cookie": "s=1", "X-Request-Id": "mine"})
    assert r.status == 200, r
    assert r.json() == {"sum": 42}
    req = up.requests[-1]
    assert req.method == "POST" and req.target == "/sum"
    assert json.loads(req.body) == {"a": 2, "b": 40}
    assert req.header("content-type") == "application/json"
    assert req.header("host") == up.address
    assert req.header("x-nexus-workflow") == "remote_add"
    assert req.header("x-forwarded-for") == "127.0.0.1"
    assert len(req.header("x-request-id")) == 32
    # Nothing of the caller's request goes upstream: not its credentials, not its other fields.
    assert req.header("authorization") is None and req.header("cookie") is None


def test_get_fills_the_path_and_the_query(nexus, upstream):
    up = upstream("math")
    up.on("/cities/*", Fixed(200, '{"high": 31}', headers=[("Content-Type", "application/json")]))
    srv = nexus(flows(up))
    r = call(srv, "POST", "/v1/workflows/forecast", {"city": "São Paulo/x", "days": 3, "tags": ["a b", "c"]})
    assert r.status == 200 and r.json() == {"high": 31}
    req = up.requests[-1]
    assert req.method == "GET" and req.body == b""
    assert req.target == "/cities/S%C3%A3o%20Paulo%2Fx/forecast?days=3&tags=a%20b&tags=c"


@pytest.mark.parametrize("answer,status,result", [
    (Fixed(200, '[1, 2]', headers=[("Content-Type", "application/json")]), 200, {"result": [1, 2]}),
    (Fixed(204), 200, {}),
    (Raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"k\r\n5\r\n\": 1}\r\n0\r\n\r\n",
         close=False), 200, {"k": 1}),
    (Raw(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"until": "close"}', close=True), 200, {"until": "close"}),
])
def test_answers_become_results(nexus, upstream, answer, status, result):
    up = upstream("math")
    up.on("/raw", answer)
    srv = nexus(flows(up))
    r = call(srv, "POST", "/v1/workflows/raw", {})
    assert r.status == status, r
    assert r.json() == result


@pytest.mark.parametrize("answer,status,says,hides", [
    (Fixed(404, '{"error": "no such city"}', headers=[("Content-Type", "application/json")]), 404, "no such city", None),
    (Fixed(422, "bad input"), 422, "bad input", None),
    (Fixed(500, "stack trace at db.internal:5432"), 502, "answered 500", "db.internal"),
    (Fixed(401, "upstream token expired"), 502, "answered 401", "token"),
    (Fixed(200, "<html>not json</html>", headers=[("Content-Type", "text/html")]), 502, "not JSON", "html"),
])
def test_failed_answers_are_problems(nexus, upstream, answer, status, says, hides):
    up = upstream("math")
    up.on("/raw", answer)
    srv = nexus(flows(up))
    r = call(srv, "POST", "/v1/workflows/raw", {})
    assert r.status == status, r
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["status"] == status and says in p["detail"]
    if hides:
        assert hides not in r.body.decode()


def test_output_schema_and_size_limit(nexus, upstream):
    up = upstream("math")
    up.on("/sum", Fixed(200, '{"total": 3}', headers=[("Content-Type", "application/json")]))
    up.on("/raw", Fixed(200, '{"big": "' + "x" * 70000 + '"}', headers=[("Content-Type", "application/json")]))
    srv = nexus(deep_merge(flows(up), {"limits": {"max_body_bytes": "64KiB"}}))
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2})
    assert r.status == 502 and "output schema" in r.json()["detail"]
    r = call(srv, "POST", "/v1/workflows/raw", {})
    assert r.status == 502 and "larger than" in r.json()["detail"]
    # The server goes on.
    assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).json() == {"sum": 3}


def test_refused_and_killed_upstreams(nexus, upstream):
    srv = nexus(flows(dead_address()))
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2})
    assert r.status == 502, r
    assert "upstream failed" in r.json()["detail"] and "127.0.0.1" not in r.body.decode()
    up = upstream("math")
    up.on("/sum", JSONSum())
    srv2 = nexus(flows(up))
    assert call(srv2, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2}).json() == {"sum": 3}
    up.close()
    r = call(srv2, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2})
    assert r.status == 502, r


def test_timeout_of_the_workflow(nexus, upstream):
    up = upstream("math")
    up.on("/sum", Delay(3, JSONSum()))
    srv = nexus(flows(up, timeout="500ms"))
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2}, )
    # The pool's read timeout is 5 s and the upstream answers after 3 s: only the workflow's timeout gives a 504.
    assert r.status == 504, r
    assert "timeout (500ms)" in r.json()["detail"]


def test_pool_read_timeout_shorter_than_the_workflow(nexus, upstream):
    up = upstream("math")
    up.on("/sum", Delay(2, JSONSum()))
    cfg = flows(up)
    cfg["upstreams"][0]["timeouts"] = {**cfg["upstreams"][0]["timeouts"], "read": "500ms"}
    srv = nexus(cfg)
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2})
    # The pool gave up first (the workflow's own timeout is 30 s): a 504 that does not blame the workflow's timeout.
    assert r.status == 504, r
    assert "did not answer in time" in r.json()["detail"] and "timeout (30s)" not in r.json()["detail"]


def test_keepalive_reuse_and_pipelining(nexus, upstream):
    up = upstream("math")
    up.on("/sum", JSONSum())
    srv = nexus(flows(up))
    reqs = b""
    for i in range(5):
        body = json.dumps({"a": i, "b": 100}).encode()
        reqs += (b"POST /v1/workflows/remote_add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    reqs += b"POST /v1/workflows/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":1}"
    with srv.connect() as c:
        c.send(reqs)
        sums = [c.read_response().json()["sum"] for _ in range(6)]
    assert sums == [100, 101, 102, 103, 104, 2]
    assert len({r.conn_id for r in up.requests}) == 1  # one keep-alive upstream connection


def test_connection_close_waits_for_the_answer(nexus, upstream):
    up = upstream("math")
    up.on("/sum", Delay(0.3, JSONSum()))
    srv = nexus(flows(up))
    body = b'{"a":5,"b":6}'
    with srv.connect() as c:
        c.send(b"POST /v1/workflows/remote_add HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
               b"Content-Length: 13\r\n\r\n" + body)
        r = c.read_response()
        assert r.status == 200 and r.json() == {"sum": 11}
        assert c.wait_closed()


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_mcp_results_and_is_error(nexus, upstream, version):
    up = upstream("math")
    up.on("/sum", JSONSum())
    up.on("/raw", Fixed(503, "down"))
    srv = nexus(flows(up))
    h = initialize(srv, version)
    res = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                              "params": {"name": "remote_add", "arguments": {"a": 1, "b": 2}}}, headers=h))["result"]
    assert res["isError"] is False and res["structuredContent"] == {"sum": 3}
    res = body_json(rpc(srv, {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                              "params": {"name": "raw", "arguments": {}}}, headers=h))["result"]
    assert res["isError"] is True and "answered 503" in res["content"][0]["text"] and "structuredContent" not in res
    # SSE answers too.
    r = rpc(srv, {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "remote_add", "arguments": {"a": 2, "b": 2}}},
            headers={**h, "Accept": "text/event-stream"})
    assert r.headers["content-type"].startswith("text/event-stream")
    assert body_json(r)["result"]["structuredContent"] == {"sum": 4}


def test_mcp_stateless_revision_and_dead_upstream(nexus):
    srv = nexus(flows(dead_address()))
    r = modern(srv, "tools/call", {"name": "remote_add", "arguments": {"a": 1, "b": 2}}, name="remote_add")
    assert r.status == 200, r
    res = body_json(r)["result"]
    assert res["isError"] is True and res["resultType"] == "complete"
    assert "upstream failed" in res["content"][0]["text"]


def test_batch_with_upstream_calls_keeps_order(nexus, upstream):
    up = upstream("math")
    up.on("/sum", Delay(0.05, JSONSum()))
    srv = nexus(flows(up))
    h = initialize(srv, "2025-03-26")
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "remote_add", "arguments": {"a": 1, "b": 1}}},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 2}}},
             {"jsonrpc": "2.0", "method": "notifications/progress"},
             {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "remote_add", "arguments": {"a": 3, "b": 3}}},
             {"jsonrpc": "2.0", "id": 4, "method": "ping"}]
    answers = body_json(rpc(srv, batch, headers=h))
    assert [a["id"] for a in answers] == [1, 2, 3, 4]
    assert [json.loads(a["result"]["content"][0]["text"])["sum"] for a in answers[:3]] == [2, 4, 6]


def test_scopes_and_usage_apply_to_upstream_workflows(nexus, upstream, tmp_config_dir):
    up = upstream("math")
    up.on("/sum", JSONSum())
    cfg = auth_config(tmp_config_dir)
    remote = flows(up)["workflows"][1]
    cfg["workflows"].append({**remote, "scopes": ["math:run"]})
    cfg["upstreams"] = flows(up)["upstreams"]
    srv = nexus(cfg)
    assert call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2}).status == 401
    assert up.requests == []
    r = call(srv, "POST", "/v1/workflows/remote_add", {"a": 1, "b": 2}, headers={"X-API-Key": KEY_READER})
    assert r.status == 200 and r.json() == {"sum": 3}
    assert up.requests[-1].header("x-nexus-consumer") == "reader"
    assert up.requests[-1].header("x-api-key") is None


def write_config(tmp_path, over):
    cfg = deep_merge(DEFAULT_CONFIG, over)
    p = tmp_path / "wf.yaml"
    p.write_text(to_yaml(cfg))
    return p


@pytest.mark.parametrize("change,message", [
    ({"path": "/x/{nope}"}, "'{nope}' must name a required property"),
    ({"path": "/x/{b}", "input_schema": {"type": "object", "properties": {"b": {"type": "object"}}, "required": ["b"]}},
     "must be a string, number, integer or boolean"),
    ({"path": "x"}, "starts with '/'"),
    ({"path": "/x/{a"}, "not closed"),
    ({"method": "HEAD"}, "expected one of GET, POST, PUT, PATCH, DELETE"),
    ({"upstream": "maths"}, "did you mean 'math'"),
    ({"handler": "add"}, "either a built-in 'handler' or an 'upstream'"),
])
def test_config_checks(tmp_path, change, message):
    over = flows("127.0.0.1:9")
    over["workflows"] = [{**over["workflows"][1], **change}]
    r = run_nexusd(["--check-config", str(write_config(tmp_path, over))])
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
