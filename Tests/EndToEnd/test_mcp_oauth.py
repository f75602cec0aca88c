"""The MCP endpoint as an OAuth 2.0 protected resource (the MCP authorization spec, RFC 9728, RFC 6750): with
`auth.jwt`, nexusd serves protected resource metadata at /.well-known/oauth-protected-resource[/mcp], every 401 and
403 of the workflow channels names it in `WWW-Authenticate`, the MCP endpoint needs a token, and a token without a
tool's scopes gets 403 insufficient_scope. Tokens are made by PyJWT (jwt_tokens.py), on both back ends."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from nexus_e2e import DEFAULT_CONFIG, deep_merge, get, one_shot, run_nexusd, to_yaml
from workflow_fixtures import ADD, ECHO, auth_config, call, open_config

jwt = pytest.importorskip("jwt", reason="PyJWT is not installed (scripts/install-deps)")

ACCEPT = "application/json, text/event-stream"
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
RESOURCE = "https://mcp.example.test/mcp"
METADATA_URL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"
ISSUER = "https://issuer.example"
WELL_KNOWN = "/.well-known/oauth-protected-resource"


@pytest.fixture
def fixtures(tmp_config_dir):
    """PyJWT's keys (jwt_tokens.py) and a maker of HS256 tokens with the scopes and audience asked for."""
    d = tmp_config_dir / "jwt"
    subprocess.run(["python3", str(Path(__file__).parent / "jwt_tokens.py"), str(d), "--issuer", ISSUER,
                    "--audience", RESOURCE], check=True, capture_output=True)
    os.chmod(d / "hmac.secret", 0o600)
    secret = (d / "hmac.secret").read_bytes()

    def token(scope: str | None = "math:run", aud: str = RESOURCE, exp: int = 600, sub: str = "alice") -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": aud, "sub": sub, "iat": now, "exp": now + exp}
        if scope is not None:
            claims["scope"] = scope
        return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "hs-1"})

    token.dir = d
    token.tokens = json.loads((d / "tokens.json").read_text())
    return token


def oauth_config(fixtures, api: dict | None = None) -> dict:
    """`echo` anonymous, `add` needs math:run; JWTs for RESOURCE from ISSUER."""
    return {
        "auth": {"key_headers": ["authorization"],
                 "jwt": {"issuers": [ISSUER], "audiences": [RESOURCE], "keys": [{"jwks_file": str(fixtures.dir / "jwks.json")}]}},
        "workflows": [{**ECHO, "anonymous": True}, {**ADD, "scopes": ["math:run"]}],
        "workflow_api": api if api is not None else {"resource": RESOURCE, "resource_name": "Nexus test"},
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def modern(srv, method, params=None, headers=None, name=None):
    h = {"Accept": ACCEPT, "MCP-Protocol-Version": MODERN, "Mcp-Method": method, **(headers or {})}
    if name is not None:
        h["Mcp-Name"] = name
    return call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": META}}, headers=h)


def challenge(r) -> str:
    return r.headers.get("www-authenticate", "")


def test_metadata_document(nexus, fixtures):
    srv = nexus(oauth_config(fixtures))
    for path in [WELL_KNOWN, WELL_KNOWN + "/mcp"]:
        r = call(srv, "GET", path)
        assert r.status == 200 and r.headers["content-type"] == "application/json", r
        assert r.json() == {"resource": RESOURCE, "authorization_servers": [ISSUER], "bearer_methods_supported": ["header"],
                            "scopes_supported": ["math:run"], "resource_name": "Nexus test"}
    assert one_shot(srv, get(WELL_KNOWN, method="HEAD"), head=True).status == 200
    r = call(srv, "POST", WELL_KNOWN, {})
    assert r.status == 405
    # Other paths under the well-known one are not served.
    assert call(srv, "GET", WELL_KNOWN + "/other").status == 404


def test_401_names_the_metadata(nexus, fixtures):
    srv = nexus(oauth_config(fixtures))
    # No token: the MCP endpoint needs one (the 401 starts the client's authorization flow); RFC 6750 §3.1: no
    # error code when the request has no credentials.
    r = modern(srv, "tools/list")
    assert r.status == 401 and r.headers["content-type"] == "application/problem+json", r
    assert challenge(r) == f'Bearer realm="nexus", resource_metadata="{METADATA_URL}"'
    assert r.json()["status"] == 401
    # A token that does not verify (bad signature, expired, for another audience, made up).
    bad = [t["token"] for t in fixtures.tokens if t["expect"] in ("bad_signature", "expired", "wrong_audience")]
    for token in bad + [fixtures(aud="https://other.example/mcp"), "not-a-token-0123456789"]:
        r = modern(srv, "tools/list", headers=bearer(token))
        assert r.status == 401, r
        assert 'error="invalid_token"' in challenge(r) and f'resource_metadata="{METADATA_URL}"' in challenge(r), challenge(r)
    # The REST channel's 401s name it too; its anonymous workflows stay open.
    r = call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 2})
    assert r.status == 401 and f'resource_metadata="{METADATA_URL}"' in challenge(r)
    assert call(srv, "POST", "/v1/workflows/echo", {"message": "hi"}).json() == {"message": "hi"}
    assert [w["name"] for w in call(srv, "GET", "/v1/workflows").json()["workflows"]] == ["echo"]
    # Legacy revisions too: initialize without a token is 401.
    r = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                   "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
             headers={"Accept": ACCEPT})
    assert r.status == 401 and "resource_metadata=" in challenge(r)


