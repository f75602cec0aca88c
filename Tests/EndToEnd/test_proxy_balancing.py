"""Reverse proxy: weighted round robin and least connections."""

import threading

from nexus_e2e import get
from upstreams import Delay, proxy_config, upstream, upstream_block  # noqa: F401  (fixture)


def test_weighted_round_robin_1_to_3_over_40_requests(nexus, upstream):
    a, b = upstream("a"), upstream("b")
    srv = nexus(proxy_config([upstream_block("api", [(a, 1), (b, 3)], balance="round_robin")],
                             [{"path_prefix": "/api/", "upstream": "api"}]))
    with srv.connect(timeout=10) as c:
        for i in range(40):
            r = c.request(get(f"/api/{i}"))
            assert r.status == 200, r
    na, nb = len(a.requests), len(b.requests)
    assert na + nb == 40
    assert abs(na - 10) <= 3 and abs(nb - 30) <= 3, f"weights 1:3 gave {na}:{nb}"


def test_round_robin_equal_weights_alternates(nexus, upstream):
    a, b = upstream("a"), upstream("b")
    srv = nexus(proxy_config([upstream_block("api", [a, b])], [{"path_prefix": "/api/", "upstream": "api"}]))
    servers = []
    with srv.connect(timeout=10) as c:
        for i in range(20):
            servers.append(c.request(get(f"/api/{i}")).json()["server"])
    assert servers.count("a") == 10 and servers.count("b") == 10, servers


def test_least_connections_prefers_fast_backend_over_slow(nexus, upstream):
    slow = upstream("slow", default=Delay(0.6))
    fast = upstream("fast", default=Delay(0.02))
    srv = nexus(proxy_config([upstream_block("api", [slow, fast], balance="least_connections")],
                             [{"path_prefix": "/api/", "upstream": "api"}]))
    errors = []

    def worker(k):
        try:
            with srv.connect(timeout=15) as c:
                for i in range(8):
                    r = c.request(get(f"/api/w{k}/{i}"), timeout=15)
                    assert r.status == 200, r
        except BaseException as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors, errors
    ns, nf = len(slow.requests), len(fast.requests)
    assert ns + nf == 32
    assert nf >= 2 * ns, f"least_connections sent {nf} to the fast backend and {ns} to the slow one"
