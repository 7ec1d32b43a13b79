#include "gateway/authorizer.hpp"

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <span>

#include "mcp/jsonrpc.hpp"
#include "net/run_on.hpp"
#include "oauth/bearer.hpp"
#include "oauth/challenge.hpp"
#include "oauth/protected_resource_metadata.hpp"

namespace mcpgate::gateway {
namespace http = net::http;
namespace json = boost::json;

namespace {

// The last principal whose policy subject a serving thread built, and that subject. While a token
// is in the cache its principal is one shared object, so a client's next request finds its subject
// here instead of copying every claim again (that copy was 1 % of a proxied request's CPU). The
// memory holds a reference, so the address it compares cannot be another principal's.
struct LastSubject {
  oauth::PrincipalPtr principal;
  std::shared_ptr<const policy::Subject> subject;
};
thread_local LastSubject last_subject;
}  // namespace

std::string Caller::key() const {
  if (!principal) return {};
  return principal->issuer + "\n" + principal->subject + "\n" + principal->client_id.value_or("");
}

const policy::Subject& Caller::subject() const {
  if (subject_) return *subject_;
  if (principal && last_subject.principal == principal) {
    subject_ = last_subject.subject;
    return *subject_;
  }
  auto s = std::make_shared<policy::Subject>();
  if (principal) {
    s->issuer = principal->issuer;
    s->subject = principal->subject;
    s->client_id = principal->client_id.value_or("");
    s->scopes.insert(principal->scopes.begin(), principal->scopes.end());
    s->claims = principal->claims;
  }
  subject_ = std::move(s);
  if (principal) last_subject = {principal, subject_};
  return *subject_;
}

Authorizer::Authorizer(const config::Gateway& gateway, const config::Endpoint& endpoint, const Clock& clock,
                       std::shared_ptr<oauth::HttpFetcher> fetcher, KeySourceFactory keys_for, RevocationCheck revoked)
    : revoked_(std::move(revoked)) {
  const auto& a = endpoint.auth;
  anonymous_ = a.anonymous;
  if (endpoint.policy) engine_.emplace(*endpoint.policy);
  if (anonymous_) return;
  resource_ = a.resource;
  prm_url_ = oauth::prm_url(gateway.public_url, endpoint.path);
  oauth::ProtectedResourceMetadata prm;
  prm.resource = resource_;
  prm.authorization_servers = a.authorization_servers;
  prm.scopes_supported = a.scopes_supported;
  if (!a.resource_name.empty()) prm.resource_name = a.resource_name;
  if (!a.resource_documentation.empty()) prm.resource_documentation = a.resource_documentation;
  prm_json_ = oauth::to_json(prm);
  required_scopes_ = a.required_scopes;
  challenge_scopes_ = !a.required_scopes.empty() ? a.required_scopes : a.scopes_supported;
  baseline_scopes_ = challenge_scopes_;

  oauth::ValidatorConfig vc;
  vc.resource = resource_;
  // A target with its own TLS settings (a private CA, a client certificate) gets a fetcher of its
  // own; the others share the gateway's, which trusts the system store.
  auto fetcher_for = [&fetcher](const net::TlsClientOptions& tls) -> std::shared_ptr<oauth::HttpFetcher> {
    if (tls == net::TlsClientOptions{}) return fetcher;
    oauth::HttpFetchOptions fo;
    fo.tls = tls;
    return std::make_shared<oauth::BlockingHttpFetcher>(fo);
  };
  for (auto& i : a.issuers) {
    oauth::IssuerConfig ic;
    ic.issuer = i.issuer;
    ic.algorithms.clear();
    for (auto& name : i.algorithms) ic.algorithms.push_back(*oauth::parse_algorithm(name));
    ic.require_access_token_type = i.require_access_token_type;
    ic.leeway = i.leeway;
    if (!i.shared_secret.empty())
      ic.static_keys.push_back(std::make_shared<const oauth::Jwk>(oauth::symmetric_key(Secret(i.shared_secret))));
    std::unique_ptr<oauth::JwksSource> source;
    if (!i.jwks_inline.empty())
      source = std::make_unique<oauth::InlineJwksSource>(i.jwks_inline);
    else if (!i.jwks_file.empty())
      source = std::make_unique<oauth::FileJwksSource>(i.jwks_file);
    else if (!i.jwks_uri.empty())
      source = std::make_unique<oauth::UrlJwksSource>(i.jwks_uri, fetcher_for(i.tls));
    else if (keys_for && (source = keys_for(i.issuer))) {
    } else
      source = std::make_unique<oauth::MetadataJwksSource>(i.issuer, fetcher_for(i.tls));
    bool asymmetric = false;
    for (auto alg : ic.algorithms) asymmetric = asymmetric || oauth::family(alg) != oauth::AlgorithmFamily::hmac;
    if (asymmetric) {
      oauth::JwksCacheOptions jo;
      jo.min_refetch_interval = i.jwks_min_refetch;
      ic.keys = std::make_shared<oauth::JwksCache>(std::move(source), jo, clock);
      key_caches_.push_back(ic.keys);
    }
    vc.issuers.push_back(std::move(ic));
  }
  if (a.introspection) {
    auto& in = *a.introspection;
    oauth::IntrospectionClientConfig cc;
    cc.endpoint = in.endpoint;
    cc.client_id = in.client_id;
    cc.client_secret = Secret(in.client_secret);
    cc.auth_method = in.client_secret_post ? oauth::ClientAuthMethod::client_secret_post
                                           : oauth::ClientAuthMethod::client_secret_basic;
    oauth::IntrospectionConfig ic;
    ic.introspector = std::make_shared<oauth::HttpIntrospector>(std::move(cc), fetcher_for(in.tls));
    if (!in.issuer.empty()) ic.policy.issuer = in.issuer;
    ic.policy.resource = resource_;
    ic.policy.default_lifetime = in.max_cache;
    vc.introspection = std::move(ic);
  }
  vc.cache.capacity = a.token_cache_entries;
  vc.cache.max_ttl = a.token_cache_max_ttl;
  validator_ = std::make_unique<oauth::TokenValidator>(std::move(vc), clock);
}

void Authorizer::refresh_keys() const {
  for (auto& c : key_caches_) c->refresh_if_due();
}

AuthRefusal Authorizer::refused(oauth::AuthError error) const {
  return {error, {prm_url_, error == oauth::AuthError::insufficient_scope ? required_scopes_ : challenge_scopes_}};
}

net::awaitable<expected<Caller, AuthRefusal>> Authorizer::authenticate(const net::Request& request,
                                                                       boost::asio::thread_pool& blocking) const {
  if (anonymous_) co_return Caller{};
  // Only the Authorization fields (the parser's index finds them whatever their case), at most
  // two: a second one is already refused as a smuggling attempt, so a third changes nothing. No
  // vector of every header per request.
  std::array<oauth::HeaderField, 2> authorization;
  std::size_t found = 0;
  for (auto [it, end] = request.equal_range(http::field::authorization); it != end && found < authorization.size();
       ++it)
    authorization[found++] = {std::string_view(it->name_string()), std::string_view(it->value())};
  auto token = oauth::extract_bearer(std::span<const oauth::HeaderField>(authorization.data(), found));
  if (!token) co_return unexpected(refused(token.error()));
  // A token in the query string is never used (RFC 6750 §2.3; MCP: MUST NOT), and its presence
  // alone does not authenticate: the Authorization header above is the only source.
  auto key = oauth::TokenCache::key_for(token->reveal());
  std::optional<oauth::AuthResult<oauth::PrincipalPtr>> result = validator_->cache().get(key);
  if (!result)
    result = co_await net::run_on(blocking.get_executor(), [validator = validator_.get(), &token, &key] {
      return validator->validate(*token, key);
    });
  if (!*result) co_return unexpected(refused(result->error()));
  Caller caller{**result};
  caller.token = std::move(*token);
  caller.token_key = std::move(key);
  // Checked on every request, cache hit or not: a revoked token stops working at once (RFC 7009).
  if (revoked_)
    if (auto why = revoked_(*caller.principal)) co_return unexpected(refused(*why));
  for (auto& s : required_scopes_) {
    bool held = caller.principal->has_scope(s);
    if (!held && engine_) held = engine_->effective_scopes(caller.subject().scopes).count(s) > 0;
    if (!held) caller.missing_required_scopes = true;
  }
  co_return caller;
}

policy::Decision Authorizer::decide(const Caller& caller, const policy::Target& target,
                                    const policy::ToolHints* hints) const {
  if (!engine_) {
    policy::Decision d;
    d.outcome = policy::Outcome::allow;
    d.rule = "no-policy";
    d.reason = "no policy configured";
    return d;
  }
  return engine_->decide(caller.subject(), target, hints);
}

Refusal Authorizer::refusal(const policy::Decision& d, const json::value& id) const {
  std::vector<std::string> scopes = d.scopes;
  for (auto& b : baseline_scopes_)
    if (std::find(scopes.begin(), scopes.end(), b) == scopes.end()) scopes.push_back(b);
  // An anonymous endpoint has no resource metadata to point at, hence no challenge.
  return policy_refusal(d, id, scopes, anonymous_ ? std::string() : prm_url_);
}

}  // namespace mcpgate::gateway
