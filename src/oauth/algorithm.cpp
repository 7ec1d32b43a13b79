#include "oauth/algorithm.hpp"

#include <array>
#include <utility>

namespace mcpgate::oauth {
namespace {
constexpr std::array<std::pair<std::string_view, Algorithm>, 13> kNames{{
    {"RS256", Algorithm::RS256},
    {"RS384", Algorithm::RS384},
    {"RS512", Algorithm::RS512},
    {"PS256", Algorithm::PS256},
    {"PS384", Algorithm::PS384},
    {"PS512", Algorithm::PS512},
    {"ES256", Algorithm::ES256},
    {"ES384", Algorithm::ES384},
    {"ES512", Algorithm::ES512},
    {"EdDSA", Algorithm::EdDSA},
    {"HS256", Algorithm::HS256},
    {"HS384", Algorithm::HS384},
    {"HS512", Algorithm::HS512},
}};
}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (auto& [n, a] : kNames)
    if (n == name) return a;
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm a) {
  for (auto& [n, x] : kNames)
    if (x == a) return n;
  return "?";
}

AlgorithmFamily family(Algorithm a) {
  switch (a) {
    case Algorithm::RS256:
    case Algorithm::RS384:
    case Algorithm::RS512:
      return AlgorithmFamily::rsa_pkcs1;
    case Algorithm::PS256:
    case Algorithm::PS384:
    case Algorithm::PS512:
      return AlgorithmFamily::rsa_pss;
    case Algorithm::ES256:
    case Algorithm::ES384:
    case Algorithm::ES512:
      return AlgorithmFamily::ecdsa;
    case Algorithm::EdDSA:
      return AlgorithmFamily::eddsa;
    case Algorithm::HS256:
    case Algorithm::HS384:
    case Algorithm::HS512:
      return AlgorithmFamily::hmac;
  }
  return AlgorithmFamily::hmac;
}

}  // namespace mcpgate::oauth
