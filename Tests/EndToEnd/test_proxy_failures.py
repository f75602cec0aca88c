"""Reverse proxy: upstream failures map to 502/503/504 problems, bodies cut short close the client
connection, passive health ejects, retries go elsewhere."""

import re
import socket
import time

import pytest

from nexus_e2e import IncompleteResponse, assert_problem, get
from upstreams import (CloseMidBody, CloseNoResponse, Delay, Fixed, Info, Raw, Reset, dead_address,  # noqa: F401
                       proxy_config, upstream, upstream_block)

ADDR_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|:\d{2,5}\b")


def assert_no_address(doc: dict, raw: bytes, port: int | str):
    text = raw.decode("latin-1")
    assert "127.0.0.1" not in text, f"the problem leaks the backend address: {text}"
    assert str(port) not in text.split("\r\n\r\n", 1)[-1], f"the problem body leaks the backend port: {text}"
    assert not ADDR_RE.search(doc["detail"]), f"detail looks like it names an address: {doc['detail']!r}"


def start(nexus, backends, route_prefix="/api/", **settings):
    return nexus(proxy_config([upstream_block("api", backends, **settings)],
                              [{"path_prefix": route_prefix, "upstream": "api", "strip_prefix": True}]))


def test_backend_port_closed_502_names_route_not_address(nexus):
    addr = dead_address()
    srv = start(nexus, [addr], route_prefix="/gateway/orders/")
    with srv.connect() as c:
        r = c.request(get("/gateway/orders/1"))
    doc = assert_problem(r, 502)
    assert "/gateway/orders/" in doc["detail"], f"detail does not name the route path: {doc['detail']!r}"
    assert_no_address(doc, r.raw, addr.rsplit(":", 1)[1])


def test_upstream_reset_without_response_502(nexus, upstream):
    u = upstream("api", default=Reset())
    srv = start(nexus, [u], retry=False)
    with srv.connect() as c:
        r = c.request(get("/api/x"))
        doc = assert_problem(r, 502)
        assert_no_address(doc, r.raw, u.port)


def test_upstream_closes_without_response_502(nexus, upstream):
    u = upstream("api", default=CloseNoResponse())
    srv = start(nexus, [u], retry=False)
    with srv.connect() as c:
        r = c.request(get("/api/x"))
        assert_problem(r, 502)


@pytest.mark.parametrize("garbage", [
    b"THIS IS NOT HTTP\r\n\r\n",
    b"HTTP/1.1 abc Nope\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
    b"\x00\x01\x02\x03binary\r\n\r\n",
])
def test_invalid_response_bytes_502(nexus, upstream, garbage):
    u = upstream("api", default=Raw(garbage, close=True))
    srv = start(nexus, [u], retry=False)
    with srv.connect() as c:
        r = c.request(get("/api/x"))
        assert_problem(r, 502)


def test_upstream_slower_than_read_timeout_504(nexus, upstream):
    u = upstream("api", default=Delay(4.0))
    srv = start(nexus, [u], retry=False, timeouts={"read": "1s"})
    with srv.connect(timeout=10) as c:
        t0 = time.monotonic()
        r = c.request(get("/api/slow"), timeout=8)
        dt = time.monotonic() - t0
    doc = assert_problem(r, 504)
    assert_no_address(doc, r.raw, u.port)
    assert 0.8 <= dt <= 3.0, f"504 after {dt:.2f}s with a 1s read timeout"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_upstream_closes_mid_body_client_connection_closed(nexus, upstream, chunked):
    u = upstream("api", default=CloseMidBody(declared=100_000, send=1000, chunked=chunked))
    srv = start(nexus, [u])
    c = srv.connect(timeout=10)
    try:
        c.send(get("/api/x"))
        t0 = time.monotonic()
        with pytest.raises(IncompleteResponse):
            # Either the head arrives and the body is cut short, or the connection ends before a head.
            c.read_response(timeout=5)
        assert time.monotonic() - t0 < 5.0
        assert c.eof, "the client connection was not closed"
        if c.buf.startswith(b"HTTP/1.1 200"):
            head, _, body = c.buf.partition(b"\r\n\r\n")
            if not chunked:
                assert len(body) < 100_000
            else:
                assert not body.endswith(b"0\r\n\r\n"), "a cut-short chunked body was terminated as if complete"
    finally:
        c.close()


def test_only_backend_ejected_after_three_failures_503(nexus, upstream):
    u = upstream("api", default=Reset())
    srv = start(nexus, [u], retry=False, passive={"max_failures": 3, "eject_for": "30s"})
    statuses = []
    for i in range(3):
        with srv.connect() as c:
            r = c.request(get(f"/api/f{i}"))
            assert_problem(r, 502)
            statuses.append(r.status)
    assert len(u.requests) == 3
    u.default = Info()  # the backend is healthy again, but ejected for 30 s
    with srv.connect() as c:
        r = c.request(get("/api/after"))
        doc = assert_problem(r, 503)
        assert_no_address(doc, r.raw, u.port)
        r = c.request(get("/api/after2"))
        assert_problem(r, 503)
    time.sleep(0.2)
    assert len(u.requests) == 3, "an ejected backend was sent requests"


def test_ejection_ends_after_eject_for(nexus, upstream):
    u = upstream("api", default=Reset())
    srv = start(nexus, [u], retry=False, passive={"max_failures": 3, "eject_for": "2s"})
    for i in range(3):
        with srv.connect() as c:
            assert_problem(c.request(get(f"/api/f{i}")), 502)
    u.default = Info()
    with srv.connect() as c:
        assert_problem(c.request(get("/api/during")), 503)
    time.sleep(2.5)
    with srv.connect() as c:
        r = c.request(get("/api/after"))
        assert r.status == 200, f"the backend was not readmitted after eject_for: {r}"


def test_retry_goes_to_other_backend_when_first_refuses(nexus, upstream):
    u = upstream("live")
    srv = start(nexus, [dead_address(), u], retry=True)
    with srv.connect() as c:
        for i in range(10):
            r = c.request(get(f"/api/r{i}"))
            assert r.status == 200, f"request {i}: {r}"
            assert r.json()["target"] == f"/r{i}"
    assert len(u.requests) == 10


def test_retry_on_new_connections_with_one_dead_backend(nexus, upstream):
    u = upstream("live")
    srv = start(nexus, [u, dead_address()], retry=True)
    for i in range(10):
        with srv.connect() as c:
            r = c.request(get(f"/api/n{i}"))
            assert r.status == 200, f"request {i}: {r}"


def test_post_with_body_not_retried_after_body_sent(nexus, upstream):
    # Non-idempotent request whose body reached the upstream which then reset: a 502, never a duplicate.
    u = upstream("api", default=Reset())
    srv = start(nexus, [u], retry=True)
    with srv.connect() as c:
        body = b"x" * 100
        r = c.request(b"POST /api/pay HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" + body)
        assert_problem(r, 502)
    time.sleep(0.2)
    assert len(u.requests) == 1, f"a POST was sent {len(u.requests)} times"
