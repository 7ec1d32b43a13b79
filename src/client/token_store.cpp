#include "client/token_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "core/json.hpp"

namespace mcpgate::client {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Holds the store's lock file for the duration of one read-modify-write.
class Lock {
 public:
  explicit Lock(const fs::path& dir) {
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~Lock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  int fd_ = -1;
};

[[nodiscard]] Result<void> ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return {};
}

[[nodiscard]] Result<json::object> load(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return json::object{};  // nothing stored yet
  std::string text;
  char buf[8192];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 8 * 1024 * 1024) break;
  }
  ::close(fd);
  auto v = parse_json(text, {32, 8 * 1024 * 1024});
  if (!v || !v->is_object()) return fail(file.string() + " is damaged (not a JSON object); remove it to start over");
  return std::move(v->get_object());
}

[[nodiscard]] Result<void> save(const fs::path& file, const json::object& doc) {
  auto tmp = file;
  tmp += ".tmp";
  // Created 0600 from the start: the tokens are never readable by others, not even briefly.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot write " + tmp.string());
  ::fchmod(fd, 0600);
  auto text = json::serialize(doc);
  text += "\n";
  std::size_t off = 0;
  while (off < text.size()) {
    auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      ::close(fd);
      return fail("cannot write " + tmp.string());
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) return fail("cannot replace " + file.string());
  return {};
}

std::string str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object& section(json::object& doc, std::string_view name) {
  auto& v = doc[name];
  if (!v.is_object()) v = json::object{};
  return v.get_object();
}

const json::object* find_object(const json::object& doc, std::string_view sect, std::string_view key) {
  auto* s = doc.if_contains(sect);
  if (!s || !s->is_object()) return nullptr;
  auto* v = s->get_object().if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string token_key(const std::string& issuer, const std::string& resource) {
  // A space separates them: neither an issuer nor a resource URL may contain one.
  return issuer + " " + resource;
}

// Runs `change` on the document under the lock and saves it.
template <class F>
[[nodiscard]] Result<void> update(const fs::path& dir, const fs::path& file, F&& change) {
  if (auto r = ensure_dir(dir); !r) return r;
  Lock lock(dir);
  auto doc = load(file);
  if (!doc) return unexpected(doc.error());
  (*doc)["version"] = 1;
  change(*doc);
  return save(file, *doc);
}

}  // namespace

fs::path TokenStore::default_dir() {
  if (const char* d = std::getenv("MCPGATE_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return fs::path(x) / "mcpgate";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".config" / "mcpgate";
  return fs::path(".mcpgate");
}

Result<std::optional<StoredClient>> TokenStore::client(const std::string& issuer) const {
  auto doc = load(file());
  if (!doc) return unexpected(doc.error());
  auto* o = find_object(*doc, "clients", issuer);
  if (!o) return std::optional<StoredClient>{};
  StoredClient c;
  c.client_id = str(*o, "client_id");
  c.client_secret = Secret(str(*o, "client_secret"));
  c.auth_method = str(*o, "auth_method");
  c.redirect_uri = str(*o, "redirect_uri");
  auto* reg = o->if_contains("registered_here");
  c.registered_here = reg && reg->is_bool() && reg->get_bool();
  if (c.client_id.empty()) return std::optional<StoredClient>{};
  if (c.auth_method.empty()) c.auth_method = "none";
  return std::optional<StoredClient>(std::move(c));
}

Result<void> TokenStore::put_client(const std::string& issuer, const StoredClient& c) {
  return update(dir_, file(), [&](json::object& doc) {
    json::object o{{"client_id", c.client_id},
                   {"auth_method", c.auth_method},
                   {"redirect_uri", c.redirect_uri},
                   {"registered_here", c.registered_here}};
    if (!c.client_secret.empty()) o["client_secret"] = c.client_secret.reveal();
    section(doc, "clients")[issuer] = std::move(o);
  });
}

Result<void> TokenStore::forget_client(const std::string& issuer) {
  return update(dir_, file(), [&](json::object& doc) { section(doc, "clients").erase(issuer); });
}

Result<std::optional<StoredTokens>> TokenStore::tokens(const std::string& issuer, const std::string& resource) const {
  auto doc = load(file());
  if (!doc) return unexpected(doc.error());
  auto* o = find_object(*doc, "tokens", token_key(issuer, resource));
  if (!o) return std::optional<StoredTokens>{};
  StoredTokens t;
  t.access_token = Secret(str(*o, "access_token"));
  t.refresh_token = Secret(str(*o, "refresh_token"));
  if (auto* e = o->if_contains("expires_at"); e && e->is_int64()) t.expires_at = e->get_int64();
  t.scope = str(*o, "scope");
  t.requested_scope = str(*o, "requested_scope");
  if (t.access_token.empty() && t.refresh_token.empty()) return std::optional<StoredTokens>{};
  return std::optional<StoredTokens>(std::move(t));
}

Result<void> TokenStore::put_tokens(const std::string& issuer, const std::string& resource, const StoredTokens& t) {
  return update(dir_, file(), [&](json::object& doc) {
    json::object o{{"issuer", issuer},           {"resource", resource}, {"access_token", t.access_token.reveal()},
                   {"expires_at", t.expires_at}, {"scope", t.scope},     {"requested_scope", t.requested_scope}};
    if (!t.refresh_token.empty()) o["refresh_token"] = t.refresh_token.reveal();
    section(doc, "tokens")[token_key(issuer, resource)] = std::move(o);
  });
}

Result<std::optional<EndpointBinding>> TokenStore::binding(const std::string& endpoint) const {
  auto doc = load(file());
  if (!doc) return unexpected(doc.error());
  auto* o = find_object(*doc, "endpoints", endpoint);
  if (!o) return std::optional<EndpointBinding>{};
  EndpointBinding b{str(*o, "issuer"), str(*o, "resource")};
  if (b.issuer.empty() || b.resource.empty()) return std::optional<EndpointBinding>{};
  return std::optional<EndpointBinding>(std::move(b));
}

Result<void> TokenStore::put_binding(const std::string& endpoint, const EndpointBinding& b) {
  return update(dir_, file(), [&](json::object& doc) {
    section(doc, "endpoints")[endpoint] = json::object{{"issuer", b.issuer}, {"resource", b.resource}};
  });
}

Result<int> TokenStore::forget(const std::string& endpoint) {
  int removed = 0;
  auto r = update(dir_, file(), [&](json::object& doc) {
    auto& tokens = section(doc, "tokens");
    auto& endpoints = section(doc, "endpoints");
    if (endpoint.empty()) {
      removed = static_cast<int>(tokens.size());
      tokens.clear();
      endpoints.clear();
      return;
    }
    if (auto* b = endpoints.if_contains(endpoint); b && b->is_object()) {
      auto key = token_key(str(b->get_object(), "issuer"), str(b->get_object(), "resource"));
      removed += static_cast<int>(tokens.erase(key));
    }
    endpoints.erase(endpoint);
  });
  if (!r) return unexpected(r.error());
  return removed;
}

}  // namespace mcpgate::client
