"""Durable state: consumers survive kill -9 (every acknowledged create is there after a restart), a damaged log
is refused with its file and offset, and two nexusd never share a state folder."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge

ROOT = Path(__file__).resolve().parents[2]


def nexusctl_path() -> Path:
    env = os.environ.get("NEXUSCTL")
    if env:
        return Path(env)
    for build in ("release", "debug"):
        p = ROOT / ".build" / build / "nexusctl"
        if p.exists():
            return p
    pytest.skip("no nexusctl binary (set NEXUSCTL or build it)")


def ctl(sock: Path, *args: str, timeout: float = 10.0) -> subprocess.CompletedProcess:
    return subprocess.run([str(nexusctl_path()), "--socket", str(sock), "--output", "json", *args],
                          capture_output=True, text=True, timeout=timeout)


def config(tmp: Path) -> dict:
    return deep_merge(DEFAULT_CONFIG, {"threads": 1, "admin": {"socket": str(tmp / "admin.sock")},
                                       "state": {"folder": str(tmp / "state")}})


def wait_socket(sock: Path, timeout: float = 10.0):
    deadline = time.time() + timeout
    while not sock.exists():
        assert time.time() < deadline, f"no admin socket at {sock}"
        time.sleep(0.02)


def test_acknowledged_consumers_survive_kill_9(nexusd_binary, tmp_path):
    cfg = config(tmp_path)
    sock = tmp_path / "admin.sock"
    acknowledged = {}
    for round_ in range(50):
        srv = start_nexusd(nexusd_binary, cfg, tmp_path, ["--io", "epoll" if round_ % 2 else "auto"], name="nexus.yaml")
        try:
            wait_socket(sock)
            listed = ctl(sock, "consumers", "list")
            assert listed.returncode == 0, listed.stderr
            ids = {c["id"] for c in json.loads(listed.stdout)["consumers"]}
            missing = set(acknowledged) - ids
            assert not missing, f"round {round_}: acknowledged consumers lost after kill -9: {missing}"
            p = ctl(sock, "consumers", "create", f"consumer-{round_}", "--scope", "orders:read")
            assert p.returncode == 0, p.stderr
            created = json.loads(p.stdout)
            acknowledged[created["id"]] = created["name"]
        finally:
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(10)
            if sock.exists():
                sock.unlink()  # a killed nexusd leaves its socket; a new one replaces a stale socket anyway
    assert len(acknowledged) == 50


def test_damaged_record_in_the_middle_is_refused_with_file_and_offset(nexusd_binary, tmp_path):
    cfg = config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start_nexusd(nexusd_binary, cfg, tmp_path, [], name="nexus.yaml")
    wait_socket(sock)
    for i in range(3):
        assert ctl(sock, "consumers", "create", f"c{i}").returncode == 0
    assert srv.stop() == 0
    segment = sorted((tmp_path / "state").glob("segment-*.nxlog"))[0]
    data = bytearray(segment.read_bytes())
    data[64 + 30] ^= 0xFF  # inside the first record's payload
    segment.write_bytes(bytes(data))
    p = subprocess.run([str(nexusd_binary), "--config", str(tmp_path / "nexus.yaml")], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 1, p.stderr
    assert "Error: cannot open the state folder" in p.stderr, p.stderr
    assert segment.name in p.stderr and "offset" in p.stderr, p.stderr


def test_two_nexusd_never_share_a_state_folder(nexusd_binary, tmp_path):
    cfg = config(tmp_path)
    first = start_nexusd(nexusd_binary, cfg, tmp_path, [], name="nexus.yaml")
    try:
        cfg2 = deep_merge(cfg, {"admin": {"socket": str(tmp_path / "admin2.sock")}})
        (tmp_path / "second.yaml").write_text(__import__("nexus_e2e").to_yaml(cfg2))
        p = subprocess.run([str(nexusd_binary), "--config", str(tmp_path / "second.yaml")], capture_output=True,
                           text=True, timeout=20)
        assert p.returncode == 1, p.stderr
        assert "another nexusd" in p.stderr, p.stderr
    finally:
        assert first.stop() == 0
