#pragma once
// The sign-in state as JSON, for a store shared by the replicas. What is read back was written by
// another replica, through a store an attacker should not reach but might: anything malformed
// reads as an error, never as a partly filled session or request.
#include <string>
#include <string_view>

#include "authserver/login_state.hpp"
#include "core/result.hpp"

namespace mcpgate::authserver {

std::string session_to_json(const Session& s);
[[nodiscard]] Result<Session> session_from_json(std::string_view text);

// The client's secret hash is left out: the pages never need it, and a shared store need not
// hold it.
std::string pending_to_json(const Pending& p);
[[nodiscard]] Result<Pending> pending_from_json(std::string_view text);

}  // namespace mcpgate::authserver
