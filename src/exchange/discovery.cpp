#include "exchange/discovery.hpp"

#include "oauth/as_metadata.hpp"
#include "oauth/resource_discovery.hpp"

namespace mcpgate::exchange {
using R = TokenError::Reason;

namespace {

std::optional<oauth::ResourceMetadata> metadata_at(oauth::HttpFetcher& fetcher, const std::string& url,
                                                   const std::string& resource, std::string& last) {
  auto got = fetcher.fetch({"GET", url, {{"Accept", "application/json"}}, ""});
  if (!got) {
    last = got.error().message;
    return std::nullopt;
  }
  if (got->status != 200) {
    last = url + " answered HTTP " + std::to_string(got->status);
    return std::nullopt;
  }
  auto md = oauth::parse_resource_metadata(got->body, resource);
  if (!md) {
    last = md.error().message;
    return std::nullopt;
  }
  return *md;
}

}  // namespace

expected<std::string, TokenError> token_endpoint_of(oauth::HttpFetcher& fetcher, const std::string& issuer) {
  std::string last = "no metadata";
  for (auto& url : oauth::metadata_urls(issuer)) {
    auto got = fetcher.fetch({"GET", url, {{"Accept", "application/json"}}, ""});
    if (!got) {
      last = got.error().message;
      continue;
    }
    if (got->status != 200) {
      last = url + " answered HTTP " + std::to_string(got->status);
      continue;
    }
    auto md = oauth::parse_as_metadata(got->body, issuer);
    if (!md) return unexpected(TokenError{R::bad_answer, "", "metadata: " + printable(md.error().message)});
    if (!md->token_endpoint) return unexpected(TokenError{R::bad_answer, "", "the metadata has no token_endpoint"});
    return *md->token_endpoint;
  }
  return unexpected(TokenError{R::unreachable, "", "metadata of " + printable(issuer) + ": " + printable(last)});
}

expected<Discovered, TokenError> discover_token_endpoint(oauth::HttpFetcher& fetcher, const std::string& resource) {
  std::string last = "no protected resource metadata";
  std::optional<oauth::ResourceMetadata> md;
  for (auto& url : oauth::resource_metadata_urls(resource))
    if ((md = metadata_at(fetcher, url, resource, last))) break;
  if (!md) {
    // The challenge of a request without a token names the document (RFC 9728 §5.1).
    auto got = fetcher.fetch({"GET", resource, {{"Accept", "text/event-stream"}}, ""});
    if (got && got->status == 401)
      if (auto params = oauth::parse_bearer_challenge(got->www_authenticate))
        if (auto it = params->find("resource_metadata"); it != params->end())
          md = metadata_at(fetcher, it->second, resource, last);
  }
  if (!md)
    return unexpected(
        TokenError{R::unreachable, "", "no protected resource metadata for the upstream: " + printable(last)});
  Discovered d;
  d.issuer = md->authorization_servers.front();
  auto te = token_endpoint_of(fetcher, d.issuer);
  if (!te) return unexpected(te.error());
  d.token_endpoint = std::move(*te);
  return d;
}

}  // namespace mcpgate::exchange
