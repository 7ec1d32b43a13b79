#pragma once
// The state of one browser sign-in between the pages of an authorization: the browser's session
// (its cookie names it) and the authorization request waiting for login and consent. Kept by a
// LoginStateStore (login_state_store.hpp): in this process, or shared by the replicas.
#include <string>
#include <vector>

#include "authserver/store.hpp"

namespace mcpgate::authserver {

// A browser's sign-in session (login_session.cpp).
struct Session {
  std::string csrf;
  std::string user;  // empty until logged in
  Seconds auth_time = 0;
  Seconds expires_at = 0;
};

// An authorization request between the authorization endpoint and the login/consent pages.
struct Pending {
  std::string session_id;
  ClientRecord client;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string resource;
  std::vector<std::string> scopes;  // what will be granted: requested ∩ what the signed-in user may have
  bool force_consent = false;
  Seconds expires_at = 0;
  std::vector<std::string> requested;  // what the client asked for
  std::vector<std::string> withheld;   // requested, not available to the signed-in user
};

}  // namespace mcpgate::authserver
