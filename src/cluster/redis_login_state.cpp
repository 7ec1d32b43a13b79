#include "cluster/redis_login_state.hpp"

#include "authserver/login_state_json.hpp"
#include "core/secret.hpp"

namespace mcpgate::cluster {
using authserver::Pending;
using authserver::Seconds;
using authserver::Session;

RedisLoginState::RedisLoginState(std::shared_ptr<redis::Client> client, std::string key_prefix)
    : client_(std::move(client)),
      session_prefix_(key_prefix + "as:session:"),
      pending_prefix_(key_prefix + "as:pending:"),
      once_prefix_(key_prefix + "as:once:") {}

Result<redis::Reply> RedisLoginState::run(const std::vector<std::string_view>& args) {
  auto r = client_->command(args);
  if (!r) {
    outage_.failed(r.error());
    return r;
  }
  outage_.succeeded();
  if (r->is_error()) return fail("redis: " + r->str);
  return r;
}

namespace {

// Whole seconds left, at least one: an entry written is never written already expired.
std::string ttl(Seconds expires_at, Seconds now) {
  return std::to_string(std::max<Seconds>(1, expires_at - now));
}

// A value another replica wrote (or that is gone: nil).
template <class T, class Parse>
Result<std::optional<T>> read(const redis::Reply& r, Parse parse, Seconds now) {
  if (r.type == redis::Reply::Type::nil) return std::optional<T>();
  if (!r.is_string()) return fail("redis: unexpected reply to GET");
  auto v = parse(r.str);
  if (!v) return unexpected(v.error());
  // Redis expires by its own clock; this replica's clock decides as the in-process store does.
  if (v->expires_at <= now) return std::optional<T>();
  return std::optional<T>(std::move(*v));
}

}  // namespace

Result<void> RedisLoginState::put_session(const std::string& id, const Session& s, Seconds now) {
  auto key = session_prefix_ + id;
  auto r = run({"SET", key, authserver::session_to_json(s), "EX", ttl(s.expires_at, now)});
  if (!r) return unexpected(r.error());
  return {};
}

Result<std::optional<Session>> RedisLoginState::get_session(const std::string& id, Seconds now) {
  auto key = session_prefix_ + id;
  auto r = run({"GET", key});
  if (!r) return unexpected(r.error());
  return read<Session>(*r, authserver::session_from_json, now);
}

Result<void> RedisLoginState::erase_session(const std::string& id) {
  auto key = session_prefix_ + id;
  auto r = run({"DEL", key});
  if (!r) return unexpected(r.error());
  return {};
}

Result<void> RedisLoginState::put_pending(const std::string& id, const Pending& p, Seconds now) {
  auto key = pending_prefix_ + id;
  auto r = run({"SET", key, authserver::pending_to_json(p), "EX", ttl(p.expires_at, now)});
  if (!r) return unexpected(r.error());
  return {};
}

Result<void> RedisLoginState::replace_pending(const std::string& id, const Pending& p, Seconds /*now*/) {
  // XX: only while it is there (never brings back a request taken meanwhile); KEEPTTL: the
  // request keeps the lifetime it was created with.
  auto key = pending_prefix_ + id;
  auto r = run({"SET", key, authserver::pending_to_json(p), "XX", "KEEPTTL"});
  if (!r) return unexpected(r.error());
  return {};
}

Result<std::optional<Pending>> RedisLoginState::get_pending(const std::string& id, Seconds now) {
  auto key = pending_prefix_ + id;
  auto r = run({"GET", key});
  if (!r) return unexpected(r.error());
  return read<Pending>(*r, authserver::pending_from_json, now);
}

Result<std::optional<Pending>> RedisLoginState::take_pending(const std::string& id, Seconds now) {
  auto key = pending_prefix_ + id;
  auto r = run({"GETDEL", key});
  if (!r) return unexpected(r.error());
  return read<Pending>(*r, authserver::pending_from_json, now);
}

Result<bool> RedisLoginState::use_once(const std::string& key, Seconds expires_at, Seconds now) {
  // Hashed: the key holds a client id and an assertion's jti, nothing Redis needs to read.
  auto k = once_prefix_ + sha256_hex(key);
  auto r = run({"SET", k, "1", "NX", "EX", ttl(expires_at, now)});
  if (!r) return unexpected(r.error());
  return r->type != redis::Reply::Type::nil;  // nil: NX found it set
}

}  // namespace mcpgate::cluster
