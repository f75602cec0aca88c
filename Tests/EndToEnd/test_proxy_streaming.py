"""Reverse proxy: 1 GiB down and 1 GiB up stream through nexusd in bounded memory (RSS sampled every
second (here every 0.1 s) must stay < 200 MiB above its value before the transfer)."""

import json
import socket
import threading
import time
import zlib

import pytest

from upstreams import CountUpload, Stream, pattern_chunks, pattern_crc, proxy_config, upstream, upstream_block  # noqa: F401

GIB = 1 << 30
RSS_BUDGET_KIB = 200 * 1024
LIMIT_S = 180  # a transfer that stalls fails instead of hanging the suite


class RssSampler(threading.Thread):
    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.start_kib = srv.rss_kib()
        self.peak_kib = self.start_kib
        self.samples = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.1):  # at least every second
            self.sample()

    def sample(self):
        try:
            v = self.srv.rss_kib()
        except (OSError, AssertionError):
            return
        self.samples.append(v)
        self.peak_kib = max(self.peak_kib, v)

    def finish(self):
        self.stop_event.set()
        self.join(3)
        self.sample()
        growth = self.peak_kib - self.start_kib
        assert growth < RSS_BUDGET_KIB, \
            f"nexusd RSS grew by {growth // 1024} MiB (start {self.start_kib // 1024} MiB, " \
            f"peak {self.peak_kib // 1024} MiB; samples {[s // 1024 for s in self.samples]})"


@pytest.fixture
def big(nexus, upstream):
    u = upstream("api")
    u.on("/down", Stream(GIB))
    u.on("/down-chunked", Stream(GIB, chunked=True))
    u.on("/up", CountUpload())
    srv = nexus(proxy_config(
        [upstream_block("api", [u], timeouts={"read": "30s", "write": "30s", "total": "300s"})],
        [{"path_prefix": "/api/", "upstream": "api", "strip_prefix": True}],
        limits={"max_body_bytes": "2GiB"},
        timeouts={"body_read": "60s", "send": "60s"}))
    return srv, u


def read_head(sock, buf=b""):
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        assert d, f"connection closed before a response head: {buf[:300]!r}"
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, rest


def expected_crc():
    if not hasattr(expected_crc, "v"):
        expected_crc.v = pattern_crc(GIB)
    return expected_crc.v


