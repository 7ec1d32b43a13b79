#include "redis/revocation_message.hpp"

#include <boost/json.hpp>

#include "core/json.hpp"

namespace mcpgate::redis {
namespace json = boost::json;

std::vector<std::string> encode_revocations(const std::vector<RevokedToken>& tokens) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); i += kMaxRevokedPerMessage) {
    json::array a;
    for (std::size_t j = i; j < tokens.size() && j < i + kMaxRevokedPerMessage; ++j)
      a.push_back(json::object{{"jti", tokens[j].jti}, {"exp", tokens[j].expires_at}});
    out.push_back(json::serialize(json::object{{"revoked", std::move(a)}}));
  }
  return out;
}

Result<std::vector<RevokedToken>> decode_revocations(std::string_view payload) {
  auto v = parse_json(payload, {4, (kMaxJtiLength + 64) * kMaxRevokedPerMessage});
  if (!v) return fail("revocation message: " + v.error().message);
  auto* o = v->if_object();
  auto* list = o ? o->if_contains("revoked") : nullptr;
  if (!list || !list->is_array()) return fail("revocation message: no revoked list");
  if (list->as_array().size() > kMaxRevokedPerMessage) return fail("revocation message: too many tokens");
  std::vector<RevokedToken> out;
  for (auto& e : list->as_array()) {
    auto* t = e.if_object();
    auto* jti = t ? t->if_contains("jti") : nullptr;
    auto* exp = t ? t->if_contains("exp") : nullptr;
    if (!jti || !jti->is_string() || jti->as_string().empty() || jti->as_string().size() > kMaxJtiLength)
      return fail("revocation message: a jti is missing or too long");
    if (!exp || !exp->is_int64()) return fail("revocation message: an exp is missing");
    out.push_back({std::string(jti->as_string()), exp->as_int64()});
  }
  return out;
}

}  // namespace mcpgate::redis
