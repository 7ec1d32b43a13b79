#pragma once
// Where the parts of a list reply lie in the upstream's text: the result, the list and its items,
// found in one pass over the list (a list of thousands of items was scanned once to compare it
// with the list the tool hints were learnt from, and once more to filter it). Only for text the
// strict parser accepted (core/json_spans.hpp); a part that cannot be found is left empty.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_spans.hpp"

namespace mcpgate::gateway {

struct ListText {
  std::size_t result_at = std::string::npos;  // the '{' of the result
  std::string_view result;                    // the result's own text
  std::optional<JsonArraySpans> list;         // the result's member `key` and its items
};

[[nodiscard]] ListText locate_list(std::string_view text, std::string_view key);

}  // namespace mcpgate::gateway