def test_valid_token_lists_and_calls_tools(nexus, fixtures):
    srv = nexus(oauth_config(fixtures))
    h = bearer(fixtures("math:run"))
    tools = modern(srv, "tools/list", headers=h).json()["result"]["tools"]
    assert [t["name"] for t in tools] == ["echo", "add"]
    r = modern(srv, "tools/call", {"name": "add", "arguments": {"a": 2, "b": 40}}, headers=h, name="add")
    assert r.status == 200 and r.json()["result"]["structuredContent"] == {"sum": 42}
    # A legacy session with the same token.
    r = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                   "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
             headers={"Accept": ACCEPT, **h})
    assert r.status == 200, r
    sid = r.headers["mcp-session-id"]
    r = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 1}}},
             headers={"Accept": ACCEPT, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18", **h})
    assert r.json()["result"]["structuredContent"] == {"sum": 2}
    # The session is not a credential: without the token, 401.
    r = call(srv, "POST", "/mcp", {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
             headers={"Accept": ACCEPT, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"})
    assert r.status == 401


def test_tool_scopes_are_enforced(nexus, fixtures):
    srv = nexus(oauth_config(fixtures))
    for scope in [None, "", "orders:read"]:
        h = bearer(fixtures(scope))
        # Listed: only what the token may run.
        assert [t["name"] for t in modern(srv, "tools/list", headers=h).json()["result"]["tools"]] == ["echo"]
        assert modern(srv, "tools/call", {"name": "echo", "arguments": {"message": "m"}}, headers=h, name="echo").status == 200
        # Called anyway: 403 insufficient_scope naming the scope and the metadata (step-up authorization).
        r = modern(srv, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, headers=h, name="add")
        assert r.status == 403 and r.headers["content-type"] == "application/problem+json", r
        assert challenge(r) == f'Bearer realm="nexus", error="insufficient_scope", scope="math:run", resource_metadata="{METADATA_URL}"'
        r = call(srv, "POST", "/v1/workflows/add", {"a": 1, "b": 1}, headers=h)
        assert r.status == 403 and 'error="insufficient_scope"' in challenge(r) and "resource_metadata=" in challenge(r)
        # A tool that does not exist stays a JSON-RPC error.
        r = modern(srv, "tools/call", {"name": "nope", "arguments": {}}, headers=h, name="nope")
        assert r.status == 200 and r.json()["error"]["code"] == -32602


def test_metadata_from_the_request_and_the_sdk_accepts_it(nexus, fixtures):
    """Without `resource`, the resource is the URL the client used (Host field, listener's scheme); the official MCP
    SDK's client-side discovery finds the metadata from the 401 and accepts its `resource` for the server URL."""
    cfg = oauth_config(fixtures, api={})
    cfg["auth"]["jwt"]["audiences"] = ["nexus-test"]
    srv = nexus(cfg)
    server_url = f"http://127.0.0.1:{srv.port}/mcp"
    r = call(srv, "GET", WELL_KNOWN + "/mcp")
    assert r.json()["resource"] == "http://localhost/mcp"  # call() sends Host: localhost
    assert "resource_name" not in r.json()
    pytest.importorskip("mcp", reason="the MCP Python SDK is not installed (scripts/install-deps)")
    import httpx2 as httpx
    from mcp.client.auth.utils import build_protected_resource_metadata_discovery_urls, extract_resource_metadata_from_www_auth
    from mcp.shared.auth import ProtectedResourceMetadata
    from mcp.shared.auth_utils import check_resource_allowed, resource_url_from_server_url

    with httpx.Client() as client:
        unauthorized = client.post(server_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}},
                                   headers={"Accept": ACCEPT, "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"})
        assert unauthorized.status_code == 401
        advertised = extract_resource_metadata_from_www_auth(unauthorized)
        assert advertised == f"http://127.0.0.1:{srv.port}{WELL_KNOWN}/mcp"
        urls = build_protected_resource_metadata_discovery_urls(advertised, server_url)
        for url in urls:  # every place the SDK looks serves the same document
            prm = ProtectedResourceMetadata.model_validate_json(client.get(url).content)
            assert str(prm.resource).rstrip("/") == server_url
            assert [str(s).rstrip("/") for s in prm.authorization_servers] == [ISSUER]
            assert check_resource_allowed(requested_resource=resource_url_from_server_url(server_url), configured_resource=str(prm.resource))


def test_not_served_without_jwt(nexus, tmp_config_dir):
    srv = nexus(open_config())
    r = call(srv, "GET", WELL_KNOWN)
    assert r.status == 404 and r.headers["content-type"] == "application/problem+json"
    srv = nexus(auth_config(tmp_config_dir))  # API keys only: the MCP endpoint stays open to anonymous tools
    assert call(srv, "GET", WELL_KNOWN + "/mcp").status == 404
    r = modern(srv, "tools/list")
    assert r.status == 200 and [t["name"] for t in r.json()["result"]["tools"]] == ["echo"]
    assert "resource_metadata" not in challenge(modern(srv, "tools/list", headers={"Authorization": "Bearer not-a-key-0123456789"}))


def test_served_when_configured_explicitly_and_off_when_disabled(nexus, fixtures, tmp_config_dir):
    cfg = auth_config(tmp_config_dir)
    cfg["workflow_api"] = {"resource_metadata": True, "authorization_servers": ["https://idp.example.com/"], "resource": RESOURCE}
    srv = nexus(cfg)
    assert call(srv, "GET", WELL_KNOWN).json()["authorization_servers"] == ["https://idp.example.com"]
    assert modern(srv, "tools/list").status == 401
    srv = nexus(oauth_config(fixtures, api={"resource_metadata": False}))
    assert call(srv, "GET", WELL_KNOWN).status == 404
    assert modern(srv, "tools/list").status == 200  # anonymous tools, as without metadata


def _check(tmp_path: Path, cfg: dict):
    path = tmp_path / "check.yaml"
    path.write_text(to_yaml(deep_merge(DEFAULT_CONFIG, cfg)))
    return run_nexusd(["--check-config", str(path)])


def test_config_errors(tmp_config_dir, fixtures, nexusd_binary):
    base = oauth_config(fixtures)
    ok = _check(tmp_config_dir, base)
    assert ok.returncode == 0, ok.stderr
    clash = _check(tmp_config_dir, {**base, "upstreams": [{"name": "idp", "backends": [{"address": "127.0.0.1:9"}]}],
                                    "routes": [{"name": "wk", "path_prefix": "/.well-known/", "upstream": "idp"}]})
    assert clash.returncode != 0 and f"the workflow path '{WELL_KNOWN}' clashes with the proxied route 'wk'" in clash.stderr, clash.stderr
    # The same route is fine when no metadata is served.
    fine = _check(tmp_config_dir, {**open_config(), "upstreams": [{"name": "idp", "backends": [{"address": "127.0.0.1:9"}]}],
                                   "routes": [{"name": "wk", "path_prefix": "/.well-known/", "upstream": "idp"}]})
    assert fine.returncode == 0, fine.stderr
    no_aud = deep_merge(base, {})
    no_aud["auth"]["jwt"]["audiences"] = []
    r = _check(tmp_config_dir, no_aud)
    assert r.returncode != 0 and "auth.jwt.audiences" in r.stderr and "RFC 8707" in r.stderr, r.stderr
    for resource, why in [("http://mcp.example.test/mcp", "https://"), ("https://mcp.example.test/mcp?x=1", "no query"),
                          ("mcp.example.test", "https://"), ("https:///mcp", "needs a host")]:
        r = _check(tmp_config_dir, {**base, "workflow_api": {"resource": resource}})
        assert r.returncode != 0 and "workflow_api.resource" in r.stderr and why in r.stderr, (resource, r.stderr)
        assert "check.yaml:" in r.stderr  # file:line:column
    r = _check(tmp_config_dir, {**open_config(), "workflow_api": {"resource_metadata": True}})
    assert r.returncode != 0 and "needs an 'auth' section" in r.stderr, r.stderr
    no_as = deep_merge(base, {})
    no_as["auth"]["jwt"]["issuers"] = []
    r = _check(tmp_config_dir, no_as)
    assert r.returncode != 0 and "authorization_servers" in r.stderr, r.stderr
