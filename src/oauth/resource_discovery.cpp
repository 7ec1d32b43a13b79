#include "oauth/resource_discovery.hpp"

#include <boost/url/parse.hpp>

#include "core/ascii.hpp"
#include "core/json.hpp"
#include "net/address.hpp"

namespace mcpgate::oauth {
namespace json = boost::json;

namespace {

// RFC 9110 §5.6.2 tchar.
bool tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_ws() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  std::string_view token() {
    auto start = i_;
    while (!done() && tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // token68 (RFC 9110 §11.2): a token-like blob that may end in '='s, for schemes that take one.
  bool token68() {
    auto start = i_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                       std::string_view("-._~+/").find(s_[i_]) != std::string_view::npos))
      ++i_;
    if (i_ == start) return false;
    while (!done() && s_[i_] == '=') ++i_;
    return true;
  }
  std::optional<std::string> quoted() {
    if (peek() != '"') return std::nullopt;
    ++i_;
    std::string out;
    while (!done()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) return std::nullopt;
        c = s_[i_++];
      }
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return std::nullopt;
      out += c;
    }
    return std::nullopt;  // unterminated
  }
  // Whether an auth-param starts here: token BWS "=" BWS and a value. "abc==" and "abc=" at the
  // end of a challenge are token68 (RFC 9110 §11.2), not a parameter named abc.
  bool param_ahead() {
    auto at = i_;
    bool yes = !token().empty();
    skip_ws();
    yes = yes && eat('=');
    skip_ws();
    yes = yes && !done() && peek() != '=' && peek() != ',';
    i_ = at;
    return yes;
  }
  std::size_t pos() const { return i_; }
  void seek(std::size_t p) { i_ = p; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<std::map<std::string, std::string>> parse_bearer_challenge(std::string_view value) {
  if (value.size() > 8192) return std::nullopt;
  Reader r(value);
  std::optional<std::map<std::string, std::string>> bearer;
  for (;;) {
    r.skip_ws();
    while (r.eat(',')) r.skip_ws();  // empty list elements (RFC 9110 §5.6.1)
    if (r.done()) break;
    auto scheme = r.token();
    if (scheme.empty()) return std::nullopt;
    bool is_bearer = iequals_ascii(scheme, "Bearer");
    std::map<std::string, std::string> params;
    r.skip_ws();
    // Either auth-params (until the next challenge: a token not followed by "="), or token68, or
    // nothing before the next challenge.
    if (r.param_ahead()) {
      for (;;) {
        r.skip_ws();
        auto name = r.token();
        r.skip_ws();
        r.eat('=');
        r.skip_ws();
        std::string v;
        if (r.peek() == '"') {
          auto q = r.quoted();
          if (!q) return std::nullopt;
          v = std::move(*q);
        } else {
          auto t = r.token();
          if (t.empty()) return std::nullopt;
          v = std::string(t);
        }
        params.emplace(ascii_lower(name), std::move(v));
        r.skip_ws();
        auto comma = r.pos();
        if (!r.eat(',')) break;
        r.skip_ws();
        while (r.eat(',')) r.skip_ws();
        if (!r.param_ahead()) {
          r.seek(comma);  // the next challenge begins after this comma
          break;
        }
      }
    } else if (!r.done() && r.peek() != ',') {
      auto at = r.pos();
      auto t = r.token();
      r.skip_ws();
      bool next_scheme = !t.empty() && r.peek() != '=';
      r.seek(at);
      if (!next_scheme && !r.token68()) return std::nullopt;
    }
    if (is_bearer && !bearer) bearer = std::move(params);
    r.skip_ws();
    if (!r.done() && !r.eat(',')) {
      // Only a new scheme may follow without a comma when the challenge had no params.
      auto t = r.pos();
      if (r.token().empty()) return std::nullopt;
      r.seek(t);
    }
  }
  return bearer;
}

namespace {

bool acceptable_server_url(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_userinfo() || u->has_fragment() || u->has_query()) return false;
  if (u->scheme() == "https") return !u->host().empty();
  return u->scheme() == "http" && net::is_loopback_url(url);
}

}  // namespace

bool resource_covers(std::string_view resource, std::string_view endpoint) {
  if (resource == endpoint) return true;
  auto r = net::parse_absolute_url(resource);
  auto e = net::parse_absolute_url(endpoint);
  if (!r || !e || r->has_query() || r->has_fragment() || r->has_userinfo()) return false;
  if (r->scheme() != e->scheme() || r->encoded_authority() != e->encoded_authority()) return false;
  std::string_view rp = r->encoded_path(), ep = e->encoded_path();
  if (!rp.empty() && rp.back() == '/') rp.remove_suffix(1);
  if (rp.empty()) return true;  // the origin covers every path on it
  if (!ep.starts_with(rp)) return false;
  // "/mcp" covers "/mcp" and "/mcp/x", not "/mcpx".
  return ep.size() == rp.size() || ep[rp.size()] == '/';
}

Result<ResourceMetadata> parse_resource_metadata(std::string_view text, std::string_view expected_resource,
                                                 ResourceMatch match) {
  auto parsed = parse_json(text, {16, 256 * 1024});
  if (!parsed) return fail("protected resource metadata is not JSON: " + parsed.error().message);
  if (!parsed->is_object()) return fail("protected resource metadata is not a JSON object");
  auto& o = parsed->get_object();
  ResourceMetadata md;
  auto* res = o.if_contains("resource");
  if (!res || !res->is_string()) return fail("protected resource metadata has no resource");
  md.resource = std::string(res->get_string());
  // RFC 9728 §3.3: identical, not "equivalent".
  if (match == ResourceMatch::identical ? md.resource != expected_resource
                                        : !resource_covers(md.resource, expected_resource))
    return fail("protected resource metadata names another resource (" + md.resource.substr(0, 200) + ")");
  auto* as = o.if_contains("authorization_servers");
  if (!as || !as->is_array() || as->get_array().empty())
    return fail("protected resource metadata lists no authorization_servers");
  for (auto& v : as->get_array()) {
    if (!v.is_string() || !acceptable_server_url(v.get_string()))
      return fail("an authorization server in the metadata is not an https URL");
    md.authorization_servers.emplace_back(v.get_string());
  }
  if (auto* sc = o.if_contains("scopes_supported"); sc && sc->is_array())
    for (auto& v : sc->get_array())
      if (v.is_string()) md.scopes_supported.emplace_back(v.get_string());
  return md;
}

std::vector<std::string> resource_metadata_urls(std::string_view resource) {
  std::vector<std::string> out;
  auto u = boost::urls::parse_absolute_uri(resource);
  if (!u) return out;
  std::string origin = std::string(u->scheme()) + "://" + std::string(u->encoded_authority());
  std::string path(u->encoded_path());
  if (!path.empty() && path != "/") {
    if (path.back() == '/') path.pop_back();
    out.push_back(origin + "/.well-known/oauth-protected-resource" + path);
  }
  out.push_back(origin + "/.well-known/oauth-protected-resource");
  return out;
}

}  // namespace mcpgate::oauth
