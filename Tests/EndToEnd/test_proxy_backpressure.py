"""A client that keeps pipelining while a proxied request waits on a slow backend is not read without bound:
the gateway's memory stays flat, and every pipelined request is answered, in order, once the backend answers."""

import threading
import time

from nexus_e2e import HTTPConn, get
from upstreams import Delay, Fixed, proxy_config, upstream, upstream_block  # noqa: F401


def test_pipelined_flood_behind_a_slow_exchange_is_bounded(nexus, upstream):
    u = upstream("slow")
    u.on("/slow", Delay(2.0, Fixed(200, "slow")))
    srv = nexus(proxy_config([upstream_block("slow", [u])],
                             [{"path_prefix": "/slow", "upstream": "slow"},
                              {"path": "/fast", "handler": "static", "body": "fast"}]))
    rss0 = srv.rss_kib()
    n = 120_000
    flood = get("/slow") + get("/fast") * n  # ~4.5 MB of requests behind the slow one
    c = HTTPConn(srv.host, srv.port, timeout=15)
    sender = threading.Thread(target=lambda: c.sock.sendall(flood))
    sender.start()
    time.sleep(1.0)  # the backend is still holding the first request
    grown = srv.rss_kib() - rss0
    assert grown < 3 * 1024, f"nexusd buffered the flood: RSS grew {grown} KiB while the exchange waited"
    r = c.read_response(timeout=10)
    assert r.status == 200 and r.body == b"slow", r
    for i in range(n):
        r = c.read_response(timeout=10)
        assert r.status == 200 and r.body == b"fast", (i, r)
    sender.join(10)
    c.close()
