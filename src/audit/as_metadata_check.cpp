#include "audit/as_metadata_check.hpp"

#include "net/address.hpp"

namespace mcpgate::audit {
namespace json = boost::json;

namespace {

constexpr const char* kSpecDiscovery = "RFC 8414 §3; MCP authorization, Authorization Server Metadata Discovery";

bool has_string(const json::object& o, std::string_view key, std::string_view value) {
  auto* a = o.if_contains(key);
  if (!a || !a->is_array()) return false;
  for (auto& v : a->get_array())
    if (v.is_string() && v.get_string() == value) return true;
  return false;
}

}  // namespace

void check_as_metadata(AuditContext& ctx) {
  const char* ids[] = {"as.metadata",        "as.pkce_s256",    "as.response_types",
                       "as.https_endpoints", "as.registration", "as.iss_parameter"};
  if (ctx.authorization_servers.empty()) {
    for (auto* id : ids) ctx.skip(id, "no authorization server is known", kSpecDiscovery);
    return;
  }
  const auto& issuer = ctx.authorization_servers.front();
  std::string problem = "no metadata document answered";
  for (auto& url : oauth::metadata_urls(issuer)) {
    auto r = ctx.probe.get(url);
    if (!r || r->status != 200) continue;
    auto m = oauth::parse_as_metadata(r->body, issuer);
    if (m) {
      ctx.as = std::move(*m);
      break;
    }
    problem = url + ": " + m.error().message;
  }
  if (!ctx.as) {
    ctx.add(ids[0], Verdict::fail, problem, kSpecDiscovery,
            "serve RFC 8414 metadata whose issuer is exactly " + issuer);
    for (int i = 1; i < 6; ++i) ctx.skip(ids[i], "no metadata", kSpecDiscovery);
    return;
  }
  ctx.add(ids[0], Verdict::pass, "issuer " + issuer + " matches", kSpecDiscovery);
  const auto& o = ctx.as->raw;

  // OAuth 2.1 makes PKCE mandatory; MCP clients MUST refuse an AS that does not advertise S256.
  if (has_string(o, "code_challenge_methods_supported", "S256"))
    ctx.add(ids[1], Verdict::pass, "S256 advertised", "MCP authorization, Authorization Code Protection; RFC 7636");
  else
    ctx.add(ids[1], Verdict::fail, "code_challenge_methods_supported lacks S256",
            "MCP authorization, Authorization Code Protection; RFC 7636",
            "support PKCE S256 and advertise it in code_challenge_methods_supported");

  auto* rt = o.if_contains("response_types_supported");
  const char* rt_spec = "OAuth 2.1 §4.1 (implicit grant removed); RFC 9700 §2.1.2";
  if (!rt || !rt->is_array()) {
    ctx.add(ids[2], Verdict::warn, "response_types_supported absent", rt_spec, "advertise [\"code\"]");
  } else {
    bool implicit = false, other = false;
    for (auto& v : rt->get_array()) {
      if (!v.is_string()) continue;
      std::string_view s = v.get_string();
      if (s == "code") continue;
      (s.find("token") != std::string_view::npos ? implicit : other) = true;
    }
    if (implicit)
      ctx.add(ids[2], Verdict::fail, "a response type issues tokens from the authorization endpoint (implicit)",
              rt_spec, "offer response_type code only");
    else if (other)
      ctx.add(ids[2], Verdict::warn, "response types other than code", rt_spec, "offer response_type code only");
    else
      ctx.add(ids[2], Verdict::pass, "code only", rt_spec);
  }

  std::vector<std::string> insecure;
  bool loopback = false;
  for (auto key : {"issuer", "authorization_endpoint", "token_endpoint", "registration_endpoint", "jwks_uri",
                   "introspection_endpoint", "revocation_endpoint"}) {
    auto* v = o.if_contains(key);
    if (!v || !v->is_string()) continue;
    std::string_view url = v->get_string();
    if (url.starts_with("https://")) continue;
    // Loopback http is how a local deployment and `mcpgate demo` run; nothing crosses a network.
    if (url.starts_with("http://") && net::is_loopback_url(url)) {
      loopback = true;
      continue;
    }
    insecure.push_back(key);
  }
  const char* https_spec = "MCP authorization, Communication Security; OAuth 2.1 §1.5";
  if (!insecure.empty()) {
    std::string names;
    for (auto& n : insecure) names += (names.empty() ? "" : ", ") + n;
    ctx.add(ids[3], Verdict::fail, "not https: " + names, https_spec,
            "serve every authorization server endpoint over https");
  } else {
    ctx.add(ids[3], Verdict::pass, loopback ? "https, or http on loopback" : "https", https_spec);
  }

  const char* reg_spec = "MCP authorization, Client Registration Approaches";
  auto* cimd = o.if_contains("client_id_metadata_document_supported");
  bool has_cimd = cimd && cimd->is_bool() && cimd->get_bool();
  bool has_dcr = o.contains("registration_endpoint");
  if (has_cimd)
    ctx.add(ids[4], Verdict::pass,
            has_dcr ? "client ID metadata documents and dynamic registration" : "client ID metadata documents",
            reg_spec);
  else if (has_dcr)
    ctx.add(ids[4], Verdict::warn, "dynamic registration only (deprecated in 2026-07-28)", reg_spec,
            "support client ID metadata documents (client_id_metadata_document_supported: true)");
  else
    ctx.add(ids[4], Verdict::warn, "no registration: clients must be registered by hand", reg_spec,
            "support client ID metadata documents");

  auto* iss = o.if_contains("authorization_response_iss_parameter_supported");
  const char* iss_spec = "RFC 9207 §3 (mix-up defence); MCP 2026-07-28 authorization";
  if (iss && iss->is_bool() && iss->get_bool())
    ctx.add(ids[5], Verdict::pass, "iss in authorization responses", iss_spec);
  else
    ctx.add(ids[5], Verdict::warn, "authorization_response_iss_parameter_supported is not true", iss_spec,
            "send iss in authorization responses and advertise it");

  if (ctx.as->jwks_uri)
    if (auto r = ctx.probe.get(*ctx.as->jwks_uri); r && r->status == 200) ctx.jwks = r->body;
}

}  // namespace mcpgate::audit
