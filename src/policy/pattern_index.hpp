#pragma once
// Which wildcard rules may match a name, without trying every one of them: each pattern is filed
// under its literal head (the characters before its first `*`, `?` or `{`) in a trie, or, when it
// starts with a wildcard, under its literal tail in a trie of reversed tails. A name then walks
// each trie once, so a list of N items against R rules costs about N × (name length + the few
// rules that share a head with the name), not N × R glob matches.
//
// The answer is a superset: the rules whose patterns cannot match the name because of a literal
// head or tail are left out, the others are still decided by glob_match (engine.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpgate::policy {

class PatternIndex {
 public:
  // Files `pattern` (a glob of glob.hpp) for rule number `rule`.
  void add(std::string_view pattern, std::size_t rule);
  // Appends to `out` every rule one of whose patterns may match `name` (unsorted, may repeat).
  void candidates(std::string_view name, std::vector<std::size_t>& out) const;
  bool empty() const { return heads_.size() == 1 && tails_.size() == 1 && always_.empty(); }

 private:
  struct Node {
    std::vector<std::pair<char, std::uint32_t>> next;  // few per node: a linear scan is fastest
    std::vector<std::size_t> rules;                    // patterns whose literal part ends here
  };
  static std::uint32_t child(std::vector<Node>& trie, std::uint32_t at, char c);
  static std::uint32_t find(const std::vector<Node>& trie, std::uint32_t at, char c);

  std::vector<Node> heads_{1};       // by literal head, node 0 the root
  std::vector<Node> tails_{1};       // by literal tail read backwards
  std::vector<std::size_t> always_;  // neither head nor tail ("*", "*x*"): tried for every name
};

}  // namespace mcpgate::policy
