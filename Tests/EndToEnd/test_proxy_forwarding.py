"""Reverse proxy: the fields the upstream sees (hop-by-hop removed, X-Forwarded-*, Forwarded, X-Request-Id,
Via) and the fields the client gets back (the upstream's hop-by-hop removed, Via added)."""

import pytest

from nexus_e2e import get, post
from upstreams import HEX32, Fixed, proxy_config, upstream, upstream_block  # noqa: F401  (fixture)

HOP_BY_HOP = ["connection", "keep-alive", "te", "transfer-encoding", "upgrade", "proxy-connection", "trailer"]


@pytest.fixture
def fwd(nexus, upstream):
    u = upstream("api")
    srv = nexus(proxy_config([upstream_block("api", [u])],
                             [{"path_prefix": "/api/", "upstream": "api", "strip_prefix": True,
                               "preserve_host": True}]))
    return srv, u


def one(srv, u, data: bytes):
    with srv.connect() as c:
        r = c.request(data)
    assert r.status == 200, r
    return r, u.wait_requests(1)[0]


def parse_forwarded(value: str) -> dict:
    assert "," not in value, f"more than one Forwarded element: {value!r}"
    out = {}
    for pair in value.split(";"):
        k, sep, v = pair.strip().partition("=")
        assert sep, f"bad Forwarded pair {pair!r} in {value!r}"
        if v.startswith('"') and v.endswith('"'):
            v = v[1:-1]
        out[k.strip().lower()] = v
    return out


def test_hop_by_hop_request_fields_removed_including_connection_listed(fwd):
    srv, u = fwd
    extra = ("Connection: close, X-Secret\r\nX-Secret: s3cret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
             "Upgrade: foo/1\r\nProxy-Connection: keep-alive\r\nTrailer: X-T\r\nX-Normal: kept\r\n")
    r, req = one(srv, u, get("/api/hop", extra=extra))
    present = req.names() & (set(HOP_BY_HOP) | {"x-secret"})
    assert not present, f"hop-by-hop fields reached the upstream: {present}\n{req.raw_head.decode()}"
    assert req.header("X-Normal") == "kept", req.raw_head


def test_connection_listed_field_removed_on_keep_alive_request(fwd):
    srv, u = fwd
    extra = "Connection: keep-alive, X-Hop-A, x-hop-b\r\nX-Hop-A: 1\r\nX-Hop-B: 2\r\nKeep-Alive: timeout=9\r\n"
    with srv.connect() as c:
        r = c.request(get("/api/k", extra=extra))
        assert r.status == 200, r
        r = c.request(get("/api/k2"))  # the client connection was kept alive
        assert r.status == 200, r
    req = u.wait_requests(1)[0]
    bad = req.names() & {"x-hop-a", "x-hop-b", "keep-alive", "connection"}
    assert not bad, f"{bad} reached the upstream:\n{req.raw_head.decode()}"


def test_content_length_body_has_no_transfer_encoding_upstream(fwd):
    srv, u = fwd
    r, req = one(srv, u, post("/api/b", "hello"))
    assert req.count("Transfer-Encoding") == 0, req.raw_head
    assert req.header("Content-Length") == "5" and req.body == b"hello", req.raw_head


def test_x_forwarded_for_replaces_client_value(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", host="shop.example.com",
                             extra="X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
                                   "X-Forwarded-Proto: https\r\n"))
    assert req.all("X-Forwarded-For") == ["127.0.0.1"], req.raw_head
    assert req.all("X-Forwarded-Proto") == ["http"], req.raw_head
    assert req.all("X-Forwarded-Host") == ["shop.example.com"], req.raw_head


def test_x_forwarded_fields_set(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", host="shop.example.com"))
    assert req.all("X-Forwarded-For") == ["127.0.0.1"], req.raw_head
    assert req.all("X-Forwarded-Proto") == ["http"], req.raw_head
    assert req.all("X-Forwarded-Host") == ["shop.example.com"], req.raw_head


def test_forwarded_field(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", host="shop.example.com"))
    assert req.count("Forwarded") == 1, req.raw_head
    assert parse_forwarded(req.header("Forwarded")) == \
        {"for": "127.0.0.1", "proto": "http", "host": "shop.example.com"}, req.header("Forwarded")


def test_client_forwarded_field_not_trusted(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", host="shop.example.com", extra="Forwarded: for=6.6.6.6;proto=https\r\n"))
    assert "6.6.6.6" not in req.raw_head.decode("latin-1"), req.raw_head
    assert parse_forwarded(req.header("Forwarded") or "")["for"] == "127.0.0.1", req.raw_head


def test_request_id_generated_when_absent(fwd):
    srv, u = fwd
    with srv.connect() as c:
        assert c.request(get("/api/1")).status == 200
        assert c.request(get("/api/2")).status == 200
    reqs = u.wait_requests(2)
    ids = [r.header("X-Request-Id") for r in reqs]
    for rid, r in zip(ids, reqs):
        assert rid is not None and HEX32.match(rid), f"X-Request-Id {rid!r}: {r.raw_head}"
        assert r.count("X-Request-Id") == 1
    assert ids[0] != ids[1], "two requests got the same X-Request-Id"


def test_valid_client_request_id_passed_through(fwd):
    srv, u = fwd
    rid = "0123456789abcdef0123456789abcdef"
    r, req = one(srv, u, get("/api/x", extra=f"X-Request-Id: {rid}\r\n"))
    assert req.all("X-Request-Id") == [rid], req.raw_head


def test_via_on_request(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x"))
    assert "1.1 nexus" in (req.header("Via") or ""), req.raw_head


def test_via_appended_to_client_via(fwd):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", extra="Via: 1.0 clientproxy\r\n"))
    via = req.header("Via") or ""
    assert "1.0 clientproxy" in via and "1.1 nexus" in via, req.raw_head
    assert via.index("1.0 clientproxy") < via.index("1.1 nexus"), via


def test_response_hop_by_hop_removed_and_via_added(fwd):
    srv, u = fwd
    u.on("/resp", Fixed(200, "body!", headers=[
        ("Connection", "keep-alive, X-Up-Secret"), ("Keep-Alive", "timeout=5, max=100"), ("X-Up-Secret", "1"),
        ("Proxy-Connection", "keep-alive"), ("Upgrade", "foo/2"), ("Trailer", "X-T"), ("X-Up-Normal", "ok")]))
    with srv.connect() as c:
        r = c.request(get("/api/resp"))
        assert r.status == 200 and r.body == b"body!", r
        names = {k.lower() for k, _ in r.header_list}
        leaked = names & {"keep-alive", "x-up-secret", "proxy-connection", "upgrade", "trailer"}
        assert not leaked, f"upstream hop-by-hop fields reached the client: {leaked}\n{r.raw!r}"
        conn_tokens = {t.strip().lower() for t in r.headers.get("connection", "").split(",") if t.strip()}
        assert "x-up-secret" not in conn_tokens, r.raw
        assert "1.1 nexus" in r.headers.get("via", ""), r.raw
        assert r.headers.get("x-up-normal") == "ok", r.raw
        # The client connection is still usable.
        assert c.request(get("/api/again")).status == 200


@pytest.mark.parametrize("bad", ["bad id <script>", "x" * 300, ""])
def test_invalid_client_request_id_replaced(fwd, bad):
    srv, u = fwd
    r, req = one(srv, u, get("/api/x", extra=f"X-Request-Id: {bad}\r\n"))
    ids = req.all("X-Request-Id")
    assert len(ids) == 1 and HEX32.match(ids[0]), f"X-Request-Id {bad!r} became {ids!r}"
