#include "authserver/login_state_json.hpp"

#include "authserver/store_columns.hpp"
#include "core/json.hpp"

namespace mcpgate::authserver {
namespace {

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return a;
}

// Reads fields of one object; the first missing or mistyped one makes the whole read fail.
class Reader {
 public:
  explicit Reader(const json::object& o) : o_(o) {}
  std::string str(std::string_view k) {
    auto* v = o_.if_contains(k);
    if (!v || !v->is_string()) return bad();
    return std::string(v->get_string());
  }
  Seconds num(std::string_view k) {
    auto* v = o_.if_contains(k);
    if (!v || !v->is_int64()) return ok_ = false, 0;
    return v->get_int64();
  }
  bool flag(std::string_view k) {
    auto* v = o_.if_contains(k);
    if (!v || !v->is_bool()) return ok_ = false;
    return v->get_bool();
  }
  std::vector<std::string> list(std::string_view k) {
    std::vector<std::string> out;
    auto* v = o_.if_contains(k);
    if (!v || !v->is_array()) return ok_ = false, out;
    for (auto& e : v->get_array()) {
      if (!e.is_string()) return ok_ = false, std::vector<std::string>();
      out.emplace_back(e.get_string());
    }
    return out;
  }
  const json::object* obj(std::string_view k) {
    auto* v = o_.if_contains(k);
    if (!v || !v->is_object()) return ok_ = false, nullptr;
    return &v->get_object();
  }
  bool ok() const { return ok_; }

 private:
  std::string bad() {
    ok_ = false;
    return {};
  }
  const json::object& o_;
  bool ok_ = true;
};

Result<json::object> object_of(std::string_view text) {
  auto v = parse_json(text, JsonLimits{16, 256 * 1024});
  if (!v) return fail("sign-in state is not JSON: " + v.error().message);
  if (!v->is_object()) return fail("sign-in state is not a JSON object");
  return std::move(v->get_object());
}

}  // namespace

std::string session_to_json(const Session& s) {
  return serialize_json(
      json::object{{"csrf", s.csrf}, {"user", s.user}, {"auth_time", s.auth_time}, {"expires_at", s.expires_at}});
}

Result<Session> session_from_json(std::string_view text) {
  auto o = object_of(text);
  if (!o) return unexpected(o.error());
  Reader r(*o);
  Session s{r.str("csrf"), r.str("user"), r.num("auth_time"), r.num("expires_at")};
  if (!r.ok()) return fail("sign-in session is malformed");
  return s;
}

std::string pending_to_json(const Pending& p) {
  auto& c = p.client;
  json::object client{{"client_id", c.client_id},
                      {"kind", kind_name(c.kind)},
                      {"client_name", c.client_name},
                      {"redirect_uris", to_array(c.redirect_uris)},
                      {"grant_types", to_array(c.grant_types)},
                      {"token_endpoint_auth_method", c.token_endpoint_auth_method},
                      {"jwks", c.jwks},
                      {"scope", c.scope},
                      {"application_type", c.application_type},
                      {"created_at", c.created_at}};
  return serialize_json(json::object{{"session_id", p.session_id},
                                     {"client", std::move(client)},
                                     {"redirect_uri", p.redirect_uri},
                                     {"state", p.state},
                                     {"code_challenge", p.code_challenge},
                                     {"resource", p.resource},
                                     {"scopes", to_array(p.scopes)},
                                     {"force_consent", p.force_consent},
                                     {"expires_at", p.expires_at},
                                     {"requested", to_array(p.requested)},
                                     {"withheld", to_array(p.withheld)}});
}

Result<Pending> pending_from_json(std::string_view text) {
  auto o = object_of(text);
  if (!o) return unexpected(o.error());
  Reader r(*o);
  Pending p;
  p.session_id = r.str("session_id");
  p.redirect_uri = r.str("redirect_uri");
  p.state = r.str("state");
  p.code_challenge = r.str("code_challenge");
  p.resource = r.str("resource");
  p.scopes = r.list("scopes");
  p.force_consent = r.flag("force_consent");
  p.expires_at = r.num("expires_at");
  p.requested = r.list("requested");
  p.withheld = r.list("withheld");
  if (auto* co = r.obj("client")) {
    Reader cr(*co);
    auto& c = p.client;
    c.client_id = cr.str("client_id");
    auto kind = cr.str("kind");
    c.client_name = cr.str("client_name");
    c.redirect_uris = cr.list("redirect_uris");
    c.grant_types = cr.list("grant_types");
    c.token_endpoint_auth_method = cr.str("token_endpoint_auth_method");
    c.jwks = cr.str("jwks");
    c.scope = cr.str("scope");
    c.application_type = cr.str("application_type");
    c.created_at = cr.num("created_at");
    if (!cr.ok() || kind_name(kind_from(kind)) != kind) return fail("pending authorization request is malformed");
    c.kind = kind_from(kind);
  }
  if (!r.ok()) return fail("pending authorization request is malformed");
  return p;
}

}  // namespace mcpgate::authserver
