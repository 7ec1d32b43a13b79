#pragma once
// Sealed legacy session ids (Mcp-Session-Id): the id a client holds carries, encrypted and
// authenticated (AES-256-GCM under a key the replicas share), what another replica needs to
// continue the session when the one that opened it is gone — whose session it is, which upstream
// sessions it has, and the client's initialize to replay to a stdio child. The id is still never
// a credential: it is only honoured for the principal it is bound to.
//
// Wire form (base64url, unpadded, so visible ASCII as 2025-11-25 transports require):
//   version (1 byte) | key tag (4) | nonce (12) | ciphertext | GCM tag (16)
// with associated data binding it to this endpoint's resource URL. The key tag is derived from the
// key, not its configured name: the id reveals nothing but its own length.
//
// Kept free of coroutines and networking: the fuzz target (fuzz/gateway) links this file alone.
#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::gateway {

// One upstream of the session, in the endpoint's order.
struct SealedUpstream {
  std::string name;              // the configured name: a different configuration does not continue it
  std::string session_id;        // an HTTP upstream's own Mcp-Session-Id; empty for stdio
  std::string protocol_version;  // the revision the HTTP upstream negotiated with the gateway
};

struct SessionState {
  std::string owner;              // owner_of(Caller::key()): 32 raw bytes
  std::string protocol_version;   // the client's requested revision (as a local session keeps it)
  boost::json::object handshake;  // the client's initialize params: protocolVersion, capabilities, clientInfo
  std::vector<SealedUpstream> upstreams;
  std::int64_t created = 0;  // unix seconds
  std::int64_t expires = 0;  // unix seconds
};

// Why an id does not open. Every reason is answered alike (404, "Session not found"): an id that
// was tampered with, cut short, sealed under another key or for another endpoint is an unknown
// session, never an error of the gateway.
enum class UnsealError { malformed, unknown_key, forged, bad_state, expired };
std::string_view reason_name(UnsealError e);

struct SealingKey {
  std::string id;  // the configured name, for the operator only; never in an id
  Secret secret;
};

class SessionSealer {
 public:
  // Longer ids are not issued (a header that large is refused by many proxies): the session then
  // stays on the replica that opened it, as every session did before sealing.
  static constexpr std::size_t kMaxIdBytes = 4096;
  static constexpr std::size_t kMinSecretBytes = 32;

  // `keys`: the first seals, every one opens (rotation). Empty: one random key for this process
  // (a single replica; ids do not survive a restart). Throws at start-up on a short secret.
  SessionSealer(const std::vector<SealingKey>& keys, std::string resource, std::chrono::seconds max_age,
                const Clock& clock = system_clock());
  ~SessionSealer();
  SessionSealer(const SessionSealer&) = delete;
  SessionSealer& operator=(const SessionSealer&) = delete;

  // The id for `state` (its created and expires are set here); nullopt when it would be too long.
  [[nodiscard]] std::optional<std::string> seal(SessionState& state) const;
  [[nodiscard]] expected<SessionState, UnsealError> open(std::string_view id) const;

  // The binding to a principal (Caller::key(): issuer, subject, client), compared in constant time.
  [[nodiscard]] static std::string owner_of(std::string_view caller_key);
  [[nodiscard]] static bool owned_by(const SessionState& s, std::string_view caller_key);
  // The sealed payload's parser (a compact JSON object), strict on every field; open() uses it on
  // what decrypted. Public for the fuzz target.
  [[nodiscard]] static std::optional<SessionState> parse_state(std::string_view plaintext);
  // What of the client's initialize params a replay needs.
  [[nodiscard]] static boost::json::object handshake_of(const boost::json::object& initialize_params);

  std::chrono::seconds max_age() const { return max_age_; }
  std::int64_t now_seconds() const;        // unix seconds on the sealer's clock
  bool shared() const { return shared_; }  // keys were configured (not a per-process random key)

 private:
  struct Key {
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 4> tag{};
  };
  std::string aad(std::string_view header) const;
  std::vector<Key> keys_;
  std::string resource_;
  std::chrono::seconds max_age_;
  const Clock& clock_;
  bool shared_ = false;
};

}  // namespace mcpgate::gateway
