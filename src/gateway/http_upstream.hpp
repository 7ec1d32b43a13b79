#pragma once
// An upstream MCP server reached over Streamable HTTP (either era). Each request is one POST
// on a pooled keep-alive connection of the calling thread; the reply is JSON or an SSE stream
// whose events are relayed as they arrive.
#include <mutex>
#include <unordered_map>

#include "config/gateway_config.hpp"
#include "gateway/upstream.hpp"
#include "mcp/jsonrpc.hpp"
#include "net/http_client.hpp"

namespace mcpgate::gateway {

struct HttpOptions {
  config::HttpUpstream http;
  std::string name;  // the upstream's configured name: the only thing about it a client is told
  std::string label;
  std::string tag;
  std::size_t max_in_flight = 256;
  std::shared_ptr<exchange::UpstreamCredentials> credentials;  // null: none
};

class HttpUpstream final : public UpstreamSession, public std::enable_shared_from_this<HttpUpstream> {
 public:
  HttpUpstream(net::asio::any_io_executor executor, HttpOptions options)
      : executor_(executor),
        options_(std::move(options)),
        endpoint_{options_.http.host, options_.http.port,
                  options_.http.https ? net::TlsClientContext::shared(options_.http.tls) : nullptr} {}

  [[nodiscard]] net::awaitable<Result<void>> begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                   Deadline deadline) override;
  [[nodiscard]] net::awaitable<Result<void>> deliver(json::object message, Deadline deadline) override;
  void set_listener(std::shared_ptr<Inbox> listener) override;
  void abandon(Inbox& inbox) override;
  void give_up(Inbox& inbox) override;
  void close() override;
  void release() override;
  const std::string& tag() const override { return options_.tag; }
  UpstreamResumption resumption() const override;
  // A session opened by another replica (its sealed id): requests go on with the upstream's own
  // session id rather than a new initialize.
  void resume(UpstreamResumption r);

 private:
  net::awaitable<void> run(json::object request, std::shared_ptr<Inbox> inbox, Deadline deadline);
  // Detached coroutines take their owner as a parameter: it is kept alive from the moment they are
  // spawned, not only from when they first run.
  net::awaitable<void> read_stream(std::shared_ptr<HttpUpstream> self, std::unique_ptr<net::ResponseStream> stream,
                                   json::value client_id, bool is_initialize, std::shared_ptr<Inbox> inbox,
                                   Deadline deadline);
  net::Request make_post(const json::object& message, const Inbox* inbox = nullptr);
  // A status that is not 2xx: the upstream's own JSON-RPC error for this request when a 4xx carries
  // one, else the gateway's error for the client.
  net::awaitable<void> refuse_status(net::ResponseStream& rs, unsigned status, const std::string& content_type,
                                     bool sent_session, const json::value& client_id, std::shared_ptr<Inbox> inbox,
                                     Deadline deadline);
  // The reply in `body` when it answers the request with this id; nullopt for anything else.
  // `skeleton`: a large body is parsed as that list's skeleton (core/json.hpp); `built_skeleton`
  // tells whether it was.
  static std::optional<mcp::Message> reply_to(std::string_view body, const json::value& request_id,
                                              const JsonSkeletonPath* skeleton = nullptr,
                                              bool* built_skeleton = nullptr);
  // `text`: the upstream's own text of `message` (see Inbox::push), dropped if the id is rewritten.
  void relay(json::object message, const std::shared_ptr<Inbox>& inbox, std::string text = {});
  void fail_request(const std::shared_ptr<Inbox>& inbox, const json::value& client_id, UpstreamFailure why,
                    std::string detail, unsigned status = 0, std::string oauth_error = {});
  // The credential for a request (for `subject`, or the gateway's own); the failure is answered.
  net::awaitable<std::optional<Secret>> credential(const std::shared_ptr<Inbox>& inbox, const json::value& client_id,
                                                   bool fresh);
  // The gateway's own credential (no subject): for the session's GET stream, DELETE, notifications.
  net::awaitable<std::optional<Secret>> own_credential();
  // Whether a 401 is worth one more try with a new token (the old one may have been revoked or
  // rotated at the upstream's server).
  bool refreshable() const;
  net::awaitable<void> listen_loop(std::shared_ptr<HttpUpstream> self);
  // One GET stream, read until it ends, the listener goes or the session closes.
  net::awaitable<void> listen_once();
  void end_listen_stream(std::weak_ptr<net::ResponseStream> stream);
  net::awaitable<void> end_session(std::shared_ptr<HttpUpstream> self, std::string session, std::string version);

  net::asio::any_io_executor executor_;
  HttpOptions options_;
  // Named, not a temporary in the co_await expression: g++ 12 destroys such temporaries twice.
  net::Endpoint endpoint_;
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex mutex_;  // guards the session fields and the server-request map
  std::string session_id_;
  std::string protocol_version_;
  bool closed_ = false;
  bool listening_ = false;
  std::shared_ptr<Inbox> listener_;
  // Counts the clients' standalone streams given to set_listener(): a listen loop that ends while
  // a newer one is waiting opens the upstream's stream again.
  std::uint64_t listener_generation_ = 0;
  std::weak_ptr<net::ResponseStream> listen_stream_;  // the upstream's stream, read on executor_
  std::uint64_t next_server_request_ = 1;
  std::unordered_map<std::uint64_t, json::value> server_requests_;
  // SSE replies being read, by their request's inbox, so that abandon() can close them.
  struct OpenStream {
    net::asio::any_io_executor executor;
    std::weak_ptr<net::ResponseStream> stream;
  };
  std::unordered_map<const Inbox*, OpenStream> streams_;
};

}  // namespace mcpgate::gateway
