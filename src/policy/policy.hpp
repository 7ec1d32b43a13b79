#pragma once
// The scope map: which MCP operations a principal may perform, decided from declarative rules.
//
// Precedence (predictable, and the same for calls and for list filtering):
//   1. A deny rule that matches the target and whose conditions hold wins: explicit denials
//      cannot be overridden by a broader allow.
//   2. Otherwise the first allow rule (in file order) that matches the target and whose
//      requirements the principal meets allows.
//   3. Otherwise, if allow rules matched but the principal lacks scopes, the answer is
//      insufficient_scope with the scopes of the matching rule that needs the fewest more
//      (the client can step up to get them); if only claim or client conditions failed, forbidden.
//   4. Otherwise the default (deny, unless configured `allow`), or for tools the read-only-hint
//      default when it is enabled.
#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/pattern_index.hpp"

namespace mcpgate::policy {
namespace json = boost::json;

enum class TargetKind { none, tool, resource, prompt, method };

// What a request reaches. Methods that reach no tool, resource or prompt (initialize, lists,
// ping, the client notifications of the specification) have kind none and are governed by
// authentication alone. A method outside the table of method_table.hpp has kind method: it is
// allowed only by a rule that names it in `methods:` (fail closed, whatever the default).
struct Target {
  TargetKind kind = TargetKind::none;
  std::string name;      // tool or prompt name, or resource URI in canonical form (canonical_name.hpp)
  std::string method;    // the JSON-RPC method
  std::string upstream;  // the upstream's configured name
};

// Who asks: the validated token's principal.
struct Subject {
  std::string issuer;
  std::string subject;
  std::string client_id;
  std::set<std::string> scopes;  // as granted by the token
  json::object claims;           // every claim, for claim conditions
};

struct ClaimCondition {
  std::string claim;                // a top-level claim name
  std::vector<std::string> one_of;  // the claim (string) equals one, or (array) contains one
};

struct Rule {
  std::string id;
  bool deny = false;
  bool shadow = false;                                 // decided and logged, never enforced
  std::vector<std::string> methods;                    // empty: any method that reaches the target kind;
                                                       // alone (no patterns): methods outside the table
  std::vector<std::string> tools, resources, prompts;  // patterns (glob; URI templates for resources)
  std::vector<std::string> upstreams;                  // empty: any
  std::vector<std::vector<std::string>> scopes;        // any one of these sets, each all-of; empty: none needed
  std::vector<ClaimCondition> claims;                  // all must hold
  std::vector<std::string> clients;                    // empty: any client
};

struct ReadOnlyHintDefault {
  std::string read_scope = "mcp:read";
  std::string write_scope = "mcp:write";
};

struct Policy {
  bool default_allow = false;
  bool shadow = false;                                      // the whole endpoint in shadow mode
  std::map<std::string, std::vector<std::string>> implies;  // scope → scopes it includes
  std::optional<ReadOnlyHintDefault> read_only_hint_default;
  std::vector<Rule> rules;
};

enum class Outcome { allow, insufficient_scope, forbidden };

struct Decision {
  Outcome outcome = Outcome::forbidden;
  std::string rule;                 // the deciding rule's id; "default" or "read-only-hint" otherwise
  std::string reason;               // short, for audit logs and error messages
  std::vector<std::string> scopes;  // insufficient_scope: every scope the operation needs
  bool shadowed = false;            // denied by a shadow rule or in shadow mode: let through
  bool allowed() const { return outcome == Outcome::allow || shadowed; }
};

// Tool annotations the gateway learned from tools/list, for the read-only-hint default.
class ToolHints {
 public:
  virtual ~ToolHints() = default;
  // nullopt: unknown (treated as not read-only: fail closed).
  virtual std::optional<bool> read_only(const std::string& upstream, const std::string& tool) const = 0;
};

class Engine {
 public:
  explicit Engine(Policy policy);

  Decision decide(const Subject& who, const Target& what, const ToolHints* hints = nullptr) const;
  // The scopes the principal effectively holds, with the hierarchy applied.
  std::set<std::string> effective_scopes(const std::set<std::string>& granted) const;
  const Policy& policy() const { return policy_; }

 private:
  bool matches_target(const Rule& r, const Target& t) const;
  bool conditions_hold(const Rule& r, const Subject& s) const;
  // The rules that may match a target, in file order: those naming it literally (a hash lookup)
  // and the globs the pattern index cannot rule out. A list of N items against R rules then costs
  // about N lookups and trie walks, not N × R matches.
  std::vector<std::size_t> candidates(const Target& t) const;

  Policy policy_;
  struct Index {
    std::unordered_map<std::string, std::vector<std::size_t>> literal;
    PatternIndex patterns;
  };
  Index tools_, resources_, prompts_;
  std::vector<std::size_t> method_rules_;  // rules with methods and no patterns
};

// The target of a request, read from its body (never from Mcp-Name): tools/call → tool,
// resources/read|subscribe|unsubscribe → resource, prompts/get → prompt, completion/complete →
// the prompt or resource it completes for; a method outside the table → kind method. Names are
// returned as written: the caller puts them in canonical form (canonical_name.hpp).
Target target_of(const std::string& method, const json::object* params);

const char* outcome_name(Outcome o);

}  // namespace mcpgate::policy
