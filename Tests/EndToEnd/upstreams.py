"""Test upstream servers for the reverse-proxy end-to-end tests (standard library only).

`UpstreamServer` is a raw-socket HTTP/1.1 server in the test process, on 127.0.0.1:0, one thread per
connection, keep-alive and pipelining aware. It records every request it receives (`.requests`): the raw
head bytes, the parsed fields, the body (or its byte count and CRC-32 when streamed), and which connection it
came on (`conn_id`, counted from 1 in accept order; `seq` is its position on that connection).

What it answers is chosen per path with `srv.on(path, action)` (exact path, or a prefix when `path` ends
with `*`; the path is the request target without its query); otherwise `srv.default` (`Info()`: a JSON
description of the request). Actions: Fixed, Raw, Chunked, Delay, CloseNoResponse, Reset, CloseMidBody,
Stream, Echo, CountUpload, CloseOnReuse.

Also: `proxy_config(...)` builds nexusd config overrides for upstreams + routes, `dead_address()` gives a
127.0.0.1 port nobody listens on, and the `upstream` fixture (a factory; import it into a test module) starts
servers and stops them at teardown.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field

import pytest

REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable"}

# ----------------------------------------------------------------------------------------------
# Deterministic payloads and checksums
# ----------------------------------------------------------------------------------------------

BLOCK = bytes((i * 131 + (i >> 8) * 17 + 7) & 0xFF for i in range(65536))  # 64 KiB, not periodic by 256


def pattern_chunks(total: int, size: int = 65536):
    """Yields `total` bytes of the repeating BLOCK pattern, `size` (<= 64 KiB) bytes at a time."""
    assert size <= len(BLOCK)
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        yield BLOCK[:n] if n != len(BLOCK) else BLOCK
        sent += n


def pattern_crc(total: int) -> int:
    crc = 0
    for chunk in pattern_chunks(total):
        crc = zlib.crc32(chunk, crc)
    return crc


# ----------------------------------------------------------------------------------------------
# Recorded requests
# ----------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    target: str
    version: str
    headers: list  # [(name, value)] in order, names as sent
    raw_head: bytes
    conn_id: int
    seq: int  # 0 for the first request on its connection
    body: bytes = b""
    body_len: int = 0
    body_crc: int = 0
    chunked: bool = False
    trailers: list = field(default_factory=list)
    complete: bool = False  # the whole body arrived

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        vals = self.all(name)
        return ", ".join(vals) if vals else None

    def count(self, name: str) -> int:
        return len(self.all(name))

    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.headers}


class _Closed(Exception):
    pass


class _Reader:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def fill(self) -> None:
        data = self.sock.recv(262144)
        if not data:
            raise _Closed()
        self.buf += data

    def read_until(self, sep: bytes, limit: int = 1 << 20) -> bytes:
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise _Closed()
            self.fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_some(self, maxn: int) -> bytes:
        if not self.buf:
            self.fill()
        out, self.buf = self.buf[:maxn], self.buf[maxn:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class Exchange:
    """What an action sees: the request (head parsed; body read unless the action streams it), the
    socket, and the server."""

    def __init__(self, server: "UpstreamServer", sock: socket.socket, reader: _Reader, req: Recorded):
        self.server, self.sock, self.reader, self.req = server, sock, reader, req
        self._body_state = None  # set by parse: ("length", n) | ("chunked",) | ("none",)

    def body_chunks(self):
        """Yields the request body as it arrives (de-chunked), recording its length and CRC-32."""
        req = self.req
        kind = self._body_state
        if kind[0] == "length":
            left = kind[1]
            while left > 0:
                data = self.reader.read_some(min(left, 262144))
                left -= len(data)
                req.body_len += len(data)
                req.body_crc = zlib.crc32(data, req.body_crc)
                yield data
        elif kind[0] == "chunked":
            while True:
                line = self.reader.read_until(b"\r\n", 4096)
                size = int(line[:-2].split(b";")[0].strip(), 16)
                if size == 0:
                    while True:
                        t = self.reader.read_until(b"\r\n", 65536)
                        if t == b"\r\n":
                            break
                        name, _, value = t[:-2].partition(b":")
                        req.trailers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
                    break
                left = size
                while left > 0:
                    data = self.reader.read_some(min(left, 262144))
                    left -= len(data)
                    req.body_len += len(data)
                    req.body_crc = zlib.crc32(data, req.body_crc)
                    yield data
                if self.reader.read_exact(2) != b"\r\n":
                    raise _Closed()
        req.complete = True

    def read_body(self) -> bytes:
        if self.req.complete:
            return self.req.body
        parts = list(self.body_chunks())
        self.req.body = b"".join(parts)
        return self.req.body

    def send(self, data: bytes):
        self.sock.sendall(data)


def build_response(status: int, headers=(), body: bytes = b"", head_only: bool = False, reason: str | None = None,
                   content_length: bool = True) -> bytes:
    hs = list(headers)
    names = {k.lower() for k, _ in hs}
    if content_length and "content-length" not in names and "transfer-encoding" not in names \
            and status not in (204, 304) and not 100 <= status < 200:
        hs.append(("Content-Length", str(len(body))))
    head = f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Status')}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
    if head_only or status in (204, 304):
        body = b""
    return head.encode("latin-1") + body


# ----------------------------------------------------------------------------------------------
# Actions: each returns True to keep the connection open for another request, False to close it
# ----------------------------------------------------------------------------------------------


class Action:
    streams_body = False  # True: the action reads the request body itself (ex.body_chunks())

    def __call__(self, ex: Exchange) -> bool:
        raise NotImplementedError


class Info(Action):
    """200 with a JSON description of the request: server name, method, target, conn, seq, body length."""

    def __init__(self, extra_headers=()):
        self.extra_headers = list(extra_headers)

    def __call__(self, ex):
        r = ex.req
        doc = {"server": ex.server.name, "method": r.method, "target": r.target, "conn": r.conn_id,
               "seq": r.seq, "body_len": len(r.body)}
        body = json.dumps(doc).encode()
        ex.send(build_response(200, [("Content-Type", "application/json"), *self.extra_headers], body,
                               head_only=r.method == "HEAD"))
        return True


class Fixed(Action):
    """A fixed response; Content-Length is added unless the headers frame the body themselves."""

    def __init__(self, status: int = 200, body: bytes | str = b"", headers=(), close: bool = False,
                 reason: str | None = None, content_length: bool = True):
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = list(headers)
        self.close = close
        self.reason = reason
        self.content_length = content_length

    def __call__(self, ex):
        ex.send(build_response(self.status, self.headers, self.body, head_only=ex.req.method == "HEAD",
                               reason=self.reason, content_length=self.content_length))
        return not self.close


class Raw(Action):
    """Sends `data` verbatim, then closes the connection if `close` (e.g. a close-delimited body)."""

    def __init__(self, data: bytes, close: bool = True):
        self.data, self.close = data, close

    def __call__(self, ex):
        ex.send(self.data)
        if self.close:
            try:
                ex.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return not self.close


class Chunked(Action):
    """A chunked response with the given chunks (and optional trailers); `pause` seconds between chunks."""

    def __init__(self, chunks, trailers=(), headers=(), pause: float = 0.0):
        self.chunks = [c.encode() if isinstance(c, str) else c for c in chunks]
        self.trailers = list(trailers)
        self.headers = list(headers)
        self.pause = pause

    def __call__(self, ex):
        hs = [("Transfer-Encoding", "chunked"), *self.headers]
        if self.trailers:
            hs.append(("Trailer", ", ".join(k for k, _ in self.trailers)))
        ex.send(build_response(200, hs, b""))
        if ex.req.method == "HEAD":
            return True
        for c in self.chunks:
            ex.send(b"%x\r\n" % len(c) + c + b"\r\n")
            if self.pause:
                time.sleep(self.pause)
        ex.send(b"0\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in self.trailers) + b"\r\n")
        return True


class Delay(Action):
    """Waits `seconds` (after reading the request), then runs `then` (default Info())."""

    def __init__(self, seconds: float, then: Action | None = None):
        self.seconds = seconds
        self.then = then or Info()

    def __call__(self, ex):
        if ex.server.stopping.wait(self.seconds):
            return False
        return self.then(ex)


class CloseNoResponse(Action):
    def __call__(self, ex):
        return False


class Reset(Action):
    """Closes with SO_LINGER 0 (an RST) without answering."""

    def __call__(self, ex):
        ex.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False


class CloseMidBody(Action):
    """Declares a body of `declared` bytes (Content-Length, or chunked when `chunked`), sends `send` bytes of
    it, then closes."""

    def __init__(self, declared: int = 100_000, send: int = 1000, chunked: bool = False):
        self.declared, self.sent, self.chunked = declared, send, chunked

    def __call__(self, ex):
        if self.chunked:
            ex.send(build_response(200, [("Transfer-Encoding", "chunked")]) +
                    b"%x\r\n" % self.declared + b"x" * self.sent)
        else:
            ex.send(build_response(200, [("Content-Length", str(self.declared))]) + b"x" * self.sent)
        time.sleep(0.05)
        return False


class Stream(Action):
    """A `total`-byte body of the BLOCK pattern streamed from a generator (Content-Length, or chunked)."""

    def __init__(self, total: int, chunked: bool = False):
        self.total, self.chunked = total, chunked

    def __call__(self, ex):
        if self.chunked:
            ex.send(build_response(200, [("Transfer-Encoding", "chunked"),
                                         ("Content-Type", "application/octet-stream")]))
            for c in pattern_chunks(self.total):
                ex.send(b"%x\r\n" % len(c) + c + b"\r\n")
            ex.send(b"0\r\n\r\n")
        else:
            ex.send(build_response(200, [("Content-Length", str(self.total)),
                                         ("Content-Type", "application/octet-stream")]))
            if ex.req.method != "HEAD":
                for c in pattern_chunks(self.total):
                    ex.sock.sendall(c)
        return True


class Echo(Action):
    """200 with the request body as the response body (Content-Length framed)."""

    def __init__(self, headers=()):
        self.headers = list(headers)

    def __call__(self, ex):
        body = ex.read_body()
        ex.send(build_response(200, [("Content-Type", "application/octet-stream"), *self.headers], body))
        return True


class JSONSum(Action):
    """Answers {"sum": a + b} (application/json) for a JSON body {"a": .., "b": ..}: a workflow's upstream."""

    def __call__(self, ex):
        data = json.loads(ex.read_body())
        body = json.dumps({"sum": data["a"] + data["b"]}).encode()
        ex.send(build_response(200, [("Content-Type", "application/json")], body))
        return True


