"""Helpers for the Nexus end-to-end tests: locating and running nexusd, writing YAML configs,
and speaking raw HTTP/1.1 over plain sockets. Standard library only."""

from __future__ import annotations

import copy
import ctypes
import errno
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

# ----------------------------------------------------------------------------------------------
# The binary
# ----------------------------------------------------------------------------------------------


def nexusd_path() -> Path | None:
    env = os.environ.get("NEXUSD")
    if env:
        return Path(env)
    for flavour in ("release", "debug"):
        p = REPO_ROOT / ".build" / flavour / "nexusd"
        if p.exists():
            return p
    return None


def io_uring_usable() -> tuple[bool, str]:
    """Probes io_uring_setup(2) directly (x86_64: 425, aarch64: 425 too)."""
    try:
        with open("/proc/sys/kernel/io_uring_disabled") as f:
            if f.read().strip() == "2":
                return False, "kernel.io_uring_disabled=2"
    except OSError:
        pass
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        fd = libc.syscall(425, 1, params)
        if fd < 0:
            return False, f"io_uring_setup failed: {os.strerror(ctypes.get_errno())}"
        os.close(fd)
        return True, ""
    except Exception as e:  # pragma: no cover
        return False, f"io_uring probe failed: {e}"


# ----------------------------------------------------------------------------------------------
# A tiny YAML emitter (block style), enough for nexusd configs
# ----------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9_./\[][A-Za-z0-9_./:+\-\[\]]*")
_LOOKS_TYPED = re.compile(r"(?i)(true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.eExXa-fA-F]*)")


def yaml_scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if s and _PLAIN.fullmatch(s) and not s.startswith("[") and not _LOOKS_TYPED.fullmatch(s) \
            and "[" not in s and "]" not in s:
        return s
    return json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar


