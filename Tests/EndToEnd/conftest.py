"""Fixtures for the nexusd end-to-end suite.

Every test that takes `nexus` (a factory) or `server` (a server on the default test config) runs once
per I/O back end: `uring` and `epoll`. The binary is $NEXUSD, else .build/release/nexusd, else
.build/debug/nexusd, relative to the repository root (Tests/EndToEnd/../..).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nexus_e2e import (  # noqa: E402
    DEFAULT_CONFIG,
    LISTEN_RE,
    NexusProcess,
    deep_merge,
    io_uring_usable,
    nexusd_path,
    to_yaml,
)

START_TIMEOUT = 10.0


@pytest.fixture(scope="session")
def nexusd_binary() -> Path:
    p = nexusd_path()
    if p is None or not p.exists():
        pytest.skip("no nexusd binary (set NEXUSD or build .build/{release,debug}/nexusd)")
    return p


@pytest.fixture(params=["uring", "epoll"])
def io_backend(request) -> str:
    if request.param == "uring":
        ok, why = io_uring_usable()
        if not ok:
            pytest.skip(f"io_uring is not usable here: {why}")
    return request.param


@pytest.fixture
def tmp_config_dir():
    with tempfile.TemporaryDirectory(prefix="nexus-e2e-") as d:
        yield Path(d)


def start_nexusd(binary: Path, config: dict, workdir: Path, extra_args: list[str] | None = None,
                 wait_listening: bool = True, name: str = "nexus.yaml") -> NexusProcess:
    path = workdir / name
    # Each nexusd gets its own state folder (two processes never share one: the second would be refused).
    config = {**config, "state": config.get("state", {"folder": f"{path.stem}-state"})}
    path.write_text(to_yaml(config))
    args = [str(binary), "--config", str(path), *(extra_args or [])]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    srv = NexusProcess(proc, path, config, args)
    if wait_listening:
        m = srv.wait_for_line(LISTEN_RE, timeout=START_TIMEOUT)
        if m is None:
            running = srv.running()
            if running:
                proc.kill()
            proc.wait(5)
            raise AssertionError(
                f"nexusd did not log a 'listening ... address=' line within {START_TIMEOUT}s "
                f"(exit={proc.returncode}, was running={running})\ncommand: {' '.join(args)}\n"
                f"config:\n{path.read_text()}\nstderr:\n{srv.stderr}")
        srv.host = m.group(1).strip("[]")
        srv.port = int(m.group(2))
    return srv


@pytest.fixture
def nexus(nexusd_binary, io_backend, tmp_config_dir):
    """Factory: nexus(config_overrides=None, args=()) starts nexusd with the test defaults merged with
    `config_overrides` and `--io <backend>`; every process is stopped with SIGTERM at teardown (SIGKILL
    after 10 s) and must exit with `srv.expected_exit` (0 unless the test changed it)."""
    started: list[NexusProcess] = []

    def factory(config_overrides: dict | None = None, args: list[str] | tuple = (), io: str | None = None,
                wait_listening: bool = True) -> NexusProcess:
        cfg = deep_merge(DEFAULT_CONFIG, config_overrides)
        extra = ["--io", io or io_backend, *args]
        srv = start_nexusd(nexusd_binary, cfg, tmp_config_dir, extra, wait_listening,
                           name=f"nexus-{len(started)}.yaml")
        srv.backend = io or io_backend
        started.append(srv)
        return srv

    factory.backend = io_backend
    yield factory

    problems = []
    for srv in started:
        was_running = srv.running()
        rc = srv.stop(timeout=10.0)
        if srv.expected_exit is not None and rc != srv.expected_exit:
            problems.append(f"nexusd pid {srv.pid} exited {rc} (expected {srv.expected_exit}; "
                            f"{'stopped by teardown' if was_running else 'had already exited'})\n"
                            f"stderr (last 4000 chars):\n{srv.stderr[-4000:]}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def server(nexus) -> NexusProcess:
    """nexusd on the default test configuration."""
    return nexus()