def test_one_gib_download_streams_in_bounded_memory(big):
    srv, u = big
    sampler = RssSampler(srv)
    sampler.start()
    t0 = time.monotonic()
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    try:
        s.sendall(b"GET /api/down HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, headers, rest = read_head(s)
        assert status.startswith("HTTP/1.1 200"), status
        total, crc = 0, 0
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        assert not chunked and headers.get("content-length") == str(GIB), headers
        data = rest
        while True:
            if data:
                total += len(data)
                crc = zlib.crc32(data, crc)
            if total >= GIB:
                break
            assert time.monotonic() - t0 < LIMIT_S, f"download stalled at {total} bytes"
            data = s.recv(1 << 20)
            assert data, f"connection closed after {total} of {GIB} bytes"
    finally:
        s.close()
    elapsed = time.monotonic() - t0
    sampler.finish()
    assert total == GIB, f"{total} bytes (expected {GIB})"
    assert crc == expected_crc(), "the downloaded bytes differ from what the upstream sent"
    print(f"1 GiB download in {elapsed:.1f}s; RSS start {sampler.start_kib // 1024} MiB "
          f"peak {sampler.peak_kib // 1024} MiB")


def test_one_gib_upload_streams_in_bounded_memory(big):
    srv, u = big
    sampler = RssSampler(srv)
    sampler.start()
    t0 = time.monotonic()
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    err = []

    def send():
        try:
            s.sendall(f"POST /api/up HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                      f"Content-Length: {GIB}\r\n\r\n".encode())
            for c in pattern_chunks(GIB):
                s.sendall(c)
        except OSError as e:
            err.append(e)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        s.settimeout(LIMIT_S)
        status, headers, rest = read_head(s)
        n = int(headers.get("content-length", "-1"))
        while len(rest) < n:
            d = s.recv(65536)
            assert d, "connection closed in the response body"
            rest += d
        sender.join(LIMIT_S)
    finally:
        s.close()
    elapsed = time.monotonic() - t0
    sampler.finish()
    assert not err, f"sending the upload failed: {err}"
    assert status.startswith("HTTP/1.1 200"), (status, rest[:300])
    doc = json.loads(rest[:n])
    assert doc["bytes"] == GIB, doc
    assert doc["crc32"] == expected_crc(), "the uploaded bytes differ at the upstream"
    print(f"1 GiB upload in {elapsed:.1f}s; RSS start {sampler.start_kib // 1024} MiB "
          f"peak {sampler.peak_kib // 1024} MiB")


class ChunkedDecoder:
    """Incremental chunked decoder: feed() bytes, it counts the data bytes and their CRC-32."""

    def __init__(self):
        self.pending = b""  # an incomplete size line / CRLF
        self.left = 0  # data bytes left in the current chunk
        self.need_crlf = False
        self.total = 0
        self.crc = 0
        self.done = False

    def feed(self, data: bytes):
        mv = memoryview(data)
        pos = 0
        while pos < len(mv) and not self.done:
            if self.left:
                take = min(self.left, len(mv) - pos)
                self.crc = zlib.crc32(mv[pos:pos + take], self.crc)
                self.total += take
                self.left -= take
                pos += take
                if not self.left:
                    self.need_crlf = True
                continue
            self.pending += bytes(mv[pos:pos + 64])
            consumed_before = len(self.pending) - len(bytes(mv[pos:pos + 64]))
            if self.need_crlf:
                if len(self.pending) < 2:
                    pos += len(self.pending) - consumed_before
                    continue
                assert self.pending[:2] == b"\r\n", f"bad chunk end {self.pending[:10]!r}"
                pos += 2 - consumed_before
                self.pending = b""
                self.need_crlf = False
                continue
            i = self.pending.find(b"\r\n")
            if i < 0:
                assert len(self.pending) < 64, f"bad chunk size line {self.pending!r}"
                pos += len(self.pending) - consumed_before
                continue
            size = int(self.pending[:i].split(b";")[0], 16)
            pos += i + 2 - consumed_before
            self.pending = b""
            if size == 0:
                self.done = True  # (trailers not checked)
            else:
                self.left = size


SMALL = 256 << 20


def test_chunked_256_mib_download_streams(big):
    srv, u = big
    u.on("/down-chunked", Stream(SMALL, chunked=True))
    sampler = RssSampler(srv)
    sampler.start()
    t0 = time.monotonic()
    s = socket.create_connection((srv.host, srv.port), timeout=30)
    try:
        s.sendall(b"GET /api/down-chunked HTTP/1.1\r\nHost: localhost\r\n\r\n")
        status, headers, rest = read_head(s)
        assert status.startswith("HTTP/1.1 200"), status
        if "chunked" in headers.get("transfer-encoding", "").lower():
            dec = ChunkedDecoder()
            dec.feed(rest)
            while not dec.done:
                assert time.monotonic() - t0 < LIMIT_S, f"download stalled at {dec.total} bytes"
                d = s.recv(1 << 20)
                assert d, f"connection closed after {dec.total} bytes"
                dec.feed(d)
            total, crc = dec.total, dec.crc
        else:
            n = int(headers["content-length"])
            total, crc, data = 0, 0, rest
            while True:
                total += len(data)
                crc = zlib.crc32(data, crc)
                if total >= n:
                    break
                data = s.recv(1 << 20)
                assert data, f"connection closed after {total} bytes"
    finally:
        s.close()
    sampler.finish()
    assert total == SMALL, f"{total} bytes (expected {SMALL})"
    assert crc == pattern_crc(SMALL), "the downloaded bytes differ from what the upstream sent"
