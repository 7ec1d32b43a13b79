#include "audit/prm_check.hpp"

#include "core/json.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::audit {
namespace json = boost::json;

namespace {

constexpr const char* kSpecPrm = "RFC 9728 §2, §3; MCP authorization, Authorization Server Discovery";
constexpr const char* kSpecIdentity = "RFC 9728 §3.3 (resource identical to the URL it was fetched for)";

struct Fetched {
  std::string url;
  std::string body;
};

// The document at `url`, or why not (status, or the transport's reason: deadline, body limit).
Result<Fetched> fetch_document(AuditContext& ctx, const std::string& url) {
  auto r = ctx.probe.get(url);
  if (!r) return unexpected(r.error());
  if (r->status != 200) return fail(url + ": HTTP " + std::to_string(r->status));
  return Fetched{url, r->body};
}

}  // namespace

void check_prm(AuditContext& ctx) {
  const char* ids[] = {"prm.advertised", "prm.well_known", "prm.resource", "prm.authorization_servers",
                       "prm.bearer_methods"};
  if (ctx.report.anonymous_access) {
    for (auto* id : ids) ctx.skip(id, "the endpoint answers without a token", kSpecPrm);
    return;
  }
  std::optional<Fetched> doc;
  if (!ctx.resource_metadata_url.empty()) {
    auto d = fetch_document(ctx, ctx.resource_metadata_url);
    if (d) {
      doc = std::move(*d);
      ctx.add(ids[0], Verdict::pass, "the advertised document answers", kSpecPrm);
    } else {
      ctx.add(ids[0], Verdict::fail, "the advertised document does not answer: " + d.error().message, kSpecPrm,
              "serve the document at the URL the challenge advertises");
    }
  } else {
    ctx.skip(ids[0], "the challenge advertises no document", kSpecPrm);
  }
  // Clients without the header try the path-suffixed URL first (MCP authorization, "Protected
  // Resource Metadata Discovery Requirements"); the root one only as a fallback. A URL already
  // fetched is not fetched again.
  auto urls = oauth::resource_metadata_urls(ctx.endpoint);
  auto fetch_again = [&](const std::string& url) -> std::optional<Fetched> {
    if (url == ctx.resource_metadata_url) return doc;
    auto d = fetch_document(ctx, url);
    return d ? std::optional<Fetched>(std::move(*d)) : std::nullopt;
  };
  std::optional<Fetched> well_known;
  if (!urls.empty()) well_known = fetch_again(urls.front());
  if (well_known) {
    ctx.add(ids[1], Verdict::pass, "served at " + urls.front(), kSpecPrm);
  } else if (urls.size() > 1 && (well_known = fetch_again(urls[1]))) {
    ctx.add(ids[1], Verdict::warn, "served only at the root " + urls[1] + ", not path-suffixed", kSpecPrm,
            "serve it at " + urls.front() + " as well");
  } else {
    ctx.add(ids[1], doc ? Verdict::warn : Verdict::fail,
            "no document at " + (urls.empty() ? ctx.endpoint : urls.front()), kSpecPrm,
            "serve Protected Resource Metadata at the path-suffixed well-known URL");
  }
  if (!doc) doc = well_known;
  if (!doc) {
    for (int i = 2; i < 5; ++i) ctx.skip(ids[i], "no Protected Resource Metadata", kSpecPrm);
    return;
  }
  if (ctx.resource_metadata_url.empty()) ctx.resource_metadata_url = doc->url;
  auto v = parse_json(doc->body);
  if (!v || !v->is_object()) {
    ctx.add(ids[2], Verdict::fail, "the document is not a JSON object", kSpecPrm, "serve RFC 9728 JSON");
    for (int i = 3; i < 5; ++i) ctx.skip(ids[i], "the document does not parse", kSpecPrm);
    return;
  }
  auto& o = v->get_object();
  auto* resource = o.if_contains("resource");
  std::string res = resource && resource->is_string() ? std::string(resource->get_string()) : std::string();
  ctx.prm_resource = res;
  if (res == ctx.endpoint)
    ctx.add(ids[2], Verdict::pass, "resource is the endpoint", kSpecIdentity);
  else if (!res.empty() && oauth::resource_covers(res, ctx.endpoint))
    ctx.add(ids[2], Verdict::warn, "resource " + res + " is a prefix of the endpoint", kSpecIdentity,
            "set resource to the endpoint URL exactly");
  else
    ctx.add(ids[2], Verdict::fail, res.empty() ? "no resource" : "resource " + res + " is not the endpoint",
            kSpecIdentity, "set resource to " + ctx.endpoint);

  // The strict parser the gateway uses (https or loopback authorization servers, list shape).
  auto strict = oauth::parse_resource_metadata(doc->body, res.empty() ? ctx.endpoint : res);
  if (strict && !strict->authorization_servers.empty()) {
    ctx.authorization_servers = strict->authorization_servers;
    ctx.scopes_supported = strict->scopes_supported;
    ctx.add(ids[3], Verdict::pass, "authorization server " + strict->authorization_servers.front(), kSpecPrm);
  } else {
    ctx.add(ids[3], Verdict::fail, strict ? "no authorization_servers" : strict.error().message, kSpecPrm,
            "list the issuer of your tokens in authorization_servers (https)");
  }
  auto* bm = o.if_contains("bearer_methods_supported");
  const char* bm_spec = "RFC 9728 §2; RFC 6750 §2 (tokens in the query leak to logs)";
  if (!bm) {
    ctx.add(ids[4], Verdict::warn, "bearer_methods_supported absent", bm_spec,
            "publish \"bearer_methods_supported\": [\"header\"]");
  } else if (!bm->is_array()) {
    ctx.add(ids[4], Verdict::fail, "bearer_methods_supported is not a list", bm_spec, "publish [\"header\"]");
  } else {
    bool other = false;
    for (auto& m : bm->get_array())
      if (!m.is_string() || m.get_string() != "header") other = true;
    if (other)
      ctx.add(ids[4], Verdict::warn, "bearer_methods_supported allows more than the header", bm_spec,
              "accept tokens in the Authorization header only");
    else
      ctx.add(ids[4], Verdict::pass, "header only", bm_spec);
  }
}

}  // namespace mcpgate::audit
