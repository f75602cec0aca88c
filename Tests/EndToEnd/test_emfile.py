"""Out of file descriptors: accepts pause instead of spinning, existing connections go on, and accepting
resumes once descriptors are free again. nexusd is started under `prlimit --nofile=N:N` (io_uring reads the
limit when an accept is queued, so it must be low from the start)."""

import os
import shutil
import socket
import stat
import time

import pytest

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge, get

NOFILE = 32


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_emfile_pauses_accepts_without_spinning(nexusd_binary, io_backend, tmp_config_dir):
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        pytest.skip("prlimit (util-linux) is not installed")
    wrapper = tmp_config_dir / "nexusd-low-nofile"
    wrapper.write_text(f'#!/bin/sh\nexec {prlimit} --nofile={NOFILE}:{NOFILE} {nexusd_binary} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    cfg = deep_merge(DEFAULT_CONFIG, {"threads": 1, "limits": {"max_connections": 1000}})
    srv = start_nexusd(wrapper, cfg, tmp_config_dir, ["--io", io_backend])
    try:
        keep = srv.connect(timeout=5)
        assert keep.request(get("/echo/before")).status == 200

        clients = []
        try:
            for _ in range(NOFILE + 20):
                clients.append(socket.create_connection((srv.host, srv.port), timeout=2))
            time.sleep(0.5)
            cpu0 = _cpu_seconds(srv.pid)
            time.sleep(2.0)
            cpu = _cpu_seconds(srv.pid) - cpu0
            assert cpu < 0.5, f"nexusd used {cpu:.2f} s of CPU in 2 s while out of descriptors: accept spins"
            assert keep.request(get("/echo/during")).status == 200
            assert srv.wait_for_line("accept failed, pausing accepts", timeout=3), srv.stderr[-2000:]
        finally:
            for s in clients:
                s.close()

        # Descriptors are free again: a new connection is served.
        deadline = time.time() + 5
        while True:
            try:
                c = srv.connect(timeout=2)
                r = c.request(get("/echo/after"), timeout=2)
                c.close()
                assert r.status == 200
                break
            except (OSError, AssertionError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        keep.close()
    finally:
        assert srv.stop(timeout=10.0) == 0, srv.stderr[-2000:]
