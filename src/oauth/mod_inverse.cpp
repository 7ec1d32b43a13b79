#include "oauth/mod_inverse.hpp"

#include <cstddef>

namespace mcpgate::oauth {
namespace {

using i128 = __int128;
// A signed number in two's complement over five 64-bit words (320 bits), little-endian.
using Signed = std::array<std::uint64_t, 5>;

struct Matrix {
  std::int64_t u, v, q, r;
};

constexpr int kBatch = 62;

// 62 divsteps (Bernstein–Yang) from the low words of f and g: which step comes next depends on
// delta and on g's lowest bit only, so the low 62 bits of f and g decide all 62 steps. Returns T
// with 2⁶²·f' = u·f + v·g and 2⁶²·g' = q·f + r·g. Variable time: runs of zeros in g are skipped.
Matrix divsteps(std::int64_t& delta, std::uint64_t f, std::uint64_t g) {
  std::int64_t u = 1, v = 0, q = 0, r = 1;
  int left = kBatch;
  for (;;) {
    const int zeros = __builtin_ctzll(g | (std::uint64_t{1} << left));  // at most `left`
    g >>= zeros;
    u *= std::int64_t{1} << zeros;
    v *= std::int64_t{1} << zeros;
    delta += zeros;
    left -= zeros;
    if (left == 0) break;
    if (delta > 0) {  // g odd: (f, g) ← (g, (g − f)/2)
      delta = 1 - delta;
      const std::uint64_t f_old = f;
      f = g;
      g = (g - f_old) >> 1;
      const std::int64_t u_old = u, v_old = v;
      u = 2 * q;
      v = 2 * r;
      q -= u_old;
      r -= v_old;
    } else {  // g odd: g ← (g + f)/2
      delta = 1 + delta;
      g = (g + f) >> 1;
      q += u;
      r += v;
      u *= 2;
      v *= 2;
    }
    if (--left == 0) break;
  }
  return {u, v, q, r};
}

// u·a + v·b. |u| + |v| ≤ 2⁶² and |a|, |b| < 2²⁵⁷ keep the result within 320 signed bits.
Signed combine(std::int64_t u, const Signed& a, std::int64_t v, const Signed& b) {
  Signed out{};
  i128 c = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    c += static_cast<i128>(u) * static_cast<i128>(a[i]) + static_cast<i128>(v) * static_cast<i128>(b[i]);
    out[i] = static_cast<std::uint64_t>(c);
    c >>= 64;
  }
  c += static_cast<i128>(u) * static_cast<std::int64_t>(a[4]) + static_cast<i128>(v) * static_cast<std::int64_t>(b[4]);
  out[4] = static_cast<std::uint64_t>(c);
  return out;
}

// a / 2⁶², for an a whose low 62 bits are zero (arithmetic shift).
Signed shift_out_batch(const Signed& a) {
  Signed out{};
  for (std::size_t i = 0; i < 4; ++i) out[i] = (a[i] >> kBatch) | (a[i + 1] << (64 - kBatch));
  out[4] = static_cast<std::uint64_t>(static_cast<std::int64_t>(a[4]) >> kBatch);
  return out;
}

bool negative(const Signed& a) {
  return static_cast<std::int64_t>(a[4]) < 0;
}
bool is_zero(const Signed& a) {
  return (a[0] | a[1] | a[2] | a[3] | a[4]) == 0;
}
bool below(const Signed& a, const Signed& b) {  // a < b, both non-negative
  for (std::size_t i = 5; i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i];
  return false;
}
Signed plus(const Signed& a, const Signed& b, std::int64_t sign) {
  return combine(1, a, sign, b);
}

// (u·d + v·e)/2⁶² mod m, for d, e in [0, m): the multiple of m that clears the low 62 bits is
// added first (Montgomery), and the result, below 2m in magnitude, is brought back to [0, m).
Signed update_mod(const Matrix& t, bool second, const Signed& d, const Signed& e, const Signed& m,
                  std::uint64_t m_inverse) {
  Signed x = second ? combine(t.q, d, t.r, e) : combine(t.u, d, t.v, e);
  const std::uint64_t k = ((0 - x[0]) * m_inverse) & ((std::uint64_t{1} << kBatch) - 1);
  x = shift_out_batch(combine(1, x, static_cast<std::int64_t>(k), m));
  while (negative(x)) x = plus(x, m, 1);
  while (!below(x, m)) x = plus(x, m, -1);
  return x;
}

Signed widen(const U256& a) {
  return {a[0], a[1], a[2], a[3], 0};
}

}  // namespace

std::optional<U256> inverse_mod_odd(const U256& a, const U256& m) {
  const Signed wide_m = widen(m), wide_a = widen(a);
  if ((m[0] & 1) == 0 || is_zero(wide_a) || !below(wide_a, wide_m)) return std::nullopt;
  // m⁻¹ mod 2⁶⁴ by Newton's iteration (each step doubles the correct low bits).
  std::uint64_t m_inverse = m[0];
  for (int i = 0; i < 5; ++i) m_inverse *= 2 - m[0] * m_inverse;
  // Invariants: d·a ≡ f and e·a ≡ g (mod m). The divsteps end with g = 0 and f = ±gcd(a, m),
  // within 741 steps for 256-bit inputs (Bernstein–Yang's bound), 12 batches.
  Signed f = wide_m, g = wide_a, d{}, e{1, 0, 0, 0, 0};
  std::int64_t delta = 1;
  for (int batch = 0; batch < 13 && !is_zero(g); ++batch) {
    const Matrix t = divsteps(delta, f[0], g[0]);
    const Signed f2 = shift_out_batch(combine(t.u, f, t.v, g));
    g = shift_out_batch(combine(t.q, f, t.r, g));
    f = f2;
    const Signed d2 = update_mod(t, false, d, e, wide_m, m_inverse);
    e = update_mod(t, true, d, e, wide_m, m_inverse);
    d = d2;
  }
  if (!is_zero(g)) return std::nullopt;
  const Signed one{1, 0, 0, 0, 0}, minus_one{~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL};
  if (f == minus_one)
    d = is_zero(d) ? d : plus(wide_m, d, -1);
  else if (f != one)
    return std::nullopt;  // gcd(a, m) ≠ 1
  return U256{d[0], d[1], d[2], d[3]};
}

U256 u256_from_big_endian(const unsigned char* bytes) {
  U256 v{};
  for (std::size_t i = 0; i < 32; ++i) v[3 - i / 8] = (v[3 - i / 8] << 8) | bytes[i];
  return v;
}

void u256_to_big_endian(const U256& v, unsigned char* out) {
  for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<unsigned char>(v[3 - i / 8] >> (56 - 8 * (i % 8)));
}

}  // namespace mcpgate::oauth
