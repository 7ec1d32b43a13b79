// Lists: the tools, prompts and resources a caller may see (each item judged as if it were
// called), the tool annotations learnt from them, and lists merged across several upstreams.
#include <algorithm>

#include "core/json.hpp"
#include "core/json_spans.hpp"
#include "core/random.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/endpoint_call.hpp"
#include "gateway/endpoint_support.hpp"
#include "gateway/http_upstream.hpp"
#include "gateway/limit_refusal.hpp"
#include "gateway/message_policy.hpp"
#include "gateway/param_headers.hpp"
#include "gateway/stdio_upstream.hpp"
#include "mcp/http_headers.hpp"
#include "mcp/protocol.hpp"
#include "net/sse.hpp"
#include "policy/canonical_name.hpp"
#include "policy/method_table.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
namespace http = net::http;
using steady = std::chrono::steady_clock;

bool McpEndpoint::hints_learnt(std::size_t upstream_index, std::string_view result_text) const {
  if (result_text.empty()) return false;
  // The same list as the one learnt last from this upstream, byte for byte: nothing to learn.
  // (Most lists are; a list of thousands of tools cost two hash lookups and a schema walk per
  // tool on every tools/list.) Compared whole, not by hash, so that no other list can pass.
  std::shared_lock lock(hints_->mutex);
  auto it = hints_->learnt_from.find(upstream_index);
  return it != hints_->learnt_from.end() && it->second == result_text;
}

void McpEndpoint::remember_hints(std::size_t upstream_index, const json::object& reply, std::string_view result_text) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto* tools = r->get_object().if_contains("tools");
  if (!tools || !tools->is_array()) return;
  if (hints_learnt(upstream_index, result_text)) return;
  hints_->params.remember(cfg_.upstreams[upstream_index].name, reply);
  std::unique_lock lock(hints_->mutex);
  if (hints_->by_tool.size() > 100'000) {
    // Bounded. ToolParamHeaders holds the same keys and clears at the same size: what was learnt
    // from is forgotten with them, so that the next list is learnt again.
    hints_->by_tool.clear();
    hints_->learnt_from.clear();
  }
  if (result_text.empty())
    hints_->learnt_from.erase(upstream_index);
  else
    hints_->learnt_from[upstream_index].assign(result_text);
  std::string key = cfg_.upstreams[upstream_index].name + "\n";  // one buffer: see ToolParamHeaders::remember
  const auto prefix = key.size();
  for (auto& t : tools->get_array()) {
    if (!t.is_object()) continue;
    auto* n = t.get_object().if_contains("name");
    if (!n || !n->is_string()) continue;
    bool ro = false;
    if (auto* a = t.get_object().if_contains("annotations"); a && a->is_object())
      if (auto* h = a->get_object().if_contains("readOnlyHint"); h && h->is_bool()) ro = h->get_bool();
    key.resize(prefix);
    key.append(n->get_string().data(), n->get_string().size());
    if (auto it = hints_->by_tool.find(key); it != hints_->by_tool.end())
      it->second = ro;
    else
      hints_->by_tool.emplace(key, ro);
  }
}

namespace {

// Where the value of the reply's "result" begins in the upstream's text.
std::optional<std::size_t> result_start(std::string_view text) {
  auto doc = text.find_first_not_of(" \t\r\n");
  if (doc == std::string_view::npos) return std::nullopt;
  return json_member_start(text, doc, "result");
}

}  // namespace

