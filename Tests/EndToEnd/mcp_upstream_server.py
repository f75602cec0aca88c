"""An MCP server (fastmcp) for the federation tests: nexusd connects to it as one of its `mcp_servers`.

    python3 mcp_upstream_server.py --port N [--certfile F --keyfile K] [--require-header NAME=VALUE]
                                   [--json-response] [--page-size N] [--tools a,b]

Serves Streamable HTTP at /mcp on 127.0.0.1 (https with --certfile/--keyfile) and prints `READY port=N` on stdout
once it accepts connections. Every HTTP request is also reported on stdout as one line
`REQ {"method": ..., "path": ..., "rpc": <JSON-RPC method or null>, "id": <its id>, "tool": <tools/call name or null>,
"headers": {authorization, x-api-token, x-api-key, mcp-protocol-version, mcp-session-id, host: value or null}}`, so a test can see what
reached it (the credentials of every request, the calls it got) without going through nexusd.

Tools:
  echo(text) -> str                 the text
  add(a, b) -> int                  a + b (structured output: {"result": a + b})
  whoami() -> dict                  the credential headers this call arrived with (authorization, x-api-token, x-api-key)
  fail(message)                     raises ToolError(message): a result with isError: true
  slow(seconds) -> str              sleeps, then "slept"
  rpc_error(code, message)          answered (by the middleware, before fastmcp) with a JSON-RPC error of that code
                                    and message: fastmcp itself turns every tool exception into an isError result

--require-header NAME=VALUE: an HTTP request without that header (exact value) is answered 401 before MCP sees it.
--json-response: answers application/json instead of fastmcp's default (one SSE event per answer).
--page-size N: tools/list answers pages of N tools with a nextCursor.
--tools a,b: serves only these of the tools above.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

CREDENTIAL_HEADERS = ("authorization", "x-api-token", "x-api-key")


def build_server(page_size: int | None = None, only: set[str] | None = None):
    from fastmcp import FastMCP
    from fastmcp.exceptions import ToolError
    from fastmcp.server.dependencies import get_http_headers

    mcp = FastMCP("nexus-test-upstream", version="1.0.0", list_page_size=page_size)

    def tool(**settings):
        """mcp.tool(**settings), or nothing when the tool is not among `only`."""
        def register(fn):
            return mcp.tool(**settings)(fn) if only is None or fn.__name__ in only else fn
        return register

    @tool(title="Echo (upstream)", description="Returns the text it is given.")
    def echo(text: str) -> str:
        return text

    @tool(title="Add (upstream)", description="a + b, as structured output.")
    def add(a: int, b: int) -> int:
        return a + b

    @tool(description="The credential headers this call arrived with.")
    def whoami() -> dict:
        seen = get_http_headers(include_all=True)
        return {h: seen.get(h) for h in CREDENTIAL_HEADERS}

    @tool(description="Always fails with the given message.")
    def fail(message: str) -> str:
        raise ToolError(message)

    @tool(description="Sleeps for the given number of seconds.")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "slept"

    @tool(description="Answered with a JSON-RPC error of this code and message.")
    def rpc_error(code: int, message: str) -> str:
        return "not reached: the middleware answers"

    return mcp


class Reporter:
    """ASGI middleware: reports every HTTP request on stdout; with `required` (name, value), answers 401 to a request
    that lacks it."""

    def __init__(self, app, required: tuple[str, str] | None):
        self.app = app
        self.required = required

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        # Read the body to name the JSON-RPC method and tool, then replay it to the app.
        chunks = []
        more = True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        rpc = tool = rpc_id = None
        args = {}
        try:
            doc = json.loads(body) if body else None
            if isinstance(doc, dict):
                rpc = doc.get("method")
                rpc_id = doc.get("id")
                if rpc == "tools/call" and isinstance(doc.get("params"), dict):
                    tool = doc["params"].get("name")
                    args = doc["params"].get("arguments") or {}
        except ValueError:
            pass
        report = {"method": scope["method"], "path": scope["path"], "rpc": rpc, "id": rpc_id, "tool": tool,
                  "headers": {h: headers.get(h) for h in (*CREDENTIAL_HEADERS, "mcp-protocol-version", "mcp-session-id", "host")}}
        print("REQ " + json.dumps(report), flush=True)

        if self.required is not None and headers.get(self.required[0]) != self.required[1]:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": b'{"error":"unauthorized"}'})
            return

        if tool == "rpc_error":
            answer = {"jsonrpc": "2.0", "id": rpc_id,
                      "error": {"code": int(args.get("code", -32000)), "message": str(args.get("message", ""))}}
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps(answer).encode()})
            return

        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--certfile")
    ap.add_argument("--keyfile")
    ap.add_argument("--require-header", help="NAME=VALUE")
    ap.add_argument("--json-response", action="store_true")
    ap.add_argument("--page-size", type=int, help="tools/list pages of this many tools (nextCursor)")
    ap.add_argument("--tools", help="serve only these tools (comma-separated names)")
    args = ap.parse_args()
    required = None
    if args.require_header:
        name, _, value = args.require_header.partition("=")
        required = (name.strip().lower(), value)

    import uvicorn

    app = Reporter(build_server(args.page_size, set(args.tools.split(",")) if args.tools else None).http_app(path="/mcp", json_response=args.json_response or None,
                                                         # fastmcp answers 421 to other Host values on loopback:
                                                         # a.test is the name of the test certificate
                                                         allowed_hosts=["a.test"]), required)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on",
                            ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            sys.exit(1)
        await asyncio.sleep(0.02)
    print(f"READY port={args.port}", flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(main())
