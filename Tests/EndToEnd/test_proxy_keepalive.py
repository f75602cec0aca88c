"""Reverse proxy: keep-alive connections to upstreams (pooling, stale connections) and pipelining."""

import threading
import time

import pytest

from nexus_e2e import get, post
from upstreams import CloseOnReuse, Delay, Info, proxy_config, upstream, upstream_block  # noqa: F401


@pytest.fixture
def ka(nexus, upstream):
    u = upstream("api")
    srv = nexus(proxy_config([upstream_block("api", [u])],
                             [{"path_prefix": "/api/", "upstream": "api", "strip_prefix": True}]))
    return srv, u


def test_twenty_sequential_requests_use_one_upstream_connection(ka):
    srv, u = ka
    with srv.connect() as c:
        for i in range(20):
            r = c.request(get(f"/api/{i}"))
            assert r.status == 200, r
            assert r.json()["target"] == f"/{i}"
    reqs = u.wait_requests(20)
    assert len(reqs) == 20
    assert u.connections == 1, f"20 sequential requests opened {u.connections} upstream connections"
    assert [r.seq for r in reqs] == list(range(20))


def test_sequential_client_connections_reuse_the_pooled_upstream_connection(ka):
    srv, u = ka
    for i in range(5):
        with srv.connect() as c:
            assert c.request(get(f"/api/{i}")).status == 200
    u.wait_requests(5)
    assert u.connections == 1, f"5 one-request client connections opened {u.connections} upstream connections"


def test_three_concurrent_clients_share_pooled_upstream_connections(ka):
    srv, u = ka
    errors = []

    def client(k):
        try:
            with srv.connect(timeout=10) as c:
                for i in range(10):
                    r = c.request(get(f"/api/c{k}/{i}"))
                    assert r.status == 200, r
                    assert r.json()["target"] == f"/c{k}/{i}", r
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=client, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not errors, errors
    assert len(u.wait_requests(30)) == 30
    assert u.connections <= 4, f"3 clients x 10 requests opened {u.connections} upstream connections"


def test_stale_keepalive_closed_by_upstream_between_requests_is_retried(ka):
    srv, u = ka
    with srv.connect() as c:
        r = c.request(get("/api/first"))
        assert r.status == 200, r
        time.sleep(0.2)
        assert u.close_idle_connections() == 1, "the upstream connection was not idle in the pool"
        time.sleep(0.2)
        r = c.request(get("/api/second"))
        assert r.status == 200, f"the client saw an error after the upstream closed an idle connection: {r}"
        assert r.json()["target"] == "/second"
    assert u.paths()[-1] == "/second"


def test_stale_keepalive_race_upstream_closes_on_reuse_is_retried(ka):
    # The upstream accepts the reused connection's request and closes without answering (the classic
    # race with its idle timeout): nexus must retry on a new connection; the client sees no error.
    srv, u = ka
    u.default = CloseOnReuse()
    with srv.connect() as c:
        for i in range(5):
            r = c.request(get(f"/api/r{i}"))
            assert r.status == 200, f"request {i}: {r}"
            assert r.json()["target"] == f"/r{i}"
            assert r.json()["seq"] == 0
    assert u.connections >= 5


def test_pipelined_requests_through_proxy_come_back_in_order(ka):
    srv, u = ka
    u.on("/slow", Delay(0.5))
    reqs = [get("/api/slow"), get("/api/p1"), post("/api/p2", "body-two"),
            get("/api/p3", method="HEAD"), get("/api/p4"),
            b"POST /api/p5 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            get("/api/p6")]
    with srv.connect(timeout=10) as c:
        c.send(b"".join(reqs))
        r = c.read_response()
        assert r.status == 200 and r.json()["target"] == "/slow", r
        r = c.read_response()
        assert r.json()["target"] == "/p1", r
        r = c.read_response()
        assert r.json()["target"] == "/p2" and r.json()["body_len"] == 8, r
        r = c.read_response(head=True)
        assert r.status == 200, r
        r = c.read_response()
        assert r.json()["target"] == "/p4", r
        r = c.read_response()
        assert r.json()["target"] == "/p5" and r.json()["body_len"] == 3, r
        r = c.read_response()
        assert r.json()["target"] == "/p6", r
        time.sleep(0.2)
        c.sock.settimeout(0.2)
        try:
            extra = c.sock.recv(100)
        except OSError:
            extra = b""
        assert c.buf == b"" and extra == b"", f"extra bytes after the pipelined responses: {c.buf + extra!r}"


def test_many_pipelined_requests_in_order(ka):
    srv, u = ka
    n = 200
    with srv.connect(timeout=20) as c:
        c.send(b"".join(get(f"/api/q{i}") for i in range(n)))
        for i in range(n):
            r = c.read_response(timeout=20)
            assert r.status == 200 and r.json()["target"] == f"/q{i}", f"response {i}: {r}"
