#pragma once
// RFC 6570 level 1 templates as MCP resource templates use them: literals and `{name}`
// expressions. An expression matches one or more characters other than '/', so
// `test://template/{id}/data` matches `test://template/123/data` and nothing deeper.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::mcp::server {

class UriTemplate {
 public:
  // Fails on an unterminated or empty expression, two expressions with nothing between them (the
  // split between them would be ambiguous), or a variable named twice (its two values could differ).
  [[nodiscard]] static Result<UriTemplate> compile(std::string_view text);

  // Each expression takes the longest value that lets the rest match. Time and memory are
  // O(template length × URI length), whatever either holds.
  std::optional<std::map<std::string, std::string>> match(std::string_view uri) const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    bool variable;
    std::string value;  // the literal, or the variable name
  };
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace mcpgate::mcp::server
