"""Certificates and keys are read again at every reload (a renewed certificate is served without a restart and
without closing the listening socket); a reload whose TLS files cannot be used is refused and the running
certificate stays. OCSP responses are stapled from a file."""

from __future__ import annotations

import shutil
import signal
import subprocess

from nexus_e2e import get
from test_tls import Reader, tls_connect
from tls_certs import pki, s_client, tls_listener  # noqa: F401  (fixture)


def served_subject(srv, name="a.test") -> str:
    out = s_client(srv.port, "-servername", name).stdout
    return next((l for l in out.splitlines() if l.startswith("subject=")), out)


def reload(srv, start: int, pattern: str):
    srv.signal(signal.SIGHUP)
    m = srv.wait_for_line(pattern, timeout=10, start=start)
    assert m is not None, srv.stderr
    return m


def test_reload_serves_a_renewed_certificate_and_refuses_a_bad_key(nexus, pki, tmp_path):
    cert, key = tmp_path / "live.pem", tmp_path / "live.key"
    shutil.copy(pki.path("a.test.pem"), cert)
    shutil.copy(pki.path("a.test.key"), key)
    key.chmod(0o600)
    srv = nexus(tls_listener(pki, [{"cert": str(cert), "key": str(key), "names": ["a.test"]}]))
    assert served_subject(srv) == "subject=CN = a.test"
    # A keep-alive connection opened before the reload goes on after it.
    before = tls_connect(srv, pki)
    reader = Reader(before)
    before.sendall(get("/api/echo"))
    assert b'{"ok":true}' in reader.response()

    # "Renew": same paths, new contents (the b.test pair), then reload.
    shutil.copy(pki.path("b.test.pem"), cert)
    shutil.copy(pki.path("b.test.key"), key)
    mark = len(srv._lines)
    reload(srv, mark, "configuration reloaded")
    assert served_subject(srv) == "subject=CN = b.test"
    before.sendall(get("/api/echo"))
    assert b'{"ok":true}' in reader.response()
    before.close()

    # A key readable by everyone: the reload is refused, naming the key; the running certificate stays.
    key.chmod(0o644)
    mark = len(srv._lines)
    reload(srv, mark, "reload refused")
    srv.wait_for_line("is readable by other users", timeout=5, start=mark)
    assert served_subject(srv) == "subject=CN = b.test"
    # And a key that does not match the certificate.
    key.chmod(0o600)
    shutil.copy(pki.path("a.test.key"), key)
    mark = len(srv._lines)
    reload(srv, mark, "reload refused")
    assert srv.wait_for_line("does not belong to the certificate", timeout=5, start=mark)
    assert served_subject(srv) == "subject=CN = b.test"


def test_ocsp_response_is_stapled(nexus, pki, tmp_path):
    # An OCSP response for a.test signed by the test CA, made with `openssl ocsp` from a one-line CA index.
    serial = subprocess.run(["openssl", "x509", "-in", pki.path("a.test.pem"), "-noout", "-serial"],
                            capture_output=True, text=True, check=True).stdout.strip().split("=")[1]
    index = tmp_path / "index.txt"
    index.write_text(f"V\t300101000000Z\t\t{serial}\tunknown\t/CN=a.test\n")
    resp = tmp_path / "a.ocsp.der"
    subprocess.run(["openssl", "ocsp", "-index", str(index), "-rsigner", pki.path("ca.pem"), "-rkey", pki.path("ca.key"),
                    "-CA", pki.path("ca.pem"), "-issuer", pki.path("ca.pem"), "-cert", pki.path("a.test.pem"),
                    "-respout", str(resp), "-ndays", "1"], check=True, capture_output=True)
    srv = nexus(tls_listener(pki, [{**pki.cert("a.test", ["a.test"]), "ocsp_response": str(resp)},
                                   pki.cert("b.test", ["b.test"])]))
    stapled = s_client(srv.port, "-servername", "a.test", "-status").stdout
    assert "OCSP Response Status: successful" in stapled, stapled
    assert "Cert Status: good" in stapled, stapled
    other = s_client(srv.port, "-servername", "b.test", "-status").stdout
    assert "OCSP response: no response sent" in other, other


def test_a_file_that_is_not_an_ocsp_response_is_refused(nexus, pki, tmp_path):
    bad = tmp_path / "bad.der"
    bad.write_bytes(b"garbage")
    srv = nexus(tls_listener(pki, [{**pki.cert("a.test"), "ocsp_response": str(bad)}]), wait_listening=False)
    srv.expected_exit = 1
    assert srv.wait(10) == 1
    assert f"tls.certificates[0].ocsp_response: {bad} is not a successful DER OCSP response" in srv.stderr, srv.stderr
