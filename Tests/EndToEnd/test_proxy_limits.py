"""Reverse proxy at its limits: IPv6 backends, connect timeouts, the per-backend connection cap, oversized or
ambiguous upstream response heads, and a backend that answers early (before reading the request body)."""

import select
import socket
import threading
import time

import pytest

from nexus_e2e import assert_problem, get
from upstreams import (Action, Fixed, Info, Raw, UpstreamServer, build_response, proxy_config,  # noqa: F401
                       upstream, upstream_block)


def start(nexus, backends, route_prefix="/api/", **settings):
    return nexus(proxy_config([upstream_block("api", backends, **settings)],
                              [{"path_prefix": route_prefix, "upstream": "api", "strip_prefix": True}]))


def assert_no_stray_bytes(c, wait=0.2):
    time.sleep(wait)
    c.sock.settimeout(0.1)
    try:
        extra = c.sock.recv(4096)
    except socket.timeout:
        extra = b""
    assert c.buf == b"" and extra == b"", f"stray bytes after the response: {(c.buf + extra)[:300]!r}"


# ----------------------------------------------------------------------------------------------
# 1. IPv6 backend
# ----------------------------------------------------------------------------------------------


def ipv6_loopback_usable() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_ipv6_backend_proxied(nexus, upstream):
    if not ipv6_loopback_usable():
        pytest.skip("no IPv6 loopback (::1) on this machine")
    u = upstream("v6", host="::1")
    srv = start(nexus, [u.address], retry=False)
    assert srv.config["upstreams"][0]["backends"][0]["address"] == f"[::1]:{u.port}"
    with srv.connect() as c:
        for i in range(3):
            r = c.request(get(f"/api/six/{i}?q={i}"))
            assert r.status == 200, f"request {i} to the [::1] backend: {r.raw[:500]!r}"
            doc = r.json()
            assert doc["server"] == "v6" and doc["target"] == f"/six/{i}?q={i}", doc
    reqs = u.wait_requests(3)
    assert [q.target for q in reqs] == [f"/six/{i}?q={i}" for i in range(3)]
    assert u.connections == 1, f"keep-alive to the IPv6 backend not reused: {u.connections} connections"


# ----------------------------------------------------------------------------------------------
# 2. Connect timeout
# ----------------------------------------------------------------------------------------------


class BlackholeListener:
    """A listening socket (backlog 0) whose accept queue is filled by unaccepted connections from the test, so
    that further SYNs to it are dropped and connects hang."""

    def __init__(self):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(0)
        self.port = self.lsock.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(s)
        time.sleep(0.1)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def connects_hang(self, wait: float = 0.6) -> bool:
        """True if a fresh connect does not complete within `wait` seconds."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            rc = s.connect_ex(("127.0.0.1", self.port))
            if rc == 0:
                return False
            _, w, _ = select.select([], [s], [], wait)
            return not w
        finally:
            s.close()

    def close(self):
        for s in self.fillers:
            s.close()
        self.lsock.close()


@pytest.fixture
def blackhole():
    b = BlackholeListener()
    yield b
    b.close()


def test_connect_timeout_504(nexus, blackhole):
    if not blackhole.connects_hang():
        pytest.skip("connects to a listener with a full accept queue complete here; cannot make them hang")
    srv = start(nexus, [blackhole.address], retry=False, timeouts={"connect": "500ms"})
    with srv.connect(timeout=10) as c:
        t0 = time.monotonic()
        r = c.request(get("/api/hang"), timeout=8)
        dt = time.monotonic() - t0
        doc = assert_problem(r, 504)
        assert "127.0.0.1" not in r.raw.decode("latin-1"), f"the problem leaks the backend address: {r.raw!r}"
        assert str(blackhole.port) not in doc["detail"], doc
        assert 0.45 <= dt <= 2.0, f"504 after {dt:.2f}s with a 500ms connect timeout"
        # The client connection survives the failed exchange.
        assert r.headers.get("connection", "").lower() != "close", r.raw[:400]
        t0 = time.monotonic()
        r2 = c.request(get("/api/hang2"), timeout=8)
        dt2 = time.monotonic() - t0
        assert_problem(r2, 504)
        assert 0.45 <= dt2 <= 2.0, f"second 504 after {dt2:.2f}s"


# ----------------------------------------------------------------------------------------------
# 3. max_connections_per_backend
# ----------------------------------------------------------------------------------------------


class Gauge(Action):
    """Holds each request `seconds` and records how many are held at once, then answers Info()."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.current = 0
        self.peak = 0
        self.entered = 0

    def __call__(self, ex):
        with self.lock:
            self.current += 1
            self.entered += 1
            self.peak = max(self.peak, self.current)
        try:
            if ex.server.stopping.wait(self.seconds):
                return False
        finally:
            with self.lock:
                self.current -= 1
        return Info()(ex)