def _yaml_lines(obj, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = yaml_scalar(k)
            if isinstance(v, dict) and v:
                out.append(f"{pad}{key}:")
                out.extend(_yaml_lines(v, indent + 2))
            elif isinstance(v, list) and v:
                out.append(f"{pad}{key}:")
                out.extend(_yaml_lines(v, indent + 2))
            elif isinstance(v, dict):
                out.append(f"{pad}{key}: {{}}")
            elif isinstance(v, list):
                out.append(f"{pad}{key}: []")
            else:
                out.append(f"{pad}{key}: {yaml_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                sub = _yaml_lines(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            else:
                out.append(f"{pad}- {yaml_scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}")
    else:
        out.append(pad + yaml_scalar(obj))
    return out


def to_yaml(obj) -> str:
    return "\n".join(_yaml_lines(obj, 0)) + "\n"


def deep_merge(base: dict, over: dict | None) -> dict:
    """Merges `over` into a copy of `base`: dicts merge recursively, anything else replaces;
    a value of None removes the key."""
    result = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if v is None:
            result.pop(k, None)
        elif isinstance(v, dict) and isinstance(result.get(k), dict):
            result[k] = deep_merge(result[k], v)
        else:
            result[k] = copy.deepcopy(v)
    return result


DEFAULT_ROUTES = [
    {
        "path": "/api/echo",
        "methods": ["GET", "POST"],
        "handler": "static",
        "status": 200,
        "content_type": "application/json",
        "body": '{"ok":true}',
        "headers": {"X-Demo": "1"},
    },
    {"path_prefix": "/echo", "handler": "echo"},
]

DEFAULT_CONFIG = {
    "threads": 1,
    "io": "auto",
    "listeners": [{"name": "public", "address": "127.0.0.1:0"}],
    "limits": {
        "max_connections": 10000,
        "max_request_line": "8KiB",
        "max_header_bytes": "32KiB",
        "max_headers": 100,
        "max_body_bytes": "1MiB",
    },
    "timeouts": {
        "header_read": "10s",
        "body_read": "30s",
        "keepalive_idle": "75s",
        "send": "30s",
        "shutdown_grace": "5s",
    },
    "log": {"level": "info"},
    "routes": DEFAULT_ROUTES,
}

# ----------------------------------------------------------------------------------------------
# Running nexusd
# ----------------------------------------------------------------------------------------------

LISTEN_RE = re.compile(r"\blistening\b.*\baddress=(\S+):(\d+)")


class NexusProcess:
    """A running nexusd. `stderr` is the text it has written so far."""

    def __init__(self, proc: subprocess.Popen, config_path: Path, config: dict, args: list[str]):
        self.proc = proc
        self.pid = proc.pid
        self.config_path = config_path
        self.config = config
        self.args = args
        self.host: str | None = None
        self.port: int | None = None
        self.expected_exit: int | None = 0  # teardown asserts this exit status (None: don't check)
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self._lines.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def stderr(self) -> str:
        with self._cond:
            return "".join(self._lines)

    def wait_for_line(self, pattern: str | re.Pattern, timeout: float = 10.0, start: int = 0):
        """Waits for a stderr line matching `pattern` (searched); returns the match or None."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self._lines):
                    m = rx.search(self._lines[i])
                    if m:
                        return m
                    i += 1
                if self._eof:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def connect(self, timeout: float = 5.0) -> "HTTPConn":
        return HTTPConn(self.host, self.port, timeout=timeout)

    def running(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after `timeout` seconds. Returns the exit status (negative: signal)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)
        return self.proc.returncode

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS line")


def run_nexusd(args: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess:
    binary = nexusd_path()
    return subprocess.run([str(binary), *args], capture_output=True, timeout=timeout, text=True)


# ----------------------------------------------------------------------------------------------
# HTTP over raw sockets
# ----------------------------------------------------------------------------------------------


class IncompleteResponse(AssertionError):
    def __init__(self, msg: str, partial: bytes, reset: bool):
        super().__init__(f"{msg} (reset={reset}); got {len(partial)} bytes: {partial[:300]!r}")
        self.partial = partial
        self.reset = reset


class Response:
    def __init__(self, version, status, reason, header_list, body, raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.header_list = header_list
        self.headers: dict[str, str] = {}
        for k, v in header_list:
            k = k.lower()
            self.headers[k] = v if k not in self.headers else self.headers[k] + ", " + v
        self.body = body
        self.raw = raw

    @property
    def status_line(self) -> str:
        return self.raw.split(b"\r\n", 1)[0].decode("latin-1")

    def json(self):
        return json.loads(self.body)

    def count(self, name: str) -> int:
        return sum(1 for k, _ in self.header_list if k.lower() == name.lower())

    def __repr__(self):
        return f"<Response {self.status} {self.headers} body={self.body[:200]!r}>"


STATUS_LINE_RE = re.compile(rb"^(HTTP/\d\.\d) (\d{3}) ([^\r\n]*)$")


class HTTPConn:
    """A client connection with a read buffer, so pipelined responses parse one after another."""

    def __init__(self, host: str, port: int, timeout: float = 5.0, nodelay: bool = True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.eof = False
        self.reset = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes | str):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, timeout: float | None = None) -> bool:
        """Reads more bytes into buf. False at EOF/reset; raises socket.timeout on timeout."""
        if self.eof:
            return False
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            self.eof = True
            self.reset = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _need(self, pred, deadline: float, what: str, start_len: int):
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"timed out waiting for {what}; buffered {self.buf[:300]!r}")
            try:
                ok = self._fill(left)
            except socket.timeout:
                raise socket.timeout(f"timed out waiting for {what}; buffered {self.buf[:300]!r}")
            if not ok:
                raise IncompleteResponse(f"connection ended while waiting for {what}", self.buf, self.reset)

    def read_response(self, head: bool = False, timeout: float | None = None) -> Response:
        """Reads one response (a 1xx interim response is returned as is, without a body)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._need(lambda: b"\r\n\r\n" in self.buf, deadline, "a response head", 0)
        head_end = self.buf.index(b"\r\n\r\n") + 4
        head_bytes = self.buf[:head_end]
        lines = head_bytes[:-4].split(b"\r\n")
        m = STATUS_LINE_RE.match(lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        version, status, reason = m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1")
        header_list = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise AssertionError(f"bad response header line {line!r}")
            header_list.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        resp = Response(version, status, reason, header_list, b"", b"")
        if 100 <= status < 200 or head or status in (204, 304):
            self.buf = self.buf[head_end:]
            resp.raw = head_bytes
            return resp
        if "content-length" in resp.headers:
            n = int(resp.headers["content-length"])
            self._need(lambda: len(self.buf) >= head_end + n, deadline, f"a {n}-byte body", head_end)
            resp.body = self.buf[head_end:head_end + n]
            resp.raw = self.buf[:head_end + n]
            self.buf = self.buf[head_end + n:]
            return resp
        if "chunked" in resp.headers.get("transfer-encoding", "").lower():
            pos = head_end
            body = b""
            while True:
                self._need(lambda: b"\r\n" in self.buf[pos:], deadline, "a chunk size", pos)
                eol = self.buf.index(b"\r\n", pos)
                size = int(self.buf[pos:eol].split(b";")[0], 16)
                pos = eol + 2
                if size == 0:
                    self._need(lambda: b"\r\n" in self.buf[pos:], deadline, "trailers", pos)
                    while not self.buf[pos:].startswith(b"\r\n"):
                        self._need(lambda: b"\r\n" in self.buf[pos:], deadline, "trailers", pos)
                        pos = self.buf.index(b"\r\n", pos) + 2
                        self._need(lambda: len(self.buf) >= pos + 2, deadline, "trailers", pos)
                    pos += 2
                    break
                self._need(lambda: len(self.buf) >= pos + size + 2, deadline, "chunk data", pos)
                body += self.buf[pos:pos + size]
                pos += size + 2
            resp.body = body
            resp.raw = self.buf[:pos]
            self.buf = self.buf[pos:]
            return resp
        # No framing: the body runs to the end of the connection.
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out reading a close-delimited body")
            if not self._fill(left):
                break
        resp.body = self.buf[head_end:]
        resp.raw = self.buf
        self.buf = b""
        return resp

    def request(self, data: bytes | str, head: bool = False, timeout: float | None = None) -> Response:
        self.send(data)
        return self.read_response(head=head, timeout=timeout)

    def wait_closed(self, timeout: float = 3.0) -> bool:
        """True if the peer closes (EOF or reset) within `timeout`; bytes received meanwhile stay in buf."""
        deadline = time.monotonic() + timeout
        while True:
            if self.eof:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self._fill(left)
            except socket.timeout:
                return False
            except OSError:
                self.eof = True
                return True


def is_closed(sock_or_conn, timeout: float = 3.0) -> bool:
    """True if recv returns b'' or ECONNRESET within `timeout` (any data read meanwhile is discarded)."""
    if isinstance(sock_or_conn, HTTPConn):
        return sock_or_conn.wait_closed(timeout)
    sock = sock_or_conn
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        if not data:
            return True


def assert_closed(conn: HTTPConn, timeout: float = 3.0):
    assert conn.wait_closed(timeout), "the server did not close the connection"
    assert conn.buf == b"", f"unexpected bytes after the response: {conn.buf[:300]!r}"


def one_shot(server, data: bytes | str, head: bool = False, timeout: float = 5.0) -> Response:
    with server.connect(timeout=timeout) as c:
        return c.request(data, head=head)


def get(path: str = "/", host: str = "localhost", extra: str = "", version: str = "HTTP/1.1",
        method: str = "GET") -> bytes:
    return f"{method} {path} {version}\r\nHost: {host}\r\n{extra}\r\n".encode("latin-1")


def post(path: str, body: bytes | str, extra: str = "", host: str = "localhost") -> bytes:
    if isinstance(body, str):
        body = body.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            .encode("latin-1") + body)


IMF_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                      r"\d{4} \d{2}:\d{2}:\d{2} GMT$")
REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long", 417: "Expectation Failed",
           431: "Request Header Fields Too Large", 503: "Service Unavailable",
           505: "HTTP Version Not Supported"}


