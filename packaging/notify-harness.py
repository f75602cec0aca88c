#!/usr/bin/env python3
"""Plays systemd's side of sd_notify for a test: binds a datagram socket, starts a command with NOTIFY_SOCKET
(and WATCHDOG_USEC) set, and writes every message it receives to a log, one line each:

    <milliseconds since the command was started, 3 decimals> <pid of the sender> <message, newlines shown as '|'>

It exits with the command's exit status (128 + signal when killed). Usage:

    notify-harness.py --log FILE [--socket @name|/path] [--watchdog-usec N] [--pid-file FILE]
                      [--clean-env] [--setenv NAME=VALUE]... -- COMMAND...

--clean-env starts the command with only PATH, the --setenv variables and the notify ones, as systemd does.
"""
import argparse
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--log", required=True, help="where the messages go")
    p.add_argument("--socket", default=f"@nexus-notify-test-{os.getpid()}",
                   help="an absolute path, or @name for the abstract namespace (the default)")
    p.add_argument("--watchdog-usec", type=int, default=0, help="sets WATCHDOG_USEC (0: no watchdog)")
    p.add_argument("--pid-file", help="the command's pid is written here")
    p.add_argument("--clean-env", action="store_true", help="only PATH, --setenv and the notify variables")
    p.add_argument("--setenv", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        p.error("give the command after --")
    if not (a.socket.startswith("/") or a.socket.startswith("@")):
        p.error("--socket must be an absolute path or @name")

    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\0" + a.socket[1:] if a.socket.startswith("@") else a.socket
    if not a.socket.startswith("@") and os.path.exists(a.socket):
        os.unlink(a.socket)
    s.bind(addr)
    if not a.socket.startswith("@"):
        os.chmod(a.socket, 0o666)  # the command may run as another user
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    if a.clean_env:
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    else:
        env = dict(os.environ)
    for item in a.setenv:
        name, eq, value = item.partition("=")
        if not eq or not name:
            p.error(f"--setenv wants NAME=VALUE, not '{item}'")
        env[name] = value
    env["NOTIFY_SOCKET"] = a.socket
    if a.watchdog_usec > 0:
        env["WATCHDOG_USEC"] = str(a.watchdog_usec)
    log = open(a.log, "a", buffering=1)
    started = time.monotonic_ns()
    child = subprocess.Popen(cmd, env=env)
    if a.pid_file:
        with open(a.pid_file, "w") as f:
            f.write(f"{child.pid}\n")
    for sig in (signal.SIGTERM, signal.SIGINT):  # pass a stop on to the command
        signal.signal(sig, lambda n, _f: child.send_signal(n))

    def drain() -> None:
        while True:
            try:
                data, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(12), socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            at = (time.monotonic_ns() - started) / 1e6
            pid = 0
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:12])[0]
            text = data.decode("utf-8", "replace").replace("\n", "|")
            log.write(f"{at:.3f} {pid} {text}\n")

    while child.poll() is None:
        try:
            r, _, _ = select.select([s], [], [], 0.05)
        except InterruptedError:
            continue
        if r:
            drain()
    drain()
    s.close()
    if not a.socket.startswith("@"):
        os.unlink(a.socket)
    rc = child.returncode
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
