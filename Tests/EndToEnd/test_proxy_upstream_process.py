"""Reverse proxy against an upstream running as a separate process (HTTP, WebSocket-style upgrade, event stream)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nexus_e2e import post, recv_until
from upstreams import proxy_config, upstream_block


@pytest.fixture
def upstream_process():
    script = Path(__file__).resolve().parent / "upstream_process.py"
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT "), f"upstream process did not start: {line!r}"
        yield f"127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()




def test_http_websocket_and_events_through_a_process_upstream(nexus, upstream_process):
    srv = nexus(proxy_config([upstream_block("proc", [upstream_process])], [{"path_prefix": "/", "upstream": "proc"}]))
    body = os.urandom(50_000)
    with srv.connect() as c:
        r = c.request(post("/echo", body))
        assert r.status == 200 and r.body == body, r

    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        assert recv_until(s, b"\r\n\r\n").startswith(b"HTTP/1.1 101")
        s.sendall(b"ping")
        assert recv_until(s, b"PING").endswith(b"PING")
    finally:
        s.close()

    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(b"GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        t0 = time.time()
        first = recv_until(s, b"data: event 0")
        assert b"data: event 0" in first and time.time() - t0 < 0.35, first
        rest = recv_until(s, b"0\r\n\r\n")
        assert b"data: event 3" in rest, rest
    finally:
        s.close()
