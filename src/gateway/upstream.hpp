#pragma once
// One conversation with one upstream MCP server: a stdio child or a Streamable HTTP endpoint.
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "gateway/inbox.hpp"
#include "mcp/protocol.hpp"
#include "net/asio.hpp"

namespace mcpgate::gateway {

using Deadline = std::chrono::steady_clock::time_point;

// Server→client request ids are rewritten to "mcpgate:<tag>:<n>" on the way to the client, so
// that the client's answer finds its way back to the upstream (and session) that asked.
inline constexpr std::string_view kServerRequestIdPrefix = "mcpgate:";

// The `reason` a client sees in the error's data when an upstream failed.
inline std::string_view reason_name(UpstreamFailure f) {
  switch (f) {
    case UpstreamFailure::unreachable:
      return "unreachable";
    case UpstreamFailure::timeout:
      return "timeout";
    case UpstreamFailure::http_status:
      return "http_status";
    case UpstreamFailure::unauthorized:
      return "unauthorized";
    case UpstreamFailure::session_expired:
      return "session_expired";
    case UpstreamFailure::bad_reply:
      return "bad_reply";
    case UpstreamFailure::credentials:
      return "credentials";
    case UpstreamFailure::at_capacity:
      return "at_capacity";
  }
  return "unavailable";
}

// What another replica needs to go on with an upstream session (an HTTP upstream's own session
// id and the revision it negotiated); empty for a stdio child, which is started again instead.
struct UpstreamResumption {
  std::string session_id;
  std::string protocol_version;
};

class UpstreamSession {
 public:
  virtual ~UpstreamSession() = default;

  // For the sealed session id (gateway/session_seal.hpp).
  virtual UpstreamResumption resumption() const { return {}; }

  // Sends a client request. Everything the upstream sends about it (notifications, requests for
  // the client, and last the reply, which carries the client's own id) is pushed to `inbox`.
  // An error means the request never reached the upstream.
  [[nodiscard]] virtual net::awaitable<Result<void>> begin(json::object request, std::shared_ptr<Inbox> inbox,
                                                           Deadline deadline) = 0;

  // A client notification, or the client's answer to a server request (its id still in the
  // "mcpgate:" form; the session maps it back).
  [[nodiscard]] virtual net::awaitable<Result<void>> deliver(json::object message, Deadline deadline) = 0;

  // Where server messages that belong to no request in flight go (the legacy GET stream). Null: no
  // client listens any more, and what the upstream holds open for one (its own stream) may close.
  virtual void set_listener(std::shared_ptr<Inbox> listener) = 0;

  // A request is named by the inbox it was begun with, never by the client's JSON-RPC id: ids are
  // unique only within one client's session, and the clients of a shared upstream session (every
  // stateless client, a principal's sessions on its own child) pick the same ones.

  // The client stopped waiting for this request: forget it and tell the upstream.
  virtual void abandon(Inbox& inbox) = 0;
  // The same, called on the request's own executor while begin() may still be waiting for the
  // upstream to begin its answer (an HTTP upstream's begin() waits for the answer's head): that
  // wait ends at once.
  virtual void give_up(Inbox& inbox) { (void)inbox; }
  // The client cancelled a request (`notifications/cancelled`, its requestId the client's id): the
  // upstream is told in its own terms. `inbox` names the request when this replica has it in
  // flight, else it is null (answered already, or sent by another replica of a sealed session).
  // By default the notification goes as it is, whatever `inbox`, which suits an upstream session
  // that sees the client's own ids and only this client's (an HTTP upstream's session of one legacy
  // session, resumed by any replica).
  [[nodiscard]] virtual net::awaitable<Result<void>> cancel(Inbox* inbox, json::object notification,
                                                            Deadline deadline) {
    (void)inbox;
    co_return co_await deliver(std::move(notification), deadline);
  }

  virtual void close() = 0;
  // This replica stops using the upstream session but leaves it open at the upstream: another
  // replica continues it from the sealed session id (a replica shutting down). A stdio child is
  // this replica's own and simply stops.
  virtual void release() { close(); }
  virtual const std::string& tag() const = 0;
};

}  // namespace mcpgate::gateway
