#include "crm_api_routes.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <vector>

#include "core/json.hpp"
#include "oauth/bearer.hpp"
#include "oauth/challenge.hpp"
#include "oauth/jws.hpp"
#include "oauth/protected_resource_metadata.hpp"

namespace crm {
namespace json = boost::json;
namespace http = boost::beast::http;
using mcpgate::net::Request;
using mcpgate::net::Response;
namespace oauth = mcpgate::oauth;

namespace {

constexpr const char* kRead = "crm:read";
constexpr const char* kWrite = "crm:write";
constexpr std::size_t kMaxField = 4096;

Response json_response(const Request& req, http::status status, const json::value& body) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(body);
  return res;
}

Response error(const Request& req, http::status status, std::string_view code, std::string_view description) {
  return json_response(req, status, json::object{{"error", code}, {"error_description", description}});
}

// What a token says about itself, for the log: audience, scope, subject, client and actor
// (RFC 8693 §4.1 `act`: who acts for the subject — the gateway, for an exchanged token).
json::object token_summary(const json::object& claims, bool verified) {
  json::object out{{"verified", verified}};
  for (auto* k : {"iss", "aud", "scope", "sub", "client_id", "act"})
    if (auto* v = claims.if_contains(k)) out[k] = *v;
  return out;
}

// The claims of a token that was refused, read without trusting them, so that the log says whose
// token it was (the user's own, for the gateway's audience, say). Bounded like any untrusted JSON.
json::object unverified_summary(const mcpgate::Secret& token) {
  auto jws = oauth::parse_jws(token.reveal());
  if (!jws) return {{"verified", false}, {"readable", false}};
  auto claims = mcpgate::parse_json(jws->payload, {8, 8 * 1024});
  if (!claims || !claims->is_object()) return {{"verified", false}, {"readable", false}};
  return token_summary(claims->as_object(), false);
}

}  // namespace

Api::Api(std::string base, std::unique_ptr<CustomerStore> store, std::unique_ptr<oauth::TokenValidator> tokens)
    : base_(std::move(base)),
      prm_path_(oauth::prm_well_known_path("/api")),
      store_(std::move(store)),
      tokens_(std::move(tokens)) {}

Answer Api::answer(const Request& req) {
  json::object entry{
      {"time",
       std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()},
      {"method", std::string(req.method_string())}};
  auto done = [&](Response res) {
    entry["status"] = res.result_int();
    return Answer{std::move(res), json::serialize(entry)};
  };
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return done(error(req, http::status::bad_request, "invalid_request", "malformed request target"));
  entry["path"] = std::string(url->encoded_path());
  std::vector<std::string> seg;
  for (auto s : url->segments()) seg.emplace_back(s);

  if (url->encoded_path() == prm_path_ && req.method() == http::verb::get) {
    oauth::ProtectedResourceMetadata prm{tokens_->config().resource, {}, {kRead, kWrite}, "Example CRM API", {}};
    for (auto& i : tokens_->config().issuers) prm.authorization_servers.push_back(i.issuer);
    Response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = oauth::to_json(prm);
    return done(std::move(res));
  }
  if (seg.size() < 2 || seg.size() > 3 || seg[0] != "api" || seg[1] != "customers")
    return done(error(req, http::status::not_found, "not_found", "no such resource"));

  // The scope each operation needs; anything else is refused before a token is even looked at.
  const char* needed = nullptr;
  if (req.method() == http::verb::get)
    needed = kRead;
  else if ((req.method() == http::verb::patch || req.method() == http::verb::delete_) && seg.size() == 3)
    needed = kWrite;
  if (!needed) {
    auto res = error(req, http::status::method_not_allowed, "invalid_request", "method not allowed here");
    res.set(http::field::allow, seg.size() == 3 ? "GET, PATCH, DELETE" : "GET");
    return done(std::move(res));
  }

  // RFC 6750 §3 / RFC 9728 §5.1: the one mapping from an authentication failure to the answer.
  auto refuse = [&](oauth::AuthError e) {
    entry["error"] = std::string(oauth::name(e));
    auto ch = oauth::challenge_for(e, {base_ + prm_path_, {needed}});
    auto res =
        error(req, static_cast<http::status>(ch.status),
              e == oauth::AuthError::insufficient_scope ? "insufficient_scope" : "invalid_token", oauth::describe(e));
    if (!ch.www_authenticate.empty()) res.set(http::field::www_authenticate, ch.www_authenticate);
    return done(std::move(res));
  };
  std::vector<oauth::HeaderField> headers;
  for (auto& f : req) headers.emplace_back(f.name_string(), f.value());
  auto token = oauth::extract_bearer(headers);
  if (!token) return refuse(token.error());
  // Only a token whose audience is this API passes: the user's token for the gateway (or any
  // other resource) is refused here, so a token passed through by a confused deputy is useless.
  auto principal = tokens_->validate(*token);
  if (!principal) {
    entry["token"] = unverified_summary(*token);
    return refuse(principal.error());
  }
  entry["token"] = token_summary((*principal)->claims, true);
  if (!(*principal)->has_scope(needed)) return refuse(oauth::AuthError::insufficient_scope);

  auto storage_failed = [&] {
    return done(error(req, http::status::internal_server_error, "server_error", "storage failure"));
  };
  if (seg.size() == 2) {
    std::string query;
    auto params = url->params();
    if (auto it = params.find("q"); it != params.end()) query = (*it).value;
    auto list = store_->search(query);
    if (!list) return storage_failed();
    return done(json_response(req, http::status::ok, json::object{{"customers", std::move(*list)}}));
  }
  const auto& id = seg[2];
  if (req.method() == http::verb::get) {
    auto c = store_->get(id);
    if (!c) return storage_failed();
    if (!*c) return done(error(req, http::status::not_found, "not_found", "no such customer"));
    return done(json_response(req, http::status::ok, **c));
  }
  if (req.method() == http::verb::delete_) {
    auto removed = store_->remove(id);
    if (!removed) return storage_failed();
    if (!*removed) return done(error(req, http::status::not_found, "not_found", "no such customer"));
    return done(json_response(req, http::status::ok, json::object{{"deleted", id}}));
  }
  // PATCH: a JSON object of known string fields, nothing else (RFC 7396 merge patch, without null).
  auto type = req[http::field::content_type];
  if (type.substr(0, type.find(';')) != "application/json")
    return done(error(req, http::status::unsupported_media_type, "invalid_request", "send application/json"));
  auto body = mcpgate::parse_json(req.body(), {8, 64 * 1024});
  if (!body || !body->is_object())
    return done(error(req, http::status::bad_request, "invalid_request", "the body is not a JSON object"));
  for (auto& [k, v] : body->as_object()) {
    bool known = false;
    for (auto* f : kCustomerFields) known = known || k == f;
    if (!known) return done(error(req, http::status::bad_request, "invalid_request", "unknown field"));
    if (!v.is_string() || v.as_string().size() > kMaxField)
      return done(error(req, http::status::bad_request, "invalid_request", "fields are strings of at most 4096 bytes"));
  }
  auto updated = store_->update(id, body->as_object());
  if (!updated) return storage_failed();
  if (!*updated) return done(error(req, http::status::not_found, "not_found", "no such customer"));
  auto c = store_->get(id);
  if (!c || !*c) return storage_failed();
  return done(json_response(req, http::status::ok, **c));
}

}  // namespace crm
