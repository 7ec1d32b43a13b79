// Bearer token extraction (RFC 6750 §2.1) over a whole header list, as the authorizer calls it.
// Input: one header per line, `name: value`. An extracted token must come from the only
// Authorization header, under the Bearer scheme, be token68 (RFC 7235 §2.1) and within the limit.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "oauth/bearer.hpp"

namespace {
using namespace mcpgate::oauth;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool is_authorization(std::string_view name) {
  constexpr std::string_view kName = "authorization";
  if (name.size() != kName.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(name[i])) != kName[i]) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<HeaderField> headers;
  for (std::size_t i = 0; i < in.size();) {
    auto nl = in.find('\n', i);
    if (nl == std::string_view::npos) nl = in.size();
    auto line = in.substr(i, nl - i);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      headers.emplace_back(line, std::string_view{});
    } else {
      auto value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      headers.emplace_back(line.substr(0, colon), value);
    }
    i = nl + 1;
  }
  const BearerLimits limits{64};  // small, so the fuzzer reaches the size check
  auto token = extract_bearer(headers, limits);
  std::size_t authorizations = 0;
  std::string_view value;
  for (auto& [n, v] : headers)
    if (is_authorization(n)) ++authorizations, value = v;
  if (authorizations == 0) check(!token && token.error() == AuthError::missing_token);
  if (authorizations > 1) check(!token && token.error() == AuthError::duplicate_authorization);
  if (token) {
    std::string_view t = token->reveal();
    check(!t.empty() && t.size() <= limits.max_token_bytes);
    check(value.ends_with(t) && value.size() > t.size() + 6);
    check(std::tolower(static_cast<unsigned char>(value[0])) == 'b' && value[6] == ' ');
    for (char c : t) check(c != ' ' && c != ',' && c != '"' && static_cast<unsigned char>(c) > 0x20);
  }
  return 0;
}
