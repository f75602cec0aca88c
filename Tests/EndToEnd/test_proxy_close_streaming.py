"""A client that asks for `Connection: close` still gets the whole of a streamed proxied response: the close comes
after the response's end, not when the output first drains (regression: only the head arrived)."""

import socket
import zlib

from upstreams import Stream, pattern_crc, proxy_config, upstream, upstream_block  # noqa: F401  (fixture)


def test_a_streamed_response_to_a_connection_close_request_arrives_whole(nexus, upstream):
    u = upstream("api")
    u.on("/p/big", Stream(8 << 20, chunked=False))
    srv = nexus(proxy_config([upstream_block("api", [u])], [{"path_prefix": "/p/", "upstream": "api"}]))
    with socket.create_connection((srv.host, srv.port), timeout=10) as s:
        s.sendall(b"GET /p/big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert len(body) == 8 << 20, len(body)
    assert zlib.crc32(body) == pattern_crc(8 << 20)
