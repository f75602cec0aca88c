"""Reverse proxy: which route (and so which upstream) a request reaches, and how the route rewrites it.

Precedence: exact host > wildcard host (longer suffix first) > any host; within the best host tier
exact path > template > prefix (longest); the most specific path decides the method (405 + Allow)."""

import pytest

from nexus_e2e import assert_problem, get, post
from upstreams import Fixed, proxy_config, upstream, upstream_block  # noqa: F401  (fixture)


def names_from(resp):
    assert resp.status == 200, resp
    return resp.json()["server"]


@pytest.fixture
def hosts(nexus, upstream):
    ups = {n: upstream(n) for n in ("exact", "wild", "wildlong", "anyhost")}
    cfg = proxy_config(
        [upstream_block(n, [u]) for n, u in ups.items()],
        [
            {"path_prefix": "/", "upstream": "anyhost"},
            {"host": "*.example.com", "path_prefix": "/", "upstream": "wild"},
            {"host": "*.b.example.com", "path_prefix": "/", "upstream": "wildlong"},
            {"host": "api.example.com", "path_prefix": "/", "upstream": "exact"},
        ])
    return nexus(cfg), ups


@pytest.mark.parametrize("host,expected", [
    ("api.example.com", "exact"),
    ("API.Example.COM", "exact"),
    ("api.example.com:8080", "exact"),
    ("api.example.com.", "exact"),
    ("x.example.com", "wild"),
    ("api.b.example.com", "wildlong"),
    ("deep.x.example.com", "wild"),
    ("example.org", "anyhost"),
    ("example.com", "anyhost"),
])
def test_host_precedence_exact_over_wildcard_longest_suffix_over_any_host(hosts, host, expected):
    srv, ups = hosts
    with srv.connect() as c:
        r = c.request(get("/p", host=host))
    assert names_from(r) == expected, f"Host {host!r} reached {r.json()['server']}, expected {expected}"
    assert r.json()["target"] == "/p"


@pytest.fixture
def tiers(nexus, upstream):
    ups = {n: upstream(n) for n in ("exact", "wild", "anyhost")}
    cfg = proxy_config(
        [upstream_block(n, [u]) for n, u in ups.items()],
        [
            {"path_prefix": "/", "upstream": "anyhost"},
            {"host": "*.example.com", "path_prefix": "/shop/", "upstream": "wild"},
            {"host": "api.example.com", "path": "/special", "upstream": "exact", "methods": ["GET"]},
        ])
    return nexus(cfg), ups


@pytest.mark.parametrize("target,expected", [
    ("/special", "exact"),
    ("/shop/cart", "wild"),
    ("/other", "anyhost"),
])
def test_host_tier_falls_through_only_when_no_path_matches(tiers, target, expected):
    srv, ups = tiers
    with srv.connect() as c:
        r = c.request(get(target, host="api.example.com"))
    assert names_from(r) == expected, f"api.example.com{target} reached {r.json()['server']}, expected {expected}"


def test_wrong_method_on_exact_host_path_is_405_not_fallthrough_to_any_host(tiers):
    srv, ups = tiers
    with srv.connect() as c:
        r = c.request(post("/special", "x", host="api.example.com"))
        assert_problem(r, 405)
        assert "GET" in r.headers.get("allow", "").upper(), r.raw
    assert all(len(u.requests) == 0 for u in ups.values())


@pytest.fixture
def paths(nexus, upstream):
    ups = {n: upstream(n) for n in ("exactpath", "template", "prefix", "longprefix", "other")}
    cfg = proxy_config(
        [upstream_block(n, [u]) for n, u in ups.items()],
        [
            {"path_prefix": "/users/", "upstream": "prefix", "methods": ["GET", "POST", "DELETE"]},
            {"path_prefix": "/users/admin/", "upstream": "longprefix"},
            {"path": "/users/{id}", "upstream": "template", "methods": ["GET"]},
            {"path": "/users/me", "upstream": "exactpath", "methods": ["GET", "PUT"]},
            {"path_prefix": "/other/", "upstream": "other"},
        ])
    return nexus(cfg), ups


@pytest.mark.parametrize("target,expected", [
    ("/users/me", "exactpath"),
    ("/users/42", "template"),
    ("/users/42?x=1", "template"),
    ("/users/42/posts", "prefix"),
    ("/users/", "prefix"),
    ("/users/admin/x", "longprefix"),
    ("/other/a/b", "other"),
])
def test_path_precedence_exact_over_template_over_longest_prefix(paths, target, expected):
    srv, ups = paths
    with srv.connect() as c:
        r = c.request(get(target))
    assert names_from(r) == expected, f"GET {target} reached {r.json()['server']}, expected {expected}"
    assert r.json()["target"] == target, "a route without rewrite must forward the target unchanged"


