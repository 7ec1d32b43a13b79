#include "core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mcpgate {
namespace {

enum class StrictError { duplicate_key = 1 };

// The keys of the objects being parsed, innermost last, back to back in one buffer: detecting a
// duplicate costs no allocation per key (every request and every reply is parsed here).
class KeyStack {
 public:
  // Ready for a new text; the buffers keep their capacity.
  void clear() {
    text_.clear();
    spans_.clear();
    levels_.clear();
    key_start_ = 0;
    in_key_ = false;
  }
  void open() { levels_.push_back({spans_.size(), text_.size(), nullptr}); }
  void close() {
    auto& l = levels_.back();
    spans_.resize(l.first_span);
    text_.resize(l.text_start);
    levels_.pop_back();
  }
  void key_part(std::string_view s) {
    if (!in_key_) key_start_ = text_.size();
    in_key_ = true;
    text_.append(s);
  }
  // False when the innermost object already has this key.
  bool key(std::string_view s) {
    key_part(s);
    in_key_ = false;
    std::string_view text(text_);
    auto k = text.substr(key_start_);
    auto& l = levels_.back();
    if (!l.large) {
      for (std::size_t i = l.first_span; i < spans_.size(); ++i)
        if (text.substr(spans_[i].first, spans_[i].second) == k) return false;
      // Objects are small in MCP; past a few dozen keys a hash set keeps a hostile object with
      // many keys linear rather than quadratic.
      if (spans_.size() - l.first_span < 32) {
        spans_.emplace_back(key_start_, k.size());
        return true;
      }
      l.large = std::make_unique<std::unordered_set<std::string>>();
      for (std::size_t i = l.first_span; i < spans_.size(); ++i)
        l.large->emplace(text.substr(spans_[i].first, spans_[i].second));
    }
    bool fresh = l.large->emplace(k).second;
    text_.resize(key_start_);  // kept in the set, not in the buffer
    return fresh;
  }

 private:
  struct Level {
    std::size_t first_span;
    std::size_t text_start;
    std::unique_ptr<std::unordered_set<std::string>> large;
  };
  std::string text_;
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // (offset, length) in text_
  std::vector<Level> levels_;
  std::size_t key_start_ = 0;
  bool in_key_ = false;
};

// Where the parse is relative to the list whose items become skeletons (parse_json_skeleton):
// the containers open, the keys that lead to the list, and the item being skipped.
struct SkeletonState {
  const JsonSkeletonPath* path = nullptr;  // null: a plain parse
  std::size_t depth = 0;                   // containers open
  bool root_object = false;
  bool in_member = false;      // inside the object that is the root's `path->member`
  std::size_t list_depth = 0;  // depth of the list array while it is open, else 0
  std::size_t item_depth = 0;  // depth of the item being skipped, else 0
  bool item_is_object = false;
  bool at_keep = false;  // the item's member being read is `path->keep`
  bool has_keep = false;
  std::string keep_value;
  std::string key;         // the key just read, at the depths where keys matter
  std::string member_key;  // the last key of the root object
  std::string list_key;    // the last key of the member object

  // Ready for a new text; the strings keep their capacity.
  void restart(const JsonSkeletonPath* p) {
    path = p;
    depth = list_depth = item_depth = 0;
    root_object = in_member = item_is_object = at_keep = has_keep = false;
    keep_value.clear();
    key.clear();
    member_key.clear();
    list_key.clear();
  }
  bool skipping() const { return item_depth != 0; }
  bool key_matters() const { return path && (depth == 1 || (depth == 2 && in_member) || depth == item_depth); }
};

struct StrictHandler {
  constexpr static std::size_t max_object_size = json::object::max_size();
  constexpr static std::size_t max_array_size = json::array::max_size();
  constexpr static std::size_t max_key_size = json::string::max_size();
  constexpr static std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  json::storage_ptr document_storage;
  KeyStack keys;
  SkeletonState sk;
  bool duplicate = false;

  // The storage goes to reset(), not to the value_stack's constructor: the constructor's is only
  // for the stack's scratch space, and the document would be built with the default allocator.
  explicit StrictHandler(json::storage_ptr sp = {}) : document_storage(std::move(sp)) {}

  // Ready for a new text, built in `storage`.
  void begin(json::storage_ptr storage, const JsonSkeletonPath* skeleton) {
    document_storage = std::move(storage);
    keys.clear();
    sk.restart(skeleton);
    duplicate = false;
  }

  bool on_document_begin(json::error_code&) {
    st.reset(document_storage);
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }

  // A container opens; true when it is built (not inside a skipped item).
  bool open(bool object) {
    if (!sk.path) return true;
    if (sk.skipping()) {
      ++sk.depth;
      return false;
    }
    if (sk.depth == 0) sk.root_object = object;
    if (object && sk.depth == 1 && sk.root_object && sk.member_key == sk.path->member) sk.in_member = true;
    if (!object && sk.depth == 2 && sk.in_member && sk.list_key == sk.path->list) sk.list_depth = 3;
    bool item = sk.list_depth != 0 && sk.depth == sk.list_depth;
    ++sk.depth;
    if (!item) return true;
    sk.item_depth = sk.depth;
    sk.item_is_object = object;
    sk.has_keep = false;
    sk.at_keep = false;
    sk.keep_value.clear();
    return false;
  }
  // A container closes; true when it is to be built from the stack as usual.
  bool close() {
    if (!sk.path) return true;
    std::size_t closing = sk.depth--;
    if (sk.skipping()) {
      if (closing != sk.item_depth) return false;
      // The item's skeleton: its judged member alone, or nothing; null for an item that is not an
      // object (dropped by the list filter either way).
      sk.item_depth = 0;
      if (!sk.item_is_object) {
        st.push_null();
      } else if (sk.has_keep) {
        st.push_key(sk.path->keep);
        st.push_string(sk.keep_value);
        st.push_object(1);
      } else {
        st.push_object(0);
      }
      return false;
    }
    if (closing == sk.list_depth) sk.list_depth = 0;
    if (closing == 2 && sk.in_member) sk.in_member = false;
    return true;
  }
  // A scalar: true when it is built; a scalar item of the list becomes null.
  bool scalar() {
    if (!sk.path) return true;
    if (sk.skipping()) return false;
    if (sk.list_depth != 0 && sk.depth == sk.list_depth) {
      st.push_null();
      return false;
    }
    return true;
  }
  // Inside a skipped item, the string value of the item's `keep` member.
  bool keep_part(std::string_view s) {
    if (!sk.skipping()) return false;
    if (sk.at_keep && sk.depth == sk.item_depth) sk.keep_value.append(s);
    return true;
  }

