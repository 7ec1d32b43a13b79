// The Store contract, run against every store: SQLite (one process) and PostgreSQL (a private
// server, see postgres_instance.hpp). Each test opens a fresh, empty store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "authserver/signing_keys.hpp"
#include "authserver/store_open.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "postgres_instance.hpp"

namespace mcpgate::authserver {
namespace {

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      static int n = 0;
      dir_ = std::filesystem::temp_directory_path() /
             ("as-contract-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
      uri_ = "sqlite:" + (dir_ / "as.db").string();
    } else {
      // No PostgreSQL is a failure, not a skip: scripts/setup installs it.
      auto pg = test::shared_postgres();
      ASSERT_TRUE(pg) << pg.error().message;
      auto db = (*pg)->create_database();
      ASSERT_TRUE(db) << db.error().message;
      uri_ = *db;
    }
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Store> open(std::size_t pool = 8) {
    PgPoolOptions o;
    o.size = pool;
    auto s = open_store_at(uri_, o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  std::filesystem::path dir_;
  std::string uri_;
};

const auto accept_all = [](const AuthorizationCode&) { return true; };
RefreshToken refresh(const std::string& secret) {
  return RefreshToken{sha256_hex(secret), "", "", "", "", "", 1000};
}

TEST_P(StoreContract, UsersClientsAndConsents) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put_user({"bob", "$argon2id$b", 2, "mcp:read"}));
  ASSERT_TRUE(s->put_user({"alice", "$argon2id$a", 1, ""}));
  ASSERT_TRUE(s->put_user({"bob", "$argon2id$b2", 3, "mcp:read mcp:write"}));  // replaces
  auto users = s->list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].username, "alice");
  EXPECT_EQ((*users)[1].password_hash, "$argon2id$b2");
  EXPECT_EQ((*users)[1].scope, "mcp:read mcp:write");
  EXPECT_FALSE(*s->get_user("carol"));

  ClientRecord c;
  c.client_id = "app";
  c.kind = ClientKind::dynamic;
  c.client_name = "App";
  c.redirect_uris = {"https://app/cb", "http://127.0.0.1/cb"};
  c.token_endpoint_auth_method = "client_secret_basic";
  c.secret_hash = sha256_hex("s");
  c.scope = "mcp:read";
  c.created_at = 5;
  ASSERT_TRUE(s->put_client(c));
  auto got = s->get_client("app");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->kind, ClientKind::dynamic);
  EXPECT_EQ((*got)->redirect_uris, c.redirect_uris);
  EXPECT_EQ((*got)->grant_types, c.grant_types);
  EXPECT_EQ((*got)->secret_hash, c.secret_hash);
  EXPECT_EQ(s->list_clients()->size(), 1u);

  ASSERT_TRUE(s->put_consent("bob", "app", "https://rs", "mcp:read", 10));
  EXPECT_TRUE(*s->has_consent("bob", "app", "https://rs", "mcp:read"));
  EXPECT_FALSE(*s->has_consent("bob", "app", "https://rs", "mcp:read mcp:write"));  // exactly that set
  EXPECT_TRUE(*s->remove_user("bob"));
  EXPECT_FALSE(*s->remove_user("bob"));
  EXPECT_FALSE(*s->has_consent("bob", "app", "https://rs", "mcp:read"));  // consents go with the user
  EXPECT_TRUE(*s->remove_client("app"));
  EXPECT_FALSE(*s->get_client("app"));
}

TEST_P(StoreContract, ProviderTokensAreReplacedAndGoWithTheUser) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put_user({"idp#u", "federated:{}", 1, ""}));
  EXPECT_FALSE(*s->get_provider_token("idp#u"));
  ASSERT_TRUE(s->put_provider_token({"idp#u", "sealed-1", 10}));
  ASSERT_TRUE(s->put_provider_token({"idp#u", "sealed-2", 20}));  // the provider rotated it
  auto t = s->get_provider_token("idp#u");
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->sealed, "sealed-2");
  EXPECT_EQ((*t)->checked_at, 20);
  EXPECT_TRUE(*s->remove_user("idp#u"));
  EXPECT_FALSE(*s->get_provider_token("idp#u"));  // a removed user leaves no provider credential
}

