-- wrk script for bench/tls: one stateless MCP tools/call (2026-07-28, as bench/tools_call.lua)
-- with a bearer token, on keep-alive connections or, with "close", one connection per request
-- (so that every request pays a TCP connect and, over https, a full TLS handshake).
--   wrk ... -s bench/tls_call.lua URL -- JWT [close]
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
  wrk.headers["Mcp-Method"] = "tools/call"
  wrk.headers["Mcp-Name"] = "test_simple_text"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  if args[2] == "close" then wrk.headers["Connection"] = "close" end
  wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_simple_text",'
    .. '"arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'
end
