// Sealed legacy session ids (gateway/session_seal): what one replica seals another with the same
// key opens; anything else — a changed byte, a cut id, another key, another endpoint, an expired
// id — is refused with a named reason (and answered as an unknown session by the endpoint).
#include "gateway/session_seal.hpp"

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "gateway/ended_sessions.hpp"
#include "support/fake_clock.hpp"

namespace mcpgate::gateway {
namespace {
using mcpgate::testing::FakeClock;
using namespace std::chrono_literals;

const std::string kResource = "https://mcp.example.com/mcp";
const std::string kAlice = "https://issuer.test\nalice\nagent";

SealingKey key(std::string id, char fill) {
  return {std::move(id), Secret(std::string(40, fill))};
}

SessionState sample() {
  SessionState s;
  s.owner = SessionSealer::owner_of(kAlice);
  s.protocol_version = "2025-11-25";
  s.handshake["protocolVersion"] = "2025-11-25";
  s.handshake["capabilities"] = boost::json::object{{"roots", boost::json::object()}};
  s.handshake["clientInfo"] = boost::json::object{{"name", "client"}, {"version", "1"}};
  s.upstreams.push_back({"web", "upstream-session-1", "2025-06-18"});
  s.upstreams.push_back({"files", "", ""});
  return s;
}

TEST(SessionSeal, RoundTripCarriesEverythingAnotherReplicaNeeds) {
  FakeClock clock;
  SessionSealer a({key("k1", 'a')}, kResource, 3600s, clock);
  SessionSealer b({key("k1", 'a')}, kResource, 3600s, clock);  // another replica, same key
  auto state = sample();
  auto id = a.seal(state);
  ASSERT_TRUE(id);
  EXPECT_EQ(state.created, clock.seconds());
  EXPECT_EQ(state.expires, clock.seconds() + 3600);
  auto opened = b.open(*id);
  ASSERT_TRUE(opened) << reason_name(opened.error());
  EXPECT_TRUE(SessionSealer::owned_by(*opened, kAlice));
  EXPECT_EQ(opened->protocol_version, "2025-11-25");
  EXPECT_EQ(opened->handshake, sample().handshake);
  ASSERT_EQ(opened->upstreams.size(), 2u);
  EXPECT_EQ(opened->upstreams[0].name, "web");
  EXPECT_EQ(opened->upstreams[0].session_id, "upstream-session-1");
  EXPECT_EQ(opened->upstreams[0].protocol_version, "2025-06-18");
  EXPECT_EQ(opened->upstreams[1].session_id, "");
  EXPECT_EQ(opened->expires, state.expires);
}

// 2025-11-25 transports, "Session Management": the session ID MUST only contain visible ASCII
// characters (0x21 to 0x7E); and (security best practices) it MUST be non-deterministic.
TEST(SessionSeal, IdIsVisibleAsciiAndDiffersEachTime) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st1 = sample(), st2 = sample();
  auto id1 = s.seal(st1), id2 = s.seal(st2);
  ASSERT_TRUE(id1 && id2);
  EXPECT_NE(*id1, *id2);  // a random nonce per seal
  for (unsigned char c : *id1) EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << int(c);
  // Nothing it carries shows through.
  EXPECT_EQ(id1->find("upstream-session"), std::string::npos);
  EXPECT_EQ(base64url_decode(*id1)->find("upstream-session"), std::string::npos);
  EXPECT_EQ(base64url_decode(*id1)->find("client"), std::string::npos);
}

TEST(SessionSeal, EveryChangedByteIsRefused) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st = sample();
  auto id = s.seal(st);
  ASSERT_TRUE(id);
  auto raw = *base64url_decode(*id);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      auto t = raw;
      t[i] = static_cast<char>(t[i] ^ bit);
      auto r = s.open(base64url_encode(t));
      ASSERT_FALSE(r) << "byte " << i << " bit " << int(bit) << " changed, still opened";
      // The version byte and the key tag are checked before decryption; the rest by GCM's tag.
      if (i == 0)
        EXPECT_EQ(r.error(), UnsealError::malformed);
      else if (i < 5)
        EXPECT_EQ(r.error(), UnsealError::unknown_key);
      else
        EXPECT_EQ(r.error(), UnsealError::forged);
    }
  }
}

TEST(SessionSeal, TruncatedExtendedAndGarbageIdsAreRefused) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st = sample();
  auto id = *s.seal(st);
  for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(10), std::size_t(40), id.size() - 1})
    EXPECT_FALSE(s.open(id.substr(0, n))) << n;
  EXPECT_FALSE(s.open(id + "A"));
  EXPECT_FALSE(s.open("not base64url!"));
  EXPECT_FALSE(s.open(std::string(SessionSealer::kMaxIdBytes + 1, 'A')));
  // The random 24-byte ids of an older gateway: not an id of this format.
  EXPECT_EQ(s.open(std::string(32, 'A')).error(), UnsealError::malformed);
}

TEST(SessionSeal, AnotherKeyDoesNotOpen) {
  FakeClock clock;
  SessionSealer a({key("k1", 'a')}, kResource, 3600s, clock);
  SessionSealer other({key("k1", 'b')}, kResource, 3600s, clock);  // same name, another secret
  auto st = sample();
  auto id = *a.seal(st);
  auto r = other.open(id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UnsealError::unknown_key);
  // Without configured keys each process has its own random key: not shared.
  SessionSealer p1({}, kResource, 3600s, clock), p2({}, kResource, 3600s, clock);
  auto st2 = sample();
  auto id2 = *p1.seal(st2);
  EXPECT_TRUE(p1.open(id2));
  EXPECT_FALSE(p2.open(id2));
  EXPECT_FALSE(p1.shared());
}

