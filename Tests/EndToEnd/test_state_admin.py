"""Durable state through the admin API and nexusctl: API keys (hashed at rest), runtime routes layered over the
file, usage counters, the audit log, compaction, backup during writes and restore, offline verify and repair."""

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from conftest import start_nexusd
from nexus_e2e import DEFAULT_CONFIG, deep_merge, get, one_shot, to_yaml
from test_state import ctl, nexusctl_path, wait_socket


def state_config(tmp: Path, **state) -> dict:
    return deep_merge(DEFAULT_CONFIG, {
        "threads": 1,
        "admin": {"socket": str(tmp / "admin.sock")},
        "state": {"folder": str(tmp / "state"), "usage_flush": "200ms", **state},
        "routes": [
            {"name": "home", "path": "/", "handler": "static", "body": "home\n"},
            {"name": "echo", "path_prefix": "/echo/", "handler": "echo"},
        ],
    })


def start(binary, cfg, tmp: Path, io: str = "auto"):
    srv = start_nexusd(binary, cfg, tmp, ["--io", io], name="nexus.yaml")
    wait_socket(tmp / "admin.sock")
    return srv


def kill9(srv, tmp: Path):
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    sock = tmp / "admin.sock"
    if sock.exists():
        sock.unlink()


def ok(p: subprocess.CompletedProcess) -> dict | list:
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout) if p.stdout.strip() else {}


def status_of(srv, path: str) -> int:
    return one_shot(srv, get(path)).status


