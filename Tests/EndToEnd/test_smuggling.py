"""Request-smuggling and malformed-message vectors: each must get a 400 problem+json answer, and the
connection must be closed afterwards (no chance to desynchronise a following request)."""

import pytest

from nexus_e2e import assert_closed, assert_problem, connection_tokens, get

H = "Host: localhost\r\n"


def req(head_fields: str, body: bytes = b"", line: str = "POST /echo HTTP/1.1") -> bytes:
    return f"{line}\r\n{head_fields}\r\n".encode("latin-1") + body


# (id, raw request). Each is complete as sent, and a follow-up GET is appended by the test to catch a
# server that keeps reading after the error.
VECTORS = [
    # Content-Length / Transfer-Encoding ambiguities
    ("cl-and-te", req(H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")),
    ("te-and-cl", req(H + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n")),
    ("two-cl-same", req(H + "Content-Length: 5\r\nContent-Length: 5\r\n", b"hello")),
    ("two-cl-different", req(H + "Content-Length: 5\r\nContent-Length: 6\r\n", b"hello!")),
    ("cl-plus", req(H + "Content-Length: +5\r\n", b"hello")),
    ("cl-space-list", req(H + "Content-Length: 5 5\r\n", b"hello")),
    ("cl-comma-list", req(H + "Content-Length: 5,5\r\n", b"hello")),
    ("cl-negative", req(H + "Content-Length: -1\r\n")),
    ("cl-hex", req(H + "Content-Length: 0x5\r\n", b"hello")),
    ("cl-overflow", req(H + "Content-Length: 99999999999999999999\r\n")),
    ("cl-2pow64", req(H + "Content-Length: 18446744073709551621\r\n", b"hello")),
    ("cl-empty", req(H + "Content-Length: \r\n")),
    ("te-gzip", req(H + "Transfer-Encoding: gzip\r\n", b"0\r\n\r\n")),
    ("te-chunked-gzip", req(H + "Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n")),
    ("te-identity", req(H + "Transfer-Encoding: identity\r\n", b"0\r\n\r\n")),
    ("te-chunked-params", req(H + "Transfer-Encoding: chunked;a=b\r\n", b"0\r\n\r\n")),
    ("te-xchunked", req(H + "Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n")),
    ("te-chunked-twice-list", req(H + "Transfer-Encoding: chunked, chunked\r\n", b"0\r\n\r\n")),
    ("te-two-fields", req(H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n")),
    ("te-vtab", req(H + "Transfer-Encoding: chunked\x0b\r\n", b"0\r\n\r\n")),
    ("te-in-http10", req(H + "Transfer-Encoding: chunked\r\n", b"0\r\n\r\n", line="POST /echo HTTP/1.0")),
    # Field syntax
    ("obs-fold-space", req(H + "X-A: a\r\n b\r\n")),
    ("obs-fold-tab", req(H + "X-A: a\r\n\tb\r\n")),
    ("first-field-starts-with-space", req(" X-A: a\r\n" + H)),
    ("nul-in-value", req(H + "X-A: a\x00b\r\n")),
    ("bare-cr-in-value", req(H + "X-A: a\rb\r\n")),
    ("bare-lf-in-value", req(H + "X-A: a\nX-B: b\r\n")),
    ("ctl-0x01-in-value", req(H + "X-A: a\x01b\r\n")),
    ("ctl-esc-in-value", req(H + "X-A: a\x1bb\r\n")),
    ("del-in-value", req(H + "X-A: a\x7fb\r\n")),
    ("space-before-colon", req(H + "X-A : a\r\n")),
    ("space-before-colon-cl", req(H + "Content-Length : 5\r\n", b"hello")),
    ("tab-before-colon", req(H + "X-A\t: a\r\n")),
    ("name-with-parens", req(H + "X(A): a\r\n")),
    ("name-with-at", req(H + "X@A: a\r\n")),
    ("name-with-quote", req(H + 'X"A: a\r\n')),
    ("name-with-slash", req(H + "X/A: a\r\n")),
    ("empty-name", req(H + ": a\r\n")),
    ("no-colon", req(H + "X-A a\r\n")),
    # Host
    ("missing-host", req("X-A: a\r\n", line="GET /echo HTTP/1.1")),
    ("two-hosts", req("Host: a.example\r\nHost: b.example\r\n", line="GET /echo HTTP/1.1")),
    ("host-with-space", req("Host: a b\r\n", line="GET /echo HTTP/1.1")),
    ("host-inner-space", req("Host: exa mple.com\r\n", line="GET /echo HTTP/1.1")),
    ("host-two-colons", req("Host: host:port:x\r\n", line="GET /echo HTTP/1.1")),
    ("host-open-bracket", req("Host: [::1\r\n", line="GET /echo HTTP/1.1")),
    # Chunk sizes
    ("chunk-size-zz", req(H + "Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n")),
    ("chunk-size-negative", req(H + "Transfer-Encoding: chunked\r\n", b"-1\r\nhello\r\n0\r\n\r\n")),
    ("chunk-size-overflow", req(H + "Transfer-Encoding: chunked\r\n", b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n")),
    ("chunk-size-empty", req(H + "Transfer-Encoding: chunked\r\n", b"\r\nhello\r\n0\r\n\r\n")),
    ("chunk-data-too-long", req(H + "Transfer-Encoding: chunked\r\n", b"3\r\nhello\r\n0\r\n\r\n")),
    # Request line
    ("request-line-trailing-space", b"GET / HTTP/1.1 \r\nHost: localhost\r\n\r\n"),
    ("request-line-two-spaces", b"GET  / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    ("request-line-lowercase-version", b"GET / http/1.1\r\nHost: localhost\r\n\r\n"),
    ("request-line-no-version", b"GET /\r\nHost: localhost\r\n\r\n"),
    ("request-line-junk", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
    ("target-with-space", b"GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    ("method-non-token", b"G(T / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
]

FOLLOW_UP = b"GET /api/echo HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.mark.parametrize("raw", [v[1] for v in VECTORS], ids=[v[0] for v in VECTORS])
def test_vector_rejected_with_400_and_closed(server, raw):
    with server.connect() as c:
        c.send(raw + FOLLOW_UP)
        r = c.read_response()
        assert_problem(r, 400)
        assert_closed(c)


def test_400_announces_connection_close(server):
    with server.connect() as c:
        r = c.request(req(H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"))
        assert_problem(r, 400)
        assert "close" in connection_tokens(r), f"400 then close, without Connection: close: {r.headers}"
        assert_closed(c)


def test_http2_request_line_is_505(server):
    with server.connect() as c:
        r = c.request(b"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n")
        assert_problem(r, 505)
        assert_closed(c)


def test_http2_preface_is_rejected(server):
    with server.connect() as c:
        c.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        r = c.read_response()
        assert r.status in (400, 505), r
        assert_problem(r, r.status)
        assert_closed(c)


def test_request_line_trailing_space_is_400(server):
    with server.connect() as c:
        r = c.request(b"GET / HTTP/1.1 \r\nHost: localhost\r\n\r\n")
        assert_problem(r, 400)
        assert_closed(c)


def test_smuggled_request_is_never_answered(server):
    """The classic CL.TE desync: if the server honoured Content-Length it would see a second request."""
    smuggled = b"GET /echo/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    raw = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with server.connect() as c:
        r = c.request(raw)
        assert_problem(r, 400)
        assert_closed(c)
        assert b"smuggled" not in r.raw


def test_server_still_healthy_after_bad_requests(server):
    for _, raw in VECTORS[:10]:
        with server.connect() as c:
            c.send(raw)
            c.read_response()
    with server.connect() as c:
        assert c.request(FOLLOW_UP).status == 200