  bool on_object_begin(json::error_code&) {
    keys.open();
    open(true);
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys.close();
    if (close()) st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) {
    open(false);
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    if (close()) st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    keys.key_part(std::string_view(s.data(), s.size()));
    if (sk.key_matters()) sk.key.append(s.data(), s.size());
    if (!sk.skipping()) st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    if (!keys.key(std::string_view(s.data(), s.size()))) {
      duplicate = true;
      ec = json::error::syntax;
      return false;
    }
    if (sk.key_matters()) {
      sk.key.append(s.data(), s.size());
      if (sk.depth == sk.item_depth)
        sk.at_keep = sk.item_is_object && sk.key == sk.path->keep;
      else if (sk.depth == 1)
        sk.member_key = sk.key;
      else
        sk.list_key = sk.key;
      sk.key.clear();
    }
    if (!sk.skipping()) st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (!keep_part(std::string_view(s.data(), s.size())) && scalar_part()) st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (keep_part(std::string_view(s.data(), s.size()))) {
      if (sk.at_keep && sk.depth == sk.item_depth) sk.has_keep = true;
      return true;
    }
    if (scalar()) st.push_string(s);
    return true;
  }
  // A string's first parts: pushed as chars unless skipped (a list item's null is pushed once,
  // at the string's end).
  bool scalar_part() const {
    return !sk.path || (!sk.skipping() && !(sk.list_depth != 0 && sk.depth == sk.list_depth));
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    if (scalar()) st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    if (scalar()) st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code& ec) {
    // 1e400 parses to infinity, which serializes as `Infinity`: not JSON. Refusing it here keeps
    // every accepted document re-serializable for the upstream (skipped items too: the text
    // accepted does not depend on what is built).
    if (!std::isfinite(d)) {
      ec = json::error::exponent_overflow;
      return false;
    }
    if (scalar()) st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    if (scalar()) st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    if (scalar()) st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return false; }
  bool on_comment(json::string_view, json::error_code&) { return false; }
};

// One parser per thread, reused: a parser, its value stack and its key stack built afresh for each
// text cost about ten allocations per parse, and a proxied request parses two texts. A parse is
// synchronous and never starts another on its thread, so one per thread is never shared. The
// options are fixed but for the depth, which differs between callers; a change rebuilds it.
// After a text this large the parser is let go, so that its buffers, grown to the largest text the
// thread ever read, do not stay pinned for the life of the thread.
constexpr std::size_t kKeepParserUpTo = 256 * 1024;
thread_local std::optional<json::basic_parser<StrictHandler>> parser;
thread_local std::size_t depth = 0;

json::basic_parser<StrictHandler>& thread_parser(const json::parse_options& opt) {
  if (!parser || depth != opt.max_depth) {
    parser.emplace(opt);
    depth = opt.max_depth;
  } else {
    parser->reset();
  }
  return *parser;
}

Result<json::value> parse_strict(std::string_view text, const JsonLimits& limits, json::storage_ptr storage,
                                 const JsonSkeletonPath* skeleton) {
  if (text.size() > limits.max_bytes) return fail("JSON text exceeds " + std::to_string(limits.max_bytes) + " bytes");
  json::parse_options opt;
  opt.max_depth = limits.max_depth;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  auto& p = thread_parser(opt);
  p.handler().begin(std::move(storage), skeleton);
  // Whatever the outcome, the parser keeps no hold on the caller's storage past this call.
  struct Release {
    StrictHandler& h;
    bool large;
    ~Release() {
      h.st.reset({});
      h.document_storage = {};
      if (large) parser.reset();
    }
  } release{p.handler(), text.size() > kKeepParserUpTo};
  json::error_code ec;
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    if (p.handler().duplicate) return fail("duplicate object key");
    return fail("invalid JSON: " + ec.message());
  }
  return p.handler().st.release();
}

}  // namespace

Result<json::value> parse_json(std::string_view text, const JsonLimits& limits) {
  return parse_json(text, limits, {});
}

Result<json::value> parse_json(std::string_view text, const JsonLimits& limits, json::storage_ptr storage) {
  return parse_strict(text, limits, std::move(storage), nullptr);
}

Result<json::value> parse_json_skeleton(std::string_view text, const JsonSkeletonPath& path, const JsonLimits& limits,
                                        json::storage_ptr storage) {
  return parse_strict(text, limits, std::move(storage), &path);
}

std::string serialize_json(const json::value& v) {
  return json::serialize(v);
}

std::string serialize_json(const json::object& o) {
  return json::serialize(o);
}

std::string serialize_json(const json::array& a) {
  return json::serialize(a);
}

}  // namespace mcpgate