class CountUpload(Action):
    """Reads the request body as it arrives without keeping it; answers JSON {"bytes": n, "crc32": c}."""

    streams_body = True

    def __call__(self, ex):
        for _ in ex.body_chunks():
            pass
        body = json.dumps({"bytes": ex.req.body_len, "crc32": ex.req.body_crc}).encode()
        ex.send(build_response(200, [("Content-Type", "application/json")], body))
        return True


class CloseOnReuse(Action):
    """The stale keep-alive race: the first request on a connection gets `first` (default Info()), any later
    one on the same connection sees the connection closed without an answer."""

    def __init__(self, first: Action | None = None):
        self.first = first or Info()

    def __call__(self, ex):
        if ex.req.seq > 0:
            return False
        return self.first(ex)


# ----------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------


class UpgradeEcho(Action):
    """101 Switching Protocols, then every byte received is sent back upper-cased until the peer closes."""

    def __call__(self, ex):
        ex.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        pending = ex.reader.buf if hasattr(ex.reader, "buf") else b""
        if pending:
            ex.send(bytes(pending).upper())
            ex.reader.buf = b""
        ex.sock.settimeout(10)
        while True:
            try:
                data = ex.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            ex.sock.sendall(data.upper())
        return False


class EventStream(Action):
    """text/event-stream: `count` events `gap` seconds apart, then the stream ends (close-delimited)."""

    def __init__(self, count=4, gap=0.4):
        self.count, self.gap = count, gap

    def __call__(self, ex):
        ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
        for i in range(self.count):
            ex.send(b"data: event %d\n\n" % i)
            time.sleep(self.gap)
        return False



