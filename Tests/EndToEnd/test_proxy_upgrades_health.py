"""Reverse proxy: WebSocket (and other Upgrade) tunnels, server-sent events, active health checks, host names."""

import socket
import time

import pytest

from nexus_e2e import get, recv_until
from upstreams import Action, EventStream, Fixed, UpgradeEcho, proxy_config, upstream, upstream_block  # noqa: F401


class Switchable(Action):
    """200 while `up` is true, else 503."""

    def __init__(self):
        self.up = True

    def __call__(self, ex):
        ex.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" if self.up
                else b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown")
        return True




def test_websocket_upgrade_is_tunnelled_both_ways(nexus, upstream):
    u = upstream("ws")
    u.on("/chat", UpgradeEcho())
    # A read timeout shorter than the conversation: the tunnel lives on the idle timeout instead.
    srv = nexus(proxy_config([upstream_block("ws", [u], timeouts={"read": "1s", "idle": "10s"})],
                             [{"path_prefix": "/", "upstream": "ws"}]))
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        head = recv_until(s, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        assert b"upgrade: websocket" in head.lower() and b"connection: upgrade" in head.lower(), head
        req = u.wait_requests(1)[0]
        assert req.header("Upgrade") == "websocket"
        assert "upgrade" in (req.header("Connection") or "").lower()
        for msg in (b"hello", b"world " * 1000):
            s.sendall(msg)
            assert recv_until(s, msg.upper()[-5:]).endswith(msg.upper()[-5:])
        time.sleep(1.6)  # past the read timeout
        s.sendall(b"still here")
        assert recv_until(s, b"STILL HERE").endswith(b"STILL HERE")
    finally:
        s.close()
    # The gateway goes on serving after the tunnel closed.
    with srv.connect() as c:
        u.on("/plain", Fixed(200, "plain"))
        assert c.request(get("/plain")).status == 200


def test_upgrade_closed_by_backend_closes_client(nexus, upstream):
    class OneShot(Action):
        def __call__(self, ex):
            ex.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-test\r\nConnection: Upgrade\r\n\r\nbye")
            return False

    u = upstream("ws")
    u.on("/x", OneShot())
    srv = nexus(proxy_config([upstream_block("ws", [u])], [{"path_prefix": "/", "upstream": "ws"}]))
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(b"GET /x HTTP/1.1\r\nHost: localhost\r\nUpgrade: x-test\r\nConnection: Upgrade\r\n\r\n")
        data = recv_until(s, b"bye")
        assert data.startswith(b"HTTP/1.1 101") and data.endswith(b"bye"), data
        s.settimeout(5)
        assert s.recv(100) == b"", "the client connection should close when the backend ends the tunnel"
    finally:
        s.close()


def test_101_without_upgrade_request_is_502(nexus, upstream):
    class Rogue(Action):
        def __call__(self, ex):
            ex.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            return False

    u = upstream("rogue")
    u.on("/r", Rogue())
    srv = nexus(proxy_config([upstream_block("rogue", [u], retry=False)], [{"path_prefix": "/", "upstream": "rogue"}]))
    with srv.connect() as c:
        r = c.request(get("/r"))
        assert r.status == 502, r


def test_event_stream_flushes_each_event_at_once(nexus, upstream):
    u = upstream("sse")
    u.on("/events", EventStream(count=4, gap=0.4))
    # total 1s < the stream's length: an event stream uses the idle timeout instead.
    srv = nexus(proxy_config([upstream_block("sse", [u], timeouts={"read": "1s", "total": "1s", "idle": "5s"})],
                             [{"path_prefix": "/", "upstream": "sse"}]))
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(b"GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        s.settimeout(5)
        t0 = time.time()
        arrivals = {}
        buf = b""
        while len(arrivals) < 4:
            d = s.recv(65536)
            assert d, f"stream ended early: {buf!r}"
            buf += d
            for i in range(4):
                if i not in arrivals and b"data: event %d" % i in buf:
                    arrivals[i] = time.time() - t0
        assert buf.startswith(b"HTTP/1.1 200"), buf[:200]
        assert b"text/event-stream" in buf.split(b"\r\n\r\n")[0]
        # Each event arrives when it is sent, not when the stream ends (events are 0.4 s apart).
        assert arrivals[0] < 0.35, arrivals
        assert arrivals[3] - arrivals[0] > 0.9, arrivals
        # The close-delimited stream ends with the last chunk for this HTTP/1.1 client.
        assert recv_until(s, b"0\r\n\r\n").endswith(b"0\r\n\r\n")
    finally:
        s.close()


def test_active_health_check_takes_a_backend_out_and_back(nexus, upstream):
    a, b = upstream("a"), upstream("b")
    health = Switchable()
    a.on("/healthz", health)
    b.on("/healthz", Fixed(200, "ok"))
    for server in (a, b):
        server.on("/who", Fixed(200, server.name))
    block = upstream_block("api", [a, b], health_check={"path": "/healthz", "interval": "300ms", "timeout": "200ms",
                                                        "rise": 2, "fall": 2})
    srv = nexus(proxy_config([block], [{"path_prefix": "/", "upstream": "api"}]))

    def spread(n=20):
        seen = {"a": 0, "b": 0}
        with srv.connect() as c:
            for _ in range(n):
                r = c.request(get("/who"))
                assert r.status == 200, r
                seen[r.body.decode()] += 1
        return seen

    assert spread()["a"] > 0
    health.up = False
    time.sleep(1.5)  # fall = 2 checks 300 ms apart
    assert spread() == {"a": 0, "b": 20}
    assert "upstream backend unhealthy" in srv.stderr
    health.up = True
    time.sleep(1.5)
    assert spread()["a"] > 0
    assert "upstream backend healthy" in srv.stderr


def test_backend_by_host_name(nexus, upstream):
    u = upstream("named")
    u.on("/n", Fixed(200, "by name"))
    port = u.address.rsplit(":", 1)[1]
    srv = nexus(proxy_config([upstream_block("named", [f"localhost:{port}"], resolve_interval="1s")],
                             [{"path_prefix": "/", "upstream": "named"}]))
    with srv.connect() as c:
        for _ in range(5):
            r = c.request(get("/n"))
            assert r.status == 200 and r.body == b"by name", r
