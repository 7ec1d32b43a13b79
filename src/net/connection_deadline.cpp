#include "net/connection_deadline.hpp"

namespace mcpgate::net {

void ConnectionDeadline::begin() {
  auto& s = *state_;
  ++s.pending;
  if (s.deadline == clock::time_point::max()) return;
  // Armed for the deadline or earlier: when it fires it re-arms for whatever the deadline is then.
  if (s.armed_at <= s.deadline) return;
  arm(state_);
}

void ConnectionDeadline::arm(const std::shared_ptr<State>& s) {
  s->armed_at = s->deadline;
  auto generation = ++s->generation;
  // expires_at cancels a wait pending for a later time; its handler sees an old generation.
  s->timer.expires_at(s->deadline);
  s->timer.async_wait([s, generation](error_code ec) { on_timer(s, generation, ec); });
}

void ConnectionDeadline::on_timer(const std::shared_ptr<State>& s, std::uint64_t generation, error_code ec) {
  if (generation != s->generation) return;  // replaced by an earlier deadline
  s->armed_at = clock::time_point::max();
  if (ec || !s->socket || s->pending == 0 || s->deadline == clock::time_point::max()) return;
  if (clock::now() < s->deadline) {
    arm(s);  // the deadline moved on since this wait was armed
    return;
  }
  s->fired = true;
  error_code ignored;
  s->socket->close(ignored);
}

void ConnectionDeadline::rest() {
  expires_never();
  if (state_->armed_at == clock::time_point::max()) return;
  state_->armed_at = clock::time_point::max();
  ++state_->generation;
  state_->timer.cancel();
}

void ConnectionDeadline::detach() {
  if (!state_) return;
  state_->socket = nullptr;
  ++state_->generation;
  state_->timer.cancel();
}

}  // namespace mcpgate::net
