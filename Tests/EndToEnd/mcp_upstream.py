"""The MCP server of the federation tests (mcp_upstream_server.py, fastmcp) as a subprocess a test starts, kills
(SIGKILL) and restarts on the same port, and the `mcp_upstream` fixture (a factory; every process is killed at
teardown)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent / "mcp_upstream_server.py"
START_TIMEOUT = 20.0  # importing fastmcp takes a second or two; more on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class McpUpstream:
    """One mcp_upstream_server.py. `requests` are the HTTP requests it reported (dicts: method, path, rpc, tool,
    headers), across restarts."""

    def __init__(self, port: int | None = None, certfile: str | None = None, keyfile: str | None = None,
                 require_header: str | None = None, json_response: bool = False, page_size: int | None = None,
                 tools: list[str] | None = None):
        self.port = port or free_port()
        self.args = ["--port", str(self.port)]
        if certfile:
            self.args += ["--certfile", certfile, "--keyfile", keyfile]
        if require_header:
            self.args += ["--require-header", require_header]
        if json_response:
            self.args += ["--json-response"]
        if page_size:
            self.args += ["--page-size", str(page_size)]
        self.base_args = list(self.args)
        if tools:
            self.args += ["--tools", ",".join(tools)]
        self.scheme = "https" if certfile else "http"
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Condition()
        self.requests: list[dict] = []
        self.output: list[str] = []

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/mcp"

    def start(self, timeout: float = START_TIMEOUT) -> "McpUpstream":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        proc = subprocess.Popen([sys.executable, str(SERVER), *self.args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(SERVER.parent),
                                env={**os.environ, "PYTHONUNBUFFERED": "1", "FASTMCP_SHOW_SERVER_BANNER": "false"})
        self.proc = proc
        ready = threading.Event()
        threading.Thread(target=self._read, args=(proc, ready), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the MCP test server did not start on port {self.port} "
                                     f"(exit {proc.returncode}):\n{self.text()[-3000:]}")
        # READY is printed once uvicorn listens; check that a connection is accepted all the same.
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the MCP test server does not accept connections on {self.port}")
                time.sleep(0.05)

    def _read(self, proc: subprocess.Popen, ready: threading.Event):
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.output.append(line)
                if line.startswith("REQ "):
                    try:
                        self.requests.append(json.loads(line[4:]))
                    except ValueError:
                        pass
                self._lock.notify_all()
            if line.startswith("READY "):
                ready.set()

    def kill(self):
        """SIGKILL, and wait for the process to be gone (its port is free again)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self, timeout: float = START_TIMEOUT, tools: list[str] | None = None) -> "McpUpstream":
        """Kills and starts it again on the same port; `tools`: serving only these from now on."""
        self.kill()
        if tools is not None:
            self.args = self.base_args + ["--tools", ",".join(tools)]
        return self.start(timeout)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.output)

    def calls(self, tool: str | None = None) -> list[dict]:
        """The tools/call requests it received (of `tool` if given)."""
        with self._lock:
            return [r for r in self.requests if r["rpc"] == "tools/call" and (tool is None or r["tool"] == tool)]

    def wait_calls(self, tool: str, n: int = 1, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [r for r in self.requests if r["rpc"] == "tools/call" and r["tool"] == tool]
                left = deadline - time.monotonic()
                if len(got) >= n or left <= 0:
                    return got
                self._lock.wait(left)

    def header_values(self) -> list[str]:
        """Every credential header value of every request it received."""
        with self._lock:
            return [v for r in self.requests for v in r["headers"].values() if v is not None]


@pytest.fixture
def mcp_upstream():
    """Factory: mcp_upstream(**options) -> a started McpUpstream (start=False: not started yet, e.g. to start it
    after nexusd). Every process is SIGKILLed at teardown."""
    made: list[McpUpstream] = []

    def factory(start: bool = True, **options) -> McpUpstream:
        u = McpUpstream(**options)
        made.append(u)
        return u.start() if start else u

    yield factory
    for u in made:
        u.kill()


def start_all(*ups: McpUpstream):
    """Starts several servers at once (each takes a second or two to import fastmcp)."""
    errors: list[BaseException] = []

    def go(u):
        try:
            u.start()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=go, args=(u,)) for u in ups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
