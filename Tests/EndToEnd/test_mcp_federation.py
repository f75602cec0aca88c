"""MCP federation end to end (both back ends): nexusd re-exports the tools of the MCP servers in `mcp_servers` under a
prefix, forwards their calls with the server's own credentials, drops a server that goes away and takes it back
when it returns. The servers are fastmcp processes (mcp_upstream_server.py) the tests start, SIGKILL and restart on
the same port. Raw HTTP for the protocol rows (the helpers of test_mcp.py), then the official MCP SDK and fastmcp as
clients of nexusd pinned to 2025-11-25 and 2026-07-28, then TLS, then configuration errors (--check-config).

Every wait is a poll with a deadline: the servers are configured with `refresh_interval: 1s`, so a change shows
within a few seconds; POLL (10 s) is the most any test waits for one."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time

import pytest

from mcp_upstream import McpUpstream, mcp_upstream, start_all  # noqa: F401  (fixture)
from nexus_e2e import DEFAULT_CONFIG, deep_merge, run_nexusd, to_yaml
from test_mcp import MODERN, body_json, initialize, modern, rpc
from tls_certs import pki  # noqa: F401  (fixture)
from workflow_fixtures import KEY_NOBODY, KEY_READER, auth_config, call, open_config

POLL = 10.0
UP_TOOLS = ["echo", "add", "whoami", "fail", "slow", "rpc_error"]
WORKFLOWS = ["echo", "add"]
ALL_VERSIONS = ["2025-03-26", "2025-06-18", "2025-11-25", MODERN]


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def entry(name: str, u: McpUpstream, **settings) -> dict:
    """An `mcp_servers` entry for the test server `u`: refreshed every second, 5 s per request."""
    return {"name": name, "url": u.url, "refresh_interval": "1s", "timeout": "5s", **settings}


def fed_config(*servers: dict, base: dict | None = None, **extra) -> dict:
    return {**(base if base is not None else open_config()), "mcp_servers": list(servers), **extra}


def prefixed(prefix: str, tools=UP_TOOLS) -> list[str]:
    return [prefix + t for t in tools]


class Caller:
    """A client of nexusd's /mcp under one revision: 2026-07-28 stateless, else an initialized session.
    `headers` (credentials) go with every request."""

    def __init__(self, srv, version: str = MODERN, headers: dict | None = None):
        self.srv = srv
        self.version = version
        self.h = dict(headers or {}) if version == MODERN else initialize(srv, version, headers)

    def send(self, method: str, params: dict | None = None):
        if self.version == MODERN:
            name = (params or {}).get("name") if method == "tools/call" else None
            return modern(self.srv, method, params, headers=self.h, name=name)
        body = {"jsonrpc": "2.0", "id": 9, "method": method}
        if params is not None:
            body["params"] = params
        return rpc(self.srv, body, headers=self.h)

    def tools(self) -> list[dict]:
        """Every page of tools/list."""
        tools, cursor = [], None
        for _ in range(50):
            r = self.send("tools/list", {"cursor": cursor} if cursor else None)
            assert r.status == 200, r
            res = body_json(r)["result"]
            tools += res["tools"]
            cursor = res.get("nextCursor")
            if not cursor:
                return tools
        raise AssertionError("tools/list never ended")

    def names(self) -> list[str]:
        return [t["name"] for t in self.tools()]

    def call(self, name: str, arguments: dict | None = None):
        """(HTTP response, JSON-RPC answer or None) of a tools/call."""
        r = self.send("tools/call", {"name": name, "arguments": arguments or {}})
        try:
            doc = body_json(r)
        except ValueError:
            doc = None
        return r, doc

    def result(self, name: str, arguments: dict | None = None) -> dict:
        r, doc = self.call(name, arguments)
        assert r.status == 200 and doc is not None and "result" in doc, f"tools/call {name}: {r!r}"
        return doc["result"]


def poll(get, ok, timeout: float = POLL, interval: float = 0.2, what: str = "the condition"):
    """Calls get() until ok(value); returns the value, or fails with the last one after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s; last: {value!r}")
        time.sleep(interval)


def wait_listed(srv, expected: list[str], caller: Caller | None = None, timeout: float = POLL) -> list[str]:
    c = caller or Caller(srv)
    return poll(c.names, lambda names: names == expected, timeout, what=f"tools/list == {expected}")


def text_of(result: dict) -> str:
    return " ".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


def assert_unavailable(result: dict, server: str, died_mid_call: bool = False):
    """A call to a server that is down: an isError result whose text names the server as unavailable (or the
    call as failed, when the server died during it)."""
    assert result.get("isError") is True, result
    assert "structuredContent" not in result, result
    text = text_of(result)
    if died_mid_call:
        assert re.search(r"(?i)unavailable|fail", text), text
    else:
        assert re.search(r"(?i)unavailable", text) and server in text, text


