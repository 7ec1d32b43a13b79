#include "mcp/http_front.hpp"

#include "core/ascii.hpp"

namespace mcpgate::mcp::front {
namespace json = boost::json;
namespace http = net::http;

namespace {

[[nodiscard]] Refusal refuse(Reason reason, unsigned status, int c, std::string message, json::value id = nullptr,
                             std::optional<json::value> data = std::nullopt) {
  return Refusal{reason, status, c, std::move(message), std::move(id), std::move(data)};
}

const json::object* params_of(const json::object& m) {
  auto* p = m.if_contains("params");
  return p && p->is_object() ? &p->get_object() : nullptr;
}

const json::object* meta_of(const json::object* params) {
  auto* meta = params ? params->if_contains("_meta") : nullptr;
  return meta && meta->is_object() ? &meta->get_object() : nullptr;
}

// The methods 2026-07-28 removed: sessions, ping, the per-connection log level and subscriptions.
// tasks/result and tasks/list belong to the tasks of 2025-11-25, which the 2026-07-28 tasks
// extension (SEP-2663) does not have: answered here, so that no old task surface of an upstream is
// reached around the gateway's task binding.
bool removed_in_2026(std::string_view m) {
  return m == "initialize" || m == "ping" || m == "logging/setLevel" || m == "resources/subscribe" ||
         m == "resources/unsubscribe" || m == "tasks/result" || m == "tasks/list";
}

}  // namespace

std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::forbidden_host_or_origin:
      return "forbidden_host_or_origin";
    case Reason::method_not_allowed:
      return "method_not_allowed";
    case Reason::unsupported_media_type:
      return "unsupported_media_type";
    case Reason::not_acceptable:
      return "not_acceptable";
    case Reason::parse_error:
      return "parse_error";
    case Reason::batch:
      return "batch";
    case Reason::invalid_message:
      return "invalid_message";
    case Reason::unexpected_response:
      return "unexpected_response";
    case Reason::missing_meta:
      return "missing_meta";
    case Reason::header_mismatch:
      return "header_mismatch";
    case Reason::unsupported_version:
      return "unsupported_version";
    case Reason::removed_method:
      return "removed_method";
    case Reason::session_required:
      return "session_required";
    case Reason::session_not_found:
      return "session_not_found";
  }
  return "unknown";
}

net::Response json_response(unsigned status, const json::object& body) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = serialize_json(body);
  return res;
}

net::Response json_text_response(unsigned status, std::string text) {
  net::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(text);
  return res;
}

net::Response rpc_error(unsigned status, const json::value& id, int c, std::string_view message,
                        std::optional<json::value> data) {
  return json_response(status, make_error(id, c, message, std::move(data)));
}

net::Response empty_response(unsigned status) {
  return net::Response{static_cast<http::status>(status), 11};
}

net::Response to_response(const Refusal& r) {
  auto res = rpc_error(r.status, r.id, r.code, r.message, r.data);
  // RFC 9110 §15.5.6: a 405 names the methods the resource does support.
  if (r.status == 405) res.set(http::field::allow, "POST");
  return res;
}

http::response<http::empty_body> sse_head() {
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  return head;
}

unsigned status_for_code(int c) {
  switch (c) {
    case code::method_not_found:
      return 404;
    case code::parse_error:
    case code::invalid_request:
    case code::invalid_params:
    case code::header_mismatch:
    case code::missing_capability:
    case code::unsupported_version:
      return 400;
    default:
      return 200;
  }
}

unsigned status_for_reply(const json::object& reply) {
  auto* e = reply.if_contains("error");
  if (!e || !e->is_object()) return 200;
  auto* c = e->get_object().if_contains("code");
  if (!c || !c->is_int64()) return 200;
  return status_for_code(static_cast<int>(c->get_int64()));
}

Refusal forbidden_host_or_origin() {
  return refuse(Reason::forbidden_host_or_origin, 403, code::invalid_request, "Forbidden: Host or Origin not allowed");
}

Refusal method_not_allowed(std::string message) {
  return refuse(Reason::method_not_allowed, 405, code::invalid_request, std::move(message));
}

Refusal session_required(const json::value& id) {
  // 2025-11-25 transports, "Session Management": SHOULD answer 400 without the session header.
  return refuse(Reason::session_required, 400, code::invalid_request, "Bad Request: Mcp-Session-Id header is required",
                id);
}

Refusal session_not_found(const json::value& id) {
  // 2025-11-25 transports, "Session Management": MUST answer 404 for an ended or unknown session.
  return refuse(Reason::session_not_found, 404, code::session_not_found, "Session not found", id);
}

