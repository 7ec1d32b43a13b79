#include "crm_api_client.hpp"

#include <cstdlib>

#include "core/json.hpp"

namespace crm {
namespace json = boost::json;
using mcpgate::fail;
using mcpgate::Result;

namespace {

std::string path_segment(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// "403 insufficient_scope (needs crm:write)": what a refusal says, for the tool's error result.
std::string refusal(const mcpgate::oauth::HttpFetchResponse& r) {
  std::string out = "the CRM API answered " + std::to_string(r.status);
  auto body = mcpgate::parse_json(r.body, {8, 64 * 1024});
  if (body && body->is_object())
    if (auto* e = body->as_object().if_contains("error"); e && e->is_string()) {
      std::string_view code = e->as_string();
      out += ' ';
      out += code.substr(0, 64);
    }
  return out;
}

}  // namespace

ApiCustomers::ApiCustomers(std::string base, std::string token_env)
    : base_(std::move(base)), token_env_(std::move(token_env)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

Result<mcpgate::oauth::HttpFetchResponse> ApiCustomers::call(std::string method, std::string path, std::string body) {
  const char* token = std::getenv(token_env_.c_str());
  if (!token || !*token) return fail("no token for the CRM API in $" + token_env_);
  mcpgate::oauth::HttpFetchRequest req{
      std::move(method), base_ + path, {{"Authorization", std::string("Bearer ") + token}}, std::move(body)};
  if (!req.body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  auto r = http_.fetch(req);
  if (!r) return fail("the CRM API is unreachable: " + r.error().message);
  return r;
}

Result<std::optional<json::object>> ApiCustomers::get(const std::string& id) {
  auto r = call("GET", "/customers/" + path_segment(id));
  if (!r) return mcpgate::unexpected(r.error());
  if (r->status == 404) return std::optional<json::object>();
  auto v = mcpgate::parse_json(r->body, {16, 512 * 1024});
  if (r->status != 200 || !v || !v->is_object()) return fail(refusal(*r));
  return std::optional<json::object>(v->as_object());
}

Result<json::array> ApiCustomers::search(const std::string& query) {
  auto r = call("GET", "/customers?q=" + path_segment(query));
  if (!r) return mcpgate::unexpected(r.error());
  auto v = mcpgate::parse_json(r->body, {16, 512 * 1024});
  if (r->status != 200 || !v || !v->is_object()) return fail(refusal(*r));
  auto* list = v->as_object().if_contains("customers");
  if (!list || !list->is_array()) return fail("the CRM API answered without customers");
  return list->as_array();
}

Result<bool> ApiCustomers::update(const std::string& id, const json::object& fields) {
  json::object patch;
  for (auto* k : {"name", "email", "tier", "notes"})
    if (auto* v = fields.if_contains(k); v && v->is_string()) patch[k] = *v;
  auto r = call("PATCH", "/customers/" + path_segment(id), json::serialize(patch));
  if (!r) return mcpgate::unexpected(r.error());
  if (r->status == 404) return false;
  if (r->status != 200) return fail(refusal(*r));
  return true;
}

Result<bool> ApiCustomers::remove(const std::string& id) {
  auto r = call("DELETE", "/customers/" + path_segment(id));
  if (!r) return mcpgate::unexpected(r.error());
  if (r->status == 404) return false;
  if (r->status != 200) return fail(refusal(*r));
  return true;
}

}  // namespace crm