def test_api_keys_are_hashed_at_rest_and_revoke_and_rotate(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    consumer = ok(ctl(sock, "consumers", "create", "billing", "--scope", "orders:read"))["id"]
    created = ok(ctl(sock, "keys", "create", "--consumer", consumer, "--name", "ci", "--expires-in", "30d"))
    secret, key = created["secret"], created["key"]
    assert secret.startswith(f"nx_{key['id']}_") and len(secret) == len(f"nx_{key['id']}_") + 43
    assert key["status"] == "active" and key["expires_at"] - key["created_at"] == 30 * 86400
    assert secret.startswith(key["prefix"]) and len(key["prefix"]) < len(secret)
    # Neither list nor show ever carries the secret or its hash.
    for out in (ctl(sock, "keys", "list").stdout, ctl(sock, "keys", "show", key["id"]).stdout):
        assert secret not in out and "hash" not in out
    # At rest: only the hash; the secret appears in no file of the state folder.
    for f in (tmp_path / "state").rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f"the secret is stored in {f}"

    rotated = ok(ctl(sock, "keys", "rotate", key["id"], "--grace", "1h"))
    assert rotated["previous"]["id"] == key["id"] and rotated["previous"]["status"] == "active"
    assert rotated["previous"]["revoked_at"] - rotated["key"]["created_at"] in (3600, 3599, 3601)
    assert rotated["key"]["consumer"] == consumer and rotated["secret"] != secret
    revoked = ok(ctl(sock, "keys", "revoke", key["id"]))
    assert revoked["status"] == "revoked"
    again = ctl(sock, "keys", "rotate", key["id"])
    assert again.returncode == 1 and "only an active key can be rotated" in again.stderr
    missing = ctl(sock, "keys", "create", "--consumer", "c_0000000000000000")
    assert missing.returncode == 1 and "no consumer has the id" in missing.stderr

    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    keys = {k["id"]: k for k in ok(ctl(sock, "keys", "list", "--consumer", consumer))["keys"]}
    assert keys[key["id"]]["status"] == "revoked" and keys[rotated["key"]["id"]]["status"] == "active"
    # Deleting the consumer takes its keys.
    assert ctl(sock, "consumers", "delete", consumer).returncode == 0
    assert ok(ctl(sock, "keys", "list"))["keys"] == []
    assert srv.stop() == 0


def test_runtime_routes_layer_over_the_file_and_survive_reload_and_kill_9(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    assert ok(ctl(sock, "routes", "add", "hello", "--path", "/hello", "--static", "201", "--body", "hi"))["source"] == "runtime"
    assert status_of(srv, "/hello") == 201
    dup = ctl(sock, "routes", "add", "hello", "--path", "/hello", "--echo")
    assert dup.returncode == 1 and "exists" in dup.stderr
    clash = ctl(sock, "routes", "add", "other", "--path-prefix", "/echo/", "--echo")
    assert clash.returncode == 1 and "duplicates the route" in clash.stderr
    bad = ctl(sock, "routes", "add", "bad", "--spec", '{"path": "/b", "upstream": "nope"}')
    assert bad.returncode == 1 and "unknown upstream 'nope'" in bad.stderr
    # An override of a file route, and a tombstone over another.
    over = ok(ctl(sock, "routes", "add", "echo", "--spec", '{"path_prefix": "/echo/", "handler": "static", "status": 202}', "--replace"))
    assert over["source"] == "override"
    assert status_of(srv, "/echo/x") == 202
    assert ok(ctl(sock, "routes", "remove", "home"))["source"] == "removed"
    assert status_of(srv, "/") == 404

    # A reload re-reads the file; the runtime layer still wins by name.
    srv.proc.send_signal(signal.SIGHUP)
    assert ok(ctl(sock, "config", "reload"))["ok"] is True
    assert status_of(srv, "/") == 404 and status_of(srv, "/echo/x") == 202 and status_of(srv, "/hello") == 201

    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    routes = {r["name"]: r for r in ok(ctl(sock, "routes", "list"))["routes"]}
    assert routes["home"]["source"] == "removed" and not routes["home"]["active"]
    assert routes["echo"]["source"] == "override" and routes["hello"]["source"] == "runtime"
    assert status_of(srv, "/hello") == 201 and status_of(srv, "/") == 404

    # reset brings the file's definition back.
    assert ok(ctl(sock, "routes", "reset", "home"))["source"] == "config"
    assert ok(ctl(sock, "routes", "reset", "echo"))["source"] == "config"
    assert status_of(srv, "/") == 200 and status_of(srv, "/echo/x") == 200

    # A file change that clashes with a runtime route is refused; the running configuration stays.
    clashing = deep_merge(cfg, {})
    clashing["routes"] = cfg["routes"] + [{"name": "file-hello", "path": "/hello", "handler": "echo"}]
    clashing["state"] = cfg["state"]
    (tmp_path / "nexus.yaml").write_text(to_yaml(clashing))
    refused = ctl(sock, "config", "reload")
    assert refused.returncode == 1 and "runtime route 'hello'" in refused.stdout + refused.stderr
    assert status_of(srv, "/hello") == 201
    assert srv.stop() == 0


def test_usage_counts_are_flushed_as_deltas_and_survive_kill_9(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    with srv.connect() as c:
        for _ in range(25):
            assert c.request(get("/")).status == 200
        for _ in range(5):
            assert c.request(get("/echo/a")).status == 200
    deadline = time.time() + 10
    while True:
        rows = {r["route"]: r for r in ok(ctl(sock, "usage", "--by", "total"))["rows"]}
        if rows.get("home", {}).get("requests") == 25 and rows.get("echo", {}).get("requests") == 5:
            break
        assert time.time() < deadline, f"usage not flushed: {rows}"
        time.sleep(0.1)
    assert rows["home"]["client_errors"] == 0 and rows["home"].get("consumer") is None
    hourly = ok(ctl(sock, "usage", "--by", "hour", "--route", "home"))
    assert [r["requests"] for r in hourly["rows"]] == [25] and hourly["rows"][0]["period_start"] % 3600 == 0
    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    rows = {r["route"]: r["requests"] for r in ok(ctl(sock, "usage", "--by", "total"))["rows"]}
    assert rows == {"home": 25, "echo": 5}
    assert srv.stop() == 0


def test_audit_log_records_admin_actions_with_the_callers_uid(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    consumer = ok(ctl(sock, "consumers", "create", "audited"))["id"]
    ok(ctl(sock, "keys", "create", "--consumer", consumer))
    ctl(sock, "consumers", "create", "audited")  # refused: duplicate name
    ok(ctl(sock, "config", "reload"))
    entries = ok(ctl(sock, "audit"))["entries"]
    actions = [(e["action"], e["outcome"]) for e in entries]
    assert actions == [("consumers.create", "ok"), ("keys.create", "ok"), ("consumers.create", "refused"),
                       ("config.reload", "ok")], actions
    assert all(e["uid"] == os.getuid() and e["pid"] > 0 for e in entries)
    assert [e["action"] for e in ok(ctl(sock, "audit", "--action", "keys."))["entries"]] == ["keys.create"]
    assert len(ok(ctl(sock, "audit", "--consumer", consumer))["entries"]) == 2
    assert ok(ctl(sock, "audit", "--since", str(int(time.time()) + 3600)))["entries"] == []
    assert len(ok(ctl(sock, "audit", "-n", "1"))["entries"]) == 1
    assert ctl(sock, "audit", "--since", "yesterday").returncode == 64
    # The audit log is its own log in the state folder, and survives a restart.
    assert (tmp_path / "state" / "audit").is_dir()
    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    assert len(ok(ctl(sock, "audit"))["entries"]) == 4
    assert srv.stop() == 0


def test_compaction_bounds_the_log_and_keeps_the_state(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path, segment_size="64KiB", compact_after="64KiB")
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    body = "x" * 20000
    for i in range(12):
        ok(ctl(sock, "routes", "add", "big", "--path", "/big", "--static", "200", "--body", f"{i}{body}",
               *(["--replace"] if i else [])))
    deadline = time.time() + 10
    while not list((tmp_path / "state").glob("snapshot-*.nxsnap")):
        assert time.time() < deadline, "no snapshot written"
        time.sleep(0.1)
    time.sleep(0.3)
    segments = list((tmp_path / "state").glob("segment-*.nxlog"))
    assert len(segments) <= 3, [s.name for s in segments]  # 12 x 20 KB went through ~4 segments
    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    r = one_shot(srv, get("/big"))
    assert r.status == 200 and r.body.startswith(b"11x")
    assert ok(ctl(sock, "state", "verify"))["ok"] is True
    assert srv.stop() == 0
    assert subprocess.run([str(nexusctl_path()), "state", "verify", "--folder", str(tmp_path / "state")],
                          capture_output=True, text=True).returncode == 0


def test_backup_during_writes_restores_every_write_acknowledged_before_it(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            p = ctl(sock, "consumers", "create", f"w{i}")
            if p.returncode == 0:
                acknowledged.append((time.monotonic(), json.loads(p.stdout)["id"]))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.5)
    began = time.monotonic()
    backup = tmp_path / "backup.nxsnap"
    b = ctl(sock, "backup", str(backup))
    time.sleep(0.3)
    stop.set()
    t.join()
    assert b.returncode == 0, b.stderr
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    before = {cid for at, cid in acknowledged if at < began}
    after_all = {cid for _, cid in acknowledged}
    assert len(before) >= 3 and len(after_all) > len(before)

    # Restore onto the running nexusd: exactly the backup's state comes back.
    r = ok(ctl(sock, "restore", str(backup), "--yes"))
    restored = {c["id"] for c in ok(ctl(sock, "consumers", "list"))["consumers"]}
    assert before <= restored, f"acknowledged before the backup but missing: {before - restored}"
    assert restored <= after_all and r["consumers"] == len(restored)
    assert ok(ctl(sock, "state", "verify"))["ok"] is True
    # A file that is not a backup changes nothing.
    junk = tmp_path / "junk"
    junk.write_bytes(b"NXSNAP" + os.urandom(200))
    bad = ctl(sock, "restore", str(junk), "--yes")
    assert bad.returncode == 1 and "not a valid backup" in bad.stderr
    assert {c["id"] for c in ok(ctl(sock, "consumers", "list"))["consumers"]} == restored
    # The restore is durable.
    kill9(srv, tmp_path)
    srv = start(nexusd_binary, cfg, tmp_path)
    assert {c["id"] for c in ok(ctl(sock, "consumers", "list"))["consumers"]} == restored
    assert srv.stop() == 0


def test_offline_verify_and_repair_of_a_damaged_folder(nexusd_binary, tmp_path):
    cfg = state_config(tmp_path)
    sock = tmp_path / "admin.sock"
    srv = start(nexusd_binary, cfg, tmp_path)
    names = [ok(ctl(sock, "consumers", "create", f"c{i}"))["name"] for i in range(6)]
    held = subprocess.run([str(nexusctl_path()), "state", "repair", "--folder", str(tmp_path / "state"), "--yes"],
                          capture_output=True, text=True)
    assert held.returncode == 1 and "a running nexusd holds it" in held.stderr
    assert srv.stop() == 0
    segment = sorted((tmp_path / "state").glob("segment-*.nxlog"))[0]
    data = bytearray(segment.read_bytes())
    # Damage the fourth record's payload: records are 8-byte aligned after a 64-byte header.
    offsets, off = [], 64
    while int.from_bytes(data[off:off + 4], "little") and len(offsets) < 6:
        offsets.append(off)
        off += (20 + int.from_bytes(data[off:off + 4], "little") + 7) & ~7
    data[offsets[3] + 24] ^= 0xFF
    segment.write_bytes(bytes(data))
    refused = subprocess.run([str(nexusd_binary), "--config", str(tmp_path / "nexus.yaml")], capture_output=True,
                             text=True, timeout=20)
    assert refused.returncode == 1 and segment.name in refused.stderr
    folder = str(tmp_path / "state")
    verify = subprocess.run([str(nexusctl_path()), "state", "verify", "--folder", folder], capture_output=True, text=True)
    assert verify.returncode == 1 and "damaged" in verify.stdout and "state repair" in verify.stderr
    no = subprocess.run([str(nexusctl_path()), "state", "repair", "--folder", folder], capture_output=True, text=True)
    assert no.returncode == 1 and "--yes" in no.stderr
    fixed = subprocess.run([str(nexusctl_path()), "state", "repair", "--folder", folder, "--yes"], capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert "kept every record up to sequence 3" in fixed.stdout, fixed.stdout
    srv = start(nexusd_binary, cfg, tmp_path)
    assert sorted(c["name"] for c in ok(ctl(sock, "consumers", "list"))["consumers"]) == names[:3]
    assert srv.stop() == 0
