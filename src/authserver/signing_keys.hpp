#pragma once
// The authorization server's signing keys: one `current` key signs, one `next` key is already
// published so that resource servers have it cached before it signs (no unknown-kid refetch
// storm at rotation), and `retired` keys stay published until every token they signed has
// expired. Rotation (`mcpgate keys rotate`, possibly from another process) promotes next to
// current; a running server picks the change up by watching the store's key generation.
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "authserver/store.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "oauth/jwk.hpp"
#include "oauth/token_minter.hpp"

namespace mcpgate::authserver {

struct LoadedKey {
  KeyRecord record;
  oauth::SigningKey key;
  oauth::Algorithm alg = oauth::Algorithm::ES256;
  std::shared_ptr<const oauth::Jwk> verifier;  // the public half, for tokens we are shown again
};

class SigningKeys {
 public:
  SigningKeys(Store& store, Random& random, std::chrono::seconds retired_grace)
      : store_(store), random_(random), grace_(retired_grace) {}

  // Loads the key set, creating current and next keys when the store has none.
  [[nodiscard]] Result<void> init(Seconds now);
  // Re-reads the keys if another process rotated them (cheap: one integer when unchanged).
  [[nodiscard]] Result<void> reload_if_changed(Seconds now);
  // next → current, current → retired, a fresh next; drops retired keys past their grace.
  [[nodiscard]] Result<void> rotate(Seconds now);

  // The key that signs now (a copy: it stays valid across a concurrent reload).
  [[nodiscard]] std::shared_ptr<const LoadedKey> current() const;
  // Every published key (current, next, retired within grace) as a JWK Set.
  boost::json::object jwks(Seconds now) const;
  // Verification key by kid among the published ones.
  [[nodiscard]] std::shared_ptr<const LoadedKey> find(std::string_view kid) const;
  std::vector<KeyRecord> records() const;

 private:
  [[nodiscard]] Result<void> load();
  [[nodiscard]] Result<KeyRecord> generate(KeyRecord::State state, Seconds now);
  // One rotation against the stored set; false when another process replaced it meanwhile.
  [[nodiscard]] Result<bool> rotate_once(Seconds now);
  static constexpr int kReplaceAttempts = 5;

  Store& store_;
  Random& random_;
  std::chrono::seconds grace_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const LoadedKey>> keys_;
  std::int64_t generation_ = -1;
};

}  // namespace mcpgate::authserver
