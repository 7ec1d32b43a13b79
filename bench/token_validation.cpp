// What a new ES256 token costs the thread that validates it, in three nested steps, each over the
// same distinct tokens (none is ever found in the token cache):
//   openssl    EVP_PKEY_verify through one context initialised once, digest and DER ready: the
//              ECDSA verification alone, as `openssl speed ecdsap256` measures it
//   signature  the gateway's signature step: SHA-256 of the signing input and the verification
//              from the key's tables (oauth/p256_key_table: a P-256 key read from a JWK)
//   validate   TokenValidator::validate: the cache key (SHA-256 of the token) and lookup, the JWS
//              and claims parses, the issuer, algorithm and key choice, the signature step, the
//              claim checks, the principal, and the cache insertion (which evicts once full)
// The rounds alternate the three, so that a machine whose speed drifts affects each alike, and
// the fastest round of each is printed (microseconds per token, one thread).
//   build/release/bench/bench_token_validation [--tokens N] [--rounds R]
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "oauth/jwk.hpp"
#include "oauth/jws.hpp"
#include "oauth/signature.hpp"
#include "oauth/token_minter.hpp"
#include "oauth/token_validator.hpp"

using namespace mcpgate;

namespace {

struct Prepared {
  std::string token;
  oauth::Jws jws;
  std::string digest;  // SHA-256 of the signing input
  std::string der;     // the signature as OpenSSL wants it
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "bench_token_validation: %s\n", what);
  std::exit(1);
}

template <class F>
double micros_per(std::size_t n, F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / double(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ntokens = 20000;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--tokens")
      ntokens = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else
      fail("usage: bench_token_validation [--tokens N] [--rounds R]");
  }
  if (ntokens == 0 || rounds < 1) fail("--tokens and --rounds must be at least 1");

  const std::string iss = "https://issuer.bench.test", aud = "https://mcp.bench.test/mcp";
  auto signing = oauth::SigningKey::generate(oauth::Algorithm::ES256);
  if (!signing) fail("cannot generate a P-256 key");
  auto jwk_json = signing->public_jwk("k1", oauth::Algorithm::ES256);
  if (!jwk_json) fail("cannot export the public key");
  auto jwk = oauth::parse_jwk(*jwk_json);
  if (!jwk) fail("cannot read the public key back");
  auto key = std::make_shared<const oauth::Jwk>(std::move(*jwk));
  if (!key->verify_ctx) fail("the key has no prepared verification context");

  // The tokens bench_mint_many mints: same issuer, audience and scope, distinct jti and sub.
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::vector<Prepared> tokens(ntokens);
  oauth::MintRequest req;
  for (std::size_t n = 0; n < ntokens; ++n) {
    req.claims = boost::json::object{{"iss", iss},          {"sub", "user-" + std::to_string(n % 1000)},
                                     {"aud", aud},          {"client_id", "bench-client"},
                                     {"scope", "mcp:read"}, {"jti", "bench-" + std::to_string(n)},
                                     {"iat", now.count()},  {"exp", now.count() + 3600}};
    auto t = oauth::mint_token(*signing, req);
    if (!t) fail("minting failed");
    auto jws = oauth::parse_jws(*t);
    if (!jws) fail("a minted token does not parse");
    auto& p = tokens[n];
    p.token = std::move(*t);
    p.jws = std::move(*jws);
    p.digest.resize(32);
    unsigned int len = 0;
    if (EVP_Digest(p.jws.signing_input.data(), p.jws.signing_input.size(),
                   reinterpret_cast<unsigned char*>(p.digest.data()), &len, EVP_sha256(), nullptr) != 1)
      fail("SHA-256 failed");
    auto der = oauth::ecdsa_raw_to_der(p.jws.signature);
    if (!der) fail("a minted signature does not convert to DER");
    p.der = std::move(*der);
  }

  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key->key.get(), nullptr),
                                                                  &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) fail("EVP_PKEY_verify_init failed");

  oauth::ValidatorConfig config;
  config.resource = aud;
  oauth::IssuerConfig issuer;
  issuer.issuer = iss;
  issuer.algorithms = {oauth::Algorithm::ES256};
  issuer.static_keys = {key};
  issuer.require_access_token_type = true;
  config.issuers = {issuer};

  double best_openssl = 1e9, best_signature = 1e9, best_validate = 1e9;
  std::size_t refused = 0;
  for (int r = 0; r < rounds; ++r) {
    best_openssl =
        std::min(best_openssl, micros_per(ntokens, [&] {
                   for (auto& p : tokens)
                     if (EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(p.der.data()), p.der.size(),
                                         reinterpret_cast<const unsigned char*>(p.digest.data()), p.digest.size()) != 1)
                       ++refused;
                 }));
    best_signature = std::min(
        best_signature, micros_per(ntokens, [&] {
          for (auto& p : tokens)
            if (!oauth::default_verifier().verify(oauth::Algorithm::ES256, *key, p.jws.signing_input, p.jws.signature))
              ++refused;
        }));
    // A validator per round: its cache (the gateway's default size) has seen none of the tokens.
    oauth::TokenValidator validator(config, system_clock());
    best_validate = std::min(best_validate, micros_per(ntokens, [&] {
                               for (auto& p : tokens)
                                 if (!validator.validate(Secret(p.token))) ++refused;
                             }));
  }
  if (refused != 0) {
    std::fprintf(stderr, "bench_token_validation: %zu verifications failed\n", refused);
    return 1;
  }
  std::printf("openssl %.1f signature %.1f validate %.1f us per token (%zu tokens, best of %d rounds)\n", best_openssl,
              best_signature, best_validate, ntokens, rounds);
  return 0;
}
