"""The nexusd command line: --version, --check-config, --config errors, --io, and io_uring fallback."""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, REPO_ROOT, deep_merge, get, io_uring_usable, one_shot, to_yaml

ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")


def run(binary, *args, timeout=10):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_version(nexusd_binary):
    p = run(nexusd_binary, "--version")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "nexusd 0.1.0", repr(p.stdout)


def test_check_config_valid(nexusd_binary, tmp_path):
    f = tmp_path / "good.yaml"
    f.write_text(to_yaml(DEFAULT_CONFIG))
    p = run(nexusd_binary, "--check-config", f)
    assert p.returncode == 0, f"stdout={p.stdout!r} stderr={p.stderr!r}\n{f.read_text()}"
    assert f"{f}: configuration is valid" in p.stdout, repr(p.stdout)


BAD_CONFIG = """\
# line 1: a config with two mistakes
treads: 1
io: auto
listeners:
  - name: public
    address: 127.0.0.1:0
timeouts:
  header_read: 10x
  body_read: 30s
routes:
  - path_prefix: /echo
    handler: echo
"""


def test_check_config_reports_every_error_with_line_numbers(nexusd_binary, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_CONFIG)
    p = run(nexusd_binary, "--check-config", f)
    assert p.returncode == 1, f"exit {p.returncode}; stdout={p.stdout!r} stderr={p.stderr!r}"
    errors = []
    for line in p.stderr.splitlines():
        m = ERROR_LINE.match(line)
        if m and m.group("file") == str(f):
            errors.append(m)
    assert len(errors) == 2, f"expected 2 FILE:LINE:COLUMN errors, got:\n{p.stderr}"
    by_line = {int(m.group("line")): m for m in errors}
    assert set(by_line) == {2, 8}, f"error lines {sorted(by_line)}; stderr:\n{p.stderr}"
    assert "treads" in by_line[2].group("rest"), by_line[2].group(0)
    assert "header_read" in by_line[8].group("rest"), by_line[8].group(0)
    assert int(by_line[2].group("col")) == 1
    assert "configuration is valid" not in p.stdout


def test_check_config_unknown_nested_key(nexusd_binary, tmp_path):
    cfg = deep_merge(DEFAULT_CONFIG, {"limits": {"max_conections": 5}})
    f = tmp_path / "nested.yaml"
    f.write_text(to_yaml(cfg))
    p = run(nexusd_binary, "--check-config", f)
    assert p.returncode == 1
    assert re.search(rf"^{re.escape(str(f))}:\d+:\d+: .*max_conections", p.stderr, re.M), p.stderr


def test_config_with_errors_does_not_start(nexusd_binary, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD_CONFIG)
    p = run(nexusd_binary, "--config", f)
    assert p.returncode == 1
    assert re.search(rf"^{re.escape(str(f))}:2:\d+: ", p.stderr, re.M), p.stderr


def test_missing_config_file(nexusd_binary, tmp_path):
    missing = tmp_path / "does-not-exist.yaml"
    p = run(nexusd_binary, "--config", missing)
    assert p.returncode == 1, f"exit {p.returncode}: {p.stderr!r}"
    assert str(missing) in p.stderr, p.stderr


def test_check_config_missing_file(nexusd_binary, tmp_path):
    missing = tmp_path / "nope.yaml"
    p = run(nexusd_binary, "--check-config", missing)
    assert p.returncode == 1
    assert str(missing) in p.stderr


def test_no_arguments_is_a_usage_error(nexusd_binary):
    p = run(nexusd_binary)
    assert p.returncode != 0
    assert p.stderr.strip()


def test_example_config_is_valid(nexusd_binary):
    example = REPO_ROOT / "examples" / "nexus.yaml"
    if not example.exists():
        pytest.skip("examples/nexus.yaml is not there")
    p = run(nexusd_binary, "--check-config", example)
    assert p.returncode == 0, p.stderr
    assert "configuration is valid" in p.stdout


def _started_line(srv):
    m = srv.wait_for_line(r"\bstarted\b.*\bio=(\S+)", timeout=10)
    assert m, f"no 'started ... io=' line:\n{srv.stderr}"
    return m.group(1)