def test_max_connections_per_backend_caps_concurrency(nexus, upstream):
    u = upstream("api")
    gauge = Gauge(1.0)
    u.on("/slow*", gauge)
    srv = start(nexus, [u], retry=False, max_connections_per_backend=2)
    conns = [srv.connect(timeout=10) for _ in range(5)]
    try:
        t0 = time.monotonic()
        for i, c in enumerate(conns):
            c.send(get(f"/api/slow/{i}"))
        results = [None] * len(conns)
        failures = []

        def read(i, c):
            try:
                r = c.read_response(timeout=8)
                results[i] = (i, r, time.monotonic() - t0)
            except Exception as e:  # reported below with the request index
                failures.append(f"request {i}: {e!r}")

        readers = [threading.Thread(target=read, args=(i, c), daemon=True) for i, c in enumerate(conns)]
        for t in readers:
            t.start()
        for t in readers:
            t.join(10)
        assert not failures, failures
        ok = [(i, r, t) for i, r, t in results if r.status == 200]
        rejected = [(i, r, t) for i, r, t in results if r.status != 200]
        summary = [(i, r.status, round(t, 2)) for i, r, t in results]
        assert len(ok) == 2, f"expected exactly 2 requests served with a cap of 2, got {summary}"
        assert len(rejected) == 3, summary
        for i, r, t in rejected:
            assert_problem(r, 503)
            assert t < 0.9, f"request {i}: 503 only after {t:.2f}s (it waited for a slot): {summary}"
        for i, r, t in ok:
            assert 0.9 <= t <= 3.0, f"request {i}: 200 after {t:.2f}s with a 1s backend: {summary}"
        assert gauge.peak == 2, f"backend saw {gauge.peak} concurrent requests with a cap of 2"
        assert gauge.entered == 2, f"backend received {gauge.entered} requests, expected 2 ({summary})"
        assert u.connections == 2, f"{u.connections} backend connections opened with a cap of 2"
        # The rejected clients keep their connections; once slots are free they are served (pooled connections).
        for i, r, t in rejected:
            r2 = conns[i].request(get(f"/api/fast/{i}"), timeout=5)
            assert r2.status == 200, f"client {i} after the 503: {r2.raw[:400]!r}"
            assert r2.json()["target"] == f"/fast/{i}"
        assert u.connections == 2, f"{u.connections} backend connections opened with a cap of 2"
    finally:
        for c in conns:
            c.close()


# ----------------------------------------------------------------------------------------------
# 4. Oversized upstream response head
# ----------------------------------------------------------------------------------------------


def big_head(total_field_bytes: int, line: int = 1000) -> bytes:
    fields = []
    n = 0
    i = 0
    while n < total_field_bytes:
        name = f"X-Big-{i:03d}"
        value = "v" * (line - len(name) - 4)
        fields.append(f"{name}: {value}\r\n")
        n += line
        i += 1
    return ("HTTP/1.1 200 OK\r\n" + "".join(fields) + "Content-Length: 2\r\n\r\nok").encode()


