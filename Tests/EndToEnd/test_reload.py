"""Hot reload under load: 100 reloads (SIGHUP and `nexusctl config reload`) while clients keep requesting:
no request fails, no connection is dropped (each client keeps its one keep-alive connection), the new
configuration takes effect, and an invalid file is refused while the old configuration keeps serving."""

import json
import signal
import subprocess
import threading
import time

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, HTTPConn, deep_merge, get, to_yaml
from test_state import ctl, wait_socket


def config(tmp, body: str) -> dict:
    return deep_merge(DEFAULT_CONFIG, {
        "threads": 2,
        "admin": {"socket": str(tmp / "admin.sock")},
        "state": {"folder": str(tmp / "state")},
        "routes": [{"path": "/v", "methods": ["GET"], "handler": "static", "body": body}],
    })


def test_100_reloads_under_load_drop_nothing(nexusd_binary, io_backend, tmp_path):
    srv = start_nexusd(nexusd_binary, config(tmp_path, "v0"), tmp_path, ["--io", io_backend], name="nexus.yaml")
    sock = tmp_path / "admin.sock"
    wait_socket(sock)
    stop = threading.Event()
    failures, counts, connections = [], [0] * 8, [0] * 8

    def client(i):
        conn = HTTPConn(srv.host, srv.port, timeout=5)
        connections[i] += 1
        try:
            while not stop.is_set():
                r = conn.request(get("/v"))
                if r.status != 200 or not r.body.startswith(b"v"):
                    failures.append((i, r.status, r.body[:50]))
                counts[i] += 1
        except Exception as e:  # noqa: BLE001 - any exception is a failed request
            failures.append((i, repr(e)))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    try:
        for n in range(1, 101):
            (tmp_path / "nexus.yaml").write_text(to_yaml(config(tmp_path, f"v{n}")))
            if n % 2:
                srv.proc.send_signal(signal.SIGHUP)
            else:
                p = ctl(sock, "config", "reload")
                assert p.returncode == 0, p.stderr
                assert json.loads(p.stdout)["ok"] is True
            time.sleep(0.02)
        time.sleep(0.3)
        # The last configuration is the one answering.
        with HTTPConn(srv.host, srv.port) as c:
            assert c.request(get("/v")).body == b"v100"
        # An invalid file is refused; the running configuration stays.
        (tmp_path / "nexus.yaml").write_text("listeners: [\n")
        p = ctl(sock, "config", "reload")
        assert p.returncode == 1, p.stdout + p.stderr
        with HTTPConn(srv.host, srv.port) as c:
            assert c.request(get("/v")).body == b"v100"
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not failures, failures[:5]
    assert all(c > 0 for c in counts), counts
    assert connections == [1] * 8, "a client had to reconnect"
    assert sum(counts) > 100
    assert srv.stop() == 0
