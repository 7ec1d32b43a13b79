// Token revocation (RFC 7009) and the revoked-jti set the gateway consults on every request.

#include "authserver/server_impl.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

net::awaitable<Response> AuthorizationServer::Impl::revoke_request(Exchange& ex) {
  const auto& req = ex.request();
  auto params = parse_form(form_body(req));
  if (!params)
    co_return oauth_error_response(req, {OAuthError::invalid_request, std::string(describe(params.error()))});
  auto client = co_await authenticate_client(req, *params, false);
  if (!client) co_return oauth_error_response(req, client.error());
  auto tok = params->find("token");
  if (tok == params->end()) co_return oauth_error_response(req, {OAuthError::invalid_request, "token is required"});
  // Storage and signature verification, on the pool.
  bool stored = co_await pool_.run([&] { return revoke(tok->second, client->client.client_id); });
  if (!stored) co_return oauth_error_response(req, {OAuthError::server_error, "storage failure", false, 503});
  // RFC 7009 §2.2: 200 whether or not the token was valid.
  auto res = base_response(req, http::status::ok);
  res.set(http::field::cache_control, "no-store");
  co_return res;
}

// False when the revocation could not be stored.
bool AuthorizationServer::Impl::revoke(const std::string& token, const std::string& client_id) {
  auto t = now();
  auto rt = store_->get_refresh(sha256_hex(token), t);
  // Unread, the token may be a live refresh token: answering 200 would tell the client it is gone.
  if (!rt) return false;
  if (*rt && (*rt)->client_id == client_id) {
    // Revoking a refresh token revokes its whole grant, access tokens included (RFC 7009 §2.1).
    if (auto r = store_->revoke_family((*rt)->family_id, t); !r) return false;
    announce(reload_revocations(), t + opt_.access_token_ttl.count());
  } else if (auto at = verify_own_token(token)) {
    auto* cid = at->if_contains("client_id");
    if (cid && cid->is_string() && cid->as_string() == client_id) {
      auto jti = std::string(at->at("jti").as_string());
      auto exp = oauth::numeric_date(at->at("exp")).value_or(t + opt_.access_token_ttl.count());
      if (auto r = store_->revoke_jti(jti, exp); !r) return false;
      {
        std::unique_lock lock(revoked_mu_);
        revoked_.insert(jti);
      }
      if (revocation_listener_) revocation_listener_({{jti, exp}});
    }
  }
  return true;
}

// Runs on the pool. The serving threads read revoked_ for every MCP request, so the exclusive
// lock is held only to add what is new, never for the whole set (a pool thread at a lower
// priority holding it long would stall them).
std::vector<std::string> AuthorizationServer::Impl::reload_revocations() {
  auto t = now();
  auto rev = store_->revoked_jtis(t);
  if (!rev) {
    // The revocation itself is stored (the gateway of a restarted process would honour it); only
    // this process's copy is behind. Maintenance retries until it catches up.
    revocations_stale_.store(true);
    log::warn("authorization server: revocations not reloaded (retried by maintenance): " + rev.error().message);
    return {};
  }
  revocations_stale_.store(false);
  last_revocation_reload_ok_.store(t);
  std::vector<std::string> missing;
  {
    std::shared_lock lock(revoked_mu_);
    for (auto& j : *rev)
      if (!revoked_.contains(j)) missing.push_back(std::move(j));
  }
  if (missing.empty()) return {};
  std::unique_lock lock(revoked_mu_);
  revoked_.insert(missing.begin(), missing.end());
  return missing;
}

void AuthorizationServer::Impl::add_revoked(const std::vector<AuthorizationServer::Revocation>& revoked) {
  auto t = now();
  std::unique_lock lock(revoked_mu_);
  // An announcement of a token already expired changes nothing (expiry refuses it anyway).
  for (auto& r : revoked)
    if (r.expires_at > t) revoked_.insert(r.jti);
}

void AuthorizationServer::Impl::announce(const std::vector<std::string>& jtis, Seconds expires_at) {
  if (!revocation_listener_ || jtis.empty()) return;
  std::vector<AuthorizationServer::Revocation> out;
  out.reserve(jtis.size());
  for (auto& j : jtis) out.push_back({j, expires_at});
  revocation_listener_(out);
}

bool AuthorizationServer::Impl::is_revoked(std::string_view jti) const {
  std::shared_lock lock(revoked_mu_);
  return revoked_.contains(std::string(jti));
}

}  // namespace mcpgate::authserver
