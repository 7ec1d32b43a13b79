// The authorization server's public face (authorization_server.hpp) and the lifecycle of its
// implementation: construction, start-up, and the periodic maintenance. Each endpoint and grant
// lives in its own file (see server_impl.hpp).
#include "authserver/authorization_server.hpp"

#include <boost/url/parse.hpp>
#include <thread>

#include "authserver/scope_text.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"
#include "net/address.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;

namespace {

std::unique_ptr<AttemptLimiter> make_limiter(const AttemptLimiterFactory& f, std::string_view name, std::size_t max,
                                             std::chrono::seconds window) {
  if (f)
    if (auto l = f(name, max, window)) return l;
  return std::make_unique<RateLimiter>(max, window);
}

}  // namespace

AuthorizationServer::Impl::Impl(Options o, std::unique_ptr<Store> s, const Clock& clock, Random& random,
                                std::shared_ptr<MetadataFetcher> f, std::shared_ptr<LoginStateStore> login_state,
                                const AttemptLimiterFactory& limiters)
    : opt_(std::move(o)),
      store_(std::move(s)),
      clock_(clock),
      random_(random),
      fetcher_(std::move(f)),
      keys_(*store_, random_,
            opt_.retired_key_grace.count() > 0 ? opt_.retired_key_grace
                                               : opt_.access_token_ttl + std::chrono::seconds(60)),
      grants_(make_grants()),
      login_state_(login_state ? std::move(login_state) : std::make_shared<MemoryLoginStateStore>()),
      login_user_(make_limiter(limiters, "login_user", opt_.login_per_user.max_failures, opt_.login_per_user.window)),
      login_ip_(make_limiter(limiters, "login_ip", opt_.login_per_ip.max_failures, opt_.login_per_ip.window)),
      dcr_ip_(make_limiter(limiters, "dcr_ip", opt_.dcr_max_per_window, opt_.dcr_window)),
      hash_slots_(std::ptrdiff_t(std::clamp<std::size_t>(
          opt_.max_concurrent_hashes ? opt_.max_concurrent_hashes : std::max(1u, std::thread::hardware_concurrency()),
          1, kMaxHashes))),
      pool_(BlockingPoolOptions{opt_.blocking_threads, opt_.max_pending_requests, opt_.blocking_nice}) {
  auto u = boost::urls::parse_absolute_uri(opt_.issuer);
  prefix_ = std::string(u->encoded_path());
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  secure_cookies_ = u->scheme() == "https";
}

Result<void> AuthorizationServer::Impl::init() {
  if (auto r = keys_.init(now()); !r) return r;
  auto rev = store_->revoked_jtis(now());
  if (!rev) return fail(rev.error().message);
  revoked_.insert(rev->begin(), rev->end());
  last_revocation_reload_ok_ = now();
  for (auto& idp : opt_.trusted_idps) {
    auto set = oauth::parse_jwks(idp.jwks);
    if (!set) return fail("trusted IdP " + idp.issuer + ": jwks: " + set.error().message);
    idps_.push_back({idp.issuer, std::move(*set)});
  }
  last_maintenance_ = now();
  last_revocation_reload_ = now();
  return {};
}

Seconds AuthorizationServer::Impl::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

std::string AuthorizationServer::Impl::endpoint(std::string_view path) const {
  return origin() + prefix_ + std::string(path);
}

std::string AuthorizationServer::Impl::origin() const {
  auto u = boost::urls::parse_absolute_uri(opt_.issuer);
  return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
}

void AuthorizationServer::Impl::maintenance() {
  auto t = now();
  schedule_revocation_reload(t);
  auto last = last_maintenance_.load();
  if (t - last < opt_.key_reload_interval.count()) return;
  if (!last_maintenance_.compare_exchange_strong(last, t)) return;
  // Storage work: on the pool, never on the serving thread that happened to pass by.
  pool_.post([this, t] {
    // A failure here costs nothing yet: the keys in memory keep signing and verifying, expired
    // rows wait for the next purge. Both are retried at the next interval.
    if (auto r = keys_.reload_if_changed(t); !r)
      log::warn("authorization server: signing keys not reloaded (the previous ones stay): " + r.error().message);
    if (auto r = store_->purge(t); !r)
      log::warn("authorization server: expired records not purged: " + r.error().message);
  });
  if (!login_state_->remote()) login_state_->expire(t);
  std::lock_guard lock(mu_);
  std::erase_if(cimd_cache_, [&](auto& kv) { return kv.second.second <= t; });
  std::erase_if(federated_, [&](auto& kv) { return kv.second.expires_at <= t; });
}

