#include "app/probe.hpp"

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

}  // namespace

int probe_targets(const config::Gateway& g, std::ostream& out) {
  Tally t{out};
  std::string embedded = g.authorization_server.enabled ? g.authorization_server.issuer : std::string();
  for (auto& s : g.servers) {
    for (auto& i : s.auth.issuers) probe_keys(i, embedded, t);
    if (s.auth.introspection) probe_introspection(*s.auth.introspection, t);
    for (auto& u : s.upstreams)
      if (u.http) probe_upstream(u, t);
  }
  return t.failures;
}

}  // namespace mcpgate::app
