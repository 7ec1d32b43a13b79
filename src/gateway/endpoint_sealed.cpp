// Legacy sessions any replica can continue: the id a client gets is sealed (gateway/session_seal),
// and a replica that does not hold the session opens the id, checks it is the caller's, and builds
// the session again — an HTTP upstream goes on with its own session id, a stdio child is started
// with the client's handshake replayed (docs/deployment.md, "Sessions across replicas").
#include "core/log.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/endpoint_call.hpp"
#include "gateway/endpoint_support.hpp"

namespace mcpgate::gateway {
using steady = std::chrono::steady_clock;

expected<std::shared_ptr<FrontSession>, Refusal> McpEndpoint::find_session(std::string_view id, const Caller& caller,
                                                                           const json::value& rpc_id) {
  auto unknown = [&] { return unexpected(front_door_refusal(mcp::front::session_not_found(rpc_id))); };
  if (auto s = sessions_.find(std::string(id))) {
    // Another principal's session id is answered exactly like an unknown one: no oracle.
    if (s->owner != caller.key()) return unknown();
    if (s->expires && sealer_->now_seconds() >= s->expires) return unknown();
    return s;
  }
  return continue_session(id, caller, rpc_id);
}

expected<std::shared_ptr<FrontSession>, Refusal> McpEndpoint::continue_session(std::string_view id,
                                                                               const Caller& caller,
                                                                               const json::value& rpc_id) {
  auto unknown = [&] { return unexpected(front_door_refusal(mcp::front::session_not_found(rpc_id))); };
  // Ended here (DELETE, idle, the upstream ended it): a terminated session stays 404 (2025-11-25
  // transports, "Session Management"), even though its id would still open.
  if (ended_.contains(id, sealer_->now_seconds())) return unknown();
  auto state = sealer_->open(id);
  if (!state) {
    // A tampered, truncated, foreign-key or expired id is just an unknown session.
    if (log::enabled(log::Level::debug))
      log::debug("session id does not open",
                 {{"endpoint", cfg_.path}, {"reason", std::string(reason_name(state.error()))}});
    return unknown();
  }
  // Session hijacking across replicas: the id is bound to the principal that opened it and is
  // never a credential; anyone else's token gets the answer an unknown id gets (as on the replica
  // holding it).
  if (!SessionSealer::owned_by(*state, caller.key())) return unknown();
  // Sealed under another configuration of this endpoint (upstreams added, removed or renamed
  // during a rollout): the client starts a new session rather than reach the wrong upstream.
  if (state->upstreams.size() != cfg_.upstreams.size()) return unknown();
  for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i)
    if (state->upstreams[i].name != cfg_.upstreams[i].name) return unknown();

  auto session = std::make_shared<FrontSession>();
  if (caller.principal) {
    // A continued session counts against the principal's quota here, as an opened one does.
    auto slot = limiter_->open_session(caller.key(), steady::now());
    if (!slot) return unexpected(quota_refusal(slot.error(), rpc_id));
    session->quota_slot = std::make_shared<PrincipalLimiter::Slot>(std::move(*slot));
  }
  session->id = std::string(id);
  session->owner = caller.key();
  session->protocol_version = state->protocol_version;
  session->expires = state->expires;
  session->last_used_ms = now_ms();
  // Upstreams are built lazily: a stdio child starts (and is handshaken) on the first request.
  for (std::size_t i = 0; i < cfg_.upstreams.size(); ++i) {
    Resume r{&state->handshake, {state->upstreams[i].session_id, state->upstreams[i].protocol_version}};
    session->upstreams.push_back(make_upstream(i, false, caller.key(), &r));
  }
  if (!sessions_.insert(session)) {
    // Two requests continued it at once: the first one's session is the session. (Or the store is
    // full: the client is told the session is unknown and its initialize gets the 503.) Released,
    // not closed: a DELETE would end the upstream session the first one goes on in.
    session->close(true);
    auto held = sessions_.find(session->id);
    if (held && held->owner == caller.key()) return held;
    if (!held) metrics_.error(ErrorReason::too_many_sessions);
    return unknown();
  }
  metrics_.session_opened();
  log::info("session continued from its sealed id", {{"endpoint", cfg_.path}});
  return session;
}

void McpEndpoint::seal_session(const Call& call) {
  auto& s = *call.session;
  if (s.expires) return;  // already sealed (one initialize per session)
  SessionState state;
  state.owner = SessionSealer::owner_of(s.owner);
  state.protocol_version = s.protocol_version;
  if (call.initialize_params) state.handshake = SessionSealer::handshake_of(*call.initialize_params);
  for (std::size_t i = 0; i < s.upstreams.size() && i < cfg_.upstreams.size(); ++i) {
    auto r = s.upstreams[i]->resumption();
    state.upstreams.push_back({cfg_.upstreams[i].name, std::move(r.session_id), std::move(r.protocol_version)});
  }
  auto id = sealer_->seal(state);
  // Too large to send (a client's initialize with very large capabilities): the random id stays,
  // and the session lives on this replica only, as every session did before sealing.
  if (!id) {
    log::warn("session id not sealed: the client's initialize is too large; the session stays on this replica",
              {{"endpoint", cfg_.path}, {"request_id", call.request_id}});
    return;
  }
  // Set before the session can be found under its sealed id, reset if it cannot be.
  s.expires = state.expires;
  auto old = s.id;
  if (!sessions_.rekey(old, *id)) s.expires = 0;
}

void McpEndpoint::end_session(const FrontSession& s) {
  if (s.expires) ended_.add(s.id, s.expires, sealer_->now_seconds());
}

}  // namespace mcpgate::gateway
