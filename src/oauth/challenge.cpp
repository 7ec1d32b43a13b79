#include "oauth/challenge.hpp"

namespace mcpgate::oauth {

std::string quote_auth_param(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) {
    if (!s.empty()) s += ' ';
    s += x;
  }
  return s;
}

void param(std::string& h, std::string_view name, std::string_view value) {
  h += h == "Bearer" ? " " : ", ";
  h += name;
  h += '=';
  h += quote_auth_param(value);
}
}  // namespace

Challenge challenge_for(AuthError error, const ChallengeContext& ctx) {
  Challenge c;
  std::string h = "Bearer";
  auto resource_metadata = [&] {
    if (!ctx.resource_metadata.empty()) param(h, "resource_metadata", ctx.resource_metadata);
  };
  auto scope = [&] {
    if (!ctx.scopes.empty()) param(h, "scope", join(ctx.scopes));
  };
  switch (error) {
    case AuthError::missing_token:
      c.status = 401;
      resource_metadata();
      scope();
      break;
    case AuthError::duplicate_authorization:
      c.status = 400;
      param(h, "error", "invalid_request");
      param(h, "error_description", describe(error));
      resource_metadata();
      break;
    case AuthError::insufficient_scope:
      c.status = 403;
      param(h, "error", "insufficient_scope");
      scope();
      resource_metadata();
      param(h, "error_description", describe(error));
      break;
    case AuthError::keys_unavailable:
    case AuthError::introspection_failed:
    case AuthError::revocations_unknown:
      c.status = 503;
      return c;
    default:
      c.status = 401;
      param(h, "error", "invalid_token");
      param(h, "error_description", describe(error));
      resource_metadata();
      scope();
      break;
  }
  c.www_authenticate = std::move(h);
  return c;
}

}  // namespace mcpgate::oauth
