#pragma once
// One sign-in through an upstream identity provider, for the audit trail: who (provider and
// user), for which client, and whether it went through, with a named reason. No token material.
#include <functional>
#include <string>

namespace mcpgate::authserver {

struct SignInEvent {
  std::string provider;   // the provider's issuer
  std::string user;       // mcpgate's name for the user (issuer#sub); empty when not established
  std::string client_id;  // the MCP client whose authorization the sign-in belongs to
  bool allowed = false;
  std::string reason;  // stable machine name: "signed_in", "bad_signature", "state_unknown", …
};

using SignInAudit = std::function<void(const SignInEvent&)>;

}  // namespace mcpgate::authserver
