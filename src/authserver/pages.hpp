#pragma once
// The server-rendered pages of the authorization endpoint: login, consent and errors. Plain
// HTML with one inline style block (allowed by a per-response CSP nonce), no scripts and no
// external assets; every interpolated value is HTML-escaped.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpgate::authserver {

std::string html_escape(std::string_view s);

struct LoginPage {
  std::string action;  // form target path
  std::string request_id;
  std::string csrf;
  std::string client_name;
  std::string username;  // prefilled after a failed attempt
  std::string error;     // fixed text
};

struct ConsentPage {
  std::string action;
  std::string request_id;
  std::string csrf;
  std::string username;
  std::string client_name;
  std::string client_id;
  std::string redirect_host;
  std::string metadata_host;  // the host that published the client's metadata document, if any
  bool localhost_only = false;
  std::vector<std::string> scopes;  // what approving grants
  std::string resource;
  std::vector<std::string> withheld;  // asked for by the client, not available to this user
};

// Federation with several providers: one link per provider, each starting the sign-in there.
struct IdpChoicePage {
  std::string client_name;
  std::vector<std::pair<std::string, std::string>> providers;  // name, start URL
};

std::string render_login(const LoginPage& p, std::string_view nonce);
std::string render_idp_choice(const IdpChoicePage& p, std::string_view nonce);
std::string render_consent(const ConsentPage& p, std::string_view nonce);
// The sign-out confirmation: a POST form (CSRF token), so that a link or image cannot sign anyone out.
std::string render_logout(std::string_view user, std::string_view action, std::string_view csrf,
                          std::string_view nonce);
std::string render_error(std::string_view title, std::string_view message, std::string_view nonce);

}  // namespace mcpgate::authserver
