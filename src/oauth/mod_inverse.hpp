#pragma once
// The inverse of a 256-bit number modulo an odd 256-bit modulus, in variable time: for public
// values only (an ECDSA signature's s, which anyone holding the token can read).
//
// Why not BN_mod_inverse: through BIGNUMs, whose every shift and subtraction is a call with its
// own bookkeeping, an inverse modulo P-256's order costs about 17 µs on this project's benchmark
// machine, about 40 % of a whole verification from a key's table (oauth/p256_key_table). This
// one costs 2–4 µs there.
//
// The algorithm is Bernstein and Yang's safegcd ("Fast constant-time gcd computation and modular
// inversion", 2019), in its variable-time form: divsteps in batches of 62, each batch decided by
// the low 64-bit words of f and g alone and applied to the whole numbers as one 2×2 matrix, and
// the coefficients kept modulo m by one Montgomery step per batch. It branches on the values (and
// skips runs of zeros): never use it for a secret.
#include <array>
#include <cstdint>
#include <optional>

namespace mcpgate::oauth {

// Little-endian 64-bit words: w[0] is the least significant.
using U256 = std::array<std::uint64_t, 4>;

// a⁻¹ mod m, for m odd and greater than 1. Nullopt when a is 0, a ≥ m, or gcd(a, m) ≠ 1.
[[nodiscard]] std::optional<U256> inverse_mod_odd(const U256& a, const U256& m);

// 32 big-endian bytes (a JWS signature half, a digest) to words and back.
[[nodiscard]] U256 u256_from_big_endian(const unsigned char* bytes);
void u256_to_big_endian(const U256& v, unsigned char* out);

}  // namespace mcpgate::oauth