def assert_well_formed(resp: Response):
    """What every final response carries: HTTP/1.1 status line with a reason, Date, Content-Length."""
    assert resp.version == "HTTP/1.1", resp.status_line
    assert resp.reason, f"no reason phrase: {resp.status_line!r}"
    assert "date" in resp.headers, f"no Date: {resp.raw[:400]!r}"
    assert IMF_DATE.match(resp.headers["date"]), f"bad Date {resp.headers['date']!r}"
    assert resp.count("Content-Length") == 1, f"Content-Length count != 1: {resp.raw[:400]!r}"
    assert int(resp.headers["content-length"]) == len(resp.body) or resp.body == b""


def assert_problem(resp: Response, status: int):
    """An error answer: the status, and an application/problem+json body that agrees with it."""
    assert resp.status == status, f"expected {status}, got {resp.status_line!r}: {resp.raw[:500]!r}"
    assert_well_formed(resp)
    ctype = resp.headers.get("content-type", "")
    assert ctype.split(";")[0].strip() == "application/problem+json", f"Content-Type {ctype!r}"
    try:
        doc = json.loads(resp.body)
    except ValueError as e:
        raise AssertionError(f"problem body is not JSON: {resp.body!r}: {e}")
    assert isinstance(doc, dict), doc
    assert doc.get("type") == "about:blank", doc
    assert isinstance(doc.get("title"), str) and doc["title"], doc
    assert doc.get("status") == status, doc
    assert isinstance(doc.get("detail"), str), doc
    return doc


def connection_tokens(resp: Response) -> set[str]:
    return {t.strip().lower() for t in resp.headers.get("connection", "").split(",") if t.strip()}


class BackgroundSender(threading.Thread):
    """Sends bytes on a socket from a thread (so the test can read at the same time); send errors
    (the server closing early) are recorded, not raised."""

    def __init__(self, sock: socket.socket, chunks, delay: float = 0.0):
        super().__init__(daemon=True)
        self.sock = sock
        self.chunks = [chunks] if isinstance(chunks, (bytes, bytearray)) else chunks
        self.delay = delay
        self.error: BaseException | None = None
        self.sent = 0
        self.stop_event = threading.Event()

    def run(self):
        try:
            for c in self.chunks:
                if self.stop_event.is_set():
                    return
                self.sock.sendall(c)
                self.sent += len(c)
                if self.delay:
                    if self.stop_event.wait(self.delay):
                        return
        except OSError as e:
            self.error = e


def recv_until(sock: socket.socket, want: bytes, timeout: float = 5.0) -> bytes:
    """Reads from a raw socket until `want` has arrived, the peer closes, or `timeout` passes."""
    sock.settimeout(timeout)
    buf = b""
    deadline = time.time() + timeout
    while want not in buf and time.time() < deadline:
        d = sock.recv(65536)
        if not d:
            break
        buf += d
    return buf
