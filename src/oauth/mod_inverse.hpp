#pragma once
// The inverse of a 256-bit number modulo an odd 256-bit modulus, in variable time: for public
// values only (an ECDSA signature's s, which anyone holding the token can read).
//
// Why not BN_mod_inverse: through BIGNUMs, whose every shift and subtraction is a call with its
// own bookkeeping, an inverse modulo P-256's order costs about 17 µs on this project's benchmark
// machine, a third of a whole verification from a key's table (oauth/p256_key_table). The same
// algorithm on four 64-bit words costs a fraction of that.
//
// The algorithm is Kaliski's "almost Montgomery inverse" (IEEE Trans. Computers 44(8), 1995): a
// binary extended GCD that yields a⁻¹·2ᵏ mod m with 256 ≤ k ≤ 512, followed by k divisions by two
// modulo m (64 at a time by Montgomery reduction). It branches on the values: never use it for a
// secret.
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
