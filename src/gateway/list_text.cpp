#include "gateway/list_text.hpp"

namespace mcpgate::gateway {

ListText locate_list(std::string_view text, std::string_view key) {
  ListText out;
  auto doc = text.find_first_not_of(" \t\r\n");
  if (doc == std::string_view::npos) return out;
  auto result = json_member_start(text, doc, "result");
  if (!result || text[*result] != '{') return out;
  out.result_at = *result;
  // The members before the list are skipped, the list is read item by item, the members after
  // it are skipped: the result's end without reading the list twice.
  if (auto list_at = json_member_start(text, *result, key)) {
    out.list = json_array_at(text, *list_at);
    if (out.list) {
      if (auto end = json_object_end(text, out.list->array.end)) out.result = text.substr(*result, *end - *result);
      return out;
    }
  }
  if (auto span = json_member_span(text, {doc, text.size()}, "result"))
    out.result = text.substr(span->begin, span->size());
  return out;
}

}  // namespace mcpgate::gateway