def upstream_tool_list(u: McpUpstream, version: str = "2025-11-25") -> list[dict]:
    """The server's own tools/list (every page), asked directly: what nexusd should re-export."""
    import ssl
    import urllib.request

    ctx = None
    if u.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE

    def post(body, sid=None):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "MCP-Protocol-Version": version}
        if sid:
            h["Mcp-Session-Id"] = sid
        req = urllib.request.Request(u.url, data=json.dumps(body).encode(), headers=h, method="POST")
        with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:
            text = resp.read().decode()
            sid = resp.headers.get("mcp-session-id") or sid
        if not text:
            return None, sid
        data = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
        return json.loads(data[-1] if data else text), sid

    _, sid = post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    post({"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
    tools, cursor = [], None
    while True:
        doc, _ = post({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"cursor": cursor} if cursor else {}}, sid)
        tools += doc["result"]["tools"]
        cursor = doc["result"].get("nextCursor")
        if not cursor:
            return tools


# ----------------------------------------------------------------------------------------------
# Listing and forwarding (raw HTTP)
# ----------------------------------------------------------------------------------------------


def test_prefixed_tools_are_listed_after_the_workflows_in_configuration_order(nexus, mcp_upstream):
    """Two entries (default prefix `up_`, explicit prefix `o_`) on one server that answers tools/list in pages of
    4: every page is fetched; the workflows come first, then each server's tools in configuration order, with the
    title, description and schemas the server gives them; outputSchema only from 2025-06-18 on. Federated tools
    are MCP only: no REST workflow."""
    u = mcp_upstream(page_size=4)
    srv = nexus(fed_config(entry("up", u), entry("other", u, prefix="o_")))
    expected = WORKFLOWS + prefixed("up_") + prefixed("o_")
    wait_listed(srv, expected)

    # Discovery as the specification has it: initialize, then in the session the server issued (one per entry)
    # notifications/initialized and tools/list (every page), under 2025-11-25.
    sessions: dict[str, list[dict]] = {}
    for r in u.requests:
        if r["headers"]["mcp-session-id"]:
            sessions.setdefault(r["headers"]["mcp-session-id"], []).append(r)
    assert len(sessions) >= 2 and len([r for r in u.requests if r["rpc"] == "initialize"]) >= 2, u.requests
    for reqs in sessions.values():
        assert [r["rpc"] for r in reqs[:2]] == ["notifications/initialized", "tools/list"], reqs
        assert all(r["headers"]["mcp-protocol-version"] == "2025-11-25" for r in reqs), reqs
        assert len([r for r in reqs if r["rpc"] == "tools/list"]) >= 2, reqs  # 6 tools in pages of 4

    own = {t["name"]: t for t in upstream_tool_list(u)}
    assert sorted(own) == sorted(UP_TOOLS), own.keys()
    for version in ALL_VERSIONS:
        tools = Caller(srv, version).tools()
        assert [t["name"] for t in tools] == expected, version
        for t in tools[len(WORKFLOWS):]:
            name = t["name"][len("up_"):] if t["name"].startswith("up_") else t["name"][len("o_"):]
            src = own[name]
            assert t["description"] == src["description"], (version, t)
            assert t["inputSchema"] == src["inputSchema"], (version, t)
            if version == "2025-03-26":
                assert "outputSchema" not in t, t
            else:
                assert t.get("title") == src.get("title"), (version, t)
                assert t.get("outputSchema") == src.get("outputSchema"), (version, t)

    # MCP only: the REST channel knows nothing of them; the workflows are still served there.
    assert call(srv, "POST", "/v1/workflows/up_echo", {"text": "x"}).status == 404
    assert [w["name"] for w in call(srv, "GET", "/v1/workflows").json()["workflows"]] == WORKFLOWS
    assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).json() == {"sum": 3}


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_calls_are_forwarded_and_results_pass_through(nexus, mcp_upstream, version):
    """A prefixed call runs the server's tool of the original name with the same arguments: content,
    structuredContent (where the revision has it) and isError pass through; a JSON-RPC error from the server comes
    back with its code and message. Under 2025-06-18 the server answers application/json, otherwise SSE."""
    u = mcp_upstream(json_response=(version == "2025-06-18"))
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    c = Caller(srv, version)

    res = c.result("up_add", {"a": 2, "b": 3})
    assert res["isError"] is False and text_of(res) == "5", res
    if version == "2025-03-26":
        assert "structuredContent" not in res, res
    else:
        assert res["structuredContent"] == {"result": 5}, res
    assert u.calls("add"), u.requests

    res = c.result("up_echo", {"text": "héllo \"wörld\"\n"})
    assert res["isError"] is False and text_of(res) == "héllo \"wörld\"\n", res

    res = c.result("up_fail", {"message": "boom: it failed"})
    assert res["isError"] is True and text_of(res) == "boom: it failed", res
    assert "structuredContent" not in res, res

    r, doc = c.call("up_rpc_error", {"code": -32042, "message": "the server says no"})
    assert doc is not None and "error" in doc, r
    assert doc["error"]["code"] == -32042 and doc["error"]["message"] == "the server says no", doc

    # The workflows are unaffected.
    res = c.result("add", {"a": 1, "b": 2})
    assert json.loads(text_of(res)) == {"sum": 3}