class UpstreamServer:
    def __init__(self, name: str = "up", default: Action | None = None, port: int = 0, host: str = "127.0.0.1",
                 tls=None):
        self.name = name
        # An ssl.SSLContext: each accepted connection is wrapped (handshake in its thread); SNI names seen and
        # client certificates received are recorded.
        self.tls = tls
        self.sni_names: list[str | None] = []
        self.peer_certs: list[dict] = []
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.sni_names.append(name)
        self.host = host
        self.default = default or Info()
        self.exact: dict[str, Action] = {}
        self.prefixes: list[tuple[str, Action]] = []
        self.requests: list[Recorded] = []
        self.connections = 0  # accepted so far
        self.open_conns: dict[int, socket.socket] = {}
        self.idle: set[int] = set()  # connections waiting for their next request with nothing buffered
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.lsock = socket.socket(family, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            self.lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.lsock.bind((host, port))
        self.lsock.listen(512)
        self.port = self.lsock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, daemon=True, name=f"upstream-{name}")
        self.thread.start()

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def on(self, path: str, action: Action) -> "UpstreamServer":
        if path.endswith("*"):
            self.prefixes.append((path[:-1], action))
            self.prefixes.sort(key=lambda p: -len(p[0]))
        else:
            self.exact[path] = action
        return self

    def _action_for(self, path: str) -> Action:
        if path in self.exact:
            return self.exact[path]
        for p, a in self.prefixes:
            if path.startswith(p):
                return a
        return self.default

    # -- inspection --

    def wait_requests(self, n: int, timeout: float = 5.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.requests)

    def paths(self) -> list[str]:
        with self.lock:
            return [r.target for r in self.requests]

    def close_idle_connections(self) -> int:
        """Closes (FIN) every connection that waits for its next request; returns how many."""
        with self.lock:
            victims = [self.open_conns[i] for i in self.idle if i in self.open_conns]
        for s in victims:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(victims)

    def close(self):
        self.stopping.set()
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        try:
            self.lsock.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self.open_conns.values())
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(2)

    # -- serving --

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                cid = self.connections
                self.open_conns[cid] = s
            threading.Thread(target=self._serve, args=(s, cid), daemon=True,
                             name=f"upstream-{self.name}-c{cid}").start()

    def _serve(self, s: socket.socket, cid: int):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            try:
                s.settimeout(10)
                s = self.tls.wrap_socket(s, server_side=True)
                s.settimeout(None)
                self.peer_certs.append(s.getpeercert() or {})
                with self.lock:
                    self.open_conns[cid] = s
            except (OSError, ValueError):
                with self.lock:
                    self.open_conns.pop(cid, None)
                s.close()
                return
        reader = _Reader(s)
        seq = 0
        try:
            while not self.stopping.is_set():
                with self.lock:
                    if not reader.buf:
                        self.idle.add(cid)
                try:
                    head = reader.read_until(b"\r\n\r\n")
                finally:
                    with self.lock:
                        self.idle.discard(cid)
                req, body_state = self._parse(head, cid, seq)
                seq += 1
                with self.cond:
                    self.requests.append(req)
                    self.cond.notify_all()
                ex = Exchange(self, s, reader, req)
                ex._body_state = body_state
                action = self._action_for(req.path)
                if not action.streams_body:
                    ex.read_body()
                    with self.cond:
                        self.cond.notify_all()
                keep = action(ex)
                if not req.complete:  # the action left the body unread: cannot find the next request
                    keep = False
                if not keep or (req.header("connection") or "").lower().find("close") >= 0:
                    break
        except (_Closed, ConnectionError, OSError):
            pass
        except Exception as e:  # a bug in the test server: keep it visible
            self.errors.append(repr(e))
        finally:
            with self.lock:
                self.open_conns.pop(cid, None)
                self.idle.discard(cid)
            try:
                s.close()
            except OSError:
                pass

    @staticmethod
    def _parse(head: bytes, cid: int, seq: int):
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ")
        if len(parts) != 3:
            raise _Closed()
        method, target, version = parts
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        req = Recorded(method, target, version, headers, head, cid, seq)
        te = (req.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            req.chunked = True
            state = ("chunked",)
        elif req.header("content-length") is not None:
            state = ("length", int(req.header("content-length").split(",")[0]))
        else:
            state = ("none",)
        if state[0] == "none" or state == ("length", 0):
            req.complete = True
        return req, state


# ----------------------------------------------------------------------------------------------
# Config helpers and fixtures
# ----------------------------------------------------------------------------------------------


def dead_address() -> str:
    """127.0.0.1:PORT where nothing listens (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


def upstream_block(name: str, backends, **settings) -> dict:
    """One entry of `upstreams:`. `backends`: addresses, UpstreamServers or (address-or-server, weight)."""
    bs = []
    for b in backends:
        weight = 1
        if isinstance(b, tuple):
            b, weight = b
        addr = b.address if isinstance(b, UpstreamServer) else b
        bs.append({"address": addr, "weight": weight})
    block = {
        "name": name,
        "backends": bs,
        "balance": "round_robin",
        "timeouts": {"connect": "2s", "read": "5s", "write": "5s", "total": "20s"},
        "max_connections_per_backend": 64,
        "keepalive": {"max_idle": 8, "idle_timeout": "30s"},
        "retry": True,
        "passive": {"max_failures": 3, "eject_for": "5s"},
    }
    for k, v in settings.items():
        if isinstance(v, dict) and isinstance(block.get(k), dict):
            block[k] = {**block[k], **v}
        else:
            block[k] = v
    return block


def proxy_config(upstreams: list[dict], routes: list[dict], **extra) -> dict:
    """Config overrides: the given upstreams and routes (replacing the default routes)."""
    cfg = {"upstreams": upstreams, "routes": routes}
    cfg.update(extra)
    return cfg


@pytest.fixture
def upstream():
    """Factory: upstream(name="up", default=None) -> a started UpstreamServer, closed at teardown; a test
    server whose handler raised makes the test fail."""
    started: list[UpstreamServer] = []

    def factory(name: str = "up", default: Action | None = None, port: int = 0, host: str = "127.0.0.1",
                tls=None) -> UpstreamServer:
        u = UpstreamServer(name, default, port, host, tls)
        started.append(u)
        return u

    yield factory
    errors = []
    for u in started:
        u.close()
        errors += [f"{u.name}: {e}" for e in u.errors]
    if errors:
        pytest.fail("test upstream errors: " + "; ".join(errors), pytrace=False)


HEX32 = re.compile(r"^[0-9a-f]{32}$")