def test_oversized_upstream_response_head_502_connection_reusable(nexus, upstream):
    u = upstream("api")
    u.on("/huge", Raw(big_head(80 * 1024), close=True))  # 80 fields of 1000 bytes: > 64 KiB, < 200 fields
    u.on("/large", Raw(big_head(40 * 1024), close=False))  # 40 KiB: inside the limit
    srv = start(nexus, [u], retry=False)
    with srv.connect(timeout=10) as c:
        r = c.request(get("/api/huge"), timeout=5)
        assert_problem(r, 502)
        assert "connection" not in r.headers or r.headers["connection"].lower() != "close", \
            f"the 502 closes the client connection: {r.raw[:400]!r}"
        r = c.request(get("/api/next"), timeout=5)
        assert r.status == 200, f"the request after the 502 on the same connection: {r.raw[:400]!r}"
        assert r.json()["target"] == "/next"
        r = c.request(get("/api/large"), timeout=5)
        assert r.status == 200, f"a 40 KiB response head (under the limit): {r.raw[:400]!r}"
        assert r.body == b"ok"
        assert r.count("X-Big-039") == 1 and r.headers["x-big-000"] == "v" * (1000 - len("X-Big-000") - 4)
        assert_no_stray_bytes(c)


# ----------------------------------------------------------------------------------------------
# 5. Ambiguous framing in the upstream response
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 26\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
], ids=["cl-then-te", "te-then-cl", "two-cl-fields", "cl-list"])
def test_ambiguous_upstream_framing_502(nexus, upstream, raw):
    u = upstream("api")
    u.on("/bad", Raw(raw, close=False))  # the backend keeps the connection open: no close to lean on
    srv = start(nexus, [u], retry=False)
    with srv.connect(timeout=10) as c:
        r = c.request(get("/api/bad"), timeout=5)
        assert_problem(r, 502)
        r = c.request(get("/api/after"), timeout=5)
        assert r.status == 200, f"the request after the 502: {r.raw[:400]!r}"
        assert r.json()["target"] == "/after"
        assert_no_stray_bytes(c)
    assert u.paths() == ["/bad", "/after"], u.paths()


# ----------------------------------------------------------------------------------------------
# 6. Early answer before the request body
# ----------------------------------------------------------------------------------------------


class EarlyReject(Action):
    """Answers 413 as soon as the head is in, without reading the body, then closes: `graceful` shuts down
    its sending side and drains what still arrives (lingering close); otherwise it closes at once (an RST
    when body bytes are unread)."""

    streams_body = True

    def __init__(self, graceful: bool):
        self.graceful = graceful
        self.body = b'{"error":"too large"}'

    def __call__(self, ex):
        ex.send(build_response(413, [("Content-Type", "application/json"), ("Connection", "close")], self.body,
                               reason="Content Too Large"))
        if self.graceful:
            ex.sock.shutdown(socket.SHUT_WR)
            ex.sock.settimeout(3)
            try:
                while ex.sock.recv(65536):
                    pass
            except OSError:
                pass
        else:
            time.sleep(0.2)  # let forwarded body bytes arrive unread, so the close resets
        return False


@pytest.mark.parametrize("graceful", [True, False], ids=["lingering-close", "abrupt-close"])
def test_backend_early_413_reaches_client_then_close(nexus, upstream, graceful):
    u = upstream("api")
    action = EarlyReject(graceful)
    u.on("/upload", action)
    srv = start(nexus, [u], retry=False)
    with srv.connect(timeout=10) as c:
        c.send(b"POST /api/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Length: 100000\r\n\r\n" + b"x" * 1000)
        r = c.read_response(timeout=5)
        assert r.status == 413, f"expected the backend's 413, got {r.raw[:400]!r}"
        assert r.body == action.body, r.raw[:400]
        assert c.wait_closed(3.0), "the client connection stayed open after an early answer with the body unread"
        assert not c.reset, "the client connection was reset instead of closed"
        assert c.buf == b"", f"bytes after the 413: {c.buf[:300]!r}"
    reqs = u.wait_requests(1)
    assert len(reqs) == 1 and reqs[0].path == "/upload", [q.target for q in reqs]