def test_many_concurrent_calls(nexus, mcp_upstream):
    """50 calls at once over separate connections: each gets its own answer."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    results: dict[int, object] = {}

    def one(i):
        try:
            results[i] = Caller(srv).result("up_add", {"a": i, "b": 1000})
        except BaseException as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    bad = {i: r for i, r in results.items() if not (isinstance(r, dict) and r.get("structuredContent") == {"result": i + 1000})}
    assert len(results) == 50 and not bad, bad


def test_a_slow_call_neither_holds_up_nor_loses_to_other_calls(nexus, mcp_upstream):
    """While `up_slow` (1.5 s) runs: a workflow, a tool of another entry and another tool of the same server answer
    at once, and the slow call still gets its own answer afterwards (each forwarded call is its own JSON-RPC request
    upstream: two outstanding requests in one session never share an id)."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u), entry("two", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_") + prefixed("two_"))
    out: dict = {}

    def slow():
        t0 = time.monotonic()
        try:
            out["result"] = Caller(srv).result("up_slow", {"seconds": 1.5})
        except BaseException as e:  # noqa: BLE001
            out["result"] = e
        out["took"] = time.monotonic() - t0

    t = threading.Thread(target=slow)
    t.start()
    assert u.wait_calls("slow", 1, timeout=5), "the call did not reach the server"
    for name, args, want in [("add", {"a": 1, "b": 1}, '{"sum":2}'), ("two_echo", {"text": "other"}, "other"),
                             ("up_echo", {"text": "same"}, "same")]:
        t0 = time.monotonic()
        res = Caller(srv).result(name, args)
        assert text_of(res).replace(" ", "") == want and time.monotonic() - t0 < 1.0, (name, res)
    t.join(10)
    assert isinstance(out.get("result"), dict), out
    assert out["result"]["isError"] is False and text_of(out["result"]) == "slept", out
    assert out["took"] < 3.5, out


# ----------------------------------------------------------------------------------------------
# Credentials, scopes, anonymous, rate limits
# ----------------------------------------------------------------------------------------------


def test_the_server_sees_its_own_credentials_never_the_callers(nexus, mcp_upstream, tmp_config_dir):
    """`up` requires X-Api-Token: abc (its `headers`), `sec` requires Authorization: Bearer s3cret-token (its
    `bearer_token_file`, relative to the config file, trimmed). Both answer 401 to any request without them, so
    their tools are listed only if discovery carried them too. Callers present their Nexus key as X-API-Key or as
    Authorization: Bearer; neither server ever sees it."""
    a = McpUpstream(require_header="X-Api-Token=abc")
    b = McpUpstream(require_header="Authorization=Bearer s3cret-token")
    start_all(a, b)
    try:
        token = tmp_config_dir / "sec-token.txt"
        token.write_text("  s3cret-token \n")
        token.chmod(0o600)
        cfg = fed_config(entry("up", a, anonymous=True, headers={"X-Api-Token": "abc"}),
                         entry("sec", b, scopes=["math:run"], bearer_token_file="sec-token.txt"),
                         base=auth_config(tmp_config_dir))
        srv = nexus(cfg)
        as_key = Caller(srv, MODERN, {"X-API-Key": KEY_READER})
        as_bearer = Caller(srv, "2025-11-25", {"Authorization": f"Bearer {KEY_READER}"})
        wait_listed(srv, WORKFLOWS + prefixed("up_") + prefixed("sec_"), as_key)

        for c in (as_key, as_bearer):
            assert c.result("up_whoami")["structuredContent"] == \
                {"authorization": None, "x-api-token": "abc", "x-api-key": None}
            assert c.result("sec_whoami")["structuredContent"] == \
                {"authorization": "Bearer s3cret-token", "x-api-token": None, "x-api-key": None}
            assert c.result("sec_add", {"a": 1, "b": 1})["structuredContent"] == {"result": 2}

        # Nothing the servers received (discovery, sessions, calls) carried a caller's key; nothing was refused.
        for u in (a, b):
            assert u.requests
            leaked = [v for v in u.header_values() if KEY_READER in v or KEY_NOBODY in v]
            assert not leaked, leaked
        assert all(r["headers"]["x-api-token"] == "abc" for r in a.requests), a.requests
        assert all(r["headers"]["authorization"] == "Bearer s3cret-token" for r in b.requests), b.requests
    finally:
        a.kill()
        b.kill()


