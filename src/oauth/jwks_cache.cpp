#include "oauth/jwks_cache.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/log.hpp"
#include "oauth/as_metadata.hpp"

namespace mcpgate::oauth {

Result<JwksDocument> FileJwksSource::fetch() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return fail("cannot open JWKS file " + path_.string());
  std::string body;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    body.append(buf, static_cast<std::size_t>(in.gcount()));
    if (body.size() > max_bytes_) return fail("JWKS file too large: " + path_.string());
  }
  return JwksDocument{std::move(body), std::nullopt};
}

Result<JwksDocument> UrlJwksSource::fetch() {
  auto r = http_->fetch(HttpFetchRequest{"GET", url_, {}, {}});
  if (!r) return unexpected(r.error());
  if (r->status != 200) return fail("JWKS fetch answered HTTP " + std::to_string(r->status));
  return JwksDocument{std::move(r->body), r->max_age};
}

Result<JwksDocument> MetadataJwksSource::fetch() {
  std::string last_error = "no metadata URL";
  for (auto& url : metadata_urls(issuer_)) {
    auto r = http_->fetch(HttpFetchRequest{"GET", url, {}, {}});
    if (!r) {
      last_error = r.error().message;
      continue;
    }
    if (r->status != 200) {
      last_error = "metadata fetch answered HTTP " + std::to_string(r->status);
      continue;
    }
    // A document that names another issuer is a hard failure, not a reason to try the next URL.
    auto meta = parse_as_metadata(r->body, issuer_);
    if (!meta) return unexpected(meta.error());
    if (!meta->jwks_uri) return fail("AS metadata has no jwks_uri");
    return UrlJwksSource(*meta->jwks_uri, http_).fetch();
  }
  return fail(last_error);
}

JwksCache::JwksCache(std::unique_ptr<JwksSource> source, JwksCacheOptions options, const Clock& clock)
    : source_(std::move(source)), options_(options), clock_(clock) {}

std::shared_ptr<const JwkSet> JwksCache::snapshot() const {
  std::lock_guard lock(mu_);
  return keys_;
}

std::chrono::system_clock::time_point JwksCache::next_refresh() const {
  std::lock_guard lock(mu_);
  return next_refresh_;
}

std::size_t JwksCache::fetch_count() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

namespace {
// A key that was in the previous set keeps its verification table (oauth/p256_key_table), built
// already: a refresh every few minutes does not rebuild it, nor stall a verification for it.
void keep_tables(const JwkSet& previous, JwkSet& fresh) {
  for (auto& key : fresh.keys) {
    if (!key->p256) continue;
    for (auto& old : previous.keys)
      if (old->p256 && old->key && key->key && EVP_PKEY_eq(old->key.get(), key->key.get()) == 1) {
        auto copy = std::make_shared<Jwk>(*key);
        copy->p256 = old->p256;
        key = std::move(copy);
        break;
      }
  }
}
}  // namespace

Result<void> JwksCache::fetch_locked_out(bool forced) {
  auto now = clock_.now();
  {
    std::lock_guard lock(mu_);
    if (fetching_) return fail("a fetch is already in progress");
    if (!forced && last_attempt_ && now - *last_attempt_ < options_.min_refetch_interval)
      return fail("refetch rate-limited");
    fetching_ = true;
    last_attempt_ = now;
    ++fetches_;
  }
  auto doc = source_->fetch();
  Result<JwkSet> set = fail("no document");
  if (doc)
    set = parse_jwks(doc->body, options_.key_options, options_.limits);
  else
    set = unexpected(doc.error());
  std::lock_guard lock(mu_);
  fetching_ = false;
  fetched_.notify_all();
  now = clock_.now();
  if (!set) {
    next_refresh_ = now + options_.min_refetch_interval;
    // The keys we had stay in service (an IdP outage or a bad certificate must not turn every
    // valid token away); the operator learns why the refresh failed.
    log::warn(std::string("keys not refreshed") + (keys_ ? " (the previous keys stay)" : "") + ": " +
              set.error().message);
    return unexpected(set.error());
  }
  auto ttl = std::clamp(doc->max_age.value_or(options_.default_refresh), options_.min_refresh, options_.max_refresh);
  next_refresh_ = now + ttl;
  if (keys_) keep_tables(*keys_, *set);
  keys_ = std::make_shared<const JwkSet>(std::move(*set));
  return {};
}

Result<void> JwksCache::refresh() {
  return fetch_locked_out(true);
}

bool JwksCache::refresh_if_due() {
  {
    std::lock_guard lock(mu_);
    if (keys_ && clock_.now() < next_refresh_) return false;
  }
  return fetch_locked_out(false).has_value();
}

AuthResult<std::vector<std::shared_ptr<const Jwk>>> JwksCache::find(const std::optional<std::string>& kid,
                                                                    Algorithm alg) {
  auto keys = snapshot();
  if (keys) {
    auto c = keys->candidates(kid, alg);
    if (!c.empty()) return c;
  }
  // A kid we have not seen may be a rotation: ask the source again, but only once per interval
  // so that a flood of tokens with random kids cannot turn us into a JWKS fetch amplifier.
  (void)fetch_locked_out(false);
  keys = snapshot();
  if (!keys) {
    // The first key set is being fetched for another request: wait for that fetch (bounded by
    // its deadline) rather than refuse a valid token because it arrived at start-up.
    std::unique_lock lock(mu_);
    fetched_.wait(lock, [&] { return !fetching_; });
    keys = keys_;
  }
  if (!keys) return reject(AuthError::keys_unavailable);
  auto c = keys->candidates(kid, alg);
  if (c.empty()) return reject(AuthError::unknown_key);
  return c;
}

}  // namespace mcpgate::oauth
