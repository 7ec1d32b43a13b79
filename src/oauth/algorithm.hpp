#pragma once
// JWS signature algorithms (RFC 7518 §3, RFC 8037 §3.1). "none" is not in the list and cannot be
// named: a token that says "none" (in any case) is rejected before any key is looked at.
#include <optional>
#include <string_view>

namespace mcpgate::oauth {

enum class Algorithm { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512 };

// Exact, case-sensitive match (RFC 7515 §4.1.1: alg values are case-sensitive).
std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm a);

enum class AlgorithmFamily { rsa_pkcs1, rsa_pss, ecdsa, eddsa, hmac };
AlgorithmFamily family(Algorithm a);

}  // namespace mcpgate::oauth
