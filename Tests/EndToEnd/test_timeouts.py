"""timeouts.header_read / body_read / keepalive_idle (all set to 2 s here)."""

import threading
import time

import pytest

from nexus_e2e import assert_problem, get

TIMEOUTS = {"timeouts": {"header_read": "2s", "body_read": "2s", "keepalive_idle": "2s"}}


@pytest.fixture
def srv(nexus):
    return nexus(TIMEOUTS)


class Dribbler(threading.Thread):
    """Sends `data` one byte per `interval` seconds until stopped or the send fails."""

    def __init__(self, sock, data: bytes, interval: float = 1.0):
        super().__init__(daemon=True)
        self.sock, self.data, self.interval = sock, data, interval
        self.stop = threading.Event()
        self.sent = 0
        self.error = None

    def run(self):
        try:
            for i in range(len(self.data)):
                self.sock.send(self.data[i:i + 1])
                self.sent += 1
                if self.stop.wait(self.interval):
                    return
        except OSError as e:
            self.error = e


def test_slowloris_head_gets_408_and_close(srv):
    c = srv.connect(timeout=10)
    head = b"GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100
    t0 = time.monotonic()
    d = Dribbler(c.sock, head, 1.0)
    d.start()
    try:
        r = c.read_response(timeout=6)
        t_resp = time.monotonic() - t0
        assert_problem(r, 408)
        assert c.wait_closed(6 - (time.monotonic() - t0)), "not closed after the 408"
        t_closed = time.monotonic() - t0
    finally:
        d.stop.set()
        c.close()
    assert t_resp >= 1.5, f"408 after only {t_resp:.2f}s (header_read is 2s)"
    assert t_closed < 5.0, f"closed only after {t_closed:.2f}s (header_read is 2s)"
    assert d.sent <= 6


def test_idle_keepalive_connection_is_closed_silently(srv):
    with srv.connect(timeout=10) as c:
        assert c.request(get("/api/echo")).status == 200
        t0 = time.monotonic()
        closed = c.wait_closed(6)
        elapsed = time.monotonic() - t0
        assert closed, "idle keep-alive connection still open after 6 s (keepalive_idle is 2s)"
        assert c.buf == b"", f"bytes sent on an idle connection: {c.buf[:200]!r}"
        assert 1.5 <= elapsed < 5.0, f"idle connection closed after {elapsed:.2f}s (keepalive_idle is 2s)"


def test_keepalive_timer_resets_on_each_request(srv):
    with srv.connect(timeout=10) as c:
        for i in range(4):  # 4 requests 1 s apart: 4 s in all, never 2 s idle
            r = c.request(get(f"/echo/{i}"))
            assert r.status == 200, f"request {i}: {r}"
            time.sleep(1.0)
        assert c.request(get("/echo/last")).status == 200


def test_silent_new_connection_is_closed(srv):
    with srv.connect(timeout=10) as c:
        t0 = time.monotonic()
        closed = c.wait_closed(6)
        elapsed = time.monotonic() - t0
        assert closed, "a connection that never sent a byte is still open after 6 s"
        assert 1.5 <= elapsed < 5.0, f"closed after {elapsed:.2f}s"
        if c.buf:  # a 408 is allowed here, nothing else
            assert c.buf.startswith(b"HTTP/1.1 408 "), c.buf[:200]


def test_stalled_body_gets_408_and_close(srv):
    with srv.connect(timeout=10) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        t0 = time.monotonic()
        r = c.read_response(timeout=6)
        t_resp = time.monotonic() - t0
        assert_problem(r, 408)
        assert c.wait_closed(3), "not closed after the 408"
        t_closed = time.monotonic() - t0
        assert t_resp >= 1.5, f"408 after only {t_resp:.2f}s (body_read is 2s)"
        assert t_closed < 5.0, f"closed after {t_closed:.2f}s (body_read is 2s)"


def test_stalled_chunked_body_gets_408_and_close(srv):
    with srv.connect(timeout=10) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
        t0 = time.monotonic()
        r = c.read_response(timeout=6)
        assert_problem(r, 408)
        assert c.wait_closed(3)
        assert 1.5 <= time.monotonic() - t0 < 5.0


def test_other_connections_unaffected_by_a_slow_one(srv):
    slow = srv.connect(timeout=10)
    try:
        slow.send(b"GET /echo HTTP/1.1\r\n")
        for i in range(5):
            with srv.connect() as c:
                t0 = time.monotonic()
                assert c.request(get(f"/echo/{i}")).status == 200
                assert time.monotonic() - t0 < 1.0
    finally:
        slow.close()


def test_send_timeout_closes_a_client_that_never_reads(nexus):
    """timeouts.send: 2s. A client pipelines thousands of requests and never reads: once the socket buffers
    fill, the server's writes make no progress and it must drop the connection (and keep serving others)."""
    import socket as _socket
    srv = nexus({"timeouts": {"send": "2s", "header_read": "10s", "keepalive_idle": "10s"}})
    s = _socket.socket()
    s.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((srv.host, srv.port))
    n = 20000
    payload = b"".join(get(f"/echo/{i:05d}/" + "p" * 200) for i in range(n))
    sent = 0
    try:
        s.settimeout(1.0)
        while sent < len(payload):
            try:
                sent += s.send(payload[sent:sent + 65536])
            except _socket.timeout:
                break  # the server stopped reading: its writes are blocked
        time.sleep(5)  # > send timeout
        with srv.connect() as other:
            assert other.request(get("/api/echo")).status == 200
        # Now read what there is: the stream must end well before all n responses arrived.
        got = b""
        s.settimeout(3)
        ended = False
        while True:
            try:
                d = s.recv(1 << 20)
            except _socket.timeout:
                break
            except (ConnectionResetError, BrokenPipeError):
                ended = True
                break
            if not d:
                ended = True
                break
            got += d
        responses = got.count(b"HTTP/1.1 200 ")
        assert ended and responses < n, (
            f"connection still alive after 5 s without reading: {responses} of {n} responses readable")
    finally:
        s.close()
