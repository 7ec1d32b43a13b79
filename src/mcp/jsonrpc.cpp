#include "mcp/jsonrpc.hpp"

namespace mcpgate::mcp {

std::string_view Message::method() const {
  if (auto* m = body.if_contains("method"); m && m->is_string()) return m->get_string();
  return {};
}

const json::value* Message::id() const {
  return body.if_contains("id");
}

const json::object* Message::params() const {
  if (auto* p = body.if_contains("params"); p && p->is_object()) return &p->get_object();
  return nullptr;
}

namespace {
bool valid_id(const json::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}
}  // namespace

Result<Message> classify(json::value v) {
  if (!v.is_object()) return fail(v.is_array() ? "batch" : "message is not a JSON object");
  auto& o = v.get_object();
  auto* version = o.if_contains("jsonrpc");
  if (!version || !version->is_string() || version->get_string() != "2.0") return fail("jsonrpc must be \"2.0\"");
  auto* method = o.if_contains("method");
  auto* id = o.if_contains("id");
  if (method) {
    if (!method->is_string() || method->get_string().empty()) return fail("method must be a non-empty string");
    if (auto* p = o.if_contains("params"); p && !p->is_object() && !p->is_array())
      return fail("params must be an object");
    if (o.contains("result") || o.contains("error")) return fail("a request carries neither result nor error");
    if (!id) return Message{Kind::notification, std::move(o)};
    if (!valid_id(*id)) return fail("id must be a string or an integer");
    return Message{Kind::request, std::move(o)};
  }
  if (!id) return fail("message has neither method nor id");
  bool has_result = o.contains("result"), has_error = o.contains("error");
  if (has_result == has_error) return fail("a response carries exactly one of result and error");
  if (has_error) {
    auto& e = o.at("error");
    if (!e.is_object() || !e.as_object().contains("code") || !e.as_object().at("code").is_number())
      return fail("error must be an object with a numeric code");
    // A response to a request we could not read may carry a null id.
    if (!id->is_null() && !valid_id(*id)) return fail("id must be a string or an integer");
    return Message{Kind::error, std::move(o)};
  }
  if (!valid_id(*id)) return fail("id must be a string or an integer");
  return Message{Kind::response, std::move(o)};
}

json::object make_error(const json::value& id, int code, std::string_view message, std::optional<json::value> data) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  if (data) err["data"] = std::move(*data);
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = std::move(err);
  return o;
}

json::object make_result(const json::value& id, json::value result) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = std::move(result);
  return o;
}

json::object make_request(json::value id, std::string_view method, json::value params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = std::move(id);
  o["method"] = method;
  if (!params.is_null()) o["params"] = std::move(params);
  return o;
}

json::object make_notification(std::string_view method, json::value params) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["method"] = method;
  if (!params.is_null()) o["params"] = std::move(params);
  return o;
}

std::string id_key(const json::value& id) {
  if (id.is_string()) return "s:" + std::string(id.get_string());
  if (id.is_int64()) return "i:" + std::to_string(id.get_int64());
  if (id.is_uint64()) return "i:" + std::to_string(id.get_uint64());
  return "n:" + json::serialize(id);
}

}  // namespace mcpgate::mcp
