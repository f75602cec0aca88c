"""Reverse proxy: request and response bodies (Content-Length, chunked, close-delimited, HEAD, 204/304)."""

import os
import time

import pytest

from nexus_e2e import get, post
from upstreams import Chunked, Echo, Fixed, Raw, proxy_config, upstream, upstream_block  # noqa: F401


@pytest.fixture
def bod(nexus, upstream):
    u = upstream("api")
    u.on("/echo", Echo())
    srv = nexus(proxy_config([upstream_block("api", [u])],
                             [{"path_prefix": "/api/", "upstream": "api", "strip_prefix": True}]))
    return srv, u


def no_stray_bytes(c, wait=0.3):
    time.sleep(wait)
    c.sock.settimeout(0.1)
    try:
        extra = c.sock.recv(4096)
    except OSError:
        extra = b""
    assert c.buf == b"" and extra == b"", f"stray bytes after the response: {(c.buf + extra)[:200]!r}"


@pytest.mark.parametrize("size", [0, 1, 1000, 200_000])
def test_content_length_upload_echoed(bod, size):
    srv, u = bod
    body = os.urandom(size)
    with srv.connect(timeout=10) as c:
        r = c.request(post("/api/echo", body))
        assert r.status == 200, r
        assert r.body == body, f"echo of {size} bytes came back as {len(r.body)} bytes"
        req = u.wait_requests(1)[0]
        assert req.body == body
        assert req.header("Content-Length") == str(size) or (req.chunked and size > 0), req.raw_head
        assert c.request(get("/api/after")).status == 200


def test_chunked_upload_with_trailers_echoed(bod):
    srv, u = bod
    chunks = [b"hello ", b"chunked " * 100, b"world"]
    whole = b"".join(chunks)
    data = b"POST /api/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
    data += b"".join(b"%x\r\n" % len(ch) + ch + b"\r\n" for ch in chunks) + b"0\r\nX-Sum: 42\r\n\r\n"
    with srv.connect(timeout=10) as c:
        r = c.request(data)
        assert r.status == 200, r
        assert r.body == whole
        req = u.wait_requests(1)[0]
        assert req.body == whole
        if req.chunked:
            assert req.count("Content-Length") == 0, req.raw_head
        else:
            assert req.header("Content-Length") == str(len(whole)), \
                f"the upstream got neither chunked nor the complete length:\n{req.raw_head.decode()}"
        assert c.request(get("/api/after")).status == 200


def test_chunked_upload_in_pieces_echoed(bod):
    srv, u = bod
    with srv.connect(timeout=10) as c:
        c.send(b"POST /api/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"5\r\nabcde\r\n", b"3\r\nfgh\r\n", b"0\r\n\r\n"):
            time.sleep(0.1)
            c.send(piece)
        r = c.read_response()
        assert r.status == 200 and r.body == b"abcdefgh", r


def test_chunked_response_passed_to_client(bod):
    srv, u = bod
    chunks = [b"alpha-", b"beta-" * 1000, b"", b"gamma"]
    u.on("/chunked", Chunked([c for c in chunks if c], trailers=[("X-Trailer", "t")], pause=0.05))
    with srv.connect(timeout=10) as c:
        r = c.request(get("/api/chunked"))
        assert r.status == 200, r
        assert r.body == b"".join(chunks)
        te = r.headers.get("transfer-encoding", "").lower()
        assert "chunked" in te or r.headers.get("content-length") == str(len(r.body)), r.raw[:300]
        assert c.request(get("/api/after")).status == 200


def test_close_delimited_response_reaches_http11_client_complete(bod):
    srv, u = bod
    body = b"close-delimited body " * 500
    u.on("/eof", Raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body, close=True))
    with srv.connect(timeout=10) as c:
        r = c.request(get("/api/eof"))
        assert r.status == 200, r
        te = r.headers.get("transfer-encoding", "").lower()
        framed = "chunked" in te or "content-length" in r.headers
        assert framed or c.eof, "neither framed nor closed"
        assert r.body == body, f"got {len(r.body)} of {len(body)} bytes"
        if framed and not c.eof:
            # The client connection may stay open: it must then still work.
            r2 = c.request(get("/api/after"))
            assert r2.status == 200, r2


def test_close_delimited_response_is_rechunked_for_http11_client(bod):
    srv, u = bod
    body = b"x" * 70_000
    u.on("/eof", Raw(b"HTTP/1.1 200 OK\r\n\r\n" + body, close=True))
    with srv.connect(timeout=10) as c:
        r = c.request(get("/api/eof"))
        assert r.status == 200 and r.body == body, r
        assert "chunked" in r.headers.get("transfer-encoding", "").lower() or "content-length" in r.headers, \
            f"close-delimited body passed on unframed: {r.raw[:300]!r}"


def test_head_through_proxy_gets_no_body(bod):
    srv, u = bod
    u.on("/doc", Fixed(200, b"z" * 12345, headers=[("Content-Type", "text/plain")]))
    with srv.connect() as c:
        r = c.request(get("/api/doc", method="HEAD"), head=True)
        assert r.status == 200, r
        assert r.headers.get("content-length") == "12345", r.raw
        no_stray_bytes(c)
        r = c.request(get("/api/doc"))
        assert r.status == 200 and len(r.body) == 12345
    assert u.requests[0].method == "HEAD"


@pytest.mark.parametrize("status,headers", [(204, []), (304, [("ETag", '"v1"')])])
def test_no_body_statuses(bod, status, headers):
    srv, u = bod
    u.on("/nb", Fixed(status, headers=headers))
    with srv.connect() as c:
        r = c.request(get("/api/nb"))
        assert r.status == status, r
        assert "transfer-encoding" not in r.headers, r.raw
        if status == 304:
            assert r.headers.get("etag") == '"v1"', r.raw
        no_stray_bytes(c)
        r = c.request(get("/api/after"))
        assert r.status == 200, r