std::string_view header(const net::Request& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

std::expected<Accepts, Refusal> check_post_headers(const net::Request& r) {
  if (!is_json_content_type(header(r, "Content-Type")))
    return std::unexpected(
        refuse(Reason::unsupported_media_type, 415, code::invalid_request, "Content-Type must be application/json"));
  auto accepts = parse_accept(header(r, "Accept"));
  if (!accepts.json && !accepts.sse)
    return std::unexpected(refuse(Reason::not_acceptable, 406, code::invalid_request,
                                  "Accept must include application/json and text/event-stream"));
  return accepts;
}

std::optional<Refusal> check_stream_accept(const net::Request& r) {
  if (parse_accept(header(r, "Accept")).sse) return std::nullopt;
  return refuse(Reason::not_acceptable, 406, code::invalid_request, "Accept must include text/event-stream");
}

std::expected<Message, Refusal> parse_message(std::string_view body, const JsonLimits& limits) {
  auto parsed = parse_json(body, limits);
  if (!parsed)
    return std::unexpected(
        refuse(Reason::parse_error, 400, code::parse_error, "Parse error: " + parsed.error().message));
  if (parsed->is_array())
    // Batches were removed in 2025-06-18; a gateway that split them would also have to authorize
    // each part, so they are refused for every revision.
    return std::unexpected(refuse(Reason::batch, 400, code::invalid_request, "JSON-RPC batches are not supported"));
  json::value id;
  if (parsed->is_object())
    if (auto* v = parsed->get_object().if_contains("id"); v && (v->is_string() || v->is_int64())) id = *v;
  auto m = classify(std::move(*parsed));
  if (!m)
    return std::unexpected(
        refuse(Reason::invalid_message, 400, code::invalid_request, "Invalid Request: " + m.error().message, id));
  return std::move(*m);
}

bool modern_header(const net::Request& r) {
  auto v = trim_ows(header(r, "MCP-Protocol-Version"));
  return !v.empty() && !is_legacy_revision(v);
}

Era era_of(const net::Request& r, const Message& m) {
  auto version = trim_ows(header(r, "MCP-Protocol-Version"));
  if (!version.empty()) return is_legacy_revision(version) ? Era::legacy : Era::modern;
  if (!trim_ows(header(r, "Mcp-Session-Id")).empty()) return Era::legacy;
  auto* meta = meta_of(params_of(m.body));
  return meta && meta->contains(kMetaProtocolVersion) ? Era::modern : Era::legacy;
}

std::string missing_meta_keys(const json::object* params) {
  auto* meta = meta_of(params);
  auto* version = meta ? meta->if_contains(kMetaProtocolVersion) : nullptr;
  auto* caps = meta ? meta->if_contains(kMetaClientCapabilities) : nullptr;
  std::string missing;
  if (!version || !version->is_string()) missing = kMetaProtocolVersion;
  if (!caps || !caps->is_object()) missing += (missing.empty() ? "" : ", ") + std::string(kMetaClientCapabilities);
  return missing;
}

json::object unsupported_version_data(std::string_view requested) {
  json::array supported;
  for (auto v : kModernRevisions) supported.emplace_back(v);
  return json::object{{"supported", std::move(supported)}, {"requested", requested}};
}

std::optional<Refusal> check_modern(const net::Request& r, const Message& m) {
  json::value id = m.id() ? *m.id() : json::value();
  if (m.is_reply())
    // 2026-07-28 servers send no requests (MRTR instead): there is nothing a response could answer.
    return refuse(Reason::unexpected_response, 400, code::invalid_request, "Response to an unknown request");
  auto mismatch = [&](std::string message) {
    return refuse(Reason::header_mismatch, 400, code::header_mismatch, std::move(message), id);
  };
  // Order: basic/index "_meta", then transports "Protocol Version Header", then "Standard
  // Headers" (Mcp-Method, Mcp-Name).
  auto* params = params_of(m.body);
  if (m.is_request())
    if (auto missing = missing_meta_keys(params); !missing.empty())
      return refuse(Reason::missing_meta, 400, code::invalid_params, "Invalid params: missing _meta keys: " + missing,
                    id);
  auto version = trim_ows(header(r, "MCP-Protocol-Version"));
  if (version.empty()) return mismatch("Missing MCP-Protocol-Version header");
  if (auto* meta = meta_of(params))
    if (auto* mv = meta->if_contains(kMetaProtocolVersion); mv && (!mv->is_string() || mv->get_string() != version))
      return mismatch("MCP-Protocol-Version header does not match _meta.protocolVersion");
  if (!is_modern_revision(version))
    return refuse(Reason::unsupported_version, 400, code::unsupported_version, "Unsupported protocol version", id,
                  json::value(unsupported_version_data(version)));
  // SEP-2243: the routing headers must say what the body says, or an intermediary that routes or
  // authorizes on them would decide about a different call than the one that runs.
  auto method = m.method();
  auto hm = header(r, "Mcp-Method");
  if (hm.empty()) return mismatch("Missing Mcp-Method header");
  if (decode_header_value(hm) != method) return mismatch("Mcp-Method header does not match the request body");
  if (auto key = name_header_param(method); !key.empty()) {
    auto hn = header(r, "Mcp-Name");
    if (hn.empty()) return mismatch("Missing Mcp-Name header");
    auto* v = params ? params->if_contains(key) : nullptr;
    auto decoded = decode_header_value(hn);
    // A value that is not valid Base64 inside the sentinel is refused, never taken literally.
    if (!v || !v->is_string() || !decoded || *decoded != v->get_string())
      return mismatch("Mcp-Name header does not match the request body");
  }
  if (m.is_request() && removed_in_2026(method))
    return refuse(Reason::removed_method, 404, code::method_not_found, "Method not found: " + std::string(method), id);
  return std::nullopt;
}

std::optional<Refusal> check_param_headers(const net::Request& r, const std::vector<ParamHeader>& annotations,
                                           const json::object* params, const json::value& id) {
  for (auto& a : annotations) {
    auto name = "Mcp-Param-" + a.name;
    if (r.count(name) > 1)
      return refuse(Reason::header_mismatch, 400, code::header_mismatch, name + " header is repeated", id);
  }
  const json::object* arguments = nullptr;
  if (params)
    if (auto* a = params->if_contains("arguments"); a && a->is_object()) arguments = &a->get_object();
  auto problem = mcp::check_param_headers(annotations, arguments, [&](std::string_view name) {
    auto it = r.find(name);
    return it == r.end() ? std::optional<std::string_view>() : std::optional<std::string_view>(it->value());
  });
  if (!problem) return std::nullopt;
  return refuse(Reason::header_mismatch, 400, code::header_mismatch, problem->message, id);
}

}  // namespace mcpgate::mcp::front
