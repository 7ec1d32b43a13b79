#include "core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>
#include <memory>
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

struct StrictHandler {
  constexpr static std::size_t max_object_size = json::object::max_size();
  constexpr static std::size_t max_array_size = json::array::max_size();
  constexpr static std::size_t max_key_size = json::string::max_size();
  constexpr static std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  json::storage_ptr document_storage;
  KeyStack keys;
  bool duplicate = false;

  // The storage goes to reset(), not to the value_stack's constructor: the constructor's is only
  // for the stack's scratch space, and the document would be built with the default allocator.
  explicit StrictHandler(json::storage_ptr sp = {}) : document_storage(std::move(sp)) {}

  bool on_document_begin(json::error_code&) {
    st.reset(document_storage);
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys.open();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys.close();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    keys.key_part(std::string_view(s.data(), s.size()));
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    if (!keys.key(std::string_view(s.data(), s.size()))) {
      duplicate = true;
      ec = json::error::syntax;
      return false;
    }
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code& ec) {
    // 1e400 parses to infinity, which serializes as `Infinity`: not JSON. Refusing it here keeps
    // every accepted document re-serializable for the upstream.
    if (!std::isfinite(d)) {
      ec = json::error::exponent_overflow;
      return false;
    }
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return false; }
  bool on_comment(json::string_view, json::error_code&) { return false; }
};

}  // namespace

Result<json::value> parse_json(std::string_view text, const JsonLimits& limits) {
  return parse_json(text, limits, {});
}

Result<json::value> parse_json(std::string_view text, const JsonLimits& limits, json::storage_ptr storage) {
  if (text.size() > limits.max_bytes) return fail("JSON text exceeds " + std::to_string(limits.max_bytes) + " bytes");
  json::parse_options opt;
  opt.max_depth = limits.max_depth;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  json::basic_parser<StrictHandler> p(opt, std::move(storage));
  json::error_code ec;
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    if (p.handler().duplicate) return fail("duplicate object key");
    return fail("invalid JSON: " + ec.message());
  }
  return p.handler().st.release();
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
