// What the embedded server tells the replicas' broadcast, and what it takes from it: every access
// token it revokes (RFC 7009 revocation, a revoked grant, refresh-token reuse) reaches the
// listener once stored; an announced revocation is refused here at once.
#include <boost/json.hpp>
#include <mutex>

#include "harness.hpp"

namespace mcpgate::authserver::testing {
namespace {
namespace json = boost::json;
using Revocation = AuthorizationServer::Revocation;

std::string field(const std::string& body, const char* k) {
  auto v = json::parse(body);
  return std::string(v.as_object().at(k).as_string());
}

std::string jti_of(const std::string& jwt) {
  auto a = jwt.find('.'), b = jwt.find('.', a + 1);
  auto payload = base64url_decode(std::string_view(jwt).substr(a + 1, b - a - 1));
  return std::string(json::parse(*payload).as_object().at("jti").as_string());
}

struct Heard {
  std::mutex mu;
  std::vector<Revocation> all;
  AuthorizationServer::RevocationListener listener() {
    return [this](const std::vector<Revocation>& r) {
      std::lock_guard l(mu);
      all.insert(all.end(), r.begin(), r.end());
    };
  }
  bool has(const std::string& jti) {
    std::lock_guard l(mu);
    for (auto& r : all)
      if (r.jti == jti) return true;
    return false;
  }
};

TEST(RevocationListener, HearsAnAccessTokenRevokedThroughRfc7009) {
  Harness h;
  Heard heard;
  h.as->on_revoked(heard.listener());
  auto t = h.redeem(h.code_for());
  ASSERT_EQ(t.status, 200u) << t.body;
  auto at = field(t.body, "access_token");
  EXPECT_EQ(h.post("/revoke", "client_id=public&token=" + at).status, 200u);
  ASSERT_TRUE(heard.has(jti_of(at)));
  EXPECT_GT(heard.all[0].expires_at, h.clock.t.load()) << "announced with the token's own expiry";
}

// RFC 7009 §2.1: revoking the refresh token revokes the grant's access tokens too; the replicas
// must hear of those as well.
TEST(RevocationListener, HearsTheAccessTokensOfARevokedGrant) {
  Harness h;
  Heard heard;
  h.as->on_revoked(heard.listener());
  auto t = h.redeem(h.code_for());
  auto at = field(t.body, "access_token");
  EXPECT_EQ(h.post("/revoke", "client_id=public&token=" + field(t.body, "refresh_token")).status, 200u);
  EXPECT_TRUE(heard.has(jti_of(at)));
}

// OAuth 2.1 §4.3.1: a replayed refresh token revokes its family.
TEST(RevocationListener, HearsTheFamilyRevokedByRefreshTokenReuse) {
  Harness h;
  Heard heard;
  h.as->on_revoked(heard.listener());
  auto t = h.redeem(h.code_for());
  auto rt = field(t.body, "refresh_token");
  auto r1 = h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt);
  ASSERT_EQ(r1.status, 200u) << r1.body;
  auto at2 = field(r1.body, "access_token");
  EXPECT_EQ(h.post("/token", "grant_type=refresh_token&client_id=public&refresh_token=" + rt).status, 400u);
  EXPECT_TRUE(heard.has(jti_of(at2)));
  EXPECT_TRUE(h.as->is_revoked(jti_of(at2)));
}

TEST(RevocationListener, AnnouncedRevocationsApplyAtOnceExpiredOnesAreIgnored) {
  Harness h;
  auto now = h.clock.t.load();
  h.as->add_revoked({{"from-another-replica", now + 60}, {"already-expired", now - 1}});
  EXPECT_TRUE(h.as->is_revoked("from-another-replica"));
  EXPECT_FALSE(h.as->is_revoked("already-expired"));
  EXPECT_EQ(h.as->last_revocation_reload(), now) << "read at start";
}

}  // namespace
}  // namespace mcpgate::authserver::testing
