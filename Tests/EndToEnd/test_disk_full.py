"""Disk full: with the state folder on a small tmpfs in a private mount namespace, a write that needs a new
segment is refused with 507 and a clear message, reads keep serving, and writing resumes when space returns."""

import json
import os
import shutil
import subprocess
import time

import pytest

from nexus_e2e import DEFAULT_CONFIG, NexusProcess, deep_merge, LISTEN_RE, to_yaml
from test_state import ctl, wait_socket


def test_disk_full_refuses_writes_keeps_reads_and_recovers(nexusd_binary, tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private tmpfs")
    state = tmp_path / "state"
    state.mkdir()
    sock = tmp_path / "admin.sock"
    cfg = deep_merge(DEFAULT_CONFIG, {"threads": 1, "admin": {"socket": str(sock)},
                                      "state": {"folder": str(state), "segment_size": "64KiB"}})
    path = tmp_path / "nexus.yaml"
    path.write_text(to_yaml(cfg))
    # A private mount namespace: the 160 KiB tmpfs exists only for nexusd (and is gone with it).
    args = ["unshare", "-m", "--propagation", "private", "sh", "-c",
            f'mount -t tmpfs -o size=160k tmpfs "{state}" && exec "{nexusd_binary}" --config "{path}"']
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    srv = NexusProcess(proc, path, cfg, args)
    try:
        assert srv.wait_for_line(LISTEN_RE, timeout=10), srv.stderr
        wait_socket(sock)
        # nexusd's view of the folder, from outside its namespace.
        inside = f"/proc/{proc.pid}/root{state}"
        filler = os.path.join(inside, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass  # ENOSPC: the tmpfs is full
        finally:
            os.close(fd)
        scopes = []
        for k in range(20):
            scopes += ["--scope", f"scope{k}:" + "x" * 50]
        refused = None
        for i in range(400):
            p = ctl(sock, "consumers", "create", f"c{i:04d}", *scopes)
            if p.returncode != 0:
                refused = p
                break
        assert refused is not None, "the log never ran out of space"
        assert "full" in refused.stderr.lower(), refused.stderr
        created = i
        # Reads keep serving.
        listed = ctl(sock, "consumers", "list")
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)["consumers"]) == created
        # Space returns: writing resumes.
        os.unlink(filler)
        p = ctl(sock, "consumers", "create", "after-space-returned")
        assert p.returncode == 0, p.stderr
        assert ctl(sock, "status").returncode == 0
    finally:
        srv.signal()
        rc = srv.wait(10)
        if rc is None:
            proc.kill()
            proc.wait(5)
    assert rc == 0, srv.stderr[-2000:]
