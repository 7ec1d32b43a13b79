#include "crm_customers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace crm {
using mcpgate::fail;
using mcpgate::Result;
namespace json = boost::json;

namespace {

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS customers (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, tier TEXT NOT NULL, notes TEXT NOT NULL);
INSERT OR IGNORE INTO customers VALUES
  ('1', 'Ada Lovelace', 'ada@example.com', 'gold', 'Prefers email.'),
  ('2', 'Alan Turing', 'alan@example.com', 'silver', ''),
  ('3', 'Grace Hopper', 'grace@example.com', 'gold', 'Renewal due in March.');
)SQL";

json::object row(const mcpgate::authserver::Stmt& s) {
  return {{"id", s.text(0)}, {"name", s.text(1)}, {"email", s.text(2)}, {"tier", s.text(3)}, {"notes", s.text(4)}};
}

}  // namespace

Result<std::unique_ptr<CustomerStore>> CustomerStore::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + path);
  ::close(fd);
  auto c = mcpgate::authserver::Connection::open(path);
  if (!c) return mcpgate::unexpected(c.error());
  if (!(*c)->exec_script(kSchema)) return fail((*c)->error("schema"));
  return std::unique_ptr<CustomerStore>(new CustomerStore(std::move(*c)));
}

Result<std::optional<json::object>> CustomerStore::get(const std::string& id) {
  auto s = db_->prepare("SELECT id, name, email, tier, notes FROM customers WHERE id=?");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<json::object>();
  if (rc != SQLITE_ROW) return fail(db_->error("get"));
  return std::optional<json::object>(row(s));
}

Result<json::array> CustomerStore::search(const std::string& query) {
  // instr, not LIKE: the query is text to find, never a pattern.
  auto s = db_->prepare(
      "SELECT id, name, email, tier, notes FROM customers WHERE ?1 = '' OR instr(name, ?1) > 0 OR "
      "instr(email, ?1) > 0 ORDER BY id");
  s.bind(1, query);
  json::array out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(row(s));
  if (rc != SQLITE_DONE) return fail(db_->error("search"));
  return out;
}

Result<bool> CustomerStore::update(const std::string& id, const json::object& fields) {
  auto current = get(id);
  if (!current) return mcpgate::unexpected(current.error());
  if (!*current) return false;
  auto& c = **current;
  for (auto* k : kCustomerFields)
    if (auto* v = fields.if_contains(k); v && v->is_string()) c[k] = *v;
  auto s = db_->prepare("UPDATE customers SET name=?, email=?, tier=?, notes=? WHERE id=?");
  auto str = [&c](const char* k) { return std::string(c[k].as_string()); };
  s.bind(1, str("name")).bind(2, str("email")).bind(3, str("tier")).bind(4, str("notes")).bind(5, id);
  if (s.step() != SQLITE_DONE) return fail(db_->error("update"));
  return true;
}

Result<bool> CustomerStore::remove(const std::string& id) {
  auto s = db_->prepare("DELETE FROM customers WHERE id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_DONE) return fail(db_->error("remove"));
  return db_->changes() > 0;
}

}  // namespace crm
