"""TLS termination on a listener, checked with clients nobody here wrote (curl, openssl s_client, Python's ssl):
SNI selection, a wrong name, an expired certificate, client certificates, old protocol versions and weak suites
refused (with an `openssl s_server` control that shows the same client command works where they are allowed),
renegotiation refused, resumption, ALPN, close_notify, a key readable by others refused."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess

import pytest

from nexus_e2e import get, post
from upstreams import proxy_config, upstream, upstream_block  # noqa: F401  (fixture)
from tls_certs import ControlServer, curl, pki, s_client, tls_listener  # noqa: F401  (fixture)


def tls_connect(srv, pki, name="a.test", **kw) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    for k, v in kw.items():
        setattr(ctx, k, v)
    raw = socket.create_connection((srv.host, srv.port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname=name, suppress_ragged_eofs=False)


class Reader:
    """Responses with Content-Length bodies read off a TLS socket, keeping what follows for the next one."""

    def __init__(self, sock: ssl.SSLSocket):
        self.sock = sock
        self.data = b""

    def _more(self, what: str):
        chunk = self.sock.recv(65536)
        assert chunk, f"closed before {what}: {self.data[:200]!r}"
        self.data += chunk

    def response(self) -> bytes:
        while b"\r\n\r\n" not in self.data:
            self._more("a response head")
        head, _, rest = self.data.partition(b"\r\n\r\n")
        length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:"))
        while len(rest) < length:
            self._more("the end of a body")
            rest = self.data.partition(b"\r\n\r\n")[2]
        self.data = rest[length:]
        return head + b"\r\n\r\n" + rest[:length]


def test_sni_selects_the_certificate(nexus, pki):
    srv = nexus(tls_listener(pki))
    for name in ["a.test", "b.test", "x.b.test"]:
        r = curl(srv, name, pki=pki)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"ok": True}
    out = s_client(srv.port, "-servername", "b.test", "-CAfile", pki.path("ca.pem"), "-verify_return_error").stdout
    assert "subject=CN = b.test" in out, out
    assert "Verify return code: 0 (ok)" in out, out
    # No SNI at all: the default (first) certificate.
    out = s_client(srv.port, "-noservername").stdout
    assert "subject=CN = a.test" in out, out


def test_a_name_no_certificate_lists_gets_the_default_and_fails_verification(nexus, pki):
    srv = nexus(tls_listener(pki))
    r = curl(srv, "c.test", pki=pki)
    assert r.returncode == 60, (r.returncode, r.stderr)
    assert "no alternative certificate subject name matches" in r.stderr, r.stderr
    out = s_client(srv.port, "-servername", "c.test", "-CAfile", pki.path("ca.pem"),
                   "-verify_hostname", "c.test", "-verify_return_error").stdout
    assert "subject=CN = a.test" in out or "hostname mismatch" in out, out
    assert "Verify return code: 0 (ok)" not in out, out


def test_an_expired_certificate_is_served_with_a_warning_and_refused_by_clients(nexus, pki):
    srv = nexus(tls_listener(pki, [pki.cert("expired.test", ["expired.test"])]))
    assert "has expired; clients will refuse it" in srv.stderr
    r = curl(srv, "expired.test", pki=pki)
    assert r.returncode == 60, (r.returncode, r.stderr)
    assert "certificate has expired" in r.stderr, r.stderr
    out = s_client(srv.port, "-servername", "expired.test", "-CAfile", pki.path("ca.pem")).stdout
    assert "certificate has expired" in out, out


def test_client_certificate_required_and_missing(nexus, pki):
    srv = nexus(tls_listener(pki, client_ca=pki.path("ca.pem")))
    missing = curl(srv, "a.test", pki=pki)
    assert missing.returncode != 0, missing.stdout
    assert "alert" in missing.stderr or "certificate required" in missing.stderr, missing.stderr
    good = curl(srv, "a.test", "/api/echo", "--cert", pki.path("client.pem"), "--key", pki.path("client.key"), pki=pki)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) == {"ok": True}
    # A certificate from a CA the listener does not trust is refused too.
    other = curl(srv, "a.test", "/api/echo", "--cert", pki.path("other.test.pem"), "--key", pki.path("other.test.key"),
                 pki=pki)
    assert other.returncode != 0, other.stdout
    out = s_client(srv.port, "-servername", "a.test", stdin="GET /api/echo HTTP/1.0\r\n\r\n").stdout
    assert '{"ok":true}' not in out, out


def test_client_certificate_optional(nexus, pki):
    srv = nexus(tls_listener(pki, client_ca=pki.path("ca.pem"), client_verify="optional"))
    assert curl(srv, "a.test", pki=pki).returncode == 0
    r = curl(srv, "a.test", "/api/echo", "--cert", pki.path("client.pem"), "--key", pki.path("client.key"), pki=pki)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("version", ["-tls1", "-tls1_1"])
def test_tls_1_0_and_1_1_refused_while_an_s_server_control_accepts_them(nexus, pki, version):
    # The control: the very same client command succeeds against openssl s_server allowing that version, so
    # this test fails if the client cannot speak it at all.
    cmd = [version, "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "a.test"]
    with ControlServer(pki, version, "-cipher", "DEFAULT@SECLEVEL=0") as control:
        ok = s_client(control.port, *cmd, stdin="")
    assert ok.returncode == 0, ok.stdout
    assert "Cipher is (NONE)" not in ok.stdout and "New, TLSv1" in ok.stdout, ok.stdout
    srv = nexus(tls_listener(pki))
    refused = s_client(srv.port, *cmd, stdin="")
    assert refused.returncode != 0, refused.stdout
    assert "Cipher is (NONE)" in refused.stdout or "alert protocol version" in refused.stdout, refused.stdout


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256",
                                    "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"])
def test_weak_tls12_suites_refused(nexus, pki, cipher):
    # CBC with SHA-1 or SHA-2 MACs and RSA key exchange (no forward secrecy) are off by default. This OpenSSL's
    # client cannot offer RC4 or 3DES at all: NexusTLSTests checks the server's enabled list holds neither.
    srv = nexus(tls_listener(pki))
    r = s_client(srv.port, "-tls1_2", "-cipher", f"{cipher}:@SECLEVEL=0", "-servername", "a.test")
    assert "no cipher match" not in r.stdout, "the client cannot offer " + cipher
    assert r.returncode != 0, r.stdout
    assert "Cipher is (NONE)" in r.stdout or "handshake failure" in r.stdout, r.stdout


def test_cbc_sha1_control_shows_the_client_offers_it(pki):
    with ControlServer(pki, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA") as control:
        r = s_client(control.port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0")
    assert r.returncode == 0 and "Cipher is ECDHE-ECDSA-AES128-SHA" in r.stdout, r.stdout


def test_default_suites_are_aead_and_both_versions_work(nexus, pki):
    srv = nexus(tls_listener(pki))
    r12 = s_client(srv.port, "-tls1_2", "-servername", "a.test")
    assert "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" in r12.stdout or "CHACHA20" in r12.stdout, r12.stdout
    r13 = s_client(srv.port, "-tls1_3", "-servername", "a.test")
    assert "New, TLSv1.3, Cipher is TLS_AES" in r13.stdout or "TLS_CHACHA20" in r13.stdout, r13.stdout


def test_renegotiation_is_refused(nexus, pki):
    srv = nexus(tls_listener(pki))
    # s_client renegotiates when a line is "R" (TLS 1.2: 1.3 has no renegotiation).
    r = s_client(srv.port, "-tls1_2", "-servername", "a.test", stdin="R\n", timeout=10)
    assert "RENEGOTIATING" in r.stdout, r.stdout
    assert "no renegotiation" in r.stdout or "alert" in r.stdout, r.stdout
    # The server is fine afterwards.
    assert curl(srv, "a.test", pki=pki).returncode == 0


def test_alpn_selects_http11(nexus, pki):
    srv = nexus(tls_listener(pki))
    r = s_client(srv.port, "-alpn", "h2,http/1.1", "-servername", "a.test")
    assert "ALPN protocol: http/1.1" in r.stdout, r.stdout
    refused = s_client(srv.port, "-alpn", "h2", "-servername", "a.test")
    assert "no application protocol" in refused.stdout, refused.stdout


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_sessions_resume_with_tickets(nexus, pki, tmp_path, version):
    srv = nexus(tls_listener(pki))
    sess = tmp_path / "sess.pem"
    # -ign_eof: read until the server closes (Connection: close), so the TLS 1.3 ticket that follows the
    # handshake is in before s_client writes the session out.
    first = s_client(srv.port, version, "-servername", "a.test", "-ign_eof", "-sess_out", str(sess),
                     stdin="GET /api/echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert "New, TLSv1" in first.stdout, first.stdout
    assert '{"ok":true}' in first.stdout, first.stdout
    second = s_client(srv.port, version, "-servername", "a.test", "-ign_eof", "-sess_in", str(sess),
                      stdin="GET /api/echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert "Reused, TLSv1" in second.stdout, second.stdout


def test_keep_alive_requests_bodies_and_close_notify(nexus, pki):
    srv = nexus(tls_listener(pki))
    with tls_connect(srv, pki) as s:
        reader = Reader(s)
        for _ in range(20):
            s.sendall(get("/api/echo"))
            assert b'{"ok":true}' in reader.response()
        body = b"0123456789abcdef" * 32000  # 512000 bytes: many records each way
        s.sendall(post("/echo/x", body))
        r = reader.response()
        assert r.startswith(b"HTTP/1.1 200"), r[:200]
        assert json.loads(r.partition(b"\r\n\r\n")[2])["body"] == body.decode()
        s.sendall(get("/api/echo", extra="Connection: close\r\n"))
        assert b"Connection: close" in reader.response()
        # close_notify, not a bare TCP close (suppress_ragged_eofs=False would raise SSLEOFError).
        assert s.recv(100) == b""


def test_pipelined_requests_over_tls(nexus, pki):
    srv = nexus(tls_listener(pki))
    with tls_connect(srv, pki) as s:
        s.sendall(get("/api/echo") * 10)
        reader = Reader(s)
        for _ in range(10):
            assert b'{"ok":true}' in reader.response()


def test_plain_http_on_a_tls_port_is_closed(nexus, pki):
    srv = nexus(tls_listener(pki))
    with socket.create_connection((srv.host, srv.port), timeout=5) as s:
        s.sendall(get("/api/echo"))
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        assert b"HTTP/1.1 200" not in data
    assert curl(srv, "a.test", pki=pki).returncode == 0


def test_a_key_readable_by_others_is_refused_at_start_and_by_check_config(nexus, pki, tmp_path):
    key = tmp_path / "loose.key"
    key.write_bytes((pki.root / "a.test.key").read_bytes())
    key.chmod(0o644)
    srv = nexus(tls_listener(pki, [{"cert": pki.path("a.test.pem"), "key": str(key)}]), wait_listening=False)
    srv.expected_exit = 1
    assert srv.wait(10) == 1
    assert f"tls.certificates[0].key: the key file {key} is readable by other users (mode 0644)" in srv.stderr, srv.stderr
    r = subprocess.run([str(srv.args[0]), "--check-config", str(srv.config_path)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "is readable by other users" in r.stderr, r.stderr
    assert f"{srv.config_path}:" in r.stderr


def test_x_forwarded_proto_is_https(nexus, pki, upstream):
    u = upstream("api")
    cfg = proxy_config([upstream_block("api", [u])], [{"path_prefix": "/p/", "upstream": "api"}])
    cfg.update(tls_listener(pki))
    srv = nexus(cfg)
    r = curl(srv, "a.test", "/p/x", pki=pki)
    assert r.returncode == 0, r.stderr
    assert u.wait_requests(1)[0].header("x-forwarded-proto") == "https"


def test_an_idle_keep_alive_connection_is_closed_with_close_notify(nexus, pki):
    cfg = tls_listener(pki)
    cfg["timeouts"] = {"keepalive_idle": "1s"}
    srv = nexus(cfg)
    with tls_connect(srv, pki) as s:
        s.sendall(get("/api/echo"))
        assert b'{"ok":true}' in Reader(s).response()
        s.settimeout(10)
        # suppress_ragged_eofs=False: a bare TCP close would raise SSLEOFError here.
        assert s.recv(100) == b""
