"""A test upstream as a process of its own: `python3 upstream_process.py` prints `PORT <n>` and serves
/echo (the request body back), /chat (a WebSocket-style upgrade that echoes upper-cased bytes) and /events (a
server-sent event stream of 4 events 0.4 s apart) until it is killed."""

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upstreams import Echo, EventStream, Fixed, UpgradeEcho, UpstreamServer  # noqa: E402


def main():
    server = UpstreamServer("process")
    server.on("/echo", Echo())
    server.on("/chat", UpgradeEcho())
    server.on("/events", EventStream(count=4, gap=0.4))
    server.on("/health", Fixed(200, "ok"))
    print(f"PORT {server.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
