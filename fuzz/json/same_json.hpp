#pragma once
// Two JSON values equal, except that doubles may differ in their last bits: Boost.JSON 1.81
// parses decimals imprecisely (no correctly rounded mode), so text → double → text → double can
// move one ULP, and the same digits can come out one ULP apart in another context. For the fuzz
// targets that check what was parsed against what is read back.
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>

inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-12 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!same_json(p[i], q[i])) return false;
    return true;
  }
  if (a.is_object()) {
    auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (auto& kv : p) {
      auto* other = q.if_contains(kv.key());
      if (!other || !same_json(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}
