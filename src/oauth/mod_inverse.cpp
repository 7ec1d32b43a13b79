#include "oauth/mod_inverse.hpp"

#include <cstddef>

namespace mcpgate::oauth {
namespace {

using u128 = unsigned __int128;

template <std::size_t N>
using Words = std::array<std::uint64_t, N>;

template <std::size_t N>
bool is_zero(const Words<N>& a) {
  std::uint64_t any = 0;
  for (auto w : a) any |= w;
  return any == 0;
}

template <std::size_t N>
bool greater(const Words<N>& a, const Words<N>& b) {
  for (std::size_t i = N; i-- > 0;)
    if (a[i] != b[i]) return a[i] > b[i];
  return false;
}

// a −= b, for a ≥ b.
template <std::size_t N>
void subtract(Words<N>& a, const Words<N>& b) {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < N; ++i) {
    u128 d = static_cast<u128>(a[i]) - b[i] - borrow;
    a[i] = static_cast<std::uint64_t>(d);
    borrow = static_cast<std::uint64_t>(d >> 64) & 1;
  }
}

// a += b; the caller knows the sum fits.
template <std::size_t N>
void add(Words<N>& a, const Words<N>& b) {
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < N; ++i) {
    u128 s = static_cast<u128>(a[i]) + b[i] + carry;
    a[i] = static_cast<std::uint64_t>(s);
    carry = static_cast<std::uint64_t>(s >> 64);
  }
}

template <std::size_t N>
void shift_right(Words<N>& a, unsigned t) {
  if (t >= 64) {  // rare: 64 zero bits in a row
    for (std::size_t i = 0; i < N; ++i) a[i] = i + 1 < N ? a[i + 1] : 0;
    shift_right(a, t - 64);
    return;
  }
  if (t == 0) return;
  for (std::size_t i = 0; i + 1 < N; ++i) a[i] = (a[i] >> t) | (a[i + 1] << (64 - t));
  a[N - 1] >>= t;
}

// The caller knows the result fits (the invariant below bounds it).
template <std::size_t N>
void shift_left(Words<N>& a, unsigned t) {
  if (t >= 64) {
    for (std::size_t i = N; i-- > 0;) a[i] = i > 0 ? a[i - 1] : 0;
    shift_left(a, t - 64);
    return;
  }
  if (t == 0) return;
  for (std::size_t i = N; i-- > 1;) a[i] = (a[i] << t) | (a[i - 1] >> (64 - t));
  a[0] <<= t;
}

// Trailing zero bits of a non-zero value.
unsigned trailing_zeros(const U256& a) {
  unsigned t = 0;
  for (auto w : a) {
    if (w) return t + static_cast<unsigned>(__builtin_ctzll(w));
    t += 64;
  }
  return t;
}

Words<5> widen(const U256& a) {
  return {a[0], a[1], a[2], a[3], 0};
}

// −m⁻¹ mod 2⁶⁴ for odd m: Newton's iteration doubles the correct low bits each step, from the
// three that m·m ≡ 1 (mod 8) gives.
std::uint64_t montgomery_factor(std::uint64_t m0) {
  std::uint64_t inv = m0;
  for (int i = 0; i < 5; ++i) inv *= 2 - m0 * inv;
  return 0 - inv;
}

// x·2⁻⁶⁴ mod m, for x < m: adds the multiple of m that clears the low word, then drops that word.
// (x + q·m) < 2⁶⁴·m, so the result stays below m.
U256 divide_by_word(const U256& x, const U256& m, std::uint64_t factor) {
  const std::uint64_t q = x[0] * factor;
  Words<5> t{};
  u128 carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    carry += static_cast<u128>(q) * m[i] + x[i];
    t[i] = static_cast<std::uint64_t>(carry);
    carry >>= 64;
  }
  t[4] = static_cast<std::uint64_t>(carry);
  return {t[1], t[2], t[3], t[4]};
}

// x/2 mod m, for x < m: an odd x is made even by adding m first (the sum may carry into bit 256).
U256 halve(const U256& x, const U256& m) {
  if ((x[0] & 1) == 0) {
    U256 h = x;
    shift_right(h, 1);
    return h;
  }
  Words<5> s = widen(x);
  add(s, widen(m));
  shift_right(s, 1);
  return {s[0], s[1], s[2], s[3]};
}

}  // namespace

std::optional<U256> inverse_mod_odd(const U256& a, const U256& m) {
  if ((m[0] & 1) == 0 || is_zero(a) || !greater(m, a)) return std::nullopt;
  // Phase I. Invariants (Kaliski): m = u·s + v·r, a·r ≡ −u·2ᵏ and a·s ≡ v·2ᵏ (mod m). From the
  // first, s ≤ m while u > 0 and r ≤ m while v > 0; only the last step can double r past m, so
  // five words hold both.
  //
  // Kaliski's steps halve u or v one bit at a time; here a subtraction (of one odd number from
  // another, so even) and all the halvings that follow it are one step, with the same effect on
  // r, s and k.
  U256 u = m, v = a;
  Words<5> r{}, s{1, 0, 0, 0, 0};
  unsigned k = trailing_zeros(v);
  shift_right(v, k);
  shift_left(r, k);
  for (;;) {  // u and v odd
    if (greater(u, v)) {
      subtract(u, v);
      add(r, s);
      const unsigned t = trailing_zeros(u);
      shift_right(u, t);
      shift_left(s, t);
      k += t;
    } else {
      subtract(v, u);
      add(s, r);
      if (is_zero(v)) {
        shift_left(r, 1);
        ++k;
        break;
      }
      const unsigned t = trailing_zeros(v);
      shift_right(v, t);
      shift_left(r, t);
      k += t;
    }
  }
  if (u != U256{1, 0, 0, 0}) return std::nullopt;  // u ends as gcd(a, m)
  // a·r ≡ −2ᵏ, so a⁻¹·2ᵏ ≡ m − r, with r reduced to [1, m] first.
  const Words<5> wide_m = widen(m);
  if (!greater(wide_m, r)) subtract(r, wide_m);
  Words<5> x5 = wide_m;
  subtract(x5, r);
  U256 x{x5[0], x5[1], x5[2], x5[3]};
  if (x == m) x = U256{};
  // Phase II: divide by 2ᵏ modulo m.
  const std::uint64_t factor = montgomery_factor(m[0]);
  for (; k >= 64; k -= 64) x = divide_by_word(x, m, factor);
  for (; k > 0; --k) x = halve(x, m);
  if (is_zero(x)) return std::nullopt;
  return x;
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
