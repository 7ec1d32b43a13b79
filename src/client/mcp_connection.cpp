#include "client/mcp_connection.hpp"

#include "client/tool_headers.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "exchange/token_response.hpp"  // printable
#include "mcp/http_headers.hpp"
#include "mcp/jsonrpc.hpp"
#include "net/sse.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::client {
namespace json = boost::json;

namespace {

std::string_view method_of(const json::value& m) {
  if (!m.is_object()) return {};
  auto* v = m.get_object().if_contains("method");
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::object* params_of(const json::value& m) {
  if (!m.is_object()) return nullptr;
  auto* p = m.get_object().if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

std::string error_text(const json::object& error) {
  std::string out;
  if (auto* c = error.if_contains("code"); c && c->is_int64()) out = "error " + std::to_string(c->get_int64());
  if (auto* m = error.if_contains("message"); m && m->is_string())
    out += (out.empty() ? "" : ": ") + exchange::printable(m->get_string(), 300);
  return out.empty() ? "error" : out;
}

}  // namespace

McpConnection::McpConnection(std::string endpoint, OAuthSession& auth, oauth::HttpFetcher& fetcher,
                             ConnectionOptions options)
    : endpoint_(std::move(endpoint)), auth_(auth), fetcher_(fetcher), options_(std::move(options)) {}

void McpConnection::set_era(mcp::Era era, std::string protocol_version) {
  std::lock_guard lock(mutex_);
  era_ = era;
  protocol_ = std::move(protocol_version);
}

std::string McpConnection::protocol_version() const {
  std::lock_guard lock(mutex_);
  return protocol_;
}

json::object McpConnection::with_meta(json::object params) const {
  auto& meta = params["_meta"];
  if (!meta.is_object()) meta = json::object{};
  auto& m = meta.get_object();
  m[mcp::kMetaProtocolVersion] = mcp::kRev20260728;
  if (!m.contains(mcp::kMetaClientCapabilities)) m[mcp::kMetaClientCapabilities] = json::object{};
  m[mcp::kMetaClientInfo] = json::object{{"name", options_.client_name}, {"version", options_.client_version}};
  return params;
}

Result<McpConnection::Http> McpConnection::post_once(const std::string& body, const json::value& message,
                                                     const std::optional<std::string>& authorization) {
  oauth::HttpFetchRequest req;
  req.method = "POST";
  req.url = endpoint_;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
  {
    std::lock_guard lock(mutex_);
    if (!protocol_.empty()) req.headers.emplace_back("MCP-Protocol-Version", protocol_);
    if (!session_id_.empty()) req.headers.emplace_back("Mcp-Session-Id", session_id_);
    if (era_ == mcp::Era::modern) {
      auto method = method_of(message);
      if (!method.empty()) {
        req.headers.emplace_back("Mcp-Method", mcp::encode_header_value(method));
        auto field = mcp::name_header_param(method);
        if (auto* p = params_of(message); p && !field.empty())
          if (auto* v = p->if_contains(field); v && v->is_string())
            req.headers.emplace_back("Mcp-Name", mcp::encode_header_value(v->get_string()));
        // SEP-2243: the annotated arguments of a tool known from tools/list, as Mcp-Param-*.
        if (auto* p = params_of(message); p && method == "tools/call")
          if (auto* n = p->if_contains("name"); n && n->is_string())
            if (auto it = tool_headers_.find(std::string(n->get_string())); it != tool_headers_.end()) {
              auto* args = p->if_contains("arguments");
              for (auto& h : param_headers_for(it->second, args && args->is_object() ? &args->get_object() : nullptr))
                req.headers.push_back(std::move(h));
            }
      }
    }
  }
  // MCP authorization, "Token Requirements": in the Authorization header of every request.
  if (authorization) req.headers.emplace_back("Authorization", *authorization);
  auto r = fetcher_.fetch(req);
  if (!r) return unexpected(r.error());
  // Never followed: the request (and its Authorization header) would go wherever the server says.
  if (r->status / 100 == 3)
    return fail("the server answered HTTP " + std::to_string(r->status) + ", a redirect (to " +
                exchange::printable(r->header("location"), 120) + "); redirects are not followed");
  Http out;
  out.status = r->status;
  out.www_authenticate = r->www_authenticate;
  out.session_id = std::string(r->header("mcp-session-id"));
  if (r->body.empty()) return out;
  auto add = [&](std::string_view text) -> Result<void> {
    auto v = parse_json(text);
    if (!v) {
      // A 4xx/5xx page from a proxy in front of the server is not JSON: its status says enough.
      if (out.status / 100 != 2) return {};
      return fail("the server answered malformed JSON: " + v.error().message);
    }
    if (v->is_array())
      for (auto& e : v->get_array()) out.messages.push_back(e);
    else
      out.messages.push_back(std::move(*v));
    return {};
  };
  if (r->header("content-type").starts_with("text/event-stream")) {
    net::SseParser parser;
    std::vector<net::SseEvent> events;
    if (!parser.feed(r->body, events)) return fail("the server's event stream has an event over the size limit");
    // A stream cut after its last event still delivers the events that were complete.
    parser.feed("\n\n", events);
    for (auto& e : events)
      if (!e.data.empty())
        if (auto a = add(e.data); !a) return unexpected(a.error());
  } else if (auto a = add(r->body); !a) {
    return unexpected(a.error());
  }
  return out;
}

Result<McpConnection::Http> McpConnection::post(const json::value& message) {
  auto body = json::serialize(message);
  bool refused_once = false;
  {
    std::lock_guard lock(mutex_);
    auth_.begin_request();
    auth_failed_ = false;
  }
  for (;;) {
    std::optional<std::string> authorization;
    {
      std::lock_guard lock(mutex_);
      auto a = auth_.authorization();
      if (!a) {
        auth_failed_ = true;
        return unexpected(a.error());
      }
      authorization = *a;
    }
    auto h = post_once(body, message, authorization);
    if (!h) return h;
    if (h->status == 401) {
      // A second 401 right after a new token: the server refuses what its own authorization
      // server issued (wrong audience, clock, …); another round would loop.
      if (refused_once) {
        // An authorization failure, not a protocol one: connect() must not try the other era,
        // which would send the user through the browser a second time for the same refusal.
        std::lock_guard lock(mutex_);
        auth_failed_ = true;
        return fail("the server refused the new token too (" + exchange::printable(h->www_authenticate, 300) + ")");
      }
      refused_once = true;
      std::lock_guard lock(mutex_);
      if (auto r = auth_.unauthorized(h->www_authenticate); !r) {
        auth_failed_ = true;
        return unexpected(r.error());
      }
      continue;
    }
    if (h->status == 403) {
      auto c = oauth::parse_bearer_challenge(h->www_authenticate);
      if (c && c->count("error") && c->at("error") == "insufficient_scope") {
        std::lock_guard lock(mutex_);
        if (auto r = auth_.insufficient_scope(h->www_authenticate); !r) {
          auth_failed_ = true;
          return unexpected(r.error());
        }
        continue;
      }
    }
    return h;
  }
}

void McpConnection::learn_tools(std::vector<json::value>& messages) {
  std::lock_guard lock(mutex_);
  for (auto& m : messages) {
    if (!m.is_object()) continue;
    auto* r = m.get_object().if_contains("result");
    auto* tools = r && r->is_object() ? r->get_object().if_contains("tools") : nullptr;
    if (!tools || !tools->is_array()) continue;
    json::array kept;
    for (auto& t : tools->get_array()) {
      auto* name = t.is_object() ? t.get_object().if_contains("name") : nullptr;
      if (!name || !name->is_string()) {
        kept.push_back(t);
        continue;
      }
      std::string n(name->get_string());
      // 2026-07-28 transports, "Custom Headers from Tool Parameters": a tool with an invalid
      // x-mcp-header annotation MUST be excluded (and the valid ones kept).
      if (!tool_headers_valid(t.get_object())) {
        invalid_tools_.insert(n);
        continue;
      }
      invalid_tools_.erase(n);
      auto* schema = t.get_object().if_contains("inputSchema");
      tool_headers_[n] =
          schema && schema->is_object() ? mcp::param_headers_of(schema->get_object()) : std::vector<mcp::ParamHeader>{};
      kept.push_back(t);
    }
    *tools = std::move(kept);
  }
}

Result<std::vector<json::value>> McpConnection::send(const json::value& message) {
  auto method = method_of(message);
  if (method == "tools/call")
    if (auto* p = params_of(message))
      if (auto* n = p->if_contains("name"); n && n->is_string()) {
        std::lock_guard lock(mutex_);
        if (invalid_tools_.count(std::string(n->get_string())))
          return fail("tools/call: the server's definition of " + exchange::printable(n->get_string(), 100) +
                      " has an invalid x-mcp-header annotation; it is not called");
      }
  {
    std::lock_guard lock(mutex_);
    if (method == "initialize") {
      era_ = mcp::Era::legacy;
      protocol_.clear();
      session_id_.clear();
    } else if (auto* p = params_of(message)) {
      auto* meta = p->if_contains("_meta");
      auto* v = meta && meta->is_object() ? meta->get_object().if_contains(mcp::kMetaProtocolVersion) : nullptr;
      if (v && v->is_string() && mcp::is_modern_revision(v->get_string())) {
        era_ = mcp::Era::modern;
        protocol_ = std::string(v->get_string());
      }
    }
  }
  auto h = post(message);
  if (!h) return unexpected(h.error());
  if (method == "initialize") {
    std::lock_guard lock(mutex_);
    session_id_ = h->session_id;
    for (auto& m : h->messages)
      if (m.is_object())
        if (auto* r = m.get_object().if_contains("result"); r && r->is_object())
          if (auto* v = r->get_object().if_contains("protocolVersion"); v && v->is_string())
            protocol_ = std::string(v->get_string());
  }
  if (h->messages.empty() && h->status / 100 != 2) return fail("the server answered HTTP " + std::to_string(h->status));
  if (method == "tools/list") learn_tools(h->messages);
  return std::move(h->messages);
}

Result<json::value> McpConnection::request(const std::string& method, json::object params) {
  // A second attempt only after an UnsupportedProtocolVersion error that names the revision this
  // client speaks (supported_revision_offered): once, so a server that refuses everything ends it.
  for (int attempt = 0; attempt < 2; ++attempt) {
    json::object msg{{"jsonrpc", "2.0"}, {"method", method}};
    std::int64_t id;
    {
      std::lock_guard lock(mutex_);
      id = next_id_++;
      msg["params"] = era_ == mcp::Era::modern ? with_meta(params) : json::value(params);
    }
    msg["id"] = id;
    auto messages = send(msg);
    if (!messages) return unexpected(messages.error());
    bool retry = false;
    for (auto& m : *messages) {
      if (!m.is_object()) continue;
      auto& o = m.get_object();
      auto* mid = o.if_contains("id");
      if (!mid || !mid->is_int64() || mid->get_int64() != id) continue;  // a notification or another's
      if (auto* e = o.if_contains("error"); e && e->is_object()) {
        if (attempt == 0 && supported_revision_offered(e->get_object())) {
          retry = true;
          break;
        }
        return fail(method + ": " + error_text(e->get_object()));
      }
      if (auto* r = o.if_contains("result")) return *r;
    }
    if (!retry) break;
  }
  return fail(method + ": the server sent no response");
}

bool McpConnection::supported_revision_offered(const json::object& error) const {
  // MCP 2026-07-28, UnsupportedProtocolVersionError (-32022, SEP-2575): data.supported lists the
  // server's versions, and the client "should choose a mutually supported version from this list
  // and retry". Only within the modern era: a legacy server is reached through initialize.
  auto* code = error.if_contains("code");
  if (!code || !code->is_int64() || code->get_int64() != mcp::code::unsupported_version) return false;
  auto* data = error.if_contains("data");
  auto* supported = data && data->is_object() ? data->get_object().if_contains("supported") : nullptr;
  if (!supported || !supported->is_array()) return false;
  std::lock_guard lock(mutex_);
  if (era_ != mcp::Era::modern) return false;
  for (auto& v : supported->get_array())
    if (v.is_string() && v.get_string() == protocol_) return true;
  return false;
}

Result<json::object> McpConnection::connect() {
  bool detect = options_.protocol.empty();
  if (detect || mcp::is_modern_revision(options_.protocol)) {
    set_era(mcp::Era::modern, std::string(mcp::kRev20260728));
    auto r = request("server/discover", {});
    if (r && r->is_object()) return r->get_object();
    bool auth_failed;
    {
      std::lock_guard lock(mutex_);
      auth_failed = auth_failed_;
    }
    // Authorization that failed fails the same way in either era: stop here. Anything else from a
    // server that does not speak 2026-07-28 (an error, a 400) means: try initialize.
    if (!detect || auth_failed) {
      if (!r) return unexpected(r.error());
      return fail("server/discover: the result is not an object");
    }
  }
  // Legacy: initialize offers the newest legacy revision (or the one asked for).
  set_era(mcp::Era::legacy, "");
  std::string offered = detect ? std::string(mcp::kRev20251125) : options_.protocol;
  json::object params{
      {"protocolVersion", offered},
      {"capabilities", json::object{}},
      {"clientInfo", json::object{{"name", options_.client_name}, {"version", options_.client_version}}}};
  auto r = request("initialize", std::move(params));
  if (!r) return unexpected(r.error());
  if (!r->is_object()) return fail("initialize: the result is not an object");
  auto version = protocol_version();
  if (!mcp::is_legacy_revision(version))
    return fail("initialize: the server chose protocol version '" + exchange::printable(version, 40) +
                "', which this client does not speak");
  auto notified = send(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  if (!notified) return unexpected(notified.error());
  return r->get_object();
}

void McpConnection::close() {
  std::string session;
  std::optional<std::string> authorization;
  {
    std::lock_guard lock(mutex_);
    if (era_ != mcp::Era::legacy || session_id_.empty()) return;
    session = session_id_;
    auto a = auth_.authorization();
    if (a) authorization = *a;
  }
  oauth::HttpFetchRequest req;
  req.method = "DELETE";
  req.url = endpoint_;
  req.headers = {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", protocol_version()}};
  if (authorization) req.headers.emplace_back("Authorization", *authorization);
  // Best effort: a session not ended here ends at the server's idle timeout.
  if (auto r = fetcher_.fetch(req); !r) return;
}

}  // namespace mcpgate::client
