#pragma once
// Names for requests, so that one id follows a call through the gateway's logs, the answer to the
// client (X-Request-Id) and the request to an HTTP upstream. A random prefix per process and a
// counter: unique across restarts and replicas without a random draw per request, and never
// anything a client chose (a client's own X-Request-Id could collide or mislead on purpose).
#include <atomic>
#include <cstdint>
#include <string>

namespace mcpgate {

class RequestIds {
 public:
  RequestIds();  // draws the prefix from the system CSPRNG
  explicit RequestIds(std::string prefix) : prefix_(std::move(prefix)) {}
  // "<prefix>-<n>": base64url and decimal digits only (visible ASCII, safe in any header or log).
  std::string next();

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace mcpgate
