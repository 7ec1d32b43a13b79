#pragma once
#include <string>

namespace mcpgate {

// Source of unpredictable bytes. Injected so tests can be deterministic where they need to be;
// production uses the operating system's CSPRNG through OpenSSL.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(void* data, std::size_t size) = 0;

  // `bytes` random bytes as unpadded base64url: the form of every identifier we hand out
  // (session ids, stream ids), all within the visible-ASCII range the MCP transport requires.
  std::string token(std::size_t bytes = 24);
};

class SystemRandom final : public Random {
 public:
  void fill(void* data, std::size_t size) override;
};

Random& system_random();

}  // namespace mcpgate
