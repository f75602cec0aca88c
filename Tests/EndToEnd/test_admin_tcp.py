"""The admin API on a TCP listener: TLS, `Authorization: Bearer <token>`, nexusctl --url; the audit log records the
client address; a non-loopback listener without TLS is a configuration error."""

import json
import os
import socket
import subprocess
from pathlib import Path

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge, run_nexusd, to_yaml
from test_state import nexusctl_path, wait_socket
from tls_certs import pki  # noqa: F401  (fixture)

TOKEN = "admin-token-" + "x" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ctl_remote(url: str, token_file: Path, *args: str, ca: str | None = None) -> subprocess.CompletedProcess:
    cmd = [str(nexusctl_path()), "--url", url, "--token-file", str(token_file), "--output", "json", *args]
    if ca:
        cmd[1:1] = ["--ca-file", ca]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def test_admin_over_tls_with_a_token(nexusd_binary, tmp_path, pki):
    token = tmp_path / "admin.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    port = free_port()
    cfg = deep_merge(DEFAULT_CONFIG, {"admin": {"socket": str(tmp_path / "admin.sock"), "tcp": {
        "address": f"127.0.0.1:{port}", "token_file": str(token),
        "tls": {"certificates": [pki.cert("a.test", ["a.test"])]}}}})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path)
    wait_socket(tmp_path / "admin.sock")
    url = f"https://127.0.0.1:{port}"
    status = ctl_remote(url, token, "status", ca=pki.path("ca.pem"))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["pid"] == srv.pid
    created = ctl_remote(url, token, "consumers", "create", "remote-made", ca=pki.path("ca.pem"))
    assert created.returncode == 0, created.stderr
    # A wrong token: 401, exit 1.
    bad = tmp_path / "bad.token"
    bad.write_text("not-the-token-" + "y" * 40)
    refused = ctl_remote(url, bad, "status", ca=pki.path("ca.pem"))
    assert refused.returncode == 1 and "401" in refused.stderr
    # An unverified server certificate: refused by nexusctl.
    untrusted = ctl_remote(url, token, "status", ca=pki.path("other-ca.pem"))
    assert untrusted.returncode == 1
    # Without a token header at all, with curl: 401 with WWW-Authenticate.
    r = subprocess.run(["curl", "-sS", "-i", "--cacert", pki.path("ca.pem"), f"{url}/v1/status"], capture_output=True, text=True)
    assert " 401 " in r.stdout.splitlines()[0] and "WWW-Authenticate: Bearer" in r.stdout
    # The audit log has the client address for the remote action.
    audit = subprocess.run([str(nexusctl_path()), "--socket", str(tmp_path / "admin.sock"), "--output", "json", "audit"],
                           capture_output=True, text=True)
    entries = json.loads(audit.stdout)["entries"]
    made = [e for e in entries if e["action"] == "consumers.create"]
    assert made and made[0]["remote"] == "127.0.0.1" and "uid" not in made[0]
    assert TOKEN not in srv.stderr
    assert srv.stop() == 0


def test_a_public_admin_listener_needs_tls(tmp_path):
    token = tmp_path / "t"
    token.write_text(TOKEN)
    cfg = deep_merge(DEFAULT_CONFIG, {"admin": {"tcp": {"address": "0.0.0.0:9443", "token_file": str(token)}}})
    (tmp_path / "c.yaml").write_text(to_yaml(cfg))
    p = run_nexusd(["--check-config", str(tmp_path / "c.yaml")])
    assert p.returncode == 1 and "admin.tcp.tls" in p.stderr and "needs 'tls'" in p.stderr
