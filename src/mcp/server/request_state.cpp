#include "mcp/server/request_state.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "core/json.hpp"

namespace mcpgate::mcp::server {
namespace json = boost::json;

std::string StateSealer::mac(std::string_view data) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  auto key = key_.reveal();
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

namespace {
std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

std::string StateSealer::seal(const json::value& payload, std::string_view binding, std::chrono::seconds ttl) const {
  json::object body;
  body["p"] = payload;
  body["b"] = binding;
  body["e"] = unix_seconds(clock_->now() + ttl);
  auto encoded = base64url_encode(json::serialize(body));
  return encoded + "." + base64url_encode(mac(encoded));
}

std::optional<json::value> StateSealer::open(std::string_view token, std::string_view binding) const {
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto encoded = token.substr(0, dot);
  auto tag = base64url_decode(token.substr(dot + 1));
  if (!tag || !constant_time_equal(*tag, mac(encoded))) return std::nullopt;
  auto raw = base64url_decode(encoded);
  if (!raw) return std::nullopt;
  auto parsed = parse_json(*raw);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  auto& o = parsed->get_object();
  auto* b = o.if_contains("b");
  auto* e = o.if_contains("e");
  auto* p = o.if_contains("p");
  if (!b || !b->is_string() || b->get_string() != binding) return std::nullopt;
  if (!e || !e->is_int64() || e->get_int64() < unix_seconds(clock_->now())) return std::nullopt;
  if (!p) return std::nullopt;
  return *p;
}

}  // namespace mcpgate::mcp::server
