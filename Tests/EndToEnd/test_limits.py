"""limits.*: request line, header bytes, header count, body size; Expect: 100-continue."""

import time

import pytest

from nexus_e2e import BackgroundSender, assert_closed, assert_problem, assert_well_formed, get, one_shot, post

SMALL_LIMITS = {
    "limits": {
        "max_request_line": "1KiB",
        "max_header_bytes": "8KiB",
        "max_headers": 20,
        "max_body_bytes": "64KiB",
    }
}


@pytest.fixture
def small(nexus):
    return nexus(SMALL_LIMITS)


def test_request_line_at_limit_is_accepted(small):
    # "GET " + target + " HTTP/1.1" well under 1 KiB.
    r = one_shot(small, get("/echo/" + "a" * 900))
    assert r.status == 200
    assert r.json()["path"] == "/echo/" + "a" * 900


def test_request_line_over_limit_is_414(small):
    with small.connect() as c:
        c.send(get("/echo/" + "a" * 2000))
        r = c.read_response()
        assert_problem(r, 414)
        assert_closed(c)


def test_request_line_over_limit_without_end_is_414(small):
    """The line never ends: the server must not wait for the CRLF."""
    with small.connect() as c:
        c.send(b"GET /" + b"a" * 4000)
        r = c.read_response(timeout=3)
        assert_problem(r, 414)
        assert_closed(c)


def test_too_many_header_fields_is_431(small):
    fields = "".join(f"X-F{i}: v\r\n" for i in range(30))
    with small.connect() as c:
        c.send(get("/echo", extra=fields))
        r = c.read_response()
        assert_problem(r, 431)
        assert_closed(c)


def test_header_count_under_limit_is_accepted(small):
    fields = "".join(f"X-F{i}: v\r\n" for i in range(15))  # + Host = 16 < 20
    r = one_shot(small, get("/echo", extra=fields))
    assert r.status == 200
    assert len(r.json()["headers"]) == 16


def test_header_bytes_over_limit_is_431(small):
    with small.connect() as c:
        c.send(get("/echo", extra="X-Big: " + "b" * 9000 + "\r\n"))
        r = c.read_response()
        assert_problem(r, 431)
        assert_closed(c)


def _send_huge_head(srv, size: int):
    c = srv.connect(timeout=5)
    head = b"GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Huge: " + b"h" * size + b"\r\n\r\n"
    sender = BackgroundSender(c.sock, [head[i:i + 65536] for i in range(0, len(head), 65536)])
    sender.start()
    try:
        r = c.read_response(timeout=5)
    finally:
        sender.stop_event.set()
    return c, sender, r


def test_one_mib_of_headers_is_431_and_rss_stays_flat(nexus):
    srv = nexus()  # default limits: max_header_bytes 32KiB
    # Warm up the allocator and the buffers on a few ordinary requests first.
    for i in range(5):
        assert one_shot(srv, get(f"/echo/{i}")).status == 200
    c, s, r = _send_huge_head(srv, 1 << 20)
    assert_problem(r, 431)
    c.close()
    s.join(5)
    before = srv.rss_kib()
    for _ in range(20):
        c, s, r = _send_huge_head(srv, 1 << 20)
        assert_problem(r, 431)
        assert c.wait_closed(3), "connection left open after 431"
        c.close()
        s.join(5)
    time.sleep(0.2)
    after = srv.rss_kib()
    growth_mib = (after - before) / 1024
    assert growth_mib < 16, f"VmRSS grew {growth_mib:.1f} MiB ({before} KiB -> {after} KiB) over 20 x 1 MiB heads"
    assert one_shot(srv, get("/api/echo")).status == 200


def test_content_length_over_limit_is_413_without_reading_body(small):
    with small.connect() as c:
        started = time.monotonic()
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10485760\r\n\r\n")
        r = c.read_response(timeout=3)
        assert_problem(r, 413)
        assert time.monotonic() - started < 2.0
        assert_closed(c)


def test_chunked_body_over_limit_is_413(small):
    with small.connect() as c:
        head = b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunk = b"4000\r\n" + b"c" * 0x4000 + b"\r\n"  # 16 KiB per chunk; 64 KiB limit
        sender = BackgroundSender(c.sock, [head] + [chunk] * 16 + [b"0\r\n\r\n"])
        sender.start()
        r = c.read_response(timeout=5)
        sender.stop_event.set()
        assert_problem(r, 413)
        assert c.wait_closed(3)


def test_body_at_limit_is_accepted(small):
    body = b"x" * (64 * 1024)
    with small.connect(timeout=10) as c:
        r = c.request(post("/echo", body))
        assert r.status == 200
        assert r.json()["body"] == body.decode()
        body2 = b"y" * 1000
        chunked = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + b"3e8\r\n" + body2 + b"\r\n0\r\n\r\n")
        assert c.request(chunked).json()["body"] == body2.decode()


def test_body_one_over_limit_is_413(small):
    with small.connect() as c:
        r = c.request(post("/echo", b"x" * (64 * 1024 + 1)))
        assert_problem(r, 413)


def test_expect_100_continue(server):
    with server.connect() as c:
        c.send(b"POST /echo/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_response(timeout=3)
        assert interim.status_line == "HTTP/1.1 100 Continue", interim.raw
        c.send(b"hello world")
        r = c.read_response()
        assert r.status == 200
        assert_well_formed(r)
        assert r.json()["body"] == "hello world"
        # Still usable afterwards.
        assert c.request(get("/api/echo")).status == 200


def test_expect_100_continue_chunked(server):
    with server.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
               b"Expect: 100-continue\r\n\r\n")
        interim = c.read_response(timeout=3)
        assert interim.status == 100, interim.raw
        c.send(b"5\r\nhello\r\n0\r\n\r\n")
        assert c.read_response().json()["body"] == "hello"


def test_expect_100_continue_over_limit_gets_413_not_100(small):
    with small.connect() as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10485760\r\n"
               b"Expect: 100-continue\r\n\r\n")
        r = c.read_response(timeout=3)
        assert_problem(r, 413)


def test_unknown_expectation_is_417(server):
    with server.connect() as c:
        r = c.request(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n"
                      b"Expect: something-else\r\n\r\nhi")
        assert_problem(r, 417)


def test_header_bytes_under_limit_is_accepted(small):
    r = one_shot(small, get("/echo", extra="X-Big: " + "b" * 7000 + "\r\n"))
    assert r.status == 200
    assert ["X-Big", "b" * 7000] in r.json()["headers"]
