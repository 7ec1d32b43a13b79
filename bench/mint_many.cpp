// bench_mint_many: mints N distinct ES256 access tokens (one per line) for bench/auth, in one
// process (`mcpgate token mint` is one process per token). Every token carries the same issuer,
// audience and scope, and a distinct jti and sub, so a gateway cannot answer any of them from its
// token cache. TESTING TOOL: uses src/oauth/token_minter.hpp, the same signer as `token mint`.
//
//   bench_mint_many --key KEY.pem --kid k1 --iss ISS --aud AUD [--scope S] [--count N]
//                   [--start K] [--lifetime SECONDS] [--out FILE]
// Tokens are numbered from K (default 0), so that several processes can mint disjoint sets.
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "oauth/token_minter.hpp"

int main(int argc, char** argv) {
  using namespace mcpgate;
  std::string key_path, kid = "k1", iss, aud, scope = "mcp:read", out_path;
  long count = 1000, start = 0, lifetime = 900;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "bench_mint_many: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--key")
      key_path = next();
    else if (a == "--kid")
      kid = next();
    else if (a == "--iss")
      iss = next();
    else if (a == "--aud")
      aud = next();
    else if (a == "--scope")
      scope = next();
    else if (a == "--count")
      count = std::stol(next());
    else if (a == "--start")
      start = std::stol(next());
    else if (a == "--lifetime")
      lifetime = std::stol(next());
    else if (a == "--out")
      out_path = next();
    else {
      std::cerr << "usage: bench_mint_many --key KEY.pem --kid K --iss ISS --aud AUD [--scope S] [--count N]"
                   " [--start K] [--lifetime SECONDS] [--out FILE]\n";
      return 2;
    }
  }
  if (key_path.empty() || iss.empty() || aud.empty() || count < 1) {
    std::cerr << "bench_mint_many: --key, --iss and --aud are required, --count >= 1\n";
    return 2;
  }
  std::ifstream in(key_path);
  std::stringstream pem;
  pem << in.rdbuf();
  auto key = oauth::SigningKey::from_pem(pem.str());
  if (!key) {
    std::cerr << "bench_mint_many: " << key_path << ": " << key.error().message << "\n";
    return 2;
  }
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "bench_mint_many: cannot write " << out_path << "\n";
      return 2;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  oauth::MintRequest req;
  req.alg = oauth::Algorithm::ES256;
  req.kid = kid;
  auto t0 = std::chrono::steady_clock::now();
  for (long n = start; n < start + count; ++n) {
    req.claims =
        boost::json::object{{"iss", iss},     {"sub", "user-" + std::to_string(n % 1000)},
                            {"aud", aud},     {"client_id", "bench-client"},
                            {"scope", scope}, {"jti", "bench-" + std::to_string(now) + "-" + std::to_string(n)},
                            {"iat", now},     {"exp", now + lifetime}};
    auto token = oauth::mint_token(*key, req);
    if (!token) {
      std::cerr << "bench_mint_many: " << token.error().message << "\n";
      return 1;
    }
    out << *token << '\n';
  }
  out.flush();
  if (!out) {
    std::cerr << "bench_mint_many: write failed\n";
    return 1;
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "bench_mint_many: %ld tokens in %.2f s (%.0f signatures/s)\n", count, secs, count / secs);
  return 0;
}
