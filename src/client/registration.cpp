#include "client/registration.hpp"

#include <boost/json.hpp>

#include "core/json.hpp"
#include "exchange/token_response.hpp"  // printable

namespace mcpgate::client {
namespace json = boost::json;

namespace {
bool listed(const std::vector<std::string>& v, std::string_view s) {
  for (auto& x : v)
    if (x == s) return true;
  return false;
}
}  // namespace

std::string choose_auth_method(bool has_secret, const std::vector<std::string>& supported) {
  if (!has_secret) return "none";
  // RFC 8414 §2: an absent list means client_secret_basic.
  if (supported.empty() || listed(supported, "client_secret_basic")) return "client_secret_basic";
  if (listed(supported, "client_secret_post")) return "client_secret_post";
  return "client_secret_basic";
}

Result<StoredClient> read_registration(unsigned status, std::string_view body, const AuthorizationTarget& target,
                                       const std::string& redirect_uri) {
  auto v = parse_json(body, {16, 64 * 1024});
  if (status != 201 && status != 200) {
    std::string detail;
    if (v && v->is_object()) {
      auto& o = v->get_object();
      if (auto* e = o.if_contains("error"); e && e->is_string()) detail = exchange::printable(e->get_string(), 64);
      if (auto* d = o.if_contains("error_description"); d && d->is_string())
        detail += " (" + exchange::printable(d->get_string()) + ")";
    }
    return fail("dynamic client registration refused: HTTP " + std::to_string(status) +
                (detail.empty() ? "" : ": " + detail));
  }
  if (!v || !v->is_object()) return fail("dynamic client registration answered something other than a JSON object");
  auto& o = v->get_object();
  auto* id = o.if_contains("client_id");
  if (!id || !id->is_string() || id->get_string().empty())
    return fail("dynamic client registration answered no client_id");
  StoredClient c;
  c.client_id = std::string(id->get_string());
  c.registered_here = true;
  c.redirect_uri = redirect_uri;
  if (auto* s = o.if_contains("client_secret"); s && s->is_string())
    c.client_secret = Secret(std::string(s->get_string()));
  std::string method;
  if (auto* m = o.if_contains("token_endpoint_auth_method"); m && m->is_string()) method = std::string(m->get_string());
  if (method == "none" || method == "client_secret_basic" || method == "client_secret_post")
    c.auth_method = method;
  else
    c.auth_method = choose_auth_method(!c.client_secret.empty(), target.token_auth_methods);
  if (c.auth_method != "none" && c.client_secret.empty())
    return fail("dynamic client registration chose " + c.auth_method + " but issued no client_secret");
  return c;
}

Result<StoredClient> register_dynamically(oauth::HttpFetcher& fetcher, const AuthorizationTarget& target,
                                          const std::string& redirect_uri) {
  // A public native client (RFC 8252): no secret of its own to keep, redirect to loopback.
  json::object meta{{"client_name", "mcpgate"},
                    {"redirect_uris", json::array{redirect_uri.c_str()}},
                    {"grant_types", json::array{"authorization_code", "refresh_token"}},
                    {"response_types", json::array{"code"}},
                    {"token_endpoint_auth_method", "none"},
                    {"application_type", "native"}};
  oauth::HttpFetchRequest req;
  req.method = "POST";
  req.url = target.registration_endpoint;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = json::serialize(meta);
  auto r = fetcher.fetch(req);
  if (!r) return unexpected(r.error());
  return read_registration(r->status, r->body, target, redirect_uri);
}

}  // namespace mcpgate::client
