"""Authentication and rate limiting end to end: API keys (HMAC at rest, revoke on every loop within a second,
rotate, expiry, import), scopes, RateLimit fields and 429 problems, refunds, quotas across a restart, trusted
proxies, the lockout, and the GCRA's accuracy under concurrent load on two loops."""

import json
import re
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge, get, one_shot
from test_state import ctl, wait_socket
from test_state_admin import kill9, ok

FILE_KEY = "file-key-client1-0123456789"


def auth_config(tmp: Path, threads: int = 1, **over) -> dict:
    (tmp / "keys.txt").write_text(f"# key consumer\n{FILE_KEY} client1\n")
    cfg = deep_merge(DEFAULT_CONFIG, {
        "threads": threads,
        "admin": {"socket": str(tmp / "admin.sock")},
        "state": {"folder": str(tmp / "state"), "usage_flush": "200ms"},
        "auth": {"keys_file": str(tmp / "keys.txt")},
        "plans": [{"name": "small", "rate": "1000/s", "burst": 1000, "quota_day": 1000000}],
        "consumers": [{"name": "client1", "scopes": ["orders:read"], "plan": "small"}],
        "routes": [
            {"name": "open", "path": "/open", "anonymous": True, "handler": "static", "body": "open\n"},
            {"name": "orders", "path": "/orders", "scopes": ["orders:read"], "handler": "static", "body": "orders\n"},
            {"name": "any", "path_prefix": "/any/", "handler": "echo"},
        ],
    })
    return deep_merge(cfg, over)


def start(binary, cfg, tmp: Path, io: str = "auto"):
    srv = start_nexusd(binary, cfg, tmp, ["--io", io], name="nexus.yaml")
    wait_socket(tmp / "admin.sock")
    return srv


def req(srv, path: str, key: str | None = None, header: str = "X-API-Key", extra: str = ""):
    h = extra
    if key is not None:
        h += f"{header}: {key}\r\n" if header != "Authorization" else f"Authorization: Bearer {key}\r\n"
    return one_shot(srv, get(path, extra=h))


@pytest.mark.parametrize("io", ["uring", "epoll"])
def test_keys_scopes_and_problem_answers(nexusd_binary, tmp_path, io):
    srv = start(nexusd_binary, auth_config(tmp_path), tmp_path, io)
    sock = tmp_path / "admin.sock"
    assert req(srv, "/open").status == 200
    r = req(srv, "/orders")
    assert r.status == 401 and r.headers["www-authenticate"] == 'Bearer realm="nexus"'
    assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 401
    # Unknown, and (below) revoked keys get one and the same answer.
    unknown = req(srv, "/orders", "nx_k_0000000000000000_" + "A" * 43)
    assert unknown.status == 401 and 'error="invalid_token"' in unknown.headers["www-authenticate"]
    assert req(srv, "/orders", FILE_KEY).status == 200
    assert req(srv, "/orders", FILE_KEY, header="Authorization").status == 200
    # A runtime consumer without the scope: 403 insufficient_scope.
    other = ok(ctl(sock, "consumers", "create", "other"))["id"]
    key = ok(ctl(sock, "keys", "create", "--consumer", other))["secret"]
    forbidden = req(srv, "/orders", key)
    assert forbidden.status == 403 and 'error="insufficient_scope", scope="orders:read"' in forbidden.headers["www-authenticate"]
    assert req(srv, "/any/x", key).status == 200
    revoked = ok(ctl(sock, "keys", "list", "--consumer", other))["keys"][0]["id"]
    ok(ctl(sock, "keys", "revoke", revoked))
    again = req(srv, "/any/x", key)
    assert again.status == 401 and again.body == unknown.body
    # A key may only narrow its consumer's scopes.
    wider = ctl(sock, "keys", "create", "--consumer", other, "--scope", "orders:read")
    assert wider.returncode == 1 and "not among the consumer's scopes" in wider.stderr
    assert srv.stop() == 0


