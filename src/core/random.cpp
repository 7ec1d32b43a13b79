#include "core/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "core/base64url.hpp"

namespace mcpgate {

std::string Random::token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  fill(raw.data(), raw.size());
  return base64url_encode(raw);
}

void SystemRandom::fill(void* data, std::size_t size) {
  // A failing CSPRNG is a bug in the environment, never something to paper over.
  if (RAND_bytes(static_cast<unsigned char*>(data), static_cast<int>(size)) != 1)
    throw std::runtime_error("RAND_bytes failed");
}

Random& system_random() {
  static SystemRandom r;
  return r;
}

}  // namespace mcpgate