def refused(r, doc) -> bool:
    """A call the caller may not make, refused inside Nexus as for a workflow: 401/403, or the tool unknown to it
    (-32602)."""
    return r.status in (401, 403) or (r.status == 200 and doc is not None and doc.get("error", {}).get("code") == -32602)


def test_scopes_anonymous_and_rate_limits_of_a_server_entry(nexus, mcp_upstream, tmp_config_dir):
    """`pub` is anonymous; `sec` needs the scope math:run and allows 2 calls a minute per consumer. Who sees which
    tools, who may call them (a refusal never reaches the server), and 429 past the limit."""
    u = mcp_upstream()
    cfg = fed_config(entry("pub", u, anonymous=True),
                     entry("sec", u, scopes=["math:run"], rate_limits=[{"per": "consumer", "rate": "2/m", "burst": 0}]),
                     base=auth_config(tmp_config_dir))
    srv = nexus(cfg)
    reader = Caller(srv, MODERN, {"X-API-Key": KEY_READER})
    wait_listed(srv, WORKFLOWS + prefixed("pub_") + prefixed("sec_"), reader)
    assert Caller(srv).names() == ["echo"] + prefixed("pub_")
    assert Caller(srv, MODERN, {"X-API-Key": KEY_NOBODY}).names() == ["echo"] + prefixed("pub_")
    assert Caller(srv, "2025-11-25", {"Authorization": f"Bearer {KEY_NOBODY}"}).names() == ["echo"] + prefixed("pub_")

    # Anonymous callers and keys without the scope run `pub_*` but not `sec_*`.
    for c in (Caller(srv), Caller(srv, MODERN, {"X-API-Key": KEY_NOBODY}), Caller(srv, "2025-11-25")):
        assert c.result("pub_echo", {"text": "hi"})["content"][0]["text"] == "hi"
        r, doc = c.call("sec_echo", {"text": "no"})
        assert refused(r, doc), r
    # A key that is not valid: 401 as for workflows.
    r, _ = Caller(srv, MODERN, {"X-API-Key": "not-a-key-0123456789"}).call("pub_echo", {"text": "x"})
    assert r.status == 401, r
    assert len(u.calls("echo")) == 3, u.calls("echo")  # the three pub_echo calls only

    # The reader: at most 2 calls a minute on sec_*, then 429 (with Retry-After); a refused call never reaches the
    # server; pub_* and workflows go on.
    statuses = [reader.call("sec_echo", {"text": f"m{i}"})[0].status for i in range(4)]
    assert statuses[0] == 200 and statuses[-1] == 429 and statuses == sorted(statuses), statuses
    r, _ = reader.call("sec_echo", {"text": "late"})
    assert r.status == 429 and "retry-after" in r.headers, r
    assert len(u.calls("echo")) == 3 + statuses.count(200), u.calls("echo")
    assert reader.result("pub_echo", {"text": "still"})["isError"] is False
    assert reader.result("echo", {"message": "m"})["isError"] is False


# ----------------------------------------------------------------------------------------------
# A server that goes away and comes back
# ----------------------------------------------------------------------------------------------


def test_a_killed_server_disappears_and_returns_on_the_same_port(nexus, mcp_upstream):
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    legacy = Caller(srv, "2025-11-25")
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    assert legacy.result("up_echo", {"text": "before"})["content"][0]["text"] == "before"

    u.kill()
    # A call right away: the server is either known down already or the forwarded call fails.
    assert_unavailable(Caller(srv).result("up_echo", {"text": "x"}), "up", died_mid_call=True)
    wait_listed(srv, WORKFLOWS)
    assert legacy.names() == WORKFLOWS
    for c in (Caller(srv), legacy):
        assert_unavailable(c.result("up_echo", {"text": "x"}), "up")
        assert json.loads(text_of(c.result("add", {"a": 2, "b": 2}))) == {"sum": 4}
    assert call(srv, "GET", "/api/echo").status == 200
    assert srv.running()

    u.start()
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    for c in (Caller(srv), legacy):
        assert c.result("up_add", {"a": 40, "b": 2})["structuredContent"] == {"result": 42}

    # Twice more: it keeps coming back.
    for _ in range(2):
        u.kill()
        wait_listed(srv, WORKFLOWS)
        u.start()
        wait_listed(srv, WORKFLOWS + prefixed("up_"))
    assert Caller(srv).result("up_echo", {"text": "again"})["content"][0]["text"] == "again"
    assert srv.running()


