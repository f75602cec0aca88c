"""HTTP/1.1 pipelining: many requests written in one go are answered in order."""

import json

from nexus_e2e import BackgroundSender, assert_closed, assert_problem, get, post

N = 10_000


def test_ten_thousand_pipelined_gets_in_order(server):
    payload = b"".join(get(f"/echo/{i}") for i in range(N))
    with server.connect(timeout=30) as c:
        sender = BackgroundSender(c.sock, [payload])
        sender.start()
        for i in range(N):
            r = c.read_response(timeout=30)
            assert r.status == 200, f"response {i}: {r}"
            path = json.loads(r.body)["path"]
            assert path == f"/echo/{i}", f"response {i} is for {path}"
        sender.join(10)
        assert sender.error is None, f"sending failed: {sender.error!r}"
        assert c.buf == b"", f"extra bytes after {N} responses: {c.buf[:200]!r}"
        r = c.request(get("/echo/after"))
        assert r.json()["path"] == "/echo/after"


def test_pipelined_mixed_requests(server):
    reqs = [
        get("/api/echo"),
        post("/echo/p1", "body-one"),
        get("/api/echo", method="HEAD"),
        b"POST /echo/p2 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n",
        get("/nope"),
        get("/echo/last"),
    ]
    with server.connect() as c:
        c.send(b"".join(reqs))
        r = c.read_response()
        assert r.status == 200 and r.body == b'{"ok":true}'
        r = c.read_response()
        assert r.json()["body"] == "body-one"
        r = c.read_response(head=True)
        assert r.status == 200
        r = c.read_response()
        assert r.json()["body"] == "two"
        r = c.read_response()
        assert_problem(r, 404)
        r = c.read_response()
        assert r.json()["path"] == "/echo/last"


def test_pipeline_stops_at_bad_request(server):
    with server.connect() as c:
        c.send(get("/echo/1") + get("/echo/2") + b"GET /echo/3 HTTP/1.1\r\nHost: a b\r\n\r\n" + get("/echo/4"))
        assert c.read_response().json()["path"] == "/echo/1"
        assert c.read_response().json()["path"] == "/echo/2"
        assert_problem(c.read_response(), 400)
        assert_closed(c)


def test_pipeline_ending_with_connection_close(server):
    with server.connect() as c:
        c.send(get("/echo/1") + get("/echo/2", extra="Connection: close\r\n") + get("/echo/3"))
        assert c.read_response().json()["path"] == "/echo/1"
        r = c.read_response()
        assert r.json()["path"] == "/echo/2"
        assert "close" in r.headers.get("connection", "").lower()
        assert_closed(c)


def test_pipelined_posts_spanning_buffers(server):
    n = 1000
    bodies = [(f"{i:04d}" * 800)[: 1000 + (i * 37) % 3000] for i in range(n)]
    reqs = []
    for i, b in enumerate(bodies):
        if i % 3 == 0:
            enc = b.encode()
            chunks = b"".join(b"%x\r\n" % len(enc[j:j + 777]) + enc[j:j + 777] + b"\r\n" for j in range(0, len(enc), 777))
            reqs.append(f"POST /echo/{i} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
                        + chunks + b"0\r\n\r\n")
        else:
            reqs.append(post(f"/echo/{i}", b))
    payload = b"".join(reqs)
    with server.connect(timeout=30) as c:
        sender = BackgroundSender(c.sock, [payload[i:i + 10007] for i in range(0, len(payload), 10007)])
        sender.start()
        for i in range(n):
            doc = json.loads(c.read_response(timeout=30).body)
            assert doc["path"] == f"/echo/{i}", f"response {i} is for {doc['path']}"
            assert doc["body"] == bodies[i], f"response {i}: body mismatch (len {len(doc['body'])} vs {len(bodies[i])})"
        sender.join(10)
        assert sender.error is None


def test_concurrent_pipelining_clients(nexus):
    import threading
    srv = nexus({"threads": 2})
    errors = []

    def client(k):
        try:
            with srv.connect(timeout=30) as c:
                payload = b"".join(get(f"/echo/{k}/{i}") for i in range(300))
                s = BackgroundSender(c.sock, [payload])
                s.start()
                for i in range(300):
                    p = json.loads(c.read_response(timeout=30).body)["path"]
                    if p != f"/echo/{k}/{i}":
                        errors.append(f"client {k} response {i}: {p}")
                        return
                s.join(10)
        except Exception as e:  # noqa: BLE001
            errors.append(f"client {k}: {e!r}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
