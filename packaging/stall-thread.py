#!/usr/bin/env python3
"""Stops one thread of a process for a while, leaving the others running: ptrace(PTRACE_SEIZE) and
PTRACE_INTERRUPT on that thread alone (SIGSTOP would stop the whole process), then PTRACE_DETACH. For testing
nexusd's watchdog: with one event loop stalled, the WATCHDOG=1 pings must stop, and resume after.

    stall-thread.py PID THREAD_NAME SECONDS        (THREAD_NAME: /proc/PID/task/*/comm, e.g. nexus-loop-0)
"""
import ctypes
import os
import sys
import time

PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
WALL = 0x40000000


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 64
    pid, name, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    tids = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == name:
                tids.append(int(tid))
    if len(tids) != 1:
        print(f"Error: {len(tids)} threads of {pid} are named '{name}', not one.", file=sys.stderr)
        return 1
    tid = tids[0]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0 or libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
        print(f"Error: cannot stop thread {tid}: {os.strerror(ctypes.get_errno())}.", file=sys.stderr)
        return 1
    os.waitpid(tid, WALL)  # the interrupt stop
    print(f"thread {tid} ({name}) stopped for {seconds} s", flush=True)
    time.sleep(seconds)
    if libc.ptrace(PTRACE_DETACH, tid, None, None) != 0:
        print(f"Error: cannot resume thread {tid}: {os.strerror(ctypes.get_errno())}.", file=sys.stderr)
        return 1
    print(f"thread {tid} resumed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
