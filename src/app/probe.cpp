#include "app/probe.hpp"

#include <boost/asio/thread_pool.hpp>

#include "exchange/remote_options.hpp"
#include "oauth/http_fetcher.hpp"
#include "oauth/jwks.hpp"
#include "oauth/jwks_cache.hpp"

namespace mcpgate::app {

namespace {

std::shared_ptr<oauth::HttpFetcher> fetcher_for(const net::TlsClientOptions& tls) {
  oauth::HttpFetchOptions o;
  o.tls = tls;
  return std::make_shared<oauth::BlockingHttpFetcher>(o);
}

struct Tally {
  std::ostream& out;
  int failures = 0;
  void ok(const std::string& what, const std::string& url, const std::string& detail) {
    out << "ok   " << what << " " << url << ": " << detail << "\n";
  }
  void failed(const std::string& what, const std::string& url, const std::string& reason) {
    ++failures;
    out << "FAIL " << what << " " << url << ": " << reason << "\n";
  }
};

void probe_keys(const config::Issuer& i, const std::string& embedded_issuer, Tally& t) {
  if (!i.jwks_inline.empty() || !i.jwks_file.empty() || (i.jwks_uri.empty() && i.issuer == embedded_issuer)) {
    if (!i.jwks_file.empty()) {
      auto doc = oauth::FileJwksSource(i.jwks_file).fetch();
      auto set = doc ? oauth::parse_jwks(doc->body) : Result<oauth::JwkSet>(unexpected(doc.error()));
      if (!set)
        t.failed("keys", i.jwks_file, set.error().message);
      else
        t.ok("keys", i.jwks_file, std::to_string(set->keys.size()) + " usable keys");
    }
    return;  // inline keys were checked when the file was read; the embedded server's are local
  }
  auto fetcher = fetcher_for(i.tls);
  std::unique_ptr<oauth::JwksSource> source;
  std::string url = i.jwks_uri.empty() ? i.issuer + " (metadata discovery)" : i.jwks_uri;
  if (!i.jwks_uri.empty())
    source = std::make_unique<oauth::UrlJwksSource>(i.jwks_uri, fetcher);
  else
    source = std::make_unique<oauth::MetadataJwksSource>(i.issuer, fetcher);
  auto doc = source->fetch();
  if (!doc) return t.failed("keys", url, doc.error().message);
  auto set = oauth::parse_jwks(doc->body);
  if (!set) return t.failed("keys", url, set.error().message);
  t.ok("keys", url, std::to_string(set->keys.size()) + " usable keys");
}

void probe_introspection(const config::Introspection& in, Tally& t) {
  // An RFC 7662 request for a token that does not exist: a working endpoint answers 200
  // {"active":false} (or 401 when our client credentials are wrong, which is worth knowing).
  oauth::HttpFetchRequest r;
  r.method = "POST";
  r.url = in.endpoint;
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.body = "token=mcpgate-probe";
  auto res = fetcher_for(in.tls)->fetch(r);
  if (!res) return t.failed("introspection", in.endpoint, res.error().message);
  if (res->status == 401)
    return t.failed("introspection", in.endpoint, "reachable, but our client credentials were refused");
  t.ok("introspection", in.endpoint, "HTTP " + std::to_string(res->status));
}

void probe_upstream(const config::Upstream& u, Tally& t) {
  oauth::HttpFetchOptions o;
  o.tls = u.http->tls;
  // An upstream may be anywhere the operator says (it is not a key source): plain http to a
  // remote host is the operator's choice here, as it is for the gateway.
  o.allow_insecure_http = true;
  oauth::BlockingHttpFetcher fetcher(o);
  oauth::HttpFetchRequest r;
  r.method = "POST";
  r.url = u.http->url;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Accept", "application/json, text/event-stream");
  r.body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  for (auto& [k, v] : u.http->headers) r.headers.emplace_back(k, v);
  auto res = fetcher.fetch(r);
  if (!res) return t.failed("upstream " + u.name, u.http->url, res.error().message);
  t.ok("upstream " + u.name, u.http->url, "HTTP " + std::to_string(res->status));
}

// What the gateway will present to the upstream can be obtained: a client_credentials token is
// asked for for real; a token exchange is tried with a subject token that cannot be valid, which a
// working server refuses with invalid_grant (or invalid_request) after accepting the client — and
// with invalid_client when our client credentials are wrong.
void probe_credentials(const config::Upstream& u, Tally& t) {
  using M = config::Credentials::Mode;
  auto& c = u.credentials;
  if ((c.mode != M::client_credentials && c.mode != M::token_exchange) || c.embedded()) return;
  std::string what = "credentials " + u.name;
  auto opts = exchange::remote_options(c, u.http ? u.http->url : std::string());
  if (!opts) return t.failed(what, "", opts.error().message);
  boost::asio::thread_pool pool(1);
  exchange::RemoteTokenEndpoint te(std::move(*opts), fetcher_for(c.tls), pool);
  auto url = te.endpoint();
  if (!url) return t.failed(what, c.token_endpoint.empty() ? c.issuer : c.token_endpoint, url.error().description);
  exchange::Form form;
  if (!c.resource.empty()) form["resource"] = c.resource;
  if (!c.audience.empty()) form["audience"] = c.audience;
  if (c.mode == M::client_credentials) {
    form["grant_type"] = "client_credentials";
    if (!c.scopes.empty()) {
      std::string scope;
      for (auto& s : c.scopes) scope += (scope.empty() ? "" : " ") + s;
      form["scope"] = scope;
    }
    auto tok = te.request_blocking(form);
    if (!tok) return t.failed(what, *url, tok.error().oauth_error + " " + tok.error().description);
    return t.ok(what, *url,
                "a token (scope \"" + tok->scope + "\", expires in " + std::to_string(tok->expires_in.count()) + " s)");
  }
  form["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange";
  form["subject_token"] = "mcpgate-probe";
  form["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token";
  auto tok = te.request_blocking(form);
  if (tok) return t.failed(what, *url, "exchanged a subject token that cannot be valid");
  auto& e = tok.error();
  if (e.oauth_error == "invalid_grant" || e.oauth_error == "invalid_request" || e.oauth_error == "invalid_target")
    return t.ok(what, *url, "reachable; our client accepted (" + e.oauth_error + " for a dummy subject token)");
  t.failed(what, *url,
           e.oauth_error == "invalid_client" || e.oauth_error == "unauthorized_client"
               ? "reachable, but our client credentials were refused (" + e.oauth_error + ")"
               : (e.oauth_error.empty() ? std::string(exchange::reason_name(e.reason)) : e.oauth_error) + " " +
                     e.description);
}

}  // namespace

int probe_targets(const config::Gateway& g, std::ostream& out) {
  Tally t{out};
  std::string embedded = g.authorization_server.enabled ? g.authorization_server.issuer : std::string();
  for (auto& s : g.servers) {
    for (auto& i : s.auth.issuers) probe_keys(i, embedded, t);
    if (s.auth.introspection) probe_introspection(*s.auth.introspection, t);
    for (auto& u : s.upstreams) {
      if (u.http) probe_upstream(u, t);
      probe_credentials(u, t);
    }
  }
  return t.failures;
}

}  // namespace mcpgate::app
