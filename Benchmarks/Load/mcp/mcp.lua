-- wrk: one MCP tools/call of `add` per request, stateless (no session). MCP_REVISION (default 2026-07-28) picks the
-- revision: 2026-07-28 carries the mirrored Mcp-Method / Mcp-Name headers and params._meta with the protocol
-- version and the client capabilities (both servers require them); 2025-11-25 is a plain JSON-RPC
-- POST (only stateless servers answer it without initialize). The request is built once: no per-request Lua.
local revision = os.getenv("MCP_REVISION") or "2026-07-28"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = revision
if revision == "2026-07-28" then
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = "add"
  wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},'
    .. '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
else
  wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
end