// RFC 6749 §4.1.2 / OAuth 2.1 §4.1.3: a code is used once; a second use revokes what the
// first issued.
TEST_P(StoreContract, CodeIsSingleUseAndReplayRevokesItsGrant) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put_code({sha256_hex("c"), "cl", "https://r/cb", "ch", "https://rs", "a b", "alice", 1, 100}));
  EXPECT_EQ(s->redeem_code(sha256_hex("nope"), 10, accept_all, "f0", std::nullopt, {"x", "", 500}).error(),
            RedeemError::not_found);
  auto first = s->redeem_code(sha256_hex("c"), 10, accept_all, "fam", refresh("r1"), {"jti-1", "", 500});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->subject, "alice");
  auto stored = s->get_refresh(sha256_hex("r1"), 10);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->scope, "a b");  // the grant's facts come from the code
  EXPECT_EQ((*stored)->client_id, "cl");
  auto second = s->redeem_code(sha256_hex("c"), 11, accept_all, "fam2", std::nullopt, {"jti-2", "", 500});
  EXPECT_EQ(second.error(), RedeemError::already_redeemed);
  EXPECT_EQ(*s->revoked_jtis(11), std::vector<std::string>{"jti-1"});
  EXPECT_FALSE(*s->get_refresh(sha256_hex("r1"), 11));

  // A code that fails the request's check is burnt: not retried with a better guess.
  ASSERT_TRUE(s->put_code({sha256_hex("d"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  auto reject = [](const AuthorizationCode&) { return false; };
  EXPECT_EQ(s->redeem_code(sha256_hex("d"), 10, reject, "g", std::nullopt, {"y", "", 500}).error(),
            RedeemError::mismatch);
  EXPECT_EQ(s->redeem_code(sha256_hex("d"), 10, accept_all, "g", std::nullopt, {"y", "", 500}).error(),
            RedeemError::already_redeemed);
  ASSERT_TRUE(s->put_code({sha256_hex("e"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  EXPECT_EQ(s->redeem_code(sha256_hex("e"), 100, accept_all, "h", std::nullopt, {"z", "", 500}).error(),
            RedeemError::expired);
}

// Sign-out: every family of the user (with or without refresh tokens) and its access tokens; the
// other users' grants stay.
TEST_P(StoreContract, RevokeUserGrantsEndsEveryFamilyOfThatUserOnly) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put_code({sha256_hex("c1"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE(s->put_code({sha256_hex("c2"), "cl2", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE(s->put_code({sha256_hex("c3"), "cl", "u", "ch", "rs", "", "alice", 1, 100}));
  ASSERT_TRUE(s->redeem_code(sha256_hex("c1"), 10, accept_all, "f1", refresh("r1"), {"a1", "", 500}));
  ASSERT_TRUE(s->rotate_refresh(sha256_hex("r1"), "cl", 11, refresh("r2"), {"a2", "", 500}));
  ASSERT_TRUE(s->redeem_code(sha256_hex("c2"), 10, accept_all, "f2", std::nullopt, {"b1", "", 500}));
  ASSERT_TRUE(s->redeem_code(sha256_hex("c3"), 10, accept_all, "f3", refresh("q1"), {"c1", "", 500}));
  ASSERT_TRUE(s->revoke_user_grants("bob", 12));
  auto rev = *s->revoked_jtis(12);
  std::sort(rev.begin(), rev.end());
  EXPECT_EQ(rev, (std::vector<std::string>{"a1", "a2", "b1"}));
  EXPECT_EQ(s->rotate_refresh(sha256_hex("r2"), "cl", 13, refresh("r3"), {"a3", "", 500}).error(),
            RefreshError::revoked);
  EXPECT_TRUE(*s->get_refresh(sha256_hex("q1"), 13));  // alice keeps hers
}

// RFC 9700 §4.14.2, OAuth 2.1 §4.3.1: a rotated refresh token presented again revokes the family.
TEST_P(StoreContract, RefreshRotationAndReuse) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->put_code({sha256_hex("c"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE(s->redeem_code(sha256_hex("c"), 10, accept_all, "f", refresh("r1"), {"a1", "", 500}));
  EXPECT_EQ(s->rotate_refresh(sha256_hex("r1"), "other", 11, refresh("r2"), {"a2", "", 500}).error(),
            RefreshError::wrong_client);
  ASSERT_TRUE(s->rotate_refresh(sha256_hex("r1"), "cl", 11, refresh("r2"), {"a2", "", 500}));
  EXPECT_EQ(s->rotate_refresh(sha256_hex("r1"), "cl", 12, refresh("r3"), {"a3", "", 500}).error(),
            RefreshError::reused);
  EXPECT_EQ(s->rotate_refresh(sha256_hex("r2"), "cl", 12, refresh("r4"), {"a4", "", 500}).error(),
            RefreshError::revoked);
  auto rev = *s->revoked_jtis(12);
  std::sort(rev.begin(), rev.end());
  EXPECT_EQ(rev, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(s->rotate_refresh(sha256_hex("zz"), "cl", 12, refresh("r5"), {"a5", "", 500}).error(),
            RefreshError::not_found);
}

TEST_P(StoreContract, KeysRevocationsAndPurge) {
  auto s = open();
  ASSERT_TRUE(s);
  auto gen = *s->key_generation();
  std::vector<KeyRecord> keys{{"k1", "ES256", "pem1", KeyRecord::State::current, 1, 0},
                              {"k0", "ES256", "pem0", KeyRecord::State::retired, 0, 1}};
  ASSERT_TRUE(*s->replace_keys(keys, gen));
  EXPECT_EQ(*s->key_generation(), gen + 1);
  // Conditional on the generation: a set built from what was read before is refused, unchanged.
  auto stale = s->replace_keys({{"k9", "ES256", "pem9", KeyRecord::State::current, 2, 0}}, gen);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  EXPECT_EQ(*s->key_generation(), gen + 1);
  EXPECT_EQ(s->list_keys()->size(), 2u);
  auto listed = *s->list_keys();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].kid, "k0");
  EXPECT_EQ(listed[0].state, KeyRecord::State::retired);
  EXPECT_EQ(listed[1].private_pem, "pem1");
  ASSERT_TRUE(*s->replace_keys({keys[0]}, gen + 1));
  EXPECT_EQ(s->list_keys()->size(), 1u);

  ASSERT_TRUE(s->revoke_jti("j1", 50));
  ASSERT_TRUE(s->revoke_jti("j1", 50));  // twice is fine
  ASSERT_TRUE(s->revoke_jti("j2", 500));
  EXPECT_EQ(s->revoked_jtis(10)->size(), 2u);
  ASSERT_TRUE(s->put_code({sha256_hex("c"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE(s->purge(100));
  EXPECT_EQ(*s->revoked_jtis(10), std::vector<std::string>{"j2"});
  EXPECT_EQ(s->redeem_code(sha256_hex("c"), 10, accept_all, "f", std::nullopt, {"x", "", 500}).error(),
            RedeemError::not_found);
}

// Single use under concurrency: one code redeemed from 16 threads at once (each on its own
// connection for PostgreSQL, as 16 replicas would be) succeeds exactly once, and one refresh
// token rotated from 16 threads at once is rotated exactly once; the others see reuse, or the
// family that reuse revoked.
TEST_P(StoreContract, ConcurrentRedemptionAndRotationSucceedExactlyOnce) {
  constexpr int kThreads = 16;
  std::vector<std::unique_ptr<Store>> stores;
  // For PostgreSQL: a store (pool) per thread, so the race is between connections as it is
  // between replicas. SQLite shares one store: one process owns its file.
  for (int i = 0; i < kThreads; ++i) {
    if (GetParam() == "sqlite" && i > 0) break;
    stores.push_back(open(1));
    ASSERT_TRUE(stores.back());
  }
  auto store = [&](int i) { return stores[std::size_t(i) % stores.size()].get(); };
  ASSERT_TRUE(store(0)->put_code({sha256_hex("c"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  std::atomic<int> redeemed{0}, replayed{0}, rotated{0}, reused{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto n = std::to_string(i);
      auto r = store(i)->redeem_code(sha256_hex("c"), 10, accept_all, "f" + n, refresh("r1-" + n), {"a" + n, "", 500});
      if (r) ++redeemed;
      if (!r && r.error() == RedeemError::already_redeemed) ++replayed;
    });
  go = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(redeemed, 1);
  EXPECT_EQ(replayed, kThreads - 1);

  ASSERT_TRUE(store(0)->put_code({sha256_hex("c2"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE(store(0)->redeem_code(sha256_hex("c2"), 10, accept_all, "g", refresh("r1"), {"g0", "", 500}));
  threads.clear();
  go = false;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto n = std::to_string(i);
      auto r = store(i)->rotate_refresh(sha256_hex("r1"), "cl", 11, refresh("r2-" + n), {"b" + n, "", 500});
      if (r) ++rotated;
      if (!r && (r.error() == RefreshError::reused || r.error() == RefreshError::revoked)) ++reused;
    });
  go = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(rotated, 1);
  EXPECT_EQ(reused, kThreads - 1);
  // The reuse revoked the family, including the access token the one winner was issued.
  auto rev = *store(0)->revoked_jtis(11);
  EXPECT_EQ(std::count_if(rev.begin(), rev.end(), [](auto& j) { return j.starts_with("b"); }), 1);
}

// Every acknowledged write is there for a store opened afterwards (another process, another
// replica): 400 token records from 8 threads, then revoked by family from a new store.
TEST_P(StoreContract, EveryAcknowledgedWriteIsVisibleToANewStore) {
  {
    auto s = open(4);
    ASSERT_TRUE(s);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] {
        for (int j = 0; j < 50; ++j)
          if (s->record_token({std::to_string(i * 1000 + j), "fam", 500})) ++ok;
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok, 400);
  }
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->revoke_family("fam", 10));
  EXPECT_EQ(s->revoked_jtis(10)->size(), 400u);
}

// Replicas starting together on an empty store: each finds no signing key and builds a set, but
// they all end up signing with the one key the store kept (before the conditional replacement,
// the last writer won and the others signed with keys that no JWKS published).
TEST_P(StoreContract, ConcurrentFirstStartsAgreeOnOneSigningKey) {
  constexpr int kReplicas = 8;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kReplicas; ++i) {
    if (GetParam() == "sqlite" && i > 0) break;
    stores.push_back(open(1));
    ASSERT_TRUE(stores.back());
  }
  std::vector<std::unique_ptr<SigningKeys>> keys;
  for (int i = 0; i < kReplicas; ++i)
    keys.push_back(std::make_unique<SigningKeys>(*stores[std::size_t(i) % stores.size()], system_random(),
                                                 std::chrono::seconds(3600)));
  std::atomic<bool> go{false};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i)
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      if (keys[std::size_t(i)]->init(100)) ++ok;
    });
  go = true;
  for (auto& th : threads) th.join();
  ASSERT_EQ(ok, kReplicas);
  auto stored = *stores[0]->list_keys();
  EXPECT_EQ(stored.size(), 2u);  // one current, one next
  for (auto& k : keys) {
    ASSERT_TRUE(k->current());
    EXPECT_EQ(k->current()->record.kid, keys[0]->current()->record.kid);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mcpgate::authserver
