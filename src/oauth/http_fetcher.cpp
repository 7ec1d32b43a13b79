#include "oauth/http_fetcher.hpp"

#include <cctype>
#include <charconv>

#include "net/http_client.hpp"
#include "net/tls_client.hpp"

namespace mcpgate::oauth {

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

Result<HttpUrl> parse_http_url(std::string_view url, bool allow_insecure_http) {
  HttpUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.scheme = "http";
    rest = url.substr(7);
  } else {
    return fail("not an http(s) URL");
  }
  if (auto f = rest.find('#'); f != std::string_view::npos) rest = rest.substr(0, f);
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.empty() || authority.find('@') != std::string_view::npos) return fail("bad URL authority");
  std::string_view host = authority;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("bad URL authority");
    host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (!authority.empty()) {
    if (authority.front() != ':' || authority.size() < 2) return fail("bad URL port");
    unsigned port = 0;
    auto [p, ec] = std::from_chars(authority.data() + 1, authority.data() + authority.size(), port);
    if (ec != std::errc() || p != authority.data() + authority.size() || port == 0 || port > 65535)
      return fail("bad URL port");
    out.port = static_cast<std::uint16_t>(port);
  }
  if (host.empty()) return fail("bad URL host");
  out.host = std::string(host);
  for (auto& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.tls() && !allow_insecure_http && !is_loopback_host(out.host))
    return fail("plain http is only allowed to loopback hosts");
  if (out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  return out;
}

std::optional<std::chrono::seconds> parse_max_age(std::string_view cc) {
  std::optional<std::chrono::seconds> out;
  std::size_t i = 0;
  while (i < cc.size()) {
    auto comma = cc.find(',', i);
    std::string_view d = cc.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    while (!d.empty() && d.front() == ' ') d.remove_prefix(1);
    while (!d.empty() && d.back() == ' ') d.remove_suffix(1);
    std::string lower(d);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "no-store" || lower == "no-cache") return std::nullopt;
    if (lower.starts_with("max-age=")) {
      long long v = 0;
      auto s = std::string_view(lower).substr(8);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size() && v >= 0) out = std::chrono::seconds(v);
    }
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return out;
}

BlockingHttpFetcher::BlockingHttpFetcher(HttpFetchOptions options) : options_(std::move(options)) {
  if (options_.tls == net::TlsClientOptions{}) {
    tls_ = net::TlsClientContext::system_default();
    return;
  }
  auto c = net::TlsClientContext::create(options_.tls);
  if (c)
    tls_ = std::move(*c);
  else
    tls_error_ = c.error().message;
}

Result<HttpFetchResponse> BlockingHttpFetcher::fetch(const HttpFetchRequest& req) {
  // Every failure names the URL: "keys unavailable" alone does not say which of several issuers.
  auto r = fetch_once(req);
  if (!r) return fail(req.url + ": " + r.error().message);
  return r;
}

Result<HttpFetchResponse> BlockingHttpFetcher::fetch_once(const HttpFetchRequest& req) {
  namespace asio = net::asio;
  namespace http = net::http;
  auto url = parse_http_url(req.url, options_.allow_insecure_http);
  if (!url) return unexpected(url.error());
  if (url->tls() && !tls_) return fail(tls_error_);
  asio::io_context io;
  net::ClientLimits limits;
  limits.max_body_bytes = options_.max_body_bytes;
  limits.connect_timeout = options_.timeout;
  limits.max_idle_per_host = 0;
  net::HttpClient client(io.get_executor(), limits);
  Result<HttpFetchResponse> out = fail("request did not run");
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        net::Request r;
        r.method(http::string_to_verb(req.method));
        r.target(url->target);
        r.version(11);
        std::string host = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
        r.set(http::field::host, url->port == (url->tls() ? 443 : 80) ? host : host + ":" + std::to_string(url->port));
        r.set(http::field::accept, "application/json");
        r.set(http::field::connection, "close");
        for (auto& [n, v] : req.headers) r.set(n, v);
        if (!req.body.empty() || req.method == "POST") r.body() = req.body;
        // Named, not a temporary in the co_await: g++ 12 destroys such a temporary twice.
        net::Endpoint endpoint{url->host, url->port, url->tls() ? tls_ : nullptr};
        auto rs = co_await client.send(endpoint, r, deadline);
        if (!rs) {
          out = unexpected(rs.error());
          co_return;
        }
        HttpFetchResponse resp;
        resp.status = (*rs)->status();
        auto cc = (*rs)->head()[http::field::cache_control];
        resp.max_age = parse_max_age(std::string_view(cc.data(), cc.size()));
        auto body = co_await (*rs)->read_all(deadline);
        if (!body) {
          out = unexpected(body.error());
          co_return;
        }
        resp.body = std::move(*body);
        out = std::move(resp);
      },
      asio::detached);
  io.run();
  return out;
}

}  // namespace mcpgate::oauth
