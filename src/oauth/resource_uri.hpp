#pragma once
// Resource identifiers (RFC 8707 §2, RFC 9728 §3.3) as compared for audience checks.
#include <string>
#include <string_view>

namespace mcpgate::oauth {

// The form two resource URIs are compared in: no fragment, scheme and host lower-cased, the
// default port removed, and one trailing slash of the path removed ("https://A.example/mcp/#x"
// and "https://a.example:443/mcp" are the same resource). Query and path case are kept.
std::string normalize_resource(std::string_view uri);

}  // namespace mcpgate::oauth