void AuthorizationServer::Impl::schedule_revocation_reload(Seconds t) {
  auto last = last_revocation_reload_.load();
  if (t - last < opt_.revocation_reload_interval.count()) return;
  if (!last_revocation_reload_.compare_exchange_strong(last, t)) return;
  post_revocation_reload();
}

void AuthorizationServer::Impl::post_revocation_reload() {
  // One reload at a time: with the store unreachable each one waits for its deadlines, and
  // queueing one per interval behind it would fill the pool that token requests need.
  if (revocation_reload_running_.exchange(true)) return;
  bool posted = pool_.post([this] {
    // Also applies a revocation stored here while the set could not be read back.
    (void)reload_revocations();
    revocation_reload_running_.store(false);
  });
  // Dropped by a full pool: clear the mark, or no reload would ever run again.
  if (!posted) revocation_reload_running_.store(false);
}

Result<void> validate_issuer(std::string_view issuer, bool allow_loopback_http) {
  auto u = net::parse_absolute_url(issuer);
  if (!u) return fail("issuer must be an absolute URL");
  if (u->has_query() || u->has_fragment()) return fail("issuer must not have a query or fragment (RFC 8414 §2)");
  if (u->has_userinfo()) return fail("issuer must not have userinfo");
  if (u->encoded_host().empty()) return fail("issuer needs a host");
  if (issuer.ends_with("/")) return fail("issuer must not end with '/' (it is compared exactly with iss)");
  if (u->scheme() == "https") return {};
  if (u->scheme() == "http" && net::is_loopback_host(u->encoded_host()) && allow_loopback_http) return {};
  return fail("issuer must be https (plain http only on a loopback host with allow_loopback_http)");
}

Result<std::unique_ptr<AuthorizationServer>> AuthorizationServer::create(Options options, std::unique_ptr<Store> store,
                                                                         Dependencies deps) {
  if (auto r = validate_issuer(options.issuer, options.allow_loopback_http); !r)
    return fail("authorization server: " + r.error().message);
  if (options.resources.empty()) return fail("authorization server: at least one protected resource is required");
  for (auto& r : options.resources) {
    auto u = boost::urls::parse_absolute_uri(r.resource);
    if (!u || u->has_fragment())
      return fail("authorization server: resource " + r.resource + " is not an absolute URL without fragment");
    for (auto& s : r.default_scopes)
      if (!contains(r.scopes_supported, s))
        return fail("authorization server: default scope " + s + " is not in scopes_supported of " + r.resource);
  }
  if (options.code_ttl.count() <= 0 || options.code_ttl.count() > 600)
    return fail("authorization server: code TTL must be between 1 s and 10 min");
  if (!store) {
    auto s = open_store(options.storage);
    if (!s) return fail(s.error().message);
    store = std::move(*s);
  }
  const Clock& clock = deps.clock ? *deps.clock : system_clock();
  Random& random = deps.random ? *deps.random : system_random();
  auto fetcher = deps.fetcher
                     ? deps.fetcher
                     : std::make_shared<SafeMetadataFetcher>(FetchOptions{
                           options.cimd_allow_private_addresses, options.cimd_max_bytes, options.cimd_timeout});
  auto impl = std::make_unique<Impl>(std::move(options), std::move(store), clock, random, std::move(fetcher),
                                     std::move(deps.login_state), deps.attempt_limiters);
  if (auto r = impl->init(); !r) return fail("authorization server: " + r.error().message);
  impl->audit_ = std::move(deps.audit);
  if (!impl->opt_.token_encryption_key.empty()) {
    auto sealer = TokenSealer::create(impl->opt_.token_encryption_key);
    if (!sealer) return fail("authorization server: " + sealer.error().message);
    impl->sealer_ = std::move(*sealer);
  }
  for (auto& idp : impl->opt_.upstream_idps) {
    auto http = deps.idp_http;
    if (!http) {
      oauth::HttpFetchOptions ho;
      ho.tls.ca_file = idp.ca_file;
      auto b = std::make_shared<oauth::BlockingHttpFetcher>(ho);
      if (!b->tls_error().empty())
        return fail("authorization server: upstream_idp " + idp.issuer + ": " + b->tls_error());
      http = std::move(b);
    }
    if (idp.recheck_on_refresh && !impl->sealer_)
      return fail("authorization server: upstream_idp " + idp.issuer +
                  ": recheck_on_refresh needs token_encryption_key (the provider's refresh tokens are sealed at rest)");
    auto c = UpstreamIdpClient::create(idp, std::move(http), clock);
    if (!c) return fail("authorization server: " + c.error().message);
    impl->upstream_idps_.push_back(std::move(*c));
  }
  return std::unique_ptr<AuthorizationServer>(new AuthorizationServer(std::move(impl)));
}

