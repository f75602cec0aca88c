"""Test certificates made at run time with the `openssl` command (no private key is ever committed): a CA, leaves
for a.test and b.test (a.test also holds IP:127.0.0.1), an expired leaf, a client certificate, and a second CA
that signed nothing nexusd trusts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

OPENSSL = shutil.which("openssl")


def _run(cwd: Path, *args: str):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class TestPKI:
    def __init__(self, root: Path):
        self.root = root
        _run(root, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Nexus Test CA")
        _run(root, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Other CA")
        self.leaf("a.test", "DNS:a.test,IP:127.0.0.1")
        self.leaf("b.test", "DNS:b.test,DNS:*.b.test")
        self.leaf("expired.test", "DNS:expired.test", days="-1")
        self.leaf("client", "DNS:client", subject="/O=Nexus Tests/CN=client-1", usage="clientAuth")
        self.leaf("other.test", "DNS:a.test,IP:127.0.0.1", ca="other-ca")
        for key in root.glob("*.key"):
            key.chmod(0o600)

    def leaf(self, name: str, san: str, days: str = "2", subject: str | None = None, usage: str = "serverAuth",
             ca: str = "ca"):
        _run(self.root, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", subject or f"/CN={name}")
        (self.root / f"{name}.ext").write_text(f"subjectAltName={san}\nextendedKeyUsage={usage}\n")
        _run(self.root, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", days, "-extfile", f"{name}.ext", "-out", f"{name}.pem")

    def path(self, name: str) -> str:
        return str(self.root / name)

    def cert(self, name: str, names: list[str] | None = None) -> dict:
        d = {"cert": self.path(f"{name}.pem"), "key": self.path(f"{name}.key")}
        if names:
            d["names"] = names
        return d


@pytest.fixture(scope="session")
def pki():
    if OPENSSL is None:
        pytest.skip("the openssl command is not installed (scripts/install-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="nexus-pki-") as d:
        yield TestPKI(Path(d))


def tls_listener(pki: TestPKI, certificates: list[dict] | None = None, **settings) -> dict:
    """A config override: one listener on 127.0.0.1:0 with TLS."""
    tls = {"certificates": certificates or [pki.cert("a.test", ["a.test"]), pki.cert("b.test", ["b.test", "*.b.test"])]}
    tls.update(settings)
    return {"listeners": [{"name": "public", "address": "127.0.0.1:0", "tls": tls}]}


def curl(srv, name: str, path: str = "/api/echo", *args: str, ca: str | None = None, pki: TestPKI | None = None,
         timeout: float = 10) -> subprocess.CompletedProcess:
    """curl https://NAME:PORT/PATH resolved to the server, verifying against the test CA."""
    cmd = ["curl", "-sS", "--max-time", str(int(timeout)), "--resolve", f"{name}:{srv.port}:127.0.0.1",
           "--cacert", ca or pki.path("ca.pem"), *args, f"https://{name}:{srv.port}{path}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5)


def s_client(port: int, *args: str, stdin: str = "", timeout: float = 10) -> subprocess.CompletedProcess:
    """openssl s_client against 127.0.0.1:PORT; returns the finished process (stdout+stderr in .stdout)."""
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args]
    return subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


class ControlServer:
    """`openssl s_server` with the given options, on a free port: the control that shows a client command works."""

    def __init__(self, pki: TestPKI, *args: str):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert", pki.path("a.test.pem"),
             "-key", pki.path("a.test.key"), "-www", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import time
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("openssl s_server did not start")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait(5)
