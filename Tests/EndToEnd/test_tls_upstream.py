"""TLS from the proxy to a pool's backends: verification against a CA file or the system store, the name sent as
SNI and verified, an IP address verified against the certificate, a client certificate for backends that ask
for one, keep-alive reuse, health checks over TLS, and a 502 problem naming the reason when verification fails."""

from __future__ import annotations

import ssl
import time

from nexus_e2e import assert_problem, get
from tls_certs import pki  # noqa: F401  (fixture)
from upstreams import Fixed, proxy_config, upstream, upstream_block  # noqa: F401  (fixture)


def backend_tls(pki, name="a.test", client_ca: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.path(f"{name}.pem"), pki.path(f"{name}.key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx


def start(nexus, u, tls: dict, **settings):
    block = upstream_block("api", [u], tls=tls, **settings)
    return nexus(proxy_config([block], [{"path_prefix": "/p/", "upstream": "api"}]))


def request(srv, path="/p/x"):
    with srv.connect() as c:
        return c.request(get(path))


def test_verified_with_a_ca_file_and_the_server_name_sent_as_sni(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki))
    srv = start(nexus, u, {"ca": pki.path("ca.pem"), "server_name": "a.test"})
    for _ in range(5):
        r = request(srv)
        assert r.status == 200, r
    assert u.sni_names and set(u.sni_names) == {"a.test"}, u.sni_names
    assert u.wait_requests(5)[-1].header("x-forwarded-proto") == "http"


def test_an_ip_backend_is_verified_against_its_address_without_sni(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki))
    srv = start(nexus, u, {"ca": pki.path("ca.pem")})
    assert request(srv).status == 200
    assert u.sni_names == [None], u.sni_names


def test_keep_alive_connections_are_reused(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki))
    srv = start(nexus, u, {"ca": pki.path("ca.pem")})
    with srv.connect() as c:
        for _ in range(10):
            assert c.request(get("/p/x")).status == 200
    assert u.connections == 1


def test_verification_failures_are_a_502_problem_naming_the_reason(nexus, pki, upstream):
    cases = [
        ("other.test", {"ca": pki.path("ca.pem")}, "certificate verify failed"),
        ("expired.test", {"ca": pki.path("ca.pem"), "server_name": "expired.test"}, "certificate has expired"),
        ("a.test", {"ca": pki.path("ca.pem"), "server_name": "b.test"}, "hostname mismatch"),
        # No `ca`: the system store, which does not know the test CA.
        ("a.test", {"server_name": "a.test"}, "unable to get local issuer certificate"),
    ]
    for name, tls, reason in cases:
        u = upstream("api", tls=backend_tls(pki, name))
        srv = start(nexus, u, tls)
        r = request(srv)
        body = assert_problem(r, 502)
        assert "TLS handshake with the backend failed" in body["detail"], body
        assert reason in body["detail"], (name, body)
        assert u.wait_requests(1, timeout=0.2) == []  # nothing reached the backend
        assert "127.0.0.1" not in body["detail"]


def test_verify_false_skips_verification(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki, "other.test"))
    srv = start(nexus, u, {"verify": False})
    assert request(srv).status == 200


def test_client_certificate_for_a_backend_that_requires_one(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki, client_ca=pki.path("ca.pem")))
    without = start(nexus, u, {"ca": pki.path("ca.pem")})
    assert_problem(request(without), 502)
    u2 = upstream("api2", tls=backend_tls(pki, client_ca=pki.path("ca.pem")))
    with_cert = start(nexus, u2, {"ca": pki.path("ca.pem"), "cert": pki.path("client.pem"), "key": pki.path("client.key")})
    assert request(with_cert).status == 200
    subject = dict(x[0] for x in u2.peer_certs[0]["subject"])
    assert subject["commonName"] == "client-1"


def test_health_checks_speak_tls(nexus, pki, upstream):
    u = upstream("api", tls=backend_tls(pki))
    srv = start(nexus, u, {"ca": pki.path("ca.pem")},
                health_check={"path": "/health", "interval": "200ms", "timeout": "150ms", "fall": 1, "rise": 1})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(r.path == "/health" for r in u.wait_requests(1, timeout=0.2)):
        time.sleep(0.05)
    checks = [r for r in u.wait_requests(1) if r.path == "/health"]
    assert checks and checks[0].header("user-agent") == "nexus-health-check"
    time.sleep(0.5)  # a few more checks: a failing one would take the only backend out (fall: 1)
    assert request(srv).status == 200


def test_a_bad_ca_file_stops_the_start_with_its_place(nexus, pki, upstream, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    u = upstream("api")
    srv = nexus(proxy_config([upstream_block("api", [u], tls={"ca": str(bad)})],
                             [{"path_prefix": "/p/", "upstream": "api"}]), wait_listening=False)
    srv.expected_exit = 1
    assert srv.wait(10) == 1
    assert f"upstreams[0].tls.ca: {bad} holds no PEM CA certificate" in srv.stderr, srv.stderr


def test_large_bodies_stream_both_ways_over_tls_on_both_sides(nexus, pki, upstream):
    # TLS listener and TLS backend: an 800 KB upload echoed back and an 8 MiB chunked download arrive intact.
    import zlib

    from test_tls import Reader, tls_connect
    from tls_certs import tls_listener
    from upstreams import Echo, Stream, pattern_crc

    u = upstream("api", tls=backend_tls(pki))
    u.on("/p/echo", Echo()).on("/p/big", Stream(8 << 20, chunked=True))
    cfg = proxy_config([upstream_block("api", [u], tls={"ca": pki.path("ca.pem")})],
                       [{"path_prefix": "/p/", "upstream": "api"}])
    cfg.update(tls_listener(pki))
    srv = nexus(cfg)
    with tls_connect(srv, pki) as s:
        body = bytes(range(256)) * 3200
        s.sendall(b"POST /p/echo HTTP/1.1\r\nHost: a.test\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        r = Reader(s).response()
        assert r.partition(b"\r\n\r\n")[2] == body
        s.sendall(b"GET /p/big HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    assert b"200" in head.split(b"\r\n")[0], data[:300]
    assert rest.endswith(b"0\r\n\r\n"), (len(data), head, rest[-100:])
    decoded, pos = bytearray(), 0
    while True:
        line_end = rest.index(b"\r\n", pos)
        size = int(rest[pos:line_end], 16)
        if size == 0:
            break
        decoded += rest[line_end + 2:line_end + 2 + size]
        pos = line_end + 2 + size + 2
    assert len(decoded) == 8 << 20
    assert zlib.crc32(decoded) == pattern_crc(8 << 20)


def test_a_new_connection_to_a_backend_resumes_the_last_session(nexus, pki):
    # openssl s_server -www answers each request on a new connection and says whether the session was resumed.
    from tls_certs import ControlServer
    with ControlServer(pki, "-tls1_3") as backend:
        srv = nexus(proxy_config([upstream_block("api", [f"127.0.0.1:{backend.port}"], tls={"ca": pki.path("ca.pem")})],
                                 [{"path_prefix": "/", "upstream": "api"}]))
        pages = []
        for _ in range(3):
            r = request(srv, "/")
            assert r.status == 200, r
            pages.append(next((l for l in r.body.split(b"\n") if b", TLSv1" in l), r.body[:100]))
    assert pages[0].startswith(b"New, TLSv1.3"), pages
    assert all(p.startswith(b"Reused, TLSv1.3") for p in pages[1:]), pages
