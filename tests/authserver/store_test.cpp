#include "authserver/store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "authserver/sqlite_connection.hpp"
#include "core/secret.hpp"

namespace mcpgate::authserver {
namespace {

struct TempDb {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("as-store-" + std::to_string(::getpid()));
  std::string uri() const { return "sqlite:" + (dir / "sub" / "as.db").string(); }
  ~TempDb() { std::filesystem::remove_all(dir); }
};

TEST(SqliteStore, FileIsPrivateAndSurvivesReopen) {
  TempDb t;
  {
    auto s = open_store(t.uri());
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE((*s)->put_user({"alice", "$argon2id$x", 1}));
    ASSERT_TRUE((*s)->put_code({sha256_hex("c"), "cl", "https://r/cb", "ch", "https://rs", "a b", "alice", 1, 100}));
  }
  struct stat st {};
  ASSERT_EQ(::stat((t.dir / "sub" / "as.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto s = open_store(t.uri());
  ASSERT_TRUE(s);
  auto u = (*s)->get_user("alice");
  ASSERT_TRUE(u && *u);
  auto ok = [](const AuthorizationCode&) { return true; };
  IssuedToken at{"jti-1", "", 500};
  RefreshToken rt{sha256_hex("r1"), "", "", "", "", "", 1000};
  auto first = (*s)->redeem_code(sha256_hex("c"), 10, ok, "fam", rt, at);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->subject, "alice");
  auto stored = (*s)->get_refresh(sha256_hex("r1"), 10);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->subject, "alice");
  EXPECT_EQ((*stored)->scope, "a b");
  s->reset();
  // Reopened: the code stays redeemed, and replaying it revokes the family.
  auto again = open_store(t.uri());
  auto second = (*again)->redeem_code(sha256_hex("c"), 11, ok, "fam2", std::nullopt, IssuedToken{"jti-2", "", 500});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), RedeemError::already_redeemed);
  auto revoked = (*again)->revoked_jtis(11);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(*revoked, std::vector<std::string>{"jti-1"});
  EXPECT_FALSE(*(*again)->get_refresh(sha256_hex("r1"), 11));
}

TEST(SqliteStore, RefreshRotationAndReuse) {
  TempDb t;
  auto s = open_store(t.uri());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->put_code({sha256_hex("c"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE((*s)->redeem_code(
      sha256_hex("c"), 10, [](auto&) { return true; }, "f", RefreshToken{sha256_hex("r1"), "", "", "", "", "", 1000},
      IssuedToken{"a1", "", 500}));
  auto r = (*s)->rotate_refresh(sha256_hex("r1"), "other", 11, RefreshToken{sha256_hex("r2"), "", "", "", "", "", 1000},
                                IssuedToken{"a2", "", 500});
  EXPECT_EQ(r.error(), RefreshError::wrong_client);
  r = (*s)->rotate_refresh(sha256_hex("r1"), "cl", 11, RefreshToken{sha256_hex("r2"), "", "", "", "", "", 1000},
                           IssuedToken{"a2", "", 500});
  ASSERT_TRUE(r);
  r = (*s)->rotate_refresh(sha256_hex("r1"), "cl", 12, RefreshToken{sha256_hex("r3"), "", "", "", "", "", 1000},
                           IssuedToken{"a3", "", 500});
  EXPECT_EQ(r.error(), RefreshError::reused);
  r = (*s)->rotate_refresh(sha256_hex("r2"), "cl", 12, RefreshToken{sha256_hex("r4"), "", "", "", "", "", 1000},
                           IssuedToken{"a4", "", 500});
  EXPECT_EQ(r.error(), RefreshError::revoked);
  auto rev = (*s)->revoked_jtis(12);
  std::sort(rev->begin(), rev->end());
  EXPECT_EQ(*rev, (std::vector<std::string>{"a1", "a2"}));
}

// Writes from many threads share commits (group commit) but stay single-use: one code redeemed
// from 16 threads at once succeeds exactly once, and one refresh token rotated from 16 threads at
// once is rotated exactly once (the others see reuse, or the family that reuse revoked).
TEST(SqliteStore, ConcurrentRedemptionAndRotationSucceedExactlyOnce) {
  TempDb t;
  auto s = open_store(t.uri());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->put_code({sha256_hex("c"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE((*s)->redeem_code(
                      sha256_hex("c0"), 10, [](auto&) { return true; }, "f0", std::nullopt, IssuedToken{"x", "", 500})
                  .error() == RedeemError::not_found);
  std::atomic<int> redeemed{0}, rotated{0}, reused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      auto n = std::to_string(i);
      auto r = (*s)->redeem_code(
          sha256_hex("c"), 10, [](auto&) { return true; }, "f" + n,
          RefreshToken{sha256_hex("r1-" + n), "", "", "", "", "", 1000}, IssuedToken{"a" + n, "", 500});
      if (r) ++redeemed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(redeemed, 1);
  // (The 15 replays revoked what the one redemption issued, as they must.) A fresh grant for
  // the rotation race:
  ASSERT_TRUE((*s)->put_code({sha256_hex("c2"), "cl", "u", "ch", "rs", "", "bob", 1, 100}));
  ASSERT_TRUE((*s)->redeem_code(
      sha256_hex("c2"), 10, [](auto&) { return true; }, "g", RefreshToken{sha256_hex("r1"), "", "", "", "", "", 1000},
      IssuedToken{"g0", "", 500}));
  const std::string first = sha256_hex("r1");
  threads.clear();
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      auto n = std::to_string(i);
      auto r = (*s)->rotate_refresh(first, "cl", 11, RefreshToken{sha256_hex("r2-" + n), "", "", "", "", "", 1000},
                                    IssuedToken{"b" + n, "", 500});
      if (r) ++rotated;
      // The first replay revokes the family; later ones find it revoked.
      if (!r && (r.error() == RefreshError::reused || r.error() == RefreshError::revoked)) ++reused;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(rotated, 1);
  EXPECT_EQ(reused, 15);
}

// Every write that returned success is on disk: 400 token records from 8 threads, then a
// reopen (a new process would see the same file) revokes them all by family.
TEST(SqliteStore, EveryAcknowledgedWriteIsThereAfterReopen) {
  TempDb t;
  {
    auto s = open_store(t.uri());
    ASSERT_TRUE(s);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] {
        for (int j = 0; j < 50; ++j) {
          std::string jti = std::to_string(i * 1000 + j);
          if ((*s)->record_token({jti, "fam", 500})) ++ok;
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok, 400);
  }
  auto s = open_store(t.uri());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->revoke_family("fam", 10));
  auto rev = (*s)->revoked_jtis(10);
  ASSERT_TRUE(rev);
  EXPECT_EQ(rev->size(), 400u);
}

// A store written before users had allowed scopes (schema version 1) opens, is upgraded in
// place, keeps its users (with no restriction) and stores scopes from then on.
TEST(SqliteStore, MigratesAVersion1StoreToUserScopes) {
  TempDb t;
  auto path = t.dir / "sub" / "as.db";
  std::filesystem::create_directories(path.parent_path());
  { std::ofstream(path.string()).flush(); }
  {
    auto c = Connection::open(path.string());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_TRUE((*c)->exec_script(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', 1), ('key_generation', 0);"
        "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);"
        "INSERT INTO users VALUES ('old', '$argon2id$x', 7);"));
  }
  auto s = open_store(t.uri());
  ASSERT_TRUE(s) << s.error().message;
  auto old = (*s)->get_user("old");
  ASSERT_TRUE(old && *old);
  EXPECT_EQ((*old)->created_at, 7);
  EXPECT_EQ((*old)->scope, "");
  ASSERT_TRUE((*s)->put_user({"reader", "$argon2id$y", 8, "mcp:read"}));
  s->reset();
  auto again = open_store(t.uri());  // a second open does not migrate twice
  ASSERT_TRUE(again) << again.error().message;
  auto reader = (*again)->get_user("reader");
  ASSERT_TRUE(reader && *reader);
  EXPECT_EQ((*reader)->scope, "mcp:read");
  auto all = (*again)->list_users();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

}  // namespace
}  // namespace mcpgate::authserver
