#include "policy/pattern_index.hpp"

namespace mcpgate::policy {

std::uint32_t PatternIndex::find(const std::vector<Node>& trie, std::uint32_t at, char c) {
  for (auto& [k, n] : trie[at].next)
    if (k == c) return n;
  return 0;  // the root is never a child
}

std::uint32_t PatternIndex::child(std::vector<Node>& trie, std::uint32_t at, char c) {
  if (auto n = find(trie, at, c)) return n;
  auto n = static_cast<std::uint32_t>(trie.size());
  trie.emplace_back();
  trie[at].next.emplace_back(c, n);
  return n;
}

void PatternIndex::add(std::string_view pattern, std::size_t rule) {
  // `{` starts a variable only when a `}` closes it (glob.cpp), but treating every `{` as the end
  // of the literal head (and `}` as the start of the tail) can only file a pattern under a
  // shorter literal, which keeps the answer a superset.
  auto head_end = pattern.find_first_of("*?{");
  if (head_end == std::string_view::npos) head_end = pattern.size();
  if (head_end > 0) {
    std::uint32_t at = 0;
    for (std::size_t i = 0; i < head_end; ++i) at = child(heads_, at, pattern[i]);
    heads_[at].rules.push_back(rule);
    return;
  }
  auto tail_start = pattern.find_last_of("*?{}");
  if (tail_start != std::string_view::npos && tail_start + 1 < pattern.size()) {
    std::uint32_t at = 0;
    for (std::size_t i = pattern.size(); i-- > tail_start + 1;) at = child(tails_, at, pattern[i]);
    tails_[at].rules.push_back(rule);
    return;
  }
  always_.push_back(rule);
}

void PatternIndex::candidates(std::string_view name, std::vector<std::size_t>& out) const {
  out.insert(out.end(), always_.begin(), always_.end());
  std::uint32_t at = 0;
  for (char c : name) {
    at = find(heads_, at, c);
    if (!at) break;
    out.insert(out.end(), heads_[at].rules.begin(), heads_[at].rules.end());
  }
  at = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    at = find(tails_, at, name[i]);
    if (!at) break;
    out.insert(out.end(), tails_[at].rules.begin(), tails_[at].rules.end());
  }
}

}  // namespace mcpgate::policy