TEST(SessionSeal, BoundToTheEndpointsResource) {
  FakeClock clock;
  SessionSealer a({key("k1", 'a')}, kResource, 3600s, clock);
  SessionSealer b({key("k1", 'a')}, "https://mcp.example.com/other", 3600s, clock);
  auto st = sample();
  auto r = b.open(*a.seal(st));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UnsealError::forged);
}

// Rotation: add the new key second, roll out; move it first, roll out; remove the old one.
TEST(SessionSeal, RotationOpensOldIdsWhileTheOldKeyIsListed) {
  FakeClock clock;
  SessionSealer old_only({key("old", 'o')}, kResource, 3600s, clock);
  SessionSealer step1({key("old", 'o'), key("new", 'n')}, kResource, 3600s, clock);
  SessionSealer step2({key("new", 'n'), key("old", 'o')}, kResource, 3600s, clock);
  SessionSealer step3({key("new", 'n')}, kResource, 3600s, clock);
  auto s0 = sample(), s1 = sample(), s2 = sample();
  auto by_old = *old_only.seal(s0);
  auto by_step1 = *step1.seal(s1);  // still sealed with the old key
  auto by_new = *step2.seal(s2);
  for (auto* s : {&old_only, &step1, &step2}) {
    EXPECT_TRUE(s->open(by_old));
    EXPECT_TRUE(s->open(by_step1));
  }
  EXPECT_TRUE(step1.open(by_new));  // a replica not yet moved opens the new key's ids
  EXPECT_TRUE(step2.open(by_new));
  EXPECT_TRUE(step3.open(by_new));
  EXPECT_FALSE(old_only.open(by_new));
  EXPECT_EQ(step3.open(by_old).error(), UnsealError::unknown_key);  // the old key removed
}

TEST(SessionSeal, BoundToThePrincipal) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st = sample();
  auto opened = s.open(*s.seal(st));
  ASSERT_TRUE(opened);
  EXPECT_TRUE(SessionSealer::owned_by(*opened, kAlice));
  EXPECT_FALSE(SessionSealer::owned_by(*opened, "https://issuer.test\nbob\nagent"));
  EXPECT_FALSE(SessionSealer::owned_by(*opened, "https://issuer.test\nalice\nother-client"));
  EXPECT_FALSE(SessionSealer::owned_by(*opened, "https://other.test\nalice\nagent"));
  EXPECT_FALSE(SessionSealer::owned_by(*opened, ""));
}

TEST(SessionSeal, ExpiresAfterMaxAgeAndWhenAReplicaShortensIt) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  SessionSealer shorter({key("k1", 'a')}, kResource, 600s, clock);
  auto st = sample();
  auto id = *s.seal(st);
  clock.advance(599s);
  EXPECT_TRUE(s.open(id));
  EXPECT_TRUE(shorter.open(id));
  clock.advance(1s);
  EXPECT_EQ(shorter.open(id).error(), UnsealError::expired);
  EXPECT_TRUE(s.open(id));
  clock.advance(3000s);
  EXPECT_EQ(s.open(id).error(), UnsealError::expired);
}

// Regression: the payload parser allowed 8 levels of nesting, so a client whose capabilities nest
// deeper (experimental capabilities may) got an id that sealed but that no replica could open.
TEST(SessionSeal, DeeplyNestedCapabilitiesStillOpen) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st = sample();
  boost::json::object nested{{"leaf", true}};
  for (int i = 0; i < 12; ++i) nested = boost::json::object{{"level", std::move(nested)}};
  st.handshake["capabilities"] = boost::json::object{{"experimental", std::move(nested)}};
  auto id = s.seal(st);
  ASSERT_TRUE(id);
  auto opened = s.open(*id);
  ASSERT_TRUE(opened) << reason_name(opened.error());
  EXPECT_EQ(opened->handshake, st.handshake);
}

TEST(SessionSeal, TooLargeIsNotSealed) {
  FakeClock clock;
  SessionSealer s({key("k1", 'a')}, kResource, 3600s, clock);
  auto st = sample();
  st.handshake["capabilities"] = boost::json::object{{"x", std::string(SessionSealer::kMaxIdBytes, 'x')}};
  EXPECT_FALSE(s.seal(st));
}

TEST(SessionSeal, ShortSecretIsRefusedAtStartUp) {
  EXPECT_THROW(SessionSealer({{"k", Secret(std::string(31, 'a'))}}, kResource, 3600s), std::runtime_error);
}

TEST(SessionSeal, HandshakeKeepsOnlyWhatAReplayNeeds) {
  boost::json::object params{{"protocolVersion", "2025-11-25"},
                             {"capabilities", boost::json::object()},
                             {"clientInfo", boost::json::object{{"name", "c"}}},
                             {"_meta", boost::json::object{{"progressToken", 1}}}};
  auto h = SessionSealer::handshake_of(params);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_FALSE(h.contains("_meta"));
}

TEST(EndedSessions, RememberedUntilExpiryAndBounded) {
  EndedSessions ended(2);
  ended.add("a", 100, 10);
  ended.add("b", 200, 10);
  EXPECT_TRUE(ended.contains("a", 50));
  EXPECT_FALSE(ended.contains("c", 50));
  ended.add("c", 300, 50);  // full: the one expiring first is forgotten
  EXPECT_FALSE(ended.contains("a", 50));
  EXPECT_TRUE(ended.contains("b", 50));
  EXPECT_TRUE(ended.contains("c", 50));
  EXPECT_FALSE(ended.contains("b", 200));  // expired: it would not open anyway
  ended.add("d", 10, 50);                  // already expired: nothing to remember
  EXPECT_FALSE(ended.contains("d", 50));
  EXPECT_EQ(ended.size(), 1u);
}

}  // namespace
}  // namespace mcpgate::gateway
