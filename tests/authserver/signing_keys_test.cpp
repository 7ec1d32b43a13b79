// The signing key set: generation, rotation, the published JWK Set, and that a token signed with
// the current key verifies with the key the JWK Set publishes.
#include "authserver/signing_keys.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>

#include "oauth/jwks.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {
namespace {
namespace json = boost::json;

constexpr Seconds kT0 = 1'900'000'000;
constexpr std::chrono::seconds kGrace{600};

struct KeysFixture : ::testing::Test {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("as-keys-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<Store> store;
  void SetUp() override {
    auto s = open_store("sqlite:" + (dir / "as.db").string());
    ASSERT_TRUE(s) << s.error().message;
    store = std::move(*s);
  }
  void TearDown() override {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  static std::string kid_in(const std::vector<KeyRecord>& records, KeyRecord::State state) {
    for (auto& r : records)
      if (r.state == state) return r.kid;
    return {};
  }
  static std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::vector<std::string> published_kids(const json::object& jwks) {
    std::vector<std::string> out;
    for (auto& k : jwks.at("keys").as_array()) out.emplace_back(k.as_object().at("kid").as_string());
    std::sort(out.begin(), out.end());  // the set, not the store's order
    return out;
  }
};

TEST_F(KeysFixture, InitCreatesACurrentAndANextKeyAndPublishesBoth) {
  SigningKeys keys(*store, system_random(), kGrace);
  ASSERT_TRUE(keys.init(kT0));
  auto records = keys.records();
  ASSERT_EQ(records.size(), 2u);
  auto current = kid_in(records, KeyRecord::State::current);
  auto next = kid_in(records, KeyRecord::State::next);
  EXPECT_FALSE(current.empty());
  EXPECT_FALSE(next.empty());
  EXPECT_NE(current, next);
  for (auto& r : records) EXPECT_TRUE(r.private_pem.empty()) << "records() never hands out private keys";
  ASSERT_TRUE(keys.current());
  EXPECT_EQ(keys.current()->record.kid, current);

  // The next key is published before it signs, so verifiers have it cached at rotation.
  auto jwks = keys.jwks(kT0);
  EXPECT_EQ(published_kids(jwks), sorted({current, next}));
  for (auto& k : jwks.at("keys").as_array()) {
    auto& o = k.as_object();
    EXPECT_EQ(o.at("kty"), "EC");
    EXPECT_EQ(o.at("crv"), "P-256");
    EXPECT_EQ(o.at("alg"), "ES256");
    EXPECT_EQ(o.at("use"), "sig");
    EXPECT_FALSE(o.contains("d")) << "the private part is never published";
  }
}

TEST_F(KeysFixture, InitKeepsTheKeysAlreadyStored) {
  std::vector<KeyRecord> first;
  {
    SigningKeys keys(*store, system_random(), kGrace);
    ASSERT_TRUE(keys.init(kT0));
    first = keys.records();
  }
  SigningKeys again(*store, system_random(), kGrace);
  ASSERT_TRUE(again.init(kT0 + 10));
  EXPECT_EQ(kid_in(again.records(), KeyRecord::State::current), kid_in(first, KeyRecord::State::current));
  EXPECT_EQ(kid_in(again.records(), KeyRecord::State::next), kid_in(first, KeyRecord::State::next));
}

TEST_F(KeysFixture, ATokenSignedWithTheCurrentKeyVerifiesWithThePublishedKey) {
  SigningKeys keys(*store, system_random(), kGrace);
  ASSERT_TRUE(keys.init(kT0));
  auto key = keys.current();
  ASSERT_TRUE(key);
  auto token = oauth::mint_token(
      key->key, oauth::MintRequest{key->alg, key->record.kid, "at+jwt", json::object{{"iss", "https://as.example"}}});
  ASSERT_TRUE(token) << token.error().message;
  auto jws = oauth::parse_jws(*token);
  ASSERT_TRUE(jws);
  auto set = oauth::parse_jwks(json::serialize(keys.jwks(kT0)));
  ASSERT_TRUE(set) << set.error().message;
  auto candidates = set->candidates(jws->header.kid, jws->header.alg);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(oauth::default_verifier().verify(jws->header.alg, *candidates[0], jws->signing_input, jws->signature));
  // The in-memory verifier (used when the server is shown its own token) agrees.
  auto found = keys.find(*jws->header.kid);
  ASSERT_TRUE(found && found->verifier);
  EXPECT_TRUE(oauth::default_verifier().verify(jws->header.alg, *found->verifier, jws->signing_input, jws->signature));
  // A tampered signature does not verify.
  auto bad = jws->signature;
  bad[0] = char(bad[0] ^ 1);
  EXPECT_FALSE(oauth::default_verifier().verify(jws->header.alg, *candidates[0], jws->signing_input, bad));
}

TEST_F(KeysFixture, RotationPromotesNextRetiresCurrentAndDropsItAfterTheGrace) {
  SigningKeys keys(*store, system_random(), kGrace);
  ASSERT_TRUE(keys.init(kT0));
  auto old_current = kid_in(keys.records(), KeyRecord::State::current);
  auto old_next = kid_in(keys.records(), KeyRecord::State::next);

  ASSERT_TRUE(keys.rotate(kT0 + 100));
  auto records = keys.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(kid_in(records, KeyRecord::State::current), old_next);
  EXPECT_EQ(kid_in(records, KeyRecord::State::retired), old_current);
  auto new_next = kid_in(records, KeyRecord::State::next);
  EXPECT_FALSE(new_next.empty());
  EXPECT_NE(new_next, old_current);
  EXPECT_NE(new_next, old_next);
  EXPECT_EQ(keys.current()->record.kid, old_next);
  // The retired key stays published while tokens it signed may still be valid...
  EXPECT_EQ(published_kids(keys.jwks(kT0 + 100)).size(), 3u);
  EXPECT_TRUE(keys.find(old_current));
  // ...and is no longer published once its grace is over, even before the next rotation.
  auto later = published_kids(keys.jwks(kT0 + 100 + kGrace.count()));
  EXPECT_EQ(later, sorted({old_next, new_next}));

  // The rotation after the grace drops it from the store too (with its private key).
  ASSERT_TRUE(keys.rotate(kT0 + 100 + kGrace.count()));
  records = keys.records();
  for (auto& r : records) EXPECT_NE(r.kid, old_current);
  EXPECT_EQ(kid_in(records, KeyRecord::State::current), new_next);
}

TEST_F(KeysFixture, ARotationByAnotherProcessIsPickedUpByReload) {
  SigningKeys serving(*store, system_random(), kGrace);
  ASSERT_TRUE(serving.init(kT0));
  auto next = kid_in(serving.records(), KeyRecord::State::next);
  // `mcpgate keys rotate`: another SigningKeys over the same store.
  SigningKeys admin(*store, system_random(), kGrace);
  ASSERT_TRUE(admin.init(kT0));
  ASSERT_TRUE(admin.rotate(kT0 + 5));
  EXPECT_NE(serving.current()->record.kid, next) << "not picked up before a reload";
  ASSERT_TRUE(serving.reload_if_changed(kT0 + 6));
  EXPECT_EQ(serving.current()->record.kid, next);
  EXPECT_EQ(published_kids(serving.jwks(kT0 + 6)), published_kids(admin.jwks(kT0 + 6)));
}

}  // namespace
}  // namespace mcpgate::authserver
