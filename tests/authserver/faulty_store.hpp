#pragma once
// A Store that passes every call to a real one, except the reads a test makes fail: the storage
// errors the server must not drop.
#include <atomic>

#include "authserver/store.hpp"

namespace mcpgate::authserver::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(std::unique_ptr<Store> inner) : s_(std::move(inner)) {}

  std::atomic<bool> fail_get_user{false};
  std::atomic<bool> fail_get_refresh{false};
  std::atomic<bool> fail_get_client{false};

  Result<void> put_user(const UserRecord& u) override { return s_->put_user(u); }
  Result<std::optional<UserRecord>> get_user(std::string_view n) override {
    if (fail_get_user) return fail("storage: injected failure");
    return s_->get_user(n);
  }
  Result<std::vector<UserRecord>> list_users() override { return s_->list_users(); }
  Result<bool> remove_user(std::string_view n) override { return s_->remove_user(n); }
  Result<void> put_provider_token(const ProviderToken& t) override { return s_->put_provider_token(t); }
  Result<std::optional<ProviderToken>> get_provider_token(std::string_view n) override {
    return s_->get_provider_token(n);
  }
  Result<void> put_client(const ClientRecord& c) override { return s_->put_client(c); }
  Result<std::optional<ClientRecord>> get_client(std::string_view id) override {
    if (fail_get_client) return fail("storage: injected failure at db.internal:5432");
    return s_->get_client(id);
  }
  Result<std::vector<ClientRecord>> list_clients() override { return s_->list_clients(); }
  Result<bool> remove_client(std::string_view id) override { return s_->remove_client(id); }
  Result<void> put_consent(std::string_view u, std::string_view c, std::string_view r, std::string_view s,
                           Seconds now) override {
    return s_->put_consent(u, c, r, s, now);
  }
  Result<bool> has_consent(std::string_view u, std::string_view c, std::string_view r, std::string_view s) override {
    return s_->has_consent(u, c, r, s);
  }
  Result<void> put_code(const AuthorizationCode& c) override { return s_->put_code(c); }
  expected<AuthorizationCode, RedeemError> redeem_code(std::string_view h, Seconds now,
                                                       const std::function<bool(const AuthorizationCode&)>& check,
                                                       const std::string& family, const std::optional<RefreshToken>& r,
                                                       const IssuedToken& a) override {
    return s_->redeem_code(h, now, check, family, r, a);
  }
  expected<RefreshToken, RefreshError> rotate_refresh(std::string_view h, std::string_view c, Seconds now,
                                                      const RefreshToken& next, const IssuedToken& a) override {
    return s_->rotate_refresh(h, c, now, next, a);
  }
  Result<std::optional<RefreshToken>> get_refresh(std::string_view h, Seconds now) override {
    if (fail_get_refresh) return fail("storage: injected failure");
    return s_->get_refresh(h, now);
  }
  Result<void> revoke_family(std::string_view f, Seconds now) override { return s_->revoke_family(f, now); }
  Result<void> revoke_user_grants(std::string_view u, Seconds now) override { return s_->revoke_user_grants(u, now); }
  Result<void> record_token(const IssuedToken& t) override { return s_->record_token(t); }
  Result<void> revoke_jti(std::string_view j, Seconds exp) override { return s_->revoke_jti(j, exp); }
  Result<std::vector<std::string>> revoked_jtis(Seconds now) override { return s_->revoked_jtis(now); }
  Result<std::vector<KeyRecord>> list_keys() override { return s_->list_keys(); }
  Result<bool> replace_keys(const std::vector<KeyRecord>& k, std::int64_t g) override { return s_->replace_keys(k, g); }
  Result<std::int64_t> key_generation() override { return s_->key_generation(); }
  Result<void> purge(Seconds now) override { return s_->purge(now); }

 private:
  std::unique_ptr<Store> s_;
};

}  // namespace mcpgate::authserver::testing