def test_keys_are_never_stored_or_logged_in_clear(nexusd_binary, tmp_path):
    srv = start(nexusd_binary, auth_config(tmp_path), tmp_path)
    sock = tmp_path / "admin.sock"
    consumer = ok(ctl(sock, "consumers", "create", "grep-me"))["id"]
    made = ok(ctl(sock, "keys", "create", "--consumer", consumer))["secret"]
    imported = "imported-key-" + os.urandom(12).hex()
    p = subprocess.run([str(Path(os.environ.get("NEXUSCTL", "")) or "nexusctl"), "--socket", str(sock), "--output", "json",
                        "keys", "import", "--consumer", consumer], input=imported + "\n", capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert imported not in p.stdout
    for key in (made, imported, FILE_KEY):
        assert req(srv, "/any/x", key).status == 200
        assert req(srv, "/any/x", key + "x").status == 401
    # The secret file is private; no key in clear anywhere in the state folder or the log.
    assert oct((tmp_path / "state" / "secret").stat().st_mode & 0o777) == "0o600"
    assert srv.stop() == 0
    for f in (tmp_path / "state").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for key in (made, imported, FILE_KEY):
                assert key.encode() not in data, f"a key is stored in clear in {f}"
    for key in (made, imported, FILE_KEY):
        assert key not in srv.stderr


def test_revoke_holds_on_every_loop_within_a_second_and_rotation_grace(nexusd_binary, tmp_path):
    srv = start(nexusd_binary, auth_config(tmp_path, threads=2), tmp_path)
    sock = tmp_path / "admin.sock"
    consumer = ok(ctl(sock, "consumers", "create", "rev"))["id"]
    created = ok(ctl(sock, "keys", "create", "--consumer", consumer))
    key, kid = created["secret"], created["key"]["id"]
    conns = [srv.connect() for _ in range(8)]  # SO_REUSEPORT spreads them over both loops
    try:
        for c in conns:
            assert c.request(get("/any/x", extra=f"X-API-Key: {key}\r\n")).status == 200
        ok(ctl(sock, "keys", "revoke", kid))
        deadline = time.monotonic() + 1.0
        for c in conns:
            assert c.request(get("/any/x", extra=f"X-API-Key: {key}\r\n")).status == 401
        assert time.monotonic() < deadline
    finally:
        for c in conns:
            c.close()
    # Rotation with a grace period: both keys work, then only the new one.
    created = ok(ctl(sock, "keys", "create", "--consumer", consumer))
    rotated = ok(ctl(sock, "keys", "rotate", created["key"]["id"], "--grace", "2s"))
    assert req(srv, "/any/x", created["secret"]).status == 200
    assert req(srv, "/any/x", rotated["secret"]).status == 200
    time.sleep(2.2)
    assert req(srv, "/any/x", created["secret"]).status == 401
    assert req(srv, "/any/x", rotated["secret"]).status == 200
    # Expiry.
    short = ok(ctl(sock, "keys", "create", "--consumer", consumer, "--expires-in", "1s"))["secret"]
    assert req(srv, "/any/x", short).status == 200
    time.sleep(1.2)
    assert req(srv, "/any/x", short).status == 401
    assert srv.stop() == 0


def test_rate_limit_fields_and_429(nexusd_binary, tmp_path):
    cfg = auth_config(tmp_path)
    cfg["plans"] = [{"name": "slow", "rate": "1/m"}]
    cfg["consumers"] = [{"name": "client1", "scopes": ["orders:read"], "plan": "slow"}]
    cfg["routes"].append({"name": "limited", "path": "/limited", "handler": "static", "body": "ok\n",
                          "rate_limits": [{"per": "ip", "rate": "2/m", "burst": 5}]})
    srv = start(nexusd_binary, cfg, tmp_path)
    first = req(srv, "/limited", FILE_KEY)
    assert first.status == 200
    assert first.headers["ratelimit-policy"] == '"ip";q=2;w=60, "consumer";q=1;w=60'
    assert re.fullmatch(r'"ip";r=\d+;t=\d+, "consumer";r=1;t=0', first.headers["ratelimit"]), first.headers["ratelimit"]
    # 1/m with no burst: after a pause one more passes at once (one interval of catch-up), then 429.
    second = req(srv, "/limited", FILE_KEY)
    assert second.status == 200 and '"consumer";r=0' in second.headers["ratelimit"]
    limited = req(srv, "/limited", FILE_KEY)
    assert limited.status == 429
    body = limited.json()
    assert body["type"] == "https://iana.org/assignments/http-problem-types#quota-exceeded"
    assert body["status"] == 429 and body["violated-policies"] == ["consumer"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert '"consumer";r=0' in limited.headers["ratelimit"]
    assert srv.stop() == 0


def test_refund_when_a_later_limit_rejects(nexusd_binary, tmp_path):
    cfg = auth_config(tmp_path)
    cfg["plans"] = [{"name": "slow", "rate": "1/m"}, {"name": "fast", "rate": "1000/s", "burst": 1000}]
    cfg["consumers"] = [{"name": "client1", "plan": "slow"}, {"name": "client2", "plan": "fast"}]
    (tmp_path / "keys.txt").write_text(f"{FILE_KEY} client1\nsecond-client-key-0001 client2\n")
    cfg["routes"].append({"name": "limited", "path": "/limited", "handler": "static", "body": "ok\n",
                          "rate_limits": [{"per": "ip", "rate": "1/m", "burst": 1}]})
    srv = start(nexusd_binary, cfg, tmp_path)
    # ip: 1/m with burst 1 admits 3 after a pause; the consumer's plan (1/m, no burst) admits 2.
    assert req(srv, "/limited", FILE_KEY).status == 200          # ip 1 of 3, consumer 1 of 2
    assert req(srv, "/limited", FILE_KEY).status == 200          # ip 2 of 3, consumer 2 of 2
    assert req(srv, "/limited", FILE_KEY).status == 429          # ip admits (3 of 3), the consumer rejects: ip refunded
    assert req(srv, "/limited", "second-client-key-0001").status == 200  # ip 3 of 3: only possible with the refund
    third = req(srv, "/limited", "second-client-key-0001")
    assert third.status == 429 and third.json()["violated-policies"] == ["ip"]
    assert srv.stop() == 0


def test_quota_survives_a_restart(nexusd_binary, tmp_path):
    cfg = auth_config(tmp_path)
    cfg["plans"] = [{"name": "small", "quota_day": 5}]
    srv = start(nexusd_binary, cfg, tmp_path)
    sock = tmp_path / "admin.sock"
    for _ in range(5):
        r = req(srv, "/any/x", FILE_KEY)
        assert r.status == 200
    assert '"day";r=0' in r.headers["ratelimit"]
    over = req(srv, "/any/x", FILE_KEY)
    assert over.status == 429 and over.json()["violated-policies"] == ["day"]
    deadline = time.time() + 5
    while sum(r["requests"] for r in ok(ctl(sock, "usage", "--by", "total", "--consumer", "client1"))["rows"]) < 6:
        assert time.time() < deadline
        time.sleep(0.1)
    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    assert req(srv, "/any/x", FILE_KEY).status == 429
    rows = ok(ctl(sock, "usage", "--by", "total", "--consumer", "client1"))["rows"]
    assert rows[0]["rejected"] >= 1 and rows[0]["requests"] - rows[0]["rejected"] == 5
    assert srv.stop() == 0


def test_trusted_proxies_and_the_lockout(nexusd_binary, tmp_path):
    cfg = auth_config(tmp_path)
    cfg["auth"]["trusted_proxies"] = ["127.0.0.0/8"]
    cfg["auth"]["lockout"] = {"failures": 3, "window": "1m", "duration": "2s"}
    cfg["routes"].append({"name": "per-ip", "path": "/per-ip", "anonymous": True, "handler": "static", "body": "ok\n",
                          "rate_limits": [{"per": "ip", "rate": "1/m"}]})
    srv = start(nexusd_binary, cfg, tmp_path)
    xff = lambda a: f"X-Forwarded-For: 203.0.113.9, {a}\r\n"  # noqa: E731
    # 1/m: after a pause two pass (one interval of catch-up), then 429 for that client, not for another.
    assert req(srv, "/per-ip", extra=xff("198.51.100.1")).status == 200
    assert req(srv, "/per-ip", extra=xff("198.51.100.1")).status == 200
    assert req(srv, "/per-ip", extra=xff("198.51.100.1")).status == 429
    assert req(srv, "/per-ip", extra=xff("198.51.100.2")).status == 200
    # The lockout counts failures per client address: 3 bad keys from one address lock it, not the others.
    for _ in range(3):
        assert req(srv, "/any/x", "bad-key-000000000", extra=xff("198.51.100.7")).status == 401
    locked = req(srv, "/any/x", FILE_KEY, extra=xff("198.51.100.7"))
    assert locked.status == 429 and "failed authentications" in locked.json()["detail"]
    assert req(srv, "/any/x", FILE_KEY, extra=xff("198.51.100.8")).status == 200
    time.sleep(2.2)
    assert req(srv, "/any/x", FILE_KEY, extra=xff("198.51.100.7")).status == 200
    # Failed authentications reach the audit log (aggregated per flush), never with the key.
    deadline = time.time() + 5
    while True:
        entries = ok(ctl(tmp_path / "admin.sock", "audit", "--action", "auth.failure"))["entries"]
        if entries:
            break
        assert time.time() < deadline
        time.sleep(0.1)
    assert "198.51.100.7" in entries[0]["detail"] and "bad-key" not in json.dumps(entries)
    assert srv.stop() == 0


def test_gcra_accuracy_two_loops_128_connections(nexusd_binary, tmp_path):
    """100 r/s, no burst, for 10 s against 2 loops from 2 threads x 64 connections: 990..1010 admitted."""
    cfg = auth_config(tmp_path, threads=2)
    cfg["plans"] = [{"name": "hundred", "rate": "100/s", "burst": 0}]
    cfg["consumers"] = [{"name": "client1", "plan": "hundred"}]
    srv = start(nexusd_binary, cfg, tmp_path)
    request = get("/any/x", extra=f"X-API-Key: {FILE_KEY}\r\n")
    counts = {"200": 0, "429": 0, "other": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + 10.0

    def client():
        sel = selectors.DefaultSelector()
        socks = []
        for _ in range(64):
            s = socket.create_connection((srv.host, srv.port))
            s.setblocking(False)
            socks.append(s)
            sel.register(s, selectors.EVENT_READ, bytearray())
            s.sendall(request)
        local = {"200": 0, "429": 0, "other": 0}
        while sel.get_map():
            for key, _ in sel.select(timeout=1.0):
                s, buf = key.fileobj, key.data
                data = s.recv(65536)
                if not data:
                    sel.unregister(s)
                    continue
                buf += data
                while True:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = bytes(buf[:end]).decode("latin-1")
                    length = 0
                    for line in head.split("\r\n")[1:]:
                        if line.lower().startswith("content-length:"):
                            length = int(line.split(":")[1])
                    if len(buf) < end + 4 + length:
                        break
                    status = head.split(" ")[1]
                    local[status if status in local else "other"] += 1
                    del buf[:end + 4 + length]
                    if time.monotonic() < stop_at:
                        s.sendall(request)
                    else:
                        sel.unregister(s)
        for s in socks:
            s.close()
        with lock:
            for k, v in local.items():
                counts[k] += v

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts["other"] == 0, counts
    assert 990 <= counts["200"] <= 1010, counts
    assert counts["429"] > 1000, counts  # the load was far above the limit
    assert srv.stop() == 0


def test_jwt_bearer_tokens_made_by_pyjwt(nexusd_binary, tmp_path):
    """Tokens signed by PyJWT (RS256, ES256, EdDSA, HS256) pass; expired, not-yet-valid, wrong audience or issuer,
    a flipped signature bit, alg none and HS256 signed with the RSA public key are refused with 401."""
    fixtures = tmp_path / "jwt"
    subprocess.run(["python3", str(Path(__file__).parent / "jwt_tokens.py"), str(fixtures)], check=True)
    os.chmod(fixtures / "hmac.secret", 0o600)
    policy = json.loads((fixtures / "policy.json").read_text())
    cfg = auth_config(tmp_path)
    cfg["auth"]["jwt"] = {"issuers": [policy["issuer"]], "audiences": [policy["audience"]],
                          "keys": [{"jwks_file": str(fixtures / "jwks.json")}]}
    cfg["consumers"].append({"name": "alice", "scopes": [], "plan": "small"})
    srv = start(nexusd_binary, cfg, tmp_path)
    tokens = json.loads((fixtures / "tokens.json").read_text())
    assert {t["expect"] for t in tokens} >= {"valid", "expired", "wrong_audience", "bad_signature"}
    for t in tokens:
        r = req(srv, "/orders", t["token"], header="Authorization")
        if t["expect"] == "valid":
            assert r.status == 200, (t["name"], r)
            assert '"consumer";' in r.headers.get("ratelimit", "")  # alice's plan applies: the token named a known consumer
        else:
            assert r.status == 401, (t["name"], t["expect"], r)
            assert 'error="invalid_token"' in r.headers["www-authenticate"]
            assert t["token"] not in r.body.decode()
    # Scopes come from the token: a route needing a scope the token lacks is 403.
    cfg2 = deep_merge(cfg, {})
    cfg2["routes"].append({"name": "admin", "path": "/admin", "scopes": ["admin"], "handler": "static", "body": "x"})
    (tmp_path / "nexus.yaml").write_text(__import__("nexus_e2e").to_yaml(cfg2))
    ok(ctl(tmp_path / "admin.sock", "config", "reload"))
    valid = next(t["token"] for t in tokens if t["expect"] == "valid")
    assert req(srv, "/admin", valid, header="Authorization").status == 403
    assert srv.stop() == 0
    assert valid not in srv.stderr


def make_tls_server_cert(d: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1, made with the openssl command."""
    d.mkdir(parents=True, exist_ok=True)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=test-ca", "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", str(d / "srv.key"), "-out", str(d / "srv.csr"))
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", str(d / "srv.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", str(d / "ext"), "-out", str(d / "srv.pem"))
    return d / "ca.pem", d / "srv.pem", d / "srv.key"


def test_jwks_url_over_https_rotates_keys(nexusd_binary, tmp_path):
    """The JWK Set is fetched over verified TLS from a local HTTPS server; when it rotates to a new key, tokens of
    the new key pass and tokens of the old one are refused, without a restart."""
    import http.server
    import ssl

    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    ca, cert, key = make_tls_server_cert(tmp_path / "tls")
    keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("old", "new")}

    def jwk(kid):
        d = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(keys[kid].public_key()))
        d.update(kid=kid, alg="RS256", use="sig")
        return d

    served = {"body": json.dumps({"keys": [jwk("old")]}).encode()}

    class JWKS(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(served["body"])))
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JWKS)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        cfg = auth_config(tmp_path)
        cfg["auth"]["jwt"] = {"audiences": ["nexus"], "keys": [
            {"jwks_url": f"https://127.0.0.1:{httpd.server_address[1]}/jwks.json", "refresh": "1s", "ca_file": str(ca)}]}
        srv = start(nexusd_binary, cfg, tmp_path)
        now = int(time.time())
        token = lambda kid: pyjwt.encode({"sub": "client1", "aud": "nexus", "exp": now + 600, "scope": "orders:read"},  # noqa: E731
                                         keys[kid], algorithm="RS256", headers={"kid": kid})
        assert req(srv, "/orders", token("old"), header="Authorization").status == 200
        assert req(srv, "/orders", token("new"), header="Authorization").status == 401
        served["body"] = json.dumps({"keys": [jwk("new")]}).encode()
        deadline = time.time() + 10
        while req(srv, "/orders", token("new"), header="Authorization").status != 200:
            assert time.time() < deadline, "the rotated JWK Set was not fetched"
            time.sleep(0.2)
        assert req(srv, "/orders", token("old"), header="Authorization").status == 401
        assert srv.stop() == 0
    finally:
        httpd.shutdown()


def test_jwks_url_with_an_untrusted_certificate_is_not_used(nexusd_binary, tmp_path):
    import http.server
    import ssl
    _, cert, key = make_tls_server_cert(tmp_path / "tls")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        cfg = auth_config(tmp_path)
        cfg["auth"]["jwt"] = {"keys": [{"jwks_url": f"https://127.0.0.1:{httpd.server_address[1]}/jwks.json"}]}
        srv = start(nexusd_binary, cfg, tmp_path)  # starts: the identity provider may be down; it says why
        assert srv.wait_for_line(__import__("re").compile(r"JWK Set fetch failed"), timeout=10)
        assert req(srv, "/orders", FILE_KEY).status == 200  # API keys keep working
        assert srv.stop() == 0
    finally:
        httpd.shutdown()
