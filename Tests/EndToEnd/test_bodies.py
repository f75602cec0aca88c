"""Request bodies: Content-Length, chunked with extensions and trailers, and requests that arrive in
arbitrary pieces (byte by byte, split at every position)."""

import socket
import time

from nexus_e2e import get, one_shot, post


def test_content_length_body_echoed(server):
    r = one_shot(server, post("/echo/cl", '{"a": [1, 2, 3], "s": "x y"}', extra="Content-Type: application/json\r\n"))
    assert r.status == 200
    doc = r.json()
    assert doc["method"] == "POST"
    assert doc["body"] == '{"a": [1, 2, 3], "s": "x y"}'


def test_empty_body(server):
    r = one_shot(server, post("/echo", b""))
    assert r.status == 200
    assert r.json()["body"] == ""


def test_body_with_json_special_characters(server):
    body = 'quote " backslash \\ newline \n tab \t cr \r ctl \x01 end'
    r = one_shot(server, post("/echo", body))
    assert r.status == 200
    assert r.json()["body"] == body


def test_chunked_body_with_extensions_and_trailers(server):
    raw = (b"POST /echo/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n"
           b"6;a=b;c=\"d e\"\r\n world\r\n"
           b"A\r\n0123456789\r\n"
           b"0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n")
    with server.connect() as c:
        r = c.request(raw)
        assert r.status == 200
        assert r.json()["body"] == "hello world0123456789"
        # The connection continues after the trailers.
        r2 = c.request(get("/echo/after"))
        assert r2.json()["path"] == "/echo/after"


def test_chunked_body_empty(server):
    raw = b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    with server.connect() as c:
        assert c.request(raw).json()["body"] == ""
        assert c.request(get("/api/echo")).status == 200


def test_chunked_uppercase_hex_and_leading_zeros(server):
    raw = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"0000B\r\nhello world\r\n00\r\n\r\n")
    assert one_shot(server, raw).json()["body"] == "hello world"


def test_transfer_encoding_case_insensitive(server):
    raw = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: Chunked\r\n\r\n"
           b"3\r\nabc\r\n0\r\n\r\n")
    assert one_shot(server, raw).json()["body"] == "abc"


def test_large_body_in_many_writes(server):
    body = bytes((ord("a") + i % 26) for i in range(200_000))
    with server.connect(timeout=10) as c:
        c.send(f"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for i in range(0, len(body), 7000):
            c.send(body[i:i + 7000])
        r = c.read_response(timeout=10)
        assert r.status == 200
        assert r.json()["body"] == body.decode()


def test_request_one_byte_at_a_time(server):
    raw = post("/echo/slow?q=1", "slow body", extra="X-Slow: yes\r\n")
    with server.connect() as c:
        for i in range(len(raw)):
            c.send(raw[i:i + 1])
            time.sleep(0.002)
        r = c.read_response()
        assert r.status == 200
        doc = r.json()
        assert doc["path"] == "/echo/slow"
        assert doc["query"] == "q=1"
        assert ["X-Slow", "yes"] in doc["headers"]
        assert doc["body"] == "slow body"


def test_chunked_request_one_byte_at_a_time(server):
    raw = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n")
    with server.connect() as c:
        for i in range(len(raw)):
            c.send(raw[i:i + 1])
            time.sleep(0.002)
        assert c.read_response().json()["body"] == "abcde"


def test_split_at_every_position(server):
    raw = post("/echo/split", "0123456789", extra="X-A: b\r\n")
    with server.connect() as c:
        for i in range(1, len(raw)):
            c.send(raw[:i])
            time.sleep(0.003)
            c.send(raw[i:])
            r = c.read_response()
            assert r.status == 200, f"split at {i}: {r}"
            doc = r.json()
            assert doc["path"] == "/echo/split" and doc["body"] == "0123456789", f"split at {i}: {doc}"
            assert ["X-A", "b"] in doc["headers"], f"split at {i}: {doc}"


def test_split_chunked_at_every_position(server):
    raw = (b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"4;e=1\r\nwxyz\r\n0\r\n\r\n")
    with server.connect() as c:
        for i in range(1, len(raw)):
            c.send(raw[:i])
            time.sleep(0.003)
            c.send(raw[i:])
            assert c.read_response().json()["body"] == "wxyz", f"split at {i}"


def test_echo_json_stays_valid_for_any_bytes(server):
    body = "café ✓ 😀".encode() + b" raw \xff\xfe\xc3 \xed\xa0\x80 end"
    r = one_shot(server, post("/echo", body))
    assert r.status == 200
    doc = r.json()  # must be valid JSON whatever the bytes were
    assert doc["body"].startswith("café ✓ 😀 raw "), doc["body"]
    assert doc["body"].endswith(" end")
    assert "\ufffd" in doc["body"]


def test_content_length_with_leading_zeros(server):
    raw = b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 005\r\n\r\nhello"
    with server.connect() as c:
        assert c.request(raw).json()["body"] == "hello"
        assert c.request(get("/api/echo")).status == 200


def test_empty_field_value(server):
    doc = one_shot(server, get("/echo", extra="X-Empty:\r\nX-Blank:   \r\n")).json()
    assert ["X-Empty", ""] in doc["headers"]
    assert ["X-Blank", ""] in doc["headers"]


def test_get_with_body_is_framed(server):
    """A body on a GET is still framed by Content-Length: the next request must not be confused by it."""
    with server.connect() as c:
        c.send(b"GET /echo/a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 22\r\n\r\nGET /echo/x HTTP/1.1\r\n" + get("/echo/b"))
        assert c.read_response().json()["path"] == "/echo/a"
        assert c.read_response().json()["path"] == "/echo/b"


def test_large_response_to_a_slow_reader(server):
    """A ~1 MiB echo response read in small slices with pauses: partial writes must resume correctly."""
    body = bytes((ord("A") + i % 23) for i in range(1000_000))
    with server.connect(timeout=20) as c:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        c.send(f"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        raw = b""
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in raw:
            raw += c.sock.recv(4096)
        head, _, rest = raw.partition(b"\r\n\r\n")
        n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
        i = 0
        while len(rest) < n and time.monotonic() < deadline:
            d = c.sock.recv(16384)
            assert d, "connection closed mid-response"
            rest += d
            i += 1
            if i % 4 == 0:
                time.sleep(0.01)
        assert len(rest) == n
        import json as _json
        assert _json.loads(rest)["body"] == body.decode()
        assert c.request(get("/api/echo")).status == 200