def _run_with_io(binary, tmp_path, io):
    srv = start_nexusd(binary, DEFAULT_CONFIG, tmp_path, ["--io", io])
    try:
        backend = _started_line(srv)
        assert one_shot(srv, get("/api/echo")).status == 200
    finally:
        rc = srv.stop()
    assert rc == 0, srv.stderr
    return backend


def test_io_epoll_flag(nexusd_binary, tmp_path):
    assert _run_with_io(nexusd_binary, tmp_path, "epoll") == "epoll"


def test_io_uring_flag(nexusd_binary, tmp_path):
    ok, why = io_uring_usable()
    if not ok:
        pytest.skip(why)
    assert _run_with_io(nexusd_binary, tmp_path, "uring") == "io_uring"


def test_threads_flag_serves(nexus):
    srv = nexus(args=["--threads", "2"])
    for i in range(20):
        assert one_shot(srv, get(f"/echo/{i}")).json()["path"] == f"/echo/{i}"


def test_log_lines_have_the_documented_shape(server):
    first = server.stderr.splitlines()[0]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (trace|debug|info|notice|warning|error|critical) ",
                    first), first


def test_sighup_reload_keeps_serving(nexus):
    srv = nexus()
    cfg = deep_merge(srv.config, {"routes": srv.config["routes"] + [
        {"path": "/new", "handler": "static", "body": "new route"}]})
    srv.config_path.write_text(to_yaml(cfg))
    srv.signal(signal.SIGHUP)
    assert srv.wait_for_line(r"configuration reloaded", timeout=5), srv.stderr
    r = one_shot(srv, get("/new"))
    assert r.status == 200 and r.body == b"new route"
    assert one_shot(srv, get("/api/echo")).status == 200


IO_URING_DISABLED = "/proc/sys/kernel/io_uring_disabled"


def test_io_uring_disabled_falls_back_to_epoll(nexusd_binary, tmp_path):
    if os.geteuid() != 0 or not os.path.exists(IO_URING_DISABLED) or not os.access(IO_URING_DISABLED, os.W_OK):
        pytest.skip("needs root and a writable kernel.io_uring_disabled")
    with open(IO_URING_DISABLED) as fh:
        original = fh.read().strip()
    try:
        try:
            with open(IO_URING_DISABLED, "w") as fh:
                fh.write("2")
        except OSError as e:
            pytest.skip(f"cannot write {IO_URING_DISABLED}: {e}")
        srv = start_nexusd(nexusd_binary, DEFAULT_CONFIG, tmp_path, ["--io", "auto"])
        try:
            assert _started_line(srv) == "epoll"
            warn = [l for l in srv.stderr.splitlines() if " warning " in l and "io_uring" in l and "epoll" in l]
            assert warn, f"no warning line naming io_uring and epoll:\n{srv.stderr}"
            assert one_shot(srv, get("/api/echo")).status == 200
        finally:
            rc = srv.stop()
        assert rc == 0, srv.stderr

        cfg_file = tmp_path / "uring.yaml"
        cfg_file.write_text(to_yaml({**DEFAULT_CONFIG, "state": {"folder": str(tmp_path / "state")}}))
        t0 = time.monotonic()
        p = run(nexusd_binary, "--config", cfg_file, "--io", "uring")
        assert p.returncode == 1, f"exit {p.returncode}\n{p.stderr}"
        assert time.monotonic() - t0 < 5
        assert "io_uring" in p.stderr or "uring" in p.stderr, p.stderr
        assert re.search(r"(?i)error|unavailable|disabled|not (supported|available)", p.stderr), p.stderr
    finally:
        with open(IO_URING_DISABLED, "w") as fh:
            fh.write(original)
        with open(IO_URING_DISABLED) as fh:
            assert fh.read().strip() == original


def test_sighup_with_broken_config_keeps_running(nexus):
    srv = nexus()
    good = srv.config_path.read_text()
    srv.config_path.write_text(good + "treads: 3\n")
    srv.signal(signal.SIGHUP)
    assert srv.wait_for_line(r"reload refused", timeout=5), srv.stderr
    assert srv.running()
    assert one_shot(srv, get("/api/echo")).status == 200
