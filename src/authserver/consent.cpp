// The consent page and the user's decision.
#include <boost/url/parse.hpp>

#include "authserver/client_metadata.hpp"
#include "authserver/pages.hpp"
#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

namespace {

std::string host_of(std::string_view uri) {
  auto u = boost::urls::parse_uri(uri);
  if (!u) return std::string(uri);
  if (u->encoded_host().empty()) return std::string(u->scheme()) + ":";
  return std::string(u->encoded_host_and_port());
}

}  // namespace

Response AuthorizationServer::Impl::consent_page(const Request& req, const std::string& request_id, const Pending& p,
                                                 const Session& s) {
  bool local = true;
  for (auto& r : p.client.redirect_uris) local &= is_loopback_redirect(r);
  ConsentPage page{prefix_ + "/authorize/consent",
                   request_id,
                   s.csrf,
                   s.user,
                   p.client.client_name.empty() ? p.client.client_id : p.client.client_name,
                   p.client.client_id,
                   host_of(p.redirect_uri),
                   p.client.kind == ClientKind::metadata_document ? host_of(p.client.client_id) : std::string(),
                   local && p.client.kind != ClientKind::preregistered,
                   p.scopes,
                   p.resource,
                   p.withheld};
  return html(req, http::status::ok, [&](std::string_view n) { return render_consent(page, n); });
}

// On the pool: storage.
Response AuthorizationServer::Impl::consent_post(const Request& req) {
  auto ctx = form_context(req);
  if (!ctx) return std::move(ctx.error());
  if (ctx->session.user.empty()) return error_page(req, http::status::forbidden, "Request refused", "Sign in first.");
  // One decision per request, taken atomically: a replayed form, a double click or the same form
  // posted to two replicas at once gets at most one code (RFC 9700 §4.5: a code is single-use,
  // and so is the request that mints it).
  auto taken = login_state_->take_pending(ctx->request_id, now());
  if (!taken) return login_state_unavailable(req, taken.error());
  // The request moved to another session between the check and the take (a sign-in raced in
  // another tab): it is not this form's to decide.
  if (!*taken || (*taken)->session_id != ctx->session_id)
    return error_page(req, http::status::forbidden, "Request refused",
                      "This authorization request was already decided. Start again from the application.");
  auto decision = ctx->params.find("decision");
  auto& p = **taken;
  if (decision == ctx->params.end() || decision->second != "approve")
    return redirect(req,
                    error_redirect(p.redirect_uri, OAuthError::access_denied, "the user denied the request", p.state),
                    http::status::see_other);
  // The user approved this request, so the code is issued either way; a consent that could not be
  // remembered only means the user is asked again next time.
  if (auto r = store_->put_consent(ctx->session.user, p.client.client_id, p.resource, join_scope(p.scopes), now()); !r)
    log::warn("authorization server: consent not remembered: " + r.error().message);
  return issue_code(req, p, ctx->session);
}

}  // namespace mcpgate::authserver
