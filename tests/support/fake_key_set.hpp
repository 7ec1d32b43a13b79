#pragma once
// An issuer for tests: one ES256 signing key, the JWKS that publishes it (as a JwksSource that can
// be made to fail), and a minter for access tokens with whatever claims a test needs.
#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "oauth/jwks_cache.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::testing {

class FakeKeySet {
 public:
  explicit FakeKeySet(std::string kid = "k1") : state_(std::make_shared<State>()), kid_(std::move(kid)) {
    auto key = oauth::SigningKey::generate(oauth::Algorithm::ES256);
    if (!key) throw std::runtime_error("cannot generate a test key");
    key_ = std::make_shared<oauth::SigningKey>(std::move(*key));
    auto jwk = key_->public_jwk(kid_, oauth::Algorithm::ES256);
    if (!jwk) throw std::runtime_error("cannot export a test key");
    state_->body = boost::json::serialize(boost::json::object{{"keys", boost::json::array{std::move(*jwk)}}});
  }

  // The key set as an issuer publishes it; `failing(true)` makes every fetch fail, as an
  // unreachable jwks_uri does.
  std::unique_ptr<oauth::JwksSource> source() const { return std::make_unique<Source>(state_); }
  void failing(bool f) {
    std::lock_guard lock(state_->mu);
    state_->failing = f;
  }
  int fetches() const {
    std::lock_guard lock(state_->mu);
    return state_->fetches;
  }

  // A compact JWS over `claims` (typ at+jwt, this set's kid unless `kid` says otherwise).
  std::string mint(boost::json::object claims, std::optional<std::string> kid = std::nullopt) const {
    oauth::MintRequest r;
    r.kid = kid.value_or(kid_);
    r.claims = std::move(claims);
    auto t = oauth::mint_token(*key_, r);
    if (!t) throw std::runtime_error("cannot mint a test token");
    return *t;
  }

 private:
  struct State {
    mutable std::mutex mu;
    std::string body;
    bool failing = false;
    int fetches = 0;
  };
  class Source final : public oauth::JwksSource {
   public:
    explicit Source(std::shared_ptr<State> s) : s_(std::move(s)) {}
    Result<oauth::JwksDocument> fetch() override {
      std::lock_guard lock(s_->mu);
      ++s_->fetches;
      if (s_->failing) return fail("test key set unavailable");
      return oauth::JwksDocument{s_->body, std::nullopt};
    }

   private:
    std::shared_ptr<State> s_;
  };

  std::shared_ptr<State> state_;
  std::shared_ptr<oauth::SigningKey> key_;
  std::string kid_;
};

}  // namespace mcpgate::testing