AuthorizationServer::AuthorizationServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthorizationServer::~AuthorizationServer() = default;
net::awaitable<bool> AuthorizationServer::handle(net::Exchange& ex) {
  return impl_->handle(ex);
}
net::awaitable<expected<json::object, AuthorizationServer::GrantError>> AuthorizationServer::internal_grant(
    std::map<std::string, std::string, std::less<>> form, std::string client_id) {
  return impl_->internal_grant(std::move(form), std::move(client_id));
}
bool AuthorizationServer::is_browser_page(std::string_view path) const {
  // The same paths handle() routes to authorize, login and consent.
  const auto& p = impl_->prefix_;
  return path == p + "/authorize" || (!p.empty() && path == "/authorize") || path == p + "/authorize/login" ||
         path == p + "/authorize/consent" || path == p + "/authorize/idp" || path == p + "/idp/callback" ||
         path == p + "/logout";
}
bool AuthorizationServer::is_revoked(std::string_view jti) const {
  return impl_->is_revoked(jti);
}
void AuthorizationServer::maintain() {
  impl_->maintenance();
}
void AuthorizationServer::on_revoked(RevocationListener listener) {
  impl_->revocation_listener_ = std::move(listener);
}
void AuthorizationServer::add_revoked(const std::vector<Revocation>& revoked) {
  impl_->add_revoked(revoked);
}
void AuthorizationServer::reload_revocations_now() {
  impl_->post_revocation_reload();
}
std::int64_t AuthorizationServer::last_revocation_reload() const {
  return impl_->last_revocation_reload_ok_.load();
}
json::object AuthorizationServer::metadata() const {
  return impl_->metadata();
}
std::string AuthorizationServer::jwks_uri() const {
  return impl_->endpoint("/jwks");
}
const Options& AuthorizationServer::options() const {
  return impl_->opt_;
}
Store& AuthorizationServer::store() {
  return *impl_->store_;
}
SigningKeys& AuthorizationServer::keys() {
  return impl_->keys_;
}
std::string AuthorizationServer::metrics_text() const {
  auto& p = impl_->pool_;
  return "# HELP mcpgate_authserver_pending Authorization server requests admitted to its blocking pool\n"
         "# TYPE mcpgate_authserver_pending gauge\n"
         "mcpgate_authserver_pending " +
         std::to_string(p.pending()) +
         "\n"
         "# HELP mcpgate_authserver_pending_limit Requests the blocking pool admits at once\n"
         "# TYPE mcpgate_authserver_pending_limit gauge\n"
         "mcpgate_authserver_pending_limit " +
         std::to_string(p.max_pending()) +
         "\n"
         "# HELP mcpgate_authserver_busy_total Requests refused with 503 because the blocking pool was full\n"
         "# TYPE mcpgate_authserver_busy_total counter\n"
         "mcpgate_authserver_busy_total " +
         std::to_string(p.rejected()) + "\n";
}

}  // namespace mcpgate::authserver
