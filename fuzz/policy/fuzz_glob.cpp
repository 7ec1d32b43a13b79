// Policy name and URI patterns (`*`, `?`, `{var}`) against the tool names and resource URIs a
// client sends. Input: the pattern on the first line, the text after it. Patterns come from the
// configuration, the text from the client: matching must stay fast and agree with the obvious
// meaning of the simple cases.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/glob.hpp"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mcpgate::policy::glob_match;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view pattern = in.substr(0, nl);
  std::string_view text = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

  bool m = glob_match(pattern, text);
  if (pattern.find_first_of("*?{") == std::string_view::npos) check(m == (pattern == text));  // literal
  check(glob_match("*", text));
  check(glob_match(text.substr(0, text.find_first_of("*?{")), text.substr(0, text.find_first_of("*?{"))));
  if (m) check(glob_match(std::string(pattern) + "*", std::string(text) + "suffix"));
  return 0;
}
