"""`nexusctl run`: a workflow run through nexusd's own public path as a consumer (--as) or a key (--key), with
the input from --input, -p pairs or stdin; problems on stderr with exit 1; the same usage counters as REST."""

import json
import subprocess
import time

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge
from test_state import ctl, nexusctl_path, wait_socket
from workflow_fixtures import KEY_READER, auth_config


def run(sock, *args, stdin=None):
    return subprocess.run([str(nexusctl_path()), "--socket", str(sock), *args], capture_output=True, text=True,
                          input=stdin, timeout=20)


def test_run(nexusd_binary, tmp_path):
    cfg = deep_merge(DEFAULT_CONFIG, {**auth_config(tmp_path), "admin": {"socket": str(tmp_path / "admin.sock")},
                                      "state": {"folder": str(tmp_path / "state"), "usage_flush": "200ms"}})
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, name="nexus.yaml")
    sock = tmp_path / "admin.sock"
    try:
        wait_socket(sock)
        p = run(sock, "--output", "json", "run", "add", "-p", "a=2", "-p", "b=3", "--as", "reader")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == {"sum": 5}
        p = run(sock, "run", "add", "--input", '{"a": 1.5, "b": 1}', "--key", KEY_READER)
        assert p.returncode == 0 and p.stdout.split() == ["sum", "2.5"], p.stdout
        p = run(sock, "--output", "json", "run", "echo", stdin='{"message": "from stdin"}')
        assert p.returncode == 0 and json.loads(p.stdout) == {"message": "from stdin"}, p.stderr
        p = run(sock, "run", "echo", "-p", "message=hi there")
        assert p.returncode == 0 and "hi there" in p.stdout
        # Refusals: exit 1, the problem on stderr.
        p = run(sock, "run", "add", "-p", "a=x", "--as", "reader")
        assert p.returncode == 1
        assert "400 Bad Request" in p.stderr and "/a: must be number" in p.stderr and "(root): required property" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "-p", "b=1", "--as", "nobody")
        assert p.returncode == 1 and "403" in p.stderr and "math:run" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "-p", "b=1")
        assert p.returncode == 1 and "401" in p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "--as", "ghost")
        assert p.returncode == 1 and "no consumer" in p.stderr, p.stderr
        p = run(sock, "run", "nope", "-p", "a=1")
        assert p.returncode == 1 and "404" in p.stderr, p.stderr
        p = run(sock, "run", "add", "-p", "a=1", "--as", "reader", "--key", "k")
        assert p.returncode == 64
        # The same usage counters as any channel.
        deadline = time.time() + 10
        rows = {}
        while time.time() < deadline:
            rows = {r["route"]: r for r in json.loads(ctl(sock, "usage", "--by", "total", "--consumer", "reader").stdout)["rows"]}
            if rows.get("workflow:add", {}).get("requests", 0) >= 3:
                break
            time.sleep(0.2)
        assert rows["workflow:add"]["requests"] == 3, rows
    finally:
        assert srv.stop() == 0
