"""limits.max_connections: the connection over the limit gets a 503 and is closed; the others go on."""

import socket
import time

from nexus_e2e import HTTPConn, IncompleteResponse, assert_problem, get


def _open_and_use(srv, tag):
    c = srv.connect(timeout=5)
    r = c.request(get(f"/echo/{tag}"))
    assert r.status == 200, r
    return c


def test_max_connections_503_then_recovers(nexus):
    srv = nexus({"threads": 1, "limits": {"max_connections": 4}})
    conns = [_open_and_use(srv, f"keep{i}") for i in range(4)]
    try:
        fifth = srv.connect(timeout=5)
        try:
            try:
                fifth.send(get("/echo/fifth"))
            except OSError:
                pass  # the 503 and close may beat our request
            r = fifth.read_response(timeout=5)
            assert r.status_line.startswith("HTTP/1.1 503"), r.status_line
            assert r.headers.get("content-type") == "application/problem+json", r.headers
            assert r.json()["status"] == 503
            assert fifth.wait_closed(3), "the refused connection was not closed"
        finally:
            fifth.close()

        # The four admitted connections still work.
        for i, c in enumerate(conns):
            r = c.request(get(f"/echo/again{i}"))
            assert r.status == 200 and r.json()["path"] == f"/echo/again{i}"

        # Free one slot; a new connection is admitted again (allow the server a moment to see the close).
        conns.pop().close()
        deadline = time.monotonic() + 3
        last = None
        while time.monotonic() < deadline:
            c = srv.connect(timeout=5)
            try:
                r = c.request(get("/echo/new"))
                last = r
                if r.status == 200:
                    conns.append(c)
                    break
                c.close()
            except (IncompleteResponse, OSError) as e:
                last = e
                c.close()
            time.sleep(0.1)
        assert last is not None and getattr(last, "status", None) == 200, f"no slot after a close: {last!r}"

        # Full again: the next one is refused.
        extra = srv.connect(timeout=5)
        try:
            try:
                extra.send(get("/echo/sixth"))
            except OSError:
                pass
            r = extra.read_response(timeout=5)
            assert r.status == 503 and r.json()["status"] == 503, r
        finally:
            extra.close()
    finally:
        for c in conns:
            c.close()


def test_many_sequential_connections(server):
    for i in range(300):
        with server.connect() as c:
            assert c.request(get(f"/echo/{i}", extra="Connection: close\r\n")).status == 200


def test_many_concurrent_connections(server):
    conns = []
    try:
        for i in range(200):
            conns.append(server.connect(timeout=10))
        for i, c in enumerate(conns):
            c.send(get(f"/echo/{i}"))
        for i, c in enumerate(conns):
            assert c.read_response(timeout=10).json()["path"] == f"/echo/{i}"
    finally:
        for c in conns:
            c.close()


def test_client_reset_mid_request_does_not_hurt(server):
    import struct
    for _ in range(20):
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nabc")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
    with HTTPConn(server.host, server.port) as c:
        assert c.request(get("/api/echo")).status == 200


def test_client_half_close_still_answered(server):
    with server.connect() as c:
        c.send(get("/echo/half"))
        c.sock.shutdown(socket.SHUT_WR)
        r = c.read_response()
        assert r.status == 200 and r.json()["path"] == "/echo/half"


def test_connection_slots_are_released_on_every_path(nexus):
    """max_connections: 4. Connections ending by client reset, client close, 400, 413, 404+close and
    half-close must all give their slot back: afterwards 4 fresh connections are all admitted."""
    import struct
    srv = nexus({"threads": 1, "limits": {"max_connections": 4, "max_body_bytes": "1KiB"}})

    def rst(data):
        s = socket.create_connection((srv.host, srv.port), timeout=5)
        s.sendall(data)
        time.sleep(0.02)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    for _ in range(3):
        rst(b"")
        rst(b"GET /echo HTTP/1.1\r\n")
        rst(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        with srv.connect() as c:  # client close after a response
            c.request(get("/echo"))
        with srv.connect() as c:  # 400
            c.request(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
            c.wait_closed(3)
        with srv.connect() as c:  # 413
            c.request(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            c.wait_closed(3)
        with srv.connect() as c:  # Connection: close
            c.request(get("/nope", extra="Connection: close\r\n"))
            c.wait_closed(3)
        with srv.connect() as c:  # half-close
            c.send(get("/echo/h"))
            c.sock.shutdown(socket.SHUT_WR)
            c.wait_closed(3)
    time.sleep(0.5)
    conns = []
    try:
        for i in range(4):
            c = srv.connect()
            conns.append(c)
            r = c.request(get(f"/echo/slot{i}"))
            assert r.status == 200, f"slot {i} refused after the error paths: {r!r} (connection slots leaked)"
    finally:
        for c in conns:
            c.close()


def test_503_is_a_complete_problem_response(nexus):
    """The over-limit answer is a response like any other: Date, Content-Length, problem+json."""
    srv = nexus({"threads": 1, "limits": {"max_connections": 1}})
    keep = _open_and_use(srv, "keep")
    try:
        with srv.connect() as c:
            try:
                c.send(get("/echo/second"))
            except OSError:
                pass
            assert_problem(c.read_response(timeout=5), 503)
            assert c.wait_closed(3)
    finally:
        keep.close()
