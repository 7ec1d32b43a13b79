#include "oauth/http_fetcher.hpp"

#include <cctype>
#include <charconv>

#include "net/http_client.hpp"
#include "net/tls_client.hpp"

namespace mcpgate::oauth {

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
        resp.www_authenticate = std::string((*rs)->head()[http::field::www_authenticate]);
        for (auto& field : (*rs)->head()) {
          std::string name(field.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          resp.headers.emplace_back(std::move(name), std::string(field.value()));
        }
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
