-- wrk script for bench/isolation: one client_credentials token request per HTTP request, the
-- client authenticated with HTTP Basic (client_secret_basic), as a flood of machine clients does.
--
--   wrk ... -s bench/token_request.lua http://HOST:PORT/token -- CLIENT_ID SECRET RESOURCE [SCOPE]
local fixed

local function b64(s)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

local function form(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  local id, secret, resource, scope = args[1], args[2], args[3], args[4] or "mcp:read"
  if not (id and secret and resource) then error("usage: -- CLIENT_ID SECRET RESOURCE [SCOPE]") end
  local body = "grant_type=client_credentials&scope=" .. form(scope) .. "&resource=" .. form(resource)
  fixed = wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. b64(form(id) .. ":" .. form(secret)),
    ["Accept"] = "application/json",
  }, body)
end

function request()
  return fixed
end
