#pragma once
#include <string>
#include <string_view>

namespace mcpgate {

// A credential (bearer token, client secret, key material). It has no stream operator and no
// implicit conversion, so it cannot end up in a log line or an error message by accident; code
// that needs the bytes asks for them by name with reveal().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret() { wipe(); }

  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  // A short, non-reversible fingerprint that logs may carry.
  std::string fingerprint() const;

 private:
  void wipe();
  std::string value_;
};

// Compares in time that depends only on the lengths, not on where the inputs first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

std::string sha256_hex(std::string_view data);

}  // namespace mcpgate