// Lists show only what this caller may use (same rules as the calls; fail closed: an item that
// cannot be read is dropped). The upstream's text follows every change: the kept items' own bytes
// spliced between the list's brackets, cacheScope set in place, the rest untouched, so that the
// text the client receives parses to exactly the reply judged here. Where the text cannot be
// followed (a key written with escapes), it is dropped and the reply serialized.
void McpEndpoint::filter_list(Call& call, json::object& reply, std::size_t upstream_index, std::string& text,
                              const ListText* layout) {
  auto* r = reply.if_contains("result");
  if (!r || !r->is_object()) return;
  auto& ro = r->get_object();
  auto key = list_key(call.method);
  auto* items = ro.if_contains(key);
  if (!items || !items->is_array()) {
    if (ro.contains(key)) {
      ro[key] = json::array();
      text.clear();
    }
    return;
  }
  // Only as much of the text is scanned as each change needs: the list once, when filtered.
  // (A plain offset, not an optional: g++ 12 warns falsely about reading it uninitialized.)
  constexpr auto kNowhere = std::string::npos;
  std::size_t result_at = text.empty() ? kNowhere : layout ? layout->result_at : result_start(text).value_or(kNowhere);
  if (result_at == kNowhere) text.clear();
  std::vector<JsonEdit> edits;
  auto finish = [&] {
    if (text.empty() || edits.empty()) return;
    std::sort(edits.begin(), edits.end(), [](auto& a, auto& b) { return a.span.begin < b.span.begin; });
    text = apply_json_edits(text, edits);
  };
  auto authz = authorizer();
  if (call.era == mcp::Era::modern) {
    // Per-principal (caching.mdx MUST). Inserting may rehash the object: look the list up again.
    auto* scope = ro.if_contains("cacheScope");
    if (!scope || !scope->is_string() || scope->get_string() != "private") {
      if (!text.empty()) {
        if (!scope)  // the result holds the list, so it is not empty: a member goes first
          edits.push_back({{result_at + 1, result_at + 1}, R"("cacheScope":"private",)"});
        else if (auto at = json_member_span(text, {result_at, text.size()}, "cacheScope"))
          edits.push_back({*at, R"("private")"});
        else
          text.clear();
      }
      ro["cacheScope"] = "private";
      items = ro.if_contains(key);
    }
  }
  if (!authz->has_policy()) return finish();
  policy::TargetKind kind = key == "tools"     ? policy::TargetKind::tool
                            : key == "prompts" ? policy::TargetKind::prompt
                                               : policy::TargetKind::resource;
  const char* method = key == "tools" ? "tools/call" : key == "prompts" ? "prompts/get" : "resources/read";
  auto name_key = list_item_key(call.method);
  auto& all = items->get_array();
  std::optional<JsonArraySpans> spans;
  if (!text.empty()) {
    if (layout) {
      spans = layout->list;
    } else if (auto list_at = json_member_start(text, result_at, key)) {
      spans = json_array_at(text, *list_at);
    }
    if (!spans || spans->items.size() != all.size()) text.clear();
  }
  // Built where the items live (a large reply's monotonic buffer): moving an item into an array
  // of another storage would copy it.
  json::array kept(all.storage());
  kept.reserve(all.size());
  std::vector<std::size_t> kept_at;
  if (!text.empty()) kept_at.reserve(all.size());
  policy::Target t{kind, {}, method, cfg_.upstreams[upstream_index].name};
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& item = all[i];
    if (!item.is_object()) continue;
    auto* n = item.get_object().if_contains(name_key);
    if (!n || !n->is_string()) continue;
    // Judged in the form a call would be judged in; an item without one is dropped (fail closed).
    auto name = kind == policy::TargetKind::resource ? policy::canonical_uri(n->get_string())
                                                     : policy::canonical_name(n->get_string());
    if (!name) continue;
    t.name = std::move(*name);
    auto d = authz->decide(call.caller, t, hints_.get());
    if (!d.allowed()) continue;
    kept.push_back(std::move(item));
    if (!text.empty()) kept_at.push_back(i);
  }
  if (!text.empty() && kept.size() != all.size()) {
    std::string list = "[";
    list.reserve(spans->array.size());
    for (auto i : kept_at) {
      if (list.size() > 1) list += ',';
      list.append(text, spans->items[i].begin, spans->items[i].size());
    }
    list += ']';
    edits.push_back({spans->array, std::move(list)});
  }
  ro[key] = std::move(kept);
  finish();
}

