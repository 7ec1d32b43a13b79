// Clients and protected resources by identifier: registered clients, and Client ID Metadata
// Documents fetched and cached on first sight.
#include "authserver/client_metadata.hpp"
#include "authserver/server_impl.hpp"
#include "core/log.hpp"

namespace mcpgate::authserver {
namespace json = boost::json;
namespace http = boost::beast::http;
using net::Exchange;
using net::Request;
using net::Response;

// A registered client, or a metadata document client fetched (and cached) on first sight.
net::awaitable<expected<std::optional<ClientRecord>, AuthorizationServer::Impl::ClientLookupError>>
AuthorizationServer::Impl::find_client(std::string_view client_id) {
  using Failed = unexpected<ClientLookupError>;
  auto c = co_await pool_.run([&] { return store_->get_client(client_id); });
  if (!c) {
    // The cause (libpq names the database host) goes to the log, never to the caller.
    log::warn("authorization server: client lookup failed on storage: " + c.error().message);
    co_return Failed(ClientLookupError{true, "storage unavailable"});
  }
  if (*c) co_return std::move(*c);
  if (!opt_.cimd_enabled || !is_client_id_url(client_id, opt_.cimd_allow_private_addresses))
    co_return std::optional<ClientRecord>();
  std::string id(client_id);
  {
    std::lock_guard lock(mu_);
    auto it = cimd_cache_.find(id);
    if (it != cimd_cache_.end() && it->second.second > now()) co_return std::optional<ClientRecord>(it->second.first);
  }
  auto body = co_await fetcher_->fetch(id);
  if (!body) co_return Failed(ClientLookupError{false, body.error().message});
  RedirectPolicy policy{true, {}};
  auto parsed = parse_client_metadata_document(*body, id, policy, {opt_.cimd_max_bytes, 16, 2048});
  if (!parsed) co_return Failed(ClientLookupError{false, "metadata document: " + parsed.error().description});
  parsed->created_at = now();
  std::lock_guard lock(mu_);
  if (cimd_cache_.size() >= opt_.cimd_cache_entries) cimd_cache_.erase(cimd_cache_.begin());
  cimd_cache_[id] = {*parsed, now() + opt_.cimd_cache_ttl.count()};
  co_return std::optional<ClientRecord>(*parsed);
}

const ProtectedResource* AuthorizationServer::Impl::find_resource(std::string_view r) const {
  for (auto& p : opt_.resources)
    if (p.resource == r) return &p;
  return nullptr;
}

}  // namespace mcpgate::authserver
