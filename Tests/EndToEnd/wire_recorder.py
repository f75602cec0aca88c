"""A TCP relay that records what clients send, so a test can assert what went over the wire (which MCP revision
a client library really spoke), whatever the library reports about itself."""

from __future__ import annotations

import re
import socket
import threading


class WireRecorder:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sent: list[bytes] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            buf = bytearray()
            with self._lock:
                self._sent.append(buf)
            threading.Thread(target=self._pump, args=(client, upstream, buf), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, None), daemon=True).start()

    def _pump(self, src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record is not None:
                    with self._lock:
                        record.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def text(self) -> str:
        with self._lock:
            return b"".join(bytes(b) for b in self._sent).decode("utf-8", "replace")

    def versions_sent(self) -> set[str]:
        """The MCP-Protocol-Version header values the clients sent."""
        return set(re.findall(r"(?im)^mcp-protocol-version:\s*(\S+)\s*$", self.text()))

    def initialize_versions(self) -> list[str]:
        """The protocolVersion of every initialize request sent."""
        return re.findall(r'"method"\s*:\s*"initialize".*?"protocolVersion"\s*:\s*"([^"]+)"', self.text(), re.S)

    def close(self):
        self._stop = True
        self.listener.close()