void McpEndpoint::judge_list(Call& call, json::object& reply, std::size_t upstream_index, std::string& text,
                             bool skeleton, bool whole_needed) {
  bool tools = call.method == "tools/list";
  // The reply parsed whole from its text, in the skeleton's storage (one buffer for both). The
  // text was accepted by the same parser, so this cannot fail; if it did, the reply is refused
  // rather than relayed unjudged (fail closed).
  auto whole = [&](std::string_view from) {
    json::value id = reply.contains("id")
                         ? reply.at("id")
                         : json::value();  // the client's, set by the upstream side (JSON-equal to the text's)
    auto parsed = parse_json(from, {}, reply.storage());
    if (!parsed || !parsed->is_object()) {
      reply = mcp::make_error(id, mcp::code::upstream_unavailable,
                              "Upstream '" + cfg_.upstreams[upstream_index].name + "' sent a list that cannot be read");
      text.clear();
      return false;
    }
    reply = std::move(parsed->get_object());
    reply["id"] = id;
    return true;
  };
  // Where the list lies in the text, found once for the hints and the filter (when either reads it).
  std::optional<ListText> layout;
  if (!text.empty() && (tools || authorizer()->has_policy())) layout = locate_list(text, list_key(call.method));
  std::string_view result_text = layout ? layout->result : std::string_view();
  std::string original;  // the skeleton's text, for the whole parse should the filter need it
  if (skeleton) {
    if (whole_needed || text.empty() || (tools && !hints_learnt(upstream_index, result_text))) {
      skeleton = false;
      if (!whole(text)) return;
    } else {
      original = text;
    }
  }
  // A skeleton's list is the one learnt last (above): nothing to learn from it.
  if (tools && !skeleton) remember_hints(upstream_index, reply, result_text);
  filter_list(call, reply, upstream_index, text, layout ? &*layout : nullptr);
  if (skeleton && text.empty()) {
    // The filter could not follow the text (a key written with escapes …): it serializes the
    // reply instead, which needs the items whole. Judged again from the start.
    text = std::move(original);
    if (!whole(text)) return;
    filter_list(call, reply, upstream_index, text);
  }
}

McpEndpoint::~McpEndpoint() {
  shutdown();
}

net::awaitable<void> McpEndpoint::fan_out_list(net::Exchange& ex, Call& call) {
  json::value id = call.request["id"];
  auto key = list_key(call.method);
  json::array merged;
  json::object first_result;
  for (std::size_t i = 0; i < call.upstreams.size(); ++i) {
    auto inbox = std::make_shared<Inbox>(ex.executor());
    auto deadline = deadline_for(call, i);
    auto permit = co_await admit_upstream(ex, call.caller, call.method, i, id, deadline);
    if (!permit) co_return;
    bind_subject(*inbox, i, call.caller);
    auto req = call.request;
    req["id"] = "mcpgate-list-" + std::to_string(i);
    if (!(co_await call.upstreams[i]->begin(std::move(req), inbox, deadline))) continue;
    for (;;) {
      auto m = co_await inbox->pop(deadline);
      if (!m) break;
      if (m->contains("method")) continue;  // notifications during a list are not relayed
      auto* r = m->if_contains("result");
      if (!r || !r->is_object()) break;
      if (call.method == "tools/list") remember_hints(i, *m);
      std::string merged_anyway;  // the merged list is built anew
      filter_list(call, *m, i, merged_anyway);
      r = m->if_contains("result");
      auto& ro = r->get_object();
      if (first_result.empty()) first_result = ro;
      auto* items = ro.if_contains(key);
      if (!items || !items->is_array()) break;
      for (auto& item : items->get_array()) {
        if (!item.is_object()) continue;
        auto copy = item.get_object();
        auto& prefix = cfg_.upstreams[i].prefix;
        if (key == "tools" || key == "prompts") {
          auto* n = copy.if_contains("name");
          if (!n || !n->is_string()) continue;
          copy["name"] = prefix + std::string(n->get_string());
        }
        merged.push_back(std::move(copy));
      }
      break;
    }
  }
  first_result[key] = std::move(merged);
  first_result.erase("nextCursor");
  auto reply = mcp::make_result(id, std::move(first_result));
  if (call.era == mcp::Era::modern) modernize_result(call.method, reply);
  co_await ex.respond(json_response(200, reply));
}

}  // namespace mcpgate::gateway
