"""SIGTERM drains: in-flight requests finish (with Connection: close), idle connections close,
the process exits 0 within timeouts.shutdown_grace."""

import errno
import signal
import threading
import time

from nexus_e2e import IncompleteResponse, connection_tokens, get

GRACE_S = 3
SHUTDOWN = {"timeouts": {"shutdown_grace": f"{GRACE_S}s"}}


def test_half_sent_request_completes_after_sigterm(nexus):
    srv = nexus(SHUTDOWN)
    with srv.connect(timeout=10) as c:
        c.send(b"GET /api/echo HTTP/1.1\r\nHost: localhost\r\n")
        time.sleep(0.3)
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        time.sleep(0.5)
        assert srv.running(), "nexusd exited with a request in flight"
        c.send(b"X-Late: 1\r\n\r\n")
        r = c.read_response(timeout=5)
        assert r.status == 200, r
        assert r.body == b'{"ok":true}'
        assert "close" in connection_tokens(r), f"no Connection: close while draining: {r.headers}"
        assert c.wait_closed(3), "not closed after the draining response"
    rc = srv.wait(GRACE_S + 2 - (time.monotonic() - t0))
    assert rc == 0, f"exit status {rc} (None: still running)\n{srv.stderr}"


def test_sigterm_mid_body_completes(nexus):
    srv = nexus(SHUTDOWN)
    with srv.connect(timeout=10) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n01234")
        time.sleep(0.3)
        srv.signal(signal.SIGTERM)
        time.sleep(0.3)
        c.send(b"56789")
        r = c.read_response(timeout=5)
        assert r.status == 200
        assert r.json()["body"] == "0123456789"
        assert "close" in connection_tokens(r)
    assert srv.wait(GRACE_S + 2) == 0


class LoadClient(threading.Thread):
    def __init__(self, srv, idx, stop_evt):
        super().__init__(daemon=True)
        self.srv, self.idx, self.stop_evt = srv, idx, stop_evt
        self.completed = 0
        self.closes_seen = 0
        self.failures: list[str] = []
        self.refused = 0
        self.reconnect_errors: list[str] = []

    def run(self):
        conn = None
        n = 0
        while not self.stop_evt.is_set():
            if conn is None:
                try:
                    conn = self.srv.connect(timeout=5)
                except ConnectionRefusedError:
                    self.refused += 1
                    return  # listener closed: drained
                except OSError as e:
                    self.reconnect_errors.append(repr(e))
                    return
            path = f"/echo/t{self.idx}-{n}"
            n += 1
            try:
                conn.send(get(path))
            except OSError as e:
                # Not fully written: allowed (the server may close an idle connection).
                conn.close()
                conn = None
                if getattr(e, "errno", None) not in (errno.EPIPE, errno.ECONNRESET):
                    self.reconnect_errors.append(f"send: {e!r}")
                continue
            try:
                r = conn.read_response(timeout=10)
            except (IncompleteResponse, OSError) as e:
                self.failures.append(f"{path}: request fully written, no complete response: {e!r}")
                conn.close()
                conn = None
                continue
            if r.status != 200 or r.json()["path"] != path:
                self.failures.append(f"{path}: wrong response {r!r}")
            self.completed += 1
            if "close" in connection_tokens(r):
                self.closes_seen += 1
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def test_sigterm_under_load_loses_no_request(nexus):
    srv = nexus(SHUTDOWN)
    stop_evt = threading.Event()
    clients = [LoadClient(srv, i, stop_evt) for i in range(8)]
    for c in clients:
        c.start()
    time.sleep(1.0)
    before = sum(c.completed for c in clients)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait(GRACE_S + 2)
    elapsed = time.monotonic() - t0
    # Every client must have stopped on its own (refused reconnect) by now; give them a moment.
    for c in clients:
        c.join(3)
    stop_evt.set()
    for c in clients:
        c.join(5)
    failures = [f for c in clients for f in c.failures]
    print(f"load: {before} done before SIGTERM, {sum(c.completed for c in clients)} in all, "
          f"{sum(c.closes_seen for c in clients)} Connection: close seen, {sum(c.refused for c in clients)} refused, "
          f"exit {rc} after {elapsed:.2f}s")
    assert before > 0, "no request completed before SIGTERM"
    assert not failures, f"{len(failures)} requests lost during the drain, e.g.:\n" + "\n".join(failures[:10])
    other = [e for c in clients for e in c.reconnect_errors]
    assert not other, f"unexpected client errors: {other[:5]}"
    assert rc == 0, f"exit status {rc} after {elapsed:.1f}s (None: still running)\n{srv.stderr[-3000:]}"
    assert elapsed <= GRACE_S + 2


def test_idle_keepalive_connections_closed_and_quick_exit(nexus):
    srv = nexus({"timeouts": {"shutdown_grace": "10s"}})
    conns = []
    for i in range(3):
        c = srv.connect(timeout=5)
        assert c.request(get(f"/echo/{i}")).status == 200
        conns.append(c)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    try:
        for c in conns:
            assert c.wait_closed(3), "idle keep-alive connection not closed on SIGTERM"
            assert c.buf == b"", f"bytes on an idle connection: {c.buf!r}"
        rc = srv.wait(3 - (time.monotonic() - t0))
        assert rc == 0, f"exit status {rc} (None: still running after 3 s)\n{srv.stderr[-3000:]}"
        assert time.monotonic() - t0 < 3
    finally:
        for c in conns:
            c.close()


def test_sigterm_with_no_connections_exits_zero_quickly(nexus):
    srv = nexus()
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait(3)
    assert rc == 0, f"exit status {rc}\n{srv.stderr[-2000:]}"
    assert time.monotonic() - t0 < 3


def test_sigint_drains_like_sigterm(nexus):
    srv = nexus()
    srv.signal(signal.SIGINT)
    assert srv.wait(3) == 0