def test_a_quick_restart_before_nexusd_notices(nexus, mcp_upstream):
    """The server is killed and back on its port before a refresh: nexusd's session there is gone (the new process
    answers 404 to it). Calls may fail meanwhile (isError), but within the refresh time they succeed again."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    u.restart()
    first = Caller(srv).result("up_echo", {"text": "x"})
    assert first["isError"] is False or text_of(first), first
    poll(lambda: Caller(srv).result("up_echo", {"text": "again"}), lambda r: r.get("isError") is False and text_of(r) == "again",
         what="up_echo answering after the restart")
    assert Caller(srv).names() == WORKFLOWS + prefixed("up_")


def test_a_server_that_dies_during_a_call(nexus, mcp_upstream):
    """`slow` is running when the server is SIGKILLed: the caller gets an isError result at once (not after the
    5 s timeout nor the 5 s the tool would take), and nexusd serves on."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    out: dict = {}

    def slow():
        t0 = time.monotonic()
        out["result"] = Caller(srv).result("up_slow", {"seconds": 5})
        out["took"] = time.monotonic() - t0

    t = threading.Thread(target=slow)
    t.start()
    assert u.wait_calls("slow", 1, timeout=5), "the call did not reach the server"
    time.sleep(0.2)
    u.kill()
    t.join(10)
    assert "result" in out, "no answer within 10 s"
    assert out["took"] < 4, out
    assert_unavailable(out["result"], "up", died_mid_call=True)
    assert json.loads(text_of(Caller(srv).result("add", {"a": 1, "b": 1}))) == {"sum": 2}
    assert srv.running()


def test_a_call_past_the_timeout(nexus, mcp_upstream):
    """timeout: 1s and a tool that takes 3 s: an isError result after about a second; the server's other tools
    answer again afterwards."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u, timeout="1s")))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    t0 = time.monotonic()
    res = Caller(srv).result("up_slow", {"seconds": 3})
    took = time.monotonic() - t0
    assert res["isError"] is True and "structuredContent" not in res, res
    assert 0.8 < took < 2.8, took
    poll(lambda: Caller(srv).result("up_echo", {"text": "ok"}), lambda r: r.get("isError") is False,
         what="up_echo answering after a timeout")
    assert srv.running()


def test_a_server_down_at_start_is_taken_when_it_comes_up(nexus, mcp_upstream):
    u = mcp_upstream(start=False)
    srv = nexus(fed_config(entry("late", u)))
    assert Caller(srv).names() == WORKFLOWS
    time.sleep(1.5)  # a few failed attempts
    assert Caller(srv).names() == WORKFLOWS
    assert_unavailable(Caller(srv).result("late_echo", {"text": "x"}), "late")
    assert srv.running()
    u.start()
    wait_listed(srv, WORKFLOWS + prefixed("late_"))
    assert Caller(srv).result("late_add", {"a": 1, "b": 2})["structuredContent"] == {"result": 3}


def test_a_server_down_at_start_is_retried_with_backoff_not_the_refresh_interval(nexus, mcp_upstream):
    """refresh_interval: 30s, and the server comes up about a second after nexusd: retries after 1 s, 2 s, 4 s ...
    find it well before 30 s."""
    u = mcp_upstream(start=False)
    srv = nexus(fed_config(entry("late", u, refresh_interval="30s")))
    assert Caller(srv).names() == WORKFLOWS
    u.start()
    wait_listed(srv, WORKFLOWS + prefixed("late_"), timeout=12)


def test_the_server_is_listed_again_every_refresh(nexus, mcp_upstream):
    """The server comes back serving fewer tools, then all of them again: nexusd's listing follows each time."""
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    u.restart(tools=["echo", "add"])
    wait_listed(srv, WORKFLOWS + ["up_echo", "up_add"])
    r, doc = Caller(srv).call("up_whoami")
    assert (doc or {}).get("error", {}).get("code") == -32602 or (doc or {}).get("result", {}).get("isError") is True, r
    assert not u.calls("whoami"), u.requests
    u.restart(tools=UP_TOOLS)
    wait_listed(srv, WORKFLOWS + prefixed("up_"))
    assert Caller(srv).result("up_whoami")["isError"] is False


