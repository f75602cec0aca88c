"""Observability end to end (both back ends): Prometheus /metrics moves with traffic (requests by route and status
class, latency histograms, 401 and 429 rejections, backend health, the I/O back end), /healthz and /readyz (503
while draining), the JSON access log (a line per request with its fields, never a key or an Authorization value,
`log_query: false`), and SIGUSR1 reopening the log after a logrotate-style rename."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from nexus_e2e import get, one_shot
from upstreams import Fixed, upstream, upstream_block  # noqa: F401  (fixture)

KEY = "obs-key-client1-0123456789abcdef"
BEARER_SECRET = "bearer-secret-never-logged-42"
METRICS_RE = re.compile(r"metrics listening address=(\S+):(\d+)")


def obs_config(tmp: Path, u=None, access_log: dict | None = None) -> dict:
    (tmp / "keys.txt").write_text(f"{KEY} client1\n")
    routes = [
        {"name": "open", "path": "/open", "anonymous": True, "handler": "static", "body": "open\n"},
        {"name": "orders", "path": "/orders", "handler": "static", "body": "orders\n"},
        {"name": "limited", "path": "/limited", "anonymous": True, "handler": "static", "body": "ok\n",
         "rate_limits": [{"per": "ip", "rate": "1/m"}]},
    ]
    cfg = {
        "auth": {"keys_file": str(tmp / "keys.txt")},
        "consumers": [{"name": "client1"}],
        "metrics": {"address": "127.0.0.1:0"},
        "routes": routes,
    }
    if u is not None:
        cfg["upstreams"] = [upstream_block("api", [u])]
        routes.append({"name": "api", "path_prefix": "/api/", "upstream": "api", "anonymous": True})
    if access_log is not None:
        cfg["access_log"] = access_log
    return cfg


def metrics_address(srv) -> tuple[str, int]:
    m = srv.wait_for_line(METRICS_RE, timeout=5)
    assert m, srv.stderr
    return m.group(1), int(m.group(2))


def http_get(addr: tuple[str, int], path: str) -> tuple[int, dict, str]:
    with socket.create_connection(addr, timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: m\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert int(fields["content-length"]) == len(body)
    return int(lines[0].split()[1]), fields, body.decode()


def scrape(addr) -> dict[str, float]:
    status, fields, body = http_get(addr, "/metrics")
    assert status == 200 and fields["content-type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def wait_metric(addr, name: str, want: float, timeout: float = 3.0) -> dict[str, float]:
    deadline = time.time() + timeout
    while True:
        m = scrape(addr)
        if m.get(name) == want or time.time() > deadline:
            return m
        time.sleep(0.1)


def test_metrics_move_with_traffic(nexus, tmp_path, upstream):
    u = upstream("api", Fixed(200, body=b"from api\n"))
    srv = nexus(obs_config(tmp_path, u))
    addr = metrics_address(srv)
    before = scrape(addr)
    backend = "io_uring" if srv.backend == "uring" else "epoll"
    assert before[f'nexus_info{{io_backend="{backend}",version="0.1.0"}}'] == 1 or any(
        k.startswith(f'nexus_info{{io_backend="{backend}"') for k in before)
    assert before["process_start_time_seconds"] > 1.7e9
    assert before.get('nexus_http_requests_total{route="open",status_class="2xx"}', 0) == 0

    for _ in range(3):
        assert one_shot(srv, get("/open")).status == 200
    assert one_shot(srv, get("/orders")).status == 401
    assert one_shot(srv, get("/orders", extra="X-API-Key: wrong-key-0123456789\r\n")).status == 401
    assert one_shot(srv, get("/orders", extra=f"X-API-Key: {KEY}\r\n")).status == 200
    limited = [one_shot(srv, get("/limited")).status for _ in range(4)]
    assert 429 in limited
    assert one_shot(srv, get("/api/x")).status == 200
    assert one_shot(srv, get("/nowhere")).status == 404

    m = wait_metric(addr, 'nexus_http_requests_total{route="api",status_class="2xx"}', 1)
    assert m['nexus_http_requests_total{route="open",status_class="2xx"}'] == 3
    assert m['nexus_http_requests_total{route="orders",status_class="4xx"}'] == 2
    assert m['nexus_http_requests_total{route="orders",status_class="2xx"}'] == 1
    assert m['nexus_http_rejections_total{route="orders",status="401"}'] == 2
    assert m['nexus_http_rejections_total{route="limited",status="429"}'] == limited.count(429)
    assert m['nexus_http_requests_total{route="limited",status_class="4xx"}'] == limited.count(429)
    assert m['nexus_http_requests_total{route="(unmatched)",status_class="4xx"}'] == 1
    assert m['nexus_http_request_duration_seconds_count{route="open"}'] == 3
    assert m['nexus_http_request_duration_seconds_bucket{route="open",le="+Inf"}'] == 3
    assert m['nexus_http_request_duration_seconds_count{route="api"}'] == 1
    assert m[f'nexus_upstream_backend_up{{upstream="api",backend="{u.address}"}}'] == 1
    assert m[f'nexus_upstream_backend_ejections_total{{upstream="api",backend="{u.address}"}}'] == 0
    assert m['nexus_connections_open'] >= 0
    assert m['nexus_dropped_total{ring="log"}'] == 0
    assert m['nexus_loop_tick_age_seconds{loop="0"}'] < 2


def test_healthz_and_readyz_while_serving_and_draining(nexus, tmp_path):
    srv = nexus(obs_config(tmp_path))
    addr = metrics_address(srv)
    assert http_get(addr, "/healthz")[0] == 200
    status, _, body = http_get(addr, "/readyz")
    assert status == 200 and body == "ready\n"
    assert http_get(addr, "/nothing")[0] == 404
    # A request in progress keeps the drain going (up to shutdown_grace) while /readyz is asked.
    held = socket.create_connection((srv.host, srv.port), timeout=5)
    held.sendall(b"GET /open HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.3)
    srv.signal(signal.SIGTERM)
    assert srv.wait_for_line("draining", timeout=5)
    status, _, body = http_get(addr, "/readyz")
    assert status == 503 and "draining" in body
    assert http_get(addr, "/healthz")[0] == 200
    held.sendall(b"\r\n")
    held.recv(4096)
    held.close()
    assert srv.wait(10) == 0


def read_lines(path: Path, count: int, timeout: float = 3.0) -> list[dict]:
    deadline = time.time() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        lines = [line for line in text.splitlines() if line]
        if len(lines) >= count or time.time() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)


def test_access_log_has_a_line_per_request_and_no_secret(nexus, tmp_path, upstream):
    u = upstream("api", Fixed(200, body=b"from api\n"))
    log = tmp_path / "access.log"
    srv = nexus(obs_config(tmp_path, u, access_log={"path": str(log)}))
    assert one_shot(srv, get("/open?page=2", extra="X-Request-Id: rid-123\r\n")).status == 200
    assert one_shot(srv, get("/orders", extra=f"X-API-Key: {KEY}\r\n")).status == 200
    assert one_shot(srv, get("/orders", extra=f"Authorization: Bearer {BEARER_SECRET}\r\n")).status == 401
    assert one_shot(srv, get(f"/orders?api_key={KEY}x", extra=f"X-API-Key: {KEY}x\r\n")).status == 401
    assert one_shot(srv, get("/api/thing")).status == 200
    assert one_shot(srv, get("/none")).status == 404
    lines = read_lines(log, 6)
    assert len(lines) == 6, lines
    fields = {"time", "client", "method", "path", "status", "bytes", "duration_ms", "route", "consumer",
              "request_id", "upstream", "tls"}
    for line in lines:
        assert set(line) == fields, line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
        assert line["client"] == "127.0.0.1" and line["method"] == "GET" and line["tls"] is False
        assert line["bytes"] > 0 and line["duration_ms"] >= 0
    first, keyed, bearer, bad, proxied, missing = lines
    assert (first["path"], first["status"], first["route"], first["request_id"]) == ("/open?page=2", 200, "open", "rid-123")
    assert (keyed["route"], keyed["consumer"], keyed["status"]) == ("orders", "client1", 200)
    assert (bearer["status"], bearer["consumer"]) == (401, None)
    assert bad["status"] == 401
    assert proxied["upstream"] == u.address and proxied["route"] == "api"
    assert re.fullmatch(r"[0-9a-f]{32}", proxied["request_id"]), proxied
    assert u.wait_requests(1)[0].header("x-request-id") == proxied["request_id"]
    assert (missing["status"], missing["route"], missing["upstream"]) == (404, None, None)
    text = log.read_text()
    # The query is logged by default (log_query: true): the one request that put a key there shows it, which is
    # why log_query: false exists; headers never are.
    assert BEARER_SECRET not in text
    assert text.count(KEY) == 1 and f"api_key={KEY}x" in text


def test_log_query_false_and_sigusr1_reopens_after_rename(nexus, tmp_path):
    log = tmp_path / "access.log"
    srv = nexus(obs_config(tmp_path, access_log={"path": str(log), "log_query": False}))
    assert one_shot(srv, get(f"/open?token={KEY}", extra=f"X-API-Key: {KEY}\r\n")).status == 200
    first = read_lines(log, 1)
    assert first[0]["path"] == "/open" and KEY not in log.read_text()

    rotated = tmp_path / "access.log.1"
    log.rename(rotated)
    assert one_shot(srv, get("/open?a=1")).status == 200  # still goes to the renamed file
    assert len(read_lines(rotated, 2)) == 2
    srv.signal(signal.SIGUSR1)
    assert srv.wait_for_line("access log reopened", timeout=5)
    assert one_shot(srv, get("/orders")).status == 401
    after = read_lines(log, 1)
    assert [(x["path"], x["status"]) for x in after] == [("/orders", 401)]
    assert len(read_lines(rotated, 2)) == 2
    assert (log.stat().st_mode & 0o777) == 0o640


@pytest.fixture
def obs_pki():
    from tls_certs import OPENSSL, TestPKI
    import tempfile
    if OPENSSL is None:
        pytest.skip("the openssl command is not installed")
    with tempfile.TemporaryDirectory(prefix="nexus-pki-") as d:
        yield TestPKI(Path(d))


def test_tls_handshake_metrics(nexus, obs_pki):
    import ssl
    from tls_certs import tls_listener
    cfg = tls_listener(obs_pki)
    cfg["metrics"] = {"address": "127.0.0.1:0"}
    srv = nexus(cfg)
    addr = metrics_address(srv)
    ctx = ssl.create_default_context(cafile=obs_pki.path("ca.pem"))
    for _ in range(2):
        with ctx.wrap_socket(socket.create_connection((srv.host, srv.port), timeout=5), server_hostname="a.test") as s:
            s.sendall(b"GET /api/echo HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
    # Plain HTTP to the TLS port: a failed handshake.
    with socket.create_connection((srv.host, srv.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        try:
            s.recv(4096)
        except OSError:
            pass
    m = wait_metric(addr, "nexus_tls_handshake_failures_total", 1)
    assert m["nexus_tls_handshakes_total"] == 2
    assert m["nexus_tls_handshake_failures_total"] == 1
    assert m['nexus_http_requests_total{route="(unmatched)",status_class="2xx"}'] == 0


def test_workflow_calls_by_channel(nexus, tmp_path):
    """nexus_workflow_calls_total counts runs by workflow, channel (rest, mcp, cli) and status class."""
    from workflow_fixtures import ADD, ECHO, call
    cfg = {"workflows": [ECHO, ADD], "metrics": {"address": "127.0.0.1:0"},
           "admin": {"socket": str(tmp_path / "admin.sock")}}
    srv = nexus(cfg)
    addr = metrics_address(srv)
    assert call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2}).status == 200
    assert call(srv, "POST", "/v1/workflows/add", {"a": "x"}).status == 400
    rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3},
                                                                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                                                                "io.modelcontextprotocol/clientCapabilities": {}}}}
    r = call(srv, "POST", "/mcp", rpc, headers={"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
                                                "Mcp-Method": "tools/call", "Mcp-Name": "add"})
    assert r.status == 200, r
    from test_state import nexusctl_path
    for _ in range(50):
        if (tmp_path / "admin.sock").exists():
            break
        time.sleep(0.05)
    p = subprocess.run([str(nexusctl_path()), "--socket", str(tmp_path / "admin.sock"), "run", "add", "-p", "a=4", "-p", "b=5"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    m = wait_metric(addr, 'nexus_workflow_calls_total{workflow="add",channel="cli",status_class="2xx"}', 1)
    assert m.get('nexus_workflow_calls_total{workflow="add",channel="rest",status_class="2xx"}') == 1, m
    assert m.get('nexus_workflow_calls_total{workflow="add",channel="rest",status_class="4xx"}') == 1, m
    assert m.get('nexus_workflow_calls_total{workflow="add",channel="mcp",status_class="2xx"}') == 1, m
    assert m.get('nexus_workflow_calls_total{workflow="add",channel="cli",status_class="2xx"}') == 1, m
