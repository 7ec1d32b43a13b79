-- wrk script for bench/auth: one stateless MCP request (protocol 2026-07-28 body, as
-- bench/tools_call.lua) per HTTP request, with or without a bearer token.
--
--   wrk -tT ... -s bench/mcp_request.lua URL -- WHAT PROTOCOL AUTH T
--     WHAT      call:TOOL (tools/call of TOOL) | list (tools/list)
--     PROTOCOL  the MCP-Protocol-Version header (2026-07-28; 2025-11-25 for the TypeScript SDK,
--               which does not know 2026-07-28; the body is the same)
--     AUTH      none | token:JWT (the same token on every request) | forged:JWT (that token with
--               one signature character changed, on every request) | file:PATH (a distinct token
--               per request, from a file of one token per line, each used once; T, the number
--               of wrk threads, splits the file between them) | forged-file:PATH
--               (each of those tokens with one signature character changed: a distinct bad
--               signature per request)
-- With file modes, done() prints "tokens: used U of N, wrapped W": W > 0 means tokens were
-- reused and the run did not measure full verification only.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function forge(token)
  -- Change one character in the middle of the signature (the third part): still well-formed
  -- base64url of the same length, but a different r||s, so verification fails.
  local i = #token - 20
  local c = token:sub(i, i)
  return token:sub(1, i - 1) .. (c == "A" and "B" or "A") .. token:sub(i + 1)
end

local prefix, suffix, fixed
local tokens, ntokens, next_index, forging = nil, 0, 1, false
used, wrapped, total_tokens = 0, 0, 0

function init(args)
  local what = args[1] or "call:test_simple_text"
  local protocol = args[2] or "2026-07-28"
  local auth = args[3] or "none"
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = protocol,
  }
  local body
  if what == "list" then
    headers["Mcp-Method"] = "tools/list"
    body = '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{'
      .. '"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
  else
    local tool = what:match("^call:(.+)$") or error("bad WHAT " .. what)
    headers["Mcp-Method"] = "tools/call"
    headers["Mcp-Name"] = tool
    body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool .. '",'
      .. '"arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
      .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'
  end
  if auth == "none" then
    fixed = wrk.format("POST", nil, headers, body)
    return
  end
  local kind, value = auth:match("^([%a-]+):(.+)$")
  if kind == "token" or kind == "forged" then
    headers["Authorization"] = "Bearer " .. (kind == "forged" and forge(value) or value)
    fixed = wrk.format("POST", nil, headers, body)
    return
  end
  if kind ~= "file" and kind ~= "forged-file" then error("bad AUTH " .. auth) end
  forging = kind == "forged-file"
  headers["Authorization"] = "Bearer @TOKEN@"
  local req = wrk.format("POST", nil, headers, body)
  local at = req:find("@TOKEN@", 1, true)
  prefix, suffix = req:sub(1, at - 1), req:sub(at + 7)
  -- Each wrk thread takes every n-th token from its own offset, so no token is sent twice.
  local nthreads, id = tonumber(args[4]) or 1, tonumber(wrk.thread:get("id")) or 0
  tokens, ntokens = {}, 0
  local n = 0
  for line in io.lines(value) do
    if n % nthreads == id and #line > 0 then
      ntokens = ntokens + 1
      tokens[ntokens] = line
    end
    n = n + 1
  end
  total_tokens = ntokens
  if ntokens == 0 then error("no tokens in " .. value) end
end

function request()
  if fixed then return fixed end
  local t = tokens[next_index]
  next_index = next_index + 1
  used = used + 1
  if next_index > ntokens then
    next_index = 1
    wrapped = wrapped + 1
  end
  if forging then t = forge(t) end
  return prefix .. t .. suffix
end

function done(summary, latency, requests)
  local u, n, w = 0, 0, 0
  for _, thread in ipairs(threads) do
    u = u + (tonumber(thread:get("used")) or 0)
    n = n + (tonumber(thread:get("total_tokens")) or 0)
    w = w + (tonumber(thread:get("wrapped")) or 0)
  end
  if n > 0 then io.write(string.format("tokens: used %d of %d, wrapped %d\n", u, n, w)) end
end
