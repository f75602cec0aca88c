"""The reference MCP server for Benchmarks/Load/run-mcp.sh: the official MCP Python SDK (`mcp` 2.x, whose FastMCP is
now `mcp.server.mcpserver.MCPServer`) serving one tool `add(a, b)` over Streamable HTTP, stateless, JSON responses
(no SSE), under uvicorn, one process.

    python3 reference_server.py --port 19202                               # add computed in Python
    python3 reference_server.py --port 19202 --upstream http://127.0.0.1:19200/add
                                # each call POSTs {"a":..,"b":..} to the origin over a kept-alive
                                # httpx2.AsyncClient (the SDK's own HTTP client) and returns its JSON object

A 2026-07-28 request (MCP-Protocol-Version: 2026-07-28) takes the SDK's single-exchange path; 2025-11-25 takes its
legacy stateless path (a transport per request). Logging is at WARNING so that nothing is written per request.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from mcp.server.mcpserver import MCPServer


def build(upstream: str | None) -> MCPServer:
    server = MCPServer("reference", log_level="WARNING")
    if upstream is None:
        @server.tool(description="Returns the sum of a and b.")
        def add(a: float, b: float) -> dict[str, float]:
            return {"sum": a + b}
    else:
        import httpx2
        client = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=64, max_keepalive_connections=64),
                                    timeout=10.0, trust_env=False)

        @server.tool(description="Returns the sum of a and b (computed by the origin).")
        async def add(a: float, b: float) -> dict[str, float]:
            r = await client.post(upstream, json={"a": a, "b": b})
            r.raise_for_status()
            return r.json()
    return server


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=19202)
    p.add_argument("--upstream", default=None)
    args = p.parse_args()
    app = build(args.upstream).streamable_http_app(streamable_http_path="/mcp", stateless_http=True,
                                                  json_response=True)
    logging.getLogger().setLevel(logging.WARNING)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, workers=1)


if __name__ == "__main__":
    main()