def test_most_specific_path_decides_method_405_with_allow(paths):
    srv, ups = paths
    with srv.connect() as c:
        # /users/{id} allows only GET; the /users/ prefix would take POST, but the template decides.
        r = c.request(post("/users/42", "x"))
        assert_problem(r, 405)
        allow = {t.strip().upper() for t in r.headers.get("allow", "").split(",") if t.strip()}
        assert "GET" in allow and "POST" not in allow, f"Allow {r.headers.get('allow')!r}"
        # The exact path /users/me allows GET and PUT.
        r = c.request(b"DELETE /users/me HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert_problem(r, 405)
        allow = {t.strip().upper() for t in r.headers.get("allow", "").split(",") if t.strip()}
        assert {"GET", "PUT"} <= allow and "DELETE" not in allow, f"Allow {r.headers.get('allow')!r}"
        # The connection stays usable and nothing reached an upstream.
        r = c.request(get("/users/7"))
        assert names_from(r) == "template"
    assert all(len(u.requests) == (1 if n == "template" else 0) for n, u in ups.items()), \
        {n: u.paths() for n, u in ups.items()}


def test_unknown_path_404_problem(paths):
    srv, ups = paths
    with srv.connect() as c:
        r = c.request(get("/nothing/here"))
        assert_problem(r, 404)
        r = c.request(get("/user"))  # not under /users/
        assert_problem(r, 404)
    assert sum(len(u.requests) for u in ups.values()) == 0


def test_host_only_routes_unknown_host_404(nexus, upstream):
    u = upstream("exact")
    srv = nexus(proxy_config([upstream_block("exact", [u])],
                             [{"host": "api.example.com", "path_prefix": "/", "upstream": "exact"}]))
    with srv.connect() as c:
        assert_problem(c.request(get("/a", host="other.example.com")), 404)
        assert names_from(c.request(get("/a", host="api.example.com"))) == "exact"
    assert len(u.requests) == 1


# ----------------------------------------------------------------------------------------------
# Rewriting
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def rewrite(nexus, upstream):
    u = upstream("api")
    cfg = proxy_config(
        [upstream_block("api", [u])],
        [
            {"path_prefix": "/api/", "upstream": "api", "strip_prefix": True, "preserve_host": True,
             "request_headers": {"add": {"X-Gateway": "nexus"}, "remove": ["X-Internal"]},
             "response_headers": {"add": {"X-Frame-Options": "DENY"}, "remove": ["Server"]}},
            {"path_prefix": "/old/", "upstream": "api", "rewrite_prefix": "/v2/"},
            {"path_prefix": "/plain/", "upstream": "api", "preserve_host": False},
        ])
    return nexus(cfg), u


@pytest.mark.parametrize("target,seen", [
    ("/api/x?q=1", "/x?q=1"),
    ("/api/a/b/c", "/a/b/c"),
    ("/api/", "/"),
    ("/api/?q=2&r=3", "/?q=2&r=3"),
])
def test_strip_prefix_keeps_query(rewrite, target, seen):
    srv, u = rewrite
    with srv.connect() as c:
        r = c.request(get(target))
    assert r.status == 200, r
    assert u.wait_requests(1)[0].target == seen


@pytest.mark.parametrize("target,seen", [
    ("/old/x?q=1", "/v2/x?q=1"),
    ("/old/", "/v2/"),
    ("/old/deep/path", "/v2/deep/path"),
])
def test_rewrite_prefix_keeps_query(rewrite, target, seen):
    srv, u = rewrite
    with srv.connect() as c:
        r = c.request(get(target))
    assert r.status == 200, r
    assert u.wait_requests(1)[0].target == seen


def test_prefix_without_rewrite_forwards_target_unchanged(rewrite):
    srv, u = rewrite
    with srv.connect() as c:
        assert c.request(get("/plain/a?b=c")).status == 200
    assert u.wait_requests(1)[0].target == "/plain/a?b=c"


def test_request_header_add_and_remove(rewrite):
    srv, u = rewrite
    with srv.connect() as c:
        r = c.request(get("/api/h", extra="X-Internal: secret\r\nX-Keep: yes\r\n"))
    assert r.status == 200, r
    req = u.wait_requests(1)[0]
    assert req.header("X-Gateway") == "nexus", req.raw_head
    assert req.count("X-Internal") == 0, req.raw_head
    assert req.header("X-Keep") == "yes", req.raw_head


def test_response_header_add_and_remove(rewrite):
    srv, u = rewrite
    u.on("/resp", Fixed(200, "hi", headers=[("Server", "upstream/1.0"),
                                                                     ("X-Up", "1")]))
    with srv.connect() as c:
        r = c.request(get("/api/resp"))
    assert r.status == 200 and r.body == b"hi", r
    assert r.headers.get("x-frame-options") == "DENY", r.raw
    assert r.count("Server") == 0, r.raw
    assert r.headers.get("x-up") == "1", r.raw


def test_preserve_host_true_passes_client_host(rewrite):
    srv, u = rewrite
    with srv.connect() as c:
        assert c.request(get("/api/x", host="shop.example.com")).status == 200
    req = u.wait_requests(1)[0]
    assert req.all("Host") == ["shop.example.com"], req.raw_head


def test_preserve_host_false_sends_backend_host(rewrite):
    srv, u = rewrite
    with srv.connect() as c:
        assert c.request(get("/plain/x", host="shop.example.com")).status == 200
    req = u.wait_requests(1)[0]
    assert req.all("Host") == [u.address], req.raw_head


def test_head_goes_to_route_listing_get(paths):
    srv, ups = paths
    with srv.connect() as c:
        r = c.request(get("/users/42", method="HEAD"), head=True)
        assert r.status == 200, r
        r = c.request(get("/users/43"))
        assert names_from(r) == "template"
    assert [(q.method, q.target) for q in ups["template"].requests] == [("HEAD", "/users/42"), ("GET", "/users/43")]
