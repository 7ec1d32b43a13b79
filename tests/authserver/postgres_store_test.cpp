// What only the PostgreSQL store has: migrations shared by replicas, reconnection, and errors
// that say what went wrong. The behaviour every store shares is in store_contract_test.cpp.
#include "authserver/postgres_store.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "authserver/postgres_migrations.hpp"
#include "authserver/store_open.hpp"
#include "postgres_instance.hpp"

namespace mcpgate::authserver {
namespace {

std::string fresh_database() {
  auto pg = test::shared_postgres();
  EXPECT_TRUE(pg) << pg.error().message;
  if (!pg) return {};
  auto db = (*pg)->create_database();
  EXPECT_TRUE(db) << db.error().message;
  return db ? *db : std::string();
}

// Runs one statement of test set-up text on its own connection; returns the first value.
std::string query(const std::string& uri, const char* sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  PGresult* r = PQexec(c, sql);
  std::string v = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return v;
}

PgPoolOptions pool_for(const std::string& uri, std::size_t size = 2) {
  PgPoolOptions o;
  o.connect.conninfo = uri;
  o.size = size;
  return o;
}

// N replicas starting at once on an empty database: every one opens, and the schema is
// migrated once (the advisory lock makes the others wait, then find nothing to do).
TEST(PostgresStore, ReplicasStartingAtOnceMigrateOnce) {
  auto uri = fresh_database();
  ASSERT_FALSE(uri.empty());
  constexpr int kReplicas = 8;
  std::atomic<int> opened{0};
  std::vector<std::string> errors(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i)
    threads.emplace_back([&, i] {
      auto s = open_postgres_store(pool_for(uri));
      if (s)
        ++opened;
      else
        errors[std::size_t(i)] = s.error().message;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened, kReplicas) << errors[0];
  EXPECT_EQ(query(uri, "SELECT count(*) FROM schema_migrations"), std::to_string(pg_schema_version()));
  EXPECT_EQ(query(uri, "SELECT max(version) FROM schema_migrations"), std::to_string(pg_schema_version()));
}

// A database migrated by a newer mcpgate is left alone: this build refuses it rather than
// writing rows in a schema it does not know.
TEST(PostgresStore, RefusesASchemaNewerThanItKnows) {
  auto uri = fresh_database();
  ASSERT_TRUE(open_postgres_store(pool_for(uri)));
  query(uri, "INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')");
  auto s = open_postgres_store(pool_for(uri));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

// Values are parameters, never SQL text: a username made of SQL is stored and found as it is.
TEST(PostgresStore, ValuesThatLookLikeSqlAreJustValues) {
  auto uri = fresh_database();
  auto s = open_postgres_store(pool_for(uri));
  ASSERT_TRUE(s) << s.error().message;
  const std::string evil = "x'); DROP TABLE users; --";
  ASSERT_TRUE((*s)->put_user({evil, "$argon2id$z", 1, "$1 \\' \""}));
  auto u = (*s)->get_user(evil);
  ASSERT_TRUE(u && *u);
  EXPECT_EQ((*u)->scope, "$1 \\' \"");
  EXPECT_EQ((*s)->list_users()->size(), 1u);
}

// The server closed every connection (a restart, a failover): the next calls reconnect instead
// of failing for good.
TEST(PostgresStore, ReconnectsAfterTheServerDropsItsConnections) {
  auto uri = fresh_database();
  auto s = open_postgres_store(pool_for(uri, 1));
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE((*s)->put_user({"alice", "$argon2id$a", 1, ""}));
  query(uri,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'mcpgate' "
        "AND pid <> pg_backend_pid()");
  auto u = (*s)->get_user("alice");  // a read on the dead connection: retried on a new one
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(*u);
  query(uri,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'mcpgate' "
        "AND pid <> pg_backend_pid()");
  EXPECT_TRUE((*s)->put_user({"bob", "$argon2id$b", 2, ""}));  // a write: BEGIN retried on a new one
  EXPECT_EQ((*s)->list_users()->size(), 2u);
}

// Nothing listening: the error says so within the connect timeout; and it never carries the
// password it was given.
TEST(PostgresStore, UnreachableServerIsAClearErrorWithoutThePassword) {
  PgPoolOptions o;
  o.connect.conninfo = "postgresql://mcpgate@127.0.0.1:1/none";
  o.connect.password = "s3cret-do-not-print";
  o.connect.connect_timeout_seconds = 2;
  auto started = std::chrono::steady_clock::now();
  auto s = open_store_at(o.connect.conninfo, o);
  ASSERT_FALSE(s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(s.error().message.find("cannot connect"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos);
}

// A statement that runs past storage_statement_timeout_ms is cancelled by the server, and the
// call fails (the request answers an error) instead of holding a thread.
TEST(PostgresStore, StatementTimeoutBoundsAStuckLock) {
  auto uri = fresh_database();
  auto o = pool_for(uri, 1);
  o.connect.statement_timeout_ms = 200;
  auto s = open_postgres_store(o);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE((*s)->put_user({"alice", "$argon2id$a", 1, ""}));
  // Another session holds the user's row locked in an open transaction.
  PGconn* holder = PQconnectdb(uri.c_str());
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(holder, "SELECT * FROM users WHERE username = 'alice' FOR UPDATE"));
  auto r = (*s)->put_user({"alice", "$argon2id$a2", 2, ""});
  EXPECT_FALSE(r);
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  EXPECT_TRUE((*s)->put_user({"alice", "$argon2id$a2", 2, ""}));  // the pool is usable again
}

}  // namespace
}  // namespace mcpgate::authserver
