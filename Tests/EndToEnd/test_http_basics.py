"""Routing, status lines, Date/Content-Length, problem+json errors, HEAD, and connection persistence."""

import json
import re

from nexus_e2e import (
    REASONS,
    assert_closed,
    assert_problem,
    assert_well_formed,
    connection_tokens,
    get,
    one_shot,
    post,
)


def test_static_route_get(server):
    r = one_shot(server, get("/api/echo"))
    assert r.status_line == "HTTP/1.1 200 OK"
    assert_well_formed(r)
    assert r.headers["content-type"] == "application/json"
    assert r.headers.get("x-demo") == "1"
    assert r.body == b'{"ok":true}'
    assert int(r.headers["content-length"]) == len(b'{"ok":true}')


def test_static_route_post_allowed(server):
    r = one_shot(server, post("/api/echo", "ignored"))
    assert r.status == 200
    assert_well_formed(r)
    assert r.body == b'{"ok":true}'


def test_status_line_reason_phrases(server):
    r = one_shot(server, get("/no/such/route"))
    assert re.fullmatch(r"HTTP/1\.1 404 \S.*", r.status_line), r.status_line
    assert r.reason == REASONS[404]


def test_unknown_route_is_404_problem(server):
    r = one_shot(server, get("/nope"))
    doc = assert_problem(r, 404)
    assert doc["title"]


def test_exact_route_does_not_match_longer_path(server):
    r = one_shot(server, get("/api/echo/more"))
    assert_problem(r, 404)


def test_method_not_allowed_is_405_with_allow(server):
    r = one_shot(server, get("/api/echo", method="DELETE"))
    assert_problem(r, 405)
    assert "allow" in r.headers, r.raw
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed, allowed
    assert "DELETE" not in allowed


def test_head_on_static_route_same_headers_no_body(server):
    with server.connect() as c:
        g = c.request(get("/api/echo"))
        h = c.request(get("/api/echo", method="HEAD"), head=True)
        assert h.status == 200
        assert h.headers["content-length"] == g.headers["content-length"]
        assert h.headers["content-type"] == g.headers["content-type"]
        assert h.headers.get("x-demo") == "1"
        assert "date" in h.headers
        # No body bytes may follow a HEAD response: the next response must start right away.
        g2 = c.request(get("/api/echo"))
        assert g2.status == 200 and g2.body == b'{"ok":true}', g2


def test_echo_route_reports_request(server):
    r = one_shot(server, get("/echo/abc?x=1&y=%20", extra="X-Custom: hello world\r\n"))
    assert r.status == 200
    assert_well_formed(r)
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["method"] == "GET"
    assert doc["target"] == "/echo/abc?x=1&y=%20"
    assert doc["path"] == "/echo/abc"
    assert doc["query"] == "x=1&y=%20"
    assert doc["version"] == "HTTP/1.1"
    assert ["Host", "localhost"] in doc["headers"]
    assert ["X-Custom", "hello world"] in doc["headers"]
    assert doc["body"] == ""


def test_echo_query_null_when_absent(server):
    doc = one_shot(server, get("/echo")).json()
    assert doc["query"] is None
    assert doc["path"] == "/echo"


def test_echo_headers_in_order_with_trimmed_values(server):
    req = b"GET /echo/h HTTP/1.1\r\nHost: localhost\r\nA-One: 1\r\nB-Two:  \t two \t\r\nA-One: 3\r\n\r\n"
    doc = one_shot(server, req).json()
    assert doc["headers"] == [["Host", "localhost"], ["A-One", "1"], ["B-Two", "two"], ["A-One", "3"]]


def test_keepalive_is_default_for_http11(server):
    with server.connect() as c:
        for i in range(5):
            r = c.request(get(f"/echo/{i}"))
            assert r.status == 200
            assert "close" not in connection_tokens(r)
            assert r.json()["path"] == f"/echo/{i}"


def test_http10_without_keepalive_closes(server):
    with server.connect() as c:
        r = c.request(b"GET /api/echo HTTP/1.0\r\n\r\n")
        assert r.status == 200
        assert r.version == "HTTP/1.1"
        assert "close" in connection_tokens(r), r.headers
        assert_closed(c)


def test_http10_with_keepalive_stays_open(server):
    with server.connect() as c:
        for _ in range(3):
            r = c.request(b"GET /api/echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            assert r.status == 200
            assert "keep-alive" in connection_tokens(r), r.headers
        doc = c.request(b"GET /echo/ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").json()
        assert doc["version"] == "HTTP/1.0"


def test_http11_connection_close(server):
    with server.connect() as c:
        r = c.request(get("/api/echo", extra="Connection: close\r\n"))
        assert r.status == 200
        assert "close" in connection_tokens(r), r.headers
        assert_closed(c)


def test_connection_close_token_in_list(server):
    with server.connect() as c:
        r = c.request(get("/api/echo", extra="Connection: foo, Close\r\n"))
        assert r.status == 200
        assert "close" in connection_tokens(r), r.headers
        assert_closed(c)


def test_error_response_keeps_json_valid_for_odd_paths(server):
    r = one_shot(server, get('/no"such\\route'))
    doc = assert_problem(r, 404)
    json.dumps(doc)


def test_absolute_form_and_asterisk_are_handled(server):
    # absolute-form must be accepted by a server (RFC 9112 3.2.2); OPTIONS * must not crash the server.
    r = one_shot(server, b"GET http://localhost/api/echo HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert r.status in (200, 400, 404), r
    assert_well_formed(r)
    r = one_shot(server, b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert 200 <= r.status < 600
    assert_well_formed(r)
    assert one_shot(server, get("/api/echo")).status == 200


def test_connection_usable_after_non_closing_error(server):
    """If an error response does not announce Connection: close, the connection must go on working."""
    from nexus_e2e import connection_tokens as tokens
    for req in (get("/nope"), get("/api/echo", method="DELETE")):
        with server.connect() as c:
            r = c.request(req)
            assert r.status in (404, 405)
            if "close" in tokens(r):
                assert_closed(c)
            else:
                r2 = c.request(get("/echo/next"))
                assert r2.status == 200 and r2.json()["path"] == "/echo/next"


def test_every_response_has_date_and_content_length(server):
    reqs = [get("/api/echo"), get("/echo/x"), get("/nope"), get("/api/echo", method="PUT"),
            post("/echo", "b"), b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n"]
    for raw in reqs:
        r = one_shot(server, raw)
        assert_well_formed(r)