class BadServer:
    """A TCP server that is not an MCP server: `close` (accepts, then closes), `garbage` (not HTTP), `notjson`
    (200 application/json that is not JSON), `status404` (404 to everything), `silent` (reads, never answers)."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.accepted = 0
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c: socket.socket):
        try:
            c.settimeout(10)
            if self.mode == "close":
                c.close()
                return
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
            if self.mode == "silent":
                self.conns.append(c)
                return
            if self.mode == "garbage":
                c.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 10)
            elif self.mode == "notjson":
                body = b"{this is not json"
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif self.mode == "status404":
                c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            time.sleep(0.2)
            c.close()
        except OSError:
            pass

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_servers_that_are_not_mcp_servers(nexus, mcp_upstream):
    """Five entries on servers that are not MCP servers, then a good one: only the good one's tools are listed,
    calls to the others are isError results, each failing server is logged, and nexusd serves on."""
    bad = {mode: BadServer(mode) for mode in ["close", "garbage", "notjson", "status404", "silent"]}
    try:
        u = mcp_upstream()
        servers = [{"name": f"bad-{m}", "url": b.url, "refresh_interval": "1s", "timeout": "1s", "prefix": f"{m}_"}
                   for m, b in bad.items()]
        srv = nexus(fed_config(*servers, entry("up", u)))
        wait_listed(srv, WORKFLOWS + prefixed("up_"))
        time.sleep(2.5)  # a few more attempts at the bad ones (timeout 1s)
        assert Caller(srv).names() == WORKFLOWS + prefixed("up_")
        for m, b in bad.items():
            assert b.accepted >= 1, m
            assert_unavailable(Caller(srv).result(f"{m}_echo", {"text": "x"}), f"bad-{m}")
            assert f"bad-{m}" in srv.stderr, f"nothing logged about bad-{m}:\n{srv.stderr}"
        assert Caller(srv).result("up_add", {"a": 1, "b": 2})["structuredContent"] == {"result": 3}
        assert json.loads(text_of(Caller(srv).result("add", {"a": 1, "b": 2}))) == {"sum": 3}
        assert srv.running()
    finally:
        for b in bad.values():
            b.close()


METRICS_RE = re.compile(r"metrics listening address=(\S+):(\d+)")


def server_up_metric(addr, name: str) -> str | None:
    with socket.create_connection(addr, timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    m = re.search(r'^nexus_mcp_server_up\{server="%s"\} (\S+)$' % re.escape(name), data.decode(), re.M)
    return m.group(1) if m else None


def test_metrics_server_up(nexus, mcp_upstream):
    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u), metrics={"address": "127.0.0.1:0"}))
    m = srv.wait_for_line(METRICS_RE, timeout=5)
    assert m, srv.stderr
    addr = (m.group(1), int(m.group(2)))
    poll(lambda: server_up_metric(addr, "up"), lambda v: v == "1", what="nexus_mcp_server_up 1")
    u.kill()
    poll(lambda: server_up_metric(addr, "up"), lambda v: v == "0", what="nexus_mcp_server_up 0")
    u.start()
    poll(lambda: server_up_metric(addr, "up"), lambda v: v == "1", what="nexus_mcp_server_up 1 again")


# ----------------------------------------------------------------------------------------------
# Interop: clients nobody here wrote, against nexusd's /mcp
# ----------------------------------------------------------------------------------------------

PINS = ["2025-11-25", MODERN]


def sdk_mode(version: str) -> str:
    return "legacy" if version == "2025-11-25" else version


def mcp_url(srv) -> str:
    return f"http://{srv.host}:{srv.port}/mcp"


@pytest.mark.parametrize("version", PINS)
def test_official_sdk_client(nexus, mcp_upstream, version):
    pytest.importorskip("mcp", reason="the MCP Python SDK is not installed (scripts/install-deps)")
    from mcp import Client
    from mcp.shared.exceptions import MCPError

    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))

    async def main():
        async with Client(mcp_url(srv), mode=sdk_mode(version)) as c:
            assert c.protocol_version == version
            tools = (await c.list_tools()).tools
            assert [t.name for t in tools] == WORKFLOWS + prefixed("up_")
            add = next(t for t in tools if t.name == "up_add")
            assert add.title == "Add (upstream)" and add.input_schema["required"] == ["a", "b"]
            r = await c.call_tool("up_add", {"a": 2, "b": 3})
            assert r.is_error is False and r.structured_content == {"result": 5}
            r = await c.call_tool("up_fail", {"message": "boom"})
            assert r.is_error is True and r.content[0].text == "boom"
            with pytest.raises(MCPError) as e:
                await c.call_tool("up_rpc_error", {"code": -32042, "message": "no"})
            assert e.value.error.code == -32042 and e.value.error.message == "no"
            results = await asyncio.gather(*[c.call_tool("up_add", {"a": i, "b": 1}) for i in range(20)])
            assert [r.structured_content["result"] for r in results] == [i + 1 for i in range(20)]
            u.kill()
            r = await c.call_tool("up_echo", {"text": "x"})
            assert r.is_error is True and r.structured_content is None
            assert (await c.call_tool("add", {"a": 1, "b": 1})).structured_content == {"sum": 2}

    asyncio.run(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize("version", PINS)
def test_fastmcp_client(nexus, mcp_upstream, version):
    fastmcp = pytest.importorskip("fastmcp", reason="fastmcp is not installed (scripts/install-deps)")
    from fastmcp.exceptions import ToolError

    u = mcp_upstream()
    srv = nexus(fed_config(entry("up", u)))
    wait_listed(srv, WORKFLOWS + prefixed("up_"))

    async def main():
        async with fastmcp.Client(mcp_url(srv), mode=sdk_mode(version)) as c:
            assert [t.name for t in await c.list_tools()] == WORKFLOWS + prefixed("up_")
            r = await c.call_tool("up_add", {"a": 20, "b": 22})
            # The server's outputSchema came through unchanged (x-fastmcp-wrap-result): fastmcp unwraps it.
            assert r.structured_content == {"result": 42} and r.data == 42 and not r.is_error
            assert (await c.call_tool("up_echo", {"text": "hi"})).data == "hi"
            with pytest.raises(ToolError) as e:
                await c.call_tool("up_fail", {"message": "boom"})
            assert "boom" in str(e.value)
            u.kill()
            r = await c.call_tool("up_echo", {"text": "x"}, raise_on_error=False)
            assert r.is_error
            assert (await c.call_tool("echo", {"message": "m"})).structured_content == {"message": "m"}

            async def wait_listed(present: bool):
                deadline = time.monotonic() + POLL
                while ("up_echo" in [t.name for t in await c.list_tools()]) != present:
                    assert time.monotonic() < deadline, f"up_echo {'never came back' if present else 'still listed'}"
                    await asyncio.sleep(0.2)

            await wait_listed(False)
            u.start()
            await wait_listed(True)
            assert (await c.call_tool("up_echo", {"text": "back"})).data == "back"

    asyncio.run(asyncio.wait_for(main(), 60))


# ----------------------------------------------------------------------------------------------
# TLS to the server
# ----------------------------------------------------------------------------------------------


# `tls` takes the keys of upstreams[].tls (docs/configuration.md): verify, ca, server_name, cert, key. (The brief of
# these tests named them ca_file, client_cert, client_key; the implementation and its documentation use the upstream
# names, and so do the tests.)


def tls_upstream(mcp_upstream, pki) -> McpUpstream:
    return mcp_upstream(certfile=pki.path("a.test.pem"), keyfile=pki.path("a.test.key"))


def test_tls_verified_with_a_ca_file(nexus, mcp_upstream, pki):
    u = tls_upstream(mcp_upstream, pki)
    assert u.url.startswith("https://")
    srv = nexus(fed_config(entry("secure", u, tls={"ca": pki.path("ca.pem"), "server_name": "a.test"})))
    wait_listed(srv, WORKFLOWS + prefixed("secure_"))
    assert Caller(srv).result("secure_add", {"a": 1, "b": 1})["structuredContent"] == {"result": 2}
    # Verified against the IP address in the certificate when no server_name is given.
    srv2 = nexus(fed_config(entry("secure", u, tls={"ca": pki.path("ca.pem")})))
    wait_listed(srv2, WORKFLOWS + prefixed("secure_"))


def test_tls_with_the_wrong_ca_is_never_listed(nexus, mcp_upstream, pki):
    """A certificate nexusd cannot verify: the tools never show, a log line names the server and the reason, calls
    are isError results, and nexusd serves on."""
    u = tls_upstream(mcp_upstream, pki)
    srv = nexus(fed_config(entry("secure", u, tls={"ca": pki.path("other-ca.pem"), "server_name": "a.test"})))

    def tls_failure(line: str) -> bool:
        return ("secure" in line and re.search(r"(?i)certif|verif", line) is not None
                and re.search(r"(?i)fail|error|unable|invalid|untrusted|unknown", line) is not None)

    deadline = time.monotonic() + POLL
    while not any(tls_failure(l) for l in srv.stderr.splitlines()):
        assert time.monotonic() < deadline, f"no log line names the server and the certificate failure:\n{srv.stderr}"
        time.sleep(0.2)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # several refreshes: never listed
        assert Caller(srv).names() == WORKFLOWS
        time.sleep(0.3)
    assert_unavailable(Caller(srv).result("secure_echo", {"text": "x"}), "secure")
    assert not u.calls(), u.requests  # no MCP request got through (the handshake failed)
    assert json.loads(text_of(Caller(srv).result("add", {"a": 1, "b": 1}))) == {"sum": 2}
    assert srv.running()


# ----------------------------------------------------------------------------------------------
# Configuration errors (nexusd --check-config)
# ----------------------------------------------------------------------------------------------


def _check(tmp_path, cfg: dict):
    path = tmp_path / "check.yaml"
    path.write_text(to_yaml(deep_merge(DEFAULT_CONFIG, cfg)))
    return run_nexusd(["--check-config", str(path)])


def _servers(*servers, base=None) -> dict:
    return {**(base if base is not None else open_config()), "mcp_servers": list(servers)}


OK_SERVER = {"name": "tools", "url": "http://127.0.0.1:9/mcp"}


@pytest.fixture
def token_file(tmp_path):
    f = tmp_path / "token.txt"
    f.write_text("t0ken\n")
    f.chmod(0o600)
    return f


def test_check_config_accepts_a_valid_entry(nexusd_binary, tmp_path, token_file, pki):
    """The control: every key of the specification, a server that is not running (not contacted by the check)."""
    full = {**OK_SERVER, "url": "https://127.0.0.1:9/mcp", "prefix": "t_", "headers": {"X-Api-Token": "abc"},
            "bearer_token_file": "token.txt", "tls": {"verify": True, "ca": pki.path("ca.pem"), "server_name": "a.test",
                                                           "cert": pki.path("client.pem"), "key": pki.path("client.key")},
            "timeout": "10s", "refresh_interval": "30s", "scopes": ["math:run"],
            "rate_limits": [{"per": "consumer", "rate": "10/s", "burst": 0}]}
    r = _check(tmp_path, _servers(full, {"name": "open.tools-2", "url": "http://127.0.0.1:9/mcp", "anonymous": True},
                                  base=auth_config(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert _check(tmp_path, _servers(OK_SERVER)).returncode == 0


# case: (servers, what the error must say: a regex searched in stderr). The error names the entry (mcp_servers[i])
# and the key or the reason.
BAD = {
    "bad url scheme": ([{**OK_SERVER, "url": "ftp://127.0.0.1:9/mcp"}], r"mcp_servers\[0\].*url"),
    "url without a host": ([{**OK_SERVER, "url": "http:///mcp"}], r"mcp_servers\[0\].*url"),
    "duplicate name": ([OK_SERVER, {**OK_SERVER, "prefix": "other_"}], r"mcp_servers.*(?i:tools|unique|duplicate)"),
    "name with a space": ([{**OK_SERVER, "name": "my tools"}], r"mcp_servers\[0\].*name"),
    "name too long": ([{**OK_SERVER, "name": "n" * 65}], r"mcp_servers\[0\].*name"),
    "empty name": ([{**OK_SERVER, "name": ""}], r"mcp_servers\[0\].*name"),
    "no url": ([{"name": "tools"}], r"mcp_servers\[0\].*url"),
    "tls with an http url": ([{**OK_SERVER, "tls": {"verify": False}}], r"mcp_servers\[0\].*(tls|https)"),
    "unknown key": ([{**OK_SERVER, "bogus_key": 1}], r"mcp_servers\[0\].*bogus_key"),
    "unknown tls key": ([{**OK_SERVER, "url": "https://127.0.0.1:9/mcp", "tls": {"bogus_tls": 1}}], r"mcp_servers\[0\]\.tls.*bogus_tls"),
    "duplicate prefix": ([OK_SERVER, {**OK_SERVER, "name": "other", "prefix": "tools_"}], r"mcp_servers.*prefix"),
    "a header nexusd writes": ([{**OK_SERVER, "headers": {"Mcp-Session-Id": "x"}}], r"mcp_servers\[0\].*headers"),
    "scopes without auth": ([{**OK_SERVER, "scopes": ["x"]}], r"mcp_servers\[0\].*auth"),
    "anonymous without auth": ([{**OK_SERVER, "anonymous": True}], r"mcp_servers\[0\].*auth"),
    "bad timeout": ([{**OK_SERVER, "timeout": "soon"}], r"mcp_servers\[0\].*timeout"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_check_config_refuses(nexusd_binary, tmp_path, case):
    servers, pattern = BAD[case]
    r = _check(tmp_path, _servers(*servers))
    assert r.returncode != 0, f"{case}: accepted\n{r.stderr}"
    assert re.search(pattern, r.stderr), f"{case}: {pattern!r} not in: {r.stderr}"


def test_check_config_refuses_a_bearer_token_file_others_may_read(nexusd_binary, tmp_path, token_file):
    token_file.chmod(0o644)
    r = _check(tmp_path, _servers({**OK_SERVER, "bearer_token_file": "token.txt"}))
    assert r.returncode != 0 and re.search(r"mcp_servers\[0\].*bearer_token_file", r.stderr), r.stderr
    token_file.chmod(0o600)
    r = _check(tmp_path, _servers({**OK_SERVER, "bearer_token_file": "token.txt"}))
    assert r.returncode == 0, r.stderr
    r = _check(tmp_path, _servers({**OK_SERVER, "bearer_token_file": "missing.txt"}))
    assert r.returncode != 0 and "bearer_token_file" in r.stderr, r.stderr


def test_check_config_refuses_a_workflow_named_under_a_prefix(nexusd_binary, tmp_path):
    """`tools_echo` would be both a workflow and the server's `echo` (docs/configuration.md: a workflow name may not
    start with a prefix)."""
    from workflow_fixtures import ECHO
    r = _check(tmp_path, _servers(OK_SERVER, base={"workflows": [{**ECHO, "name": "tools_echo"}]}))
    assert r.returncode != 0 and re.search(r"(mcp_servers|workflows).*(tools_|prefix)", r.stderr), r.stderr
