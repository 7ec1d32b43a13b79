#pragma once
// Showing the user the authorization URL: printed always, and opened in a browser where there is
// one. Never through a shell (MCP security best practices, "Authorization URL handling": a URL
// from a server must not become a command), and only http(s) URLs.
#include <string>

#include "core/result.hpp"

namespace mcpgate::client {

// `command`: a program and its leading arguments, split on spaces, to which the URL is appended
// as one argument (e.g. "firefox --new-window"). Empty: `xdg-open` when a display is present
// ($DISPLAY or $WAYLAND_DISPLAY), else nothing is started. The child's output goes to /dev/null,
// so a stdio proxy's standard output stays the MCP channel. The URL goes to standard error.
[[nodiscard]] Result<void> show_authorization_url(const std::string& url, const std::string& command);

}  // namespace mcpgate::client
