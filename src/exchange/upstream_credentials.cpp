#include "exchange/upstream_credentials.hpp"

#include <algorithm>

namespace mcpgate::exchange {
using Mode = config::Credentials::Mode;
using system_clock = std::chrono::system_clock;

namespace {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
// A cached token is dropped this long before it (or its subject token) expires, so that it is
// never presented in its last seconds while the request is still on its way.
constexpr std::chrono::seconds kMargin{15};
// When the token endpoint does not say how long its token lives.
constexpr std::chrono::seconds kDefaultLifetime{300};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

std::string describe(const CredentialError& e) {
  using R = TokenError::Reason;
  std::string what = e.reason == R::refused       ? "the token request was refused"
                     : e.reason == R::busy        ? "the authorization server is busy"
                     : e.reason == R::unreachable ? "the authorization server is unreachable"
                                                  : "the authorization server's answer was unusable";
  if (!e.oauth_error.empty()) what += " (" + e.oauth_error + ")";
  return what;
}

UpstreamCredentials::UpstreamCredentials(config::Credentials config, std::shared_ptr<TokenEndpoint> endpoint)
    : config_(std::move(config)), endpoint_(std::move(endpoint)) {}

std::vector<std::string> UpstreamCredentials::mapped_scopes(const std::vector<std::string>& granted) const {
  std::vector<std::string> out;
  for (auto& g : granted) {
    auto it = config_.scope_map.find(g);
    if (it == config_.scope_map.end()) continue;
    for (auto& s : it->second)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  std::sort(out.begin(), out.end());  // one cache key for one set, whatever the token's order
  return out;
}

net::awaitable<expected<Secret, CredentialError>> UpstreamCredentials::value(const SubjectToken* subject, bool fresh) {
  if (config_.mode == Mode::none) co_return Secret();
  if (config_.mode == Mode::static_header) co_return Secret(config_.value);
  auto got = co_await token_for(subject, fresh);
  if (!got) co_return unexpected(std::move(got.error()));
  co_return Secret("Bearer " + std::string(got->token.reveal()));
}

net::awaitable<expected<UpstreamToken, CredentialError>> UpstreamCredentials::token_for(const SubjectToken* subject,
                                                                                        bool fresh) {
  using E = CredentialError;
  if (config_.mode != Mode::client_credentials && config_.mode != Mode::token_exchange)
    co_return unexpected(E{TokenError::Reason::refused, "", "these credentials are not an OAuth token"});
  Form form;
  if (!config_.resource.empty()) form["resource"] = config_.resource;
  if (!config_.audience.empty()) form["audience"] = config_.audience;
  auto target = config_.audience + "\n" + config_.resource;
  if (config_.mode == Mode::client_credentials || !subject || subject->token.empty()) {
    form["grant_type"] = "client_credentials";
    if (!config_.scopes.empty()) form["scope"] = join(config_.scopes);
    auto key = "cc\n" + target + "\n" + join(config_.scopes);
    if (fresh) cache_.erase(key);
    auto v = co_await fetch(std::move(key), std::move(form), system_clock::time_point::max());
    co_return v;
  }
  auto scopes = mapped_scopes(subject->scopes);
  // A scope the client lacks is never asked for: a client none of whose scopes is mapped gets
  // no token at all rather than one with whatever the server would grant by default.
  if (scopes.empty())
    co_return unexpected(E{TokenError::Reason::refused, "invalid_scope",
                           "none of the client's scopes is mapped to a scope of this upstream"});
  form["grant_type"] = std::string(kTokenExchange);
  form["subject_token"] = std::string(subject->token.reveal());
  form["subject_token_type"] = std::string(kAccessTokenType);
  form["requested_token_type"] = std::string(kAccessTokenType);
  form["scope"] = join(scopes);
  auto key = "te\n" + subject->token_key + "\n" + target + "\n" + join(scopes);
  if (fresh) cache_.erase(key);
  auto not_after = subject->expiry == system_clock::time_point{} ? system_clock::time_point::max() : subject->expiry;
  auto v = co_await fetch(std::move(key), std::move(form), not_after);
  co_return v;
}

struct UpstreamCredentials::Pending {
  std::mutex mutex;
  bool done = false;
  std::optional<expected<UpstreamToken, CredentialError>> result;
  std::vector<std::function<void()>> waiters;  // each resumes one waiting coroutine on its executor
};

net::awaitable<expected<UpstreamToken, CredentialError>> UpstreamCredentials::wait_for(
    std::shared_ptr<Pending> pending) {
  // Named, not a temporary inside the co_await: g++ 12 destroys such a temporary twice.
  auto initiate = [pending](auto handler) {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    auto resume = [h] { net::asio::post(std::move(*h)); };  // on the waiter's own executor
    std::unique_lock lock(pending->mutex);
    if (pending->done) {
      lock.unlock();
      resume();
      return;
    }
    pending->waiters.push_back(std::move(resume));
  };
  co_await net::asio::async_initiate<decltype(net::asio::use_awaitable), void()>(initiate, net::asio::use_awaitable);
  expected<UpstreamToken, CredentialError> result = unexpected(CredentialError{});
  {
    std::lock_guard lock(pending->mutex);
    result = *pending->result;
  }
  co_return result;
}

net::awaitable<expected<UpstreamToken, CredentialError>> UpstreamCredentials::fetch(
    std::string key, Form form, system_clock::time_point not_after) {
  auto now = system_clock::now();
  if (auto hit = cache_.find(key, now)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    // The cache holds the entry until kMargin before the (bounded) expiry.
    co_return UpstreamToken{std::move(hit->first), hit->second + kMargin};
  }
  std::shared_ptr<Pending> pending, other;
  {
    std::lock_guard lock(pending_mutex_);
    if (auto it = pending_.find(key); it != pending_.end()) {
      other = it->second;
    } else {
      pending = std::make_shared<Pending>();
      pending_.emplace(key, pending);
    }
  }
  if (other) {
    joined_.fetch_add(1, std::memory_order_relaxed);
    auto v = co_await wait_for(std::move(other));
    co_return v;
  }
  auto outcome = co_await ask(key, std::move(form), not_after);
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(pending->mutex);
    pending->result = outcome;
    pending->done = true;
    waiters.swap(pending->waiters);
  }
  {
    std::lock_guard lock(pending_mutex_);
    pending_.erase(key);
  }
  for (auto& w : waiters) w();
  co_return outcome;
}

net::awaitable<expected<UpstreamToken, CredentialError>> UpstreamCredentials::ask(const std::string& key, Form form,
                                                                                  system_clock::time_point not_after) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  auto t0 = std::chrono::steady_clock::now();
  auto got = co_await endpoint_->request(std::move(form));
  latency_us_.fetch_add(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count(),
      std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  if (!got) {
    failed_[static_cast<int>(got.error().reason)].fetch_add(1, std::memory_order_relaxed);
    co_return unexpected(CredentialError{got.error().reason, got.error().oauth_error, got.error().description});
  }
  issued_.fetch_add(1, std::memory_order_relaxed);
  auto now = system_clock::now();
  auto life = got->expires_in.count() > 0 ? got->expires_in : kDefaultLifetime;
  // Never beyond the token's own expiry, nor beyond the subject token's.
  auto expires = std::min(now + life, not_after);
  UpstreamToken issued{got->access_token, expires};
  cache_.put(key, std::move(got->access_token), expires - kMargin, now);
  co_return issued;
}

UpstreamCredentials::Stats UpstreamCredentials::stats() const {
  Stats st;
  st.issued = issued_.load(std::memory_order_relaxed);
  for (std::size_t r = 0; r < st.failed.size(); ++r) st.failed[r] = failed_[r].load(std::memory_order_relaxed);
  st.hits = hits_.load(std::memory_order_relaxed);
  st.misses = misses_.load(std::memory_order_relaxed);
  st.joined = joined_.load(std::memory_order_relaxed);
  st.request_seconds = latency_us_.load(std::memory_order_relaxed) / 1e6;
  st.requests = latency_count_.load(std::memory_order_relaxed);
  return st;
}

}  // namespace mcpgate::exchange
