#include "authserver/signing_keys.hpp"

#include <boost/json.hpp>

namespace mcpgate::authserver {
namespace json = boost::json;

Result<KeyRecord> SigningKeys::generate(KeyRecord::State state, Seconds now) {
  auto k = oauth::SigningKey::generate(oauth::Algorithm::ES256);
  if (!k) return fail(k.error().message);
  auto pem = k->private_pem();
  if (!pem) return fail(pem.error().message);
  return KeyRecord{random_.token(12), "ES256", *pem, state, now, 0};
}

Result<void> SigningKeys::load() {
  auto records = store_.list_keys();
  if (!records) return fail(records.error().message);
  std::vector<std::shared_ptr<const LoadedKey>> loaded;
  for (auto& r : *records) {
    auto alg = oauth::parse_algorithm(r.alg);
    if (!alg) return fail("stored key " + r.kid + " has an unknown algorithm");
    auto k = oauth::SigningKey::from_pem(r.private_pem);
    if (!k) return fail("stored key " + r.kid + " is not a private key");
    auto pub = k->public_jwk(r.kid, *alg);
    if (!pub) return fail("stored key " + r.kid + ": " + pub.error().message);
    auto jwk = oauth::parse_jwk(*pub);
    if (!jwk) return fail("stored key " + r.kid + ": " + jwk.error().message);
    loaded.push_back(std::make_shared<const LoadedKey>(
        LoadedKey{r, std::move(*k), *alg, std::make_shared<const oauth::Jwk>(std::move(*jwk))}));
  }
  std::lock_guard lock(mu_);
  keys_ = std::move(loaded);
  return {};
}

Result<void> SigningKeys::init(Seconds now) {
  // Replicas starting together on an empty store each build a key set; the store takes the first
  // and refuses the others (conditional on the generation), which then load the stored one.
  for (int attempt = 0; attempt < kReplaceAttempts; ++attempt) {
    auto gen = store_.key_generation();
    if (!gen) return fail(gen.error().message);
    auto records = store_.list_keys();
    if (!records) return fail(records.error().message);
    bool has_current = false, has_next = false;
    for (auto& r : *records) {
      has_current |= r.state == KeyRecord::State::current;
      has_next |= r.state == KeyRecord::State::next;
    }
    if (!has_current || !has_next) {
      auto all = *records;
      if (!has_current) {
        auto c = generate(KeyRecord::State::current, now);
        if (!c) return fail(c.error().message);
        all.push_back(*c);
      }
      if (!has_next) {
        auto n = generate(KeyRecord::State::next, now);
        if (!n) return fail(n.error().message);
        all.push_back(*n);
      }
      auto replaced = store_.replace_keys(all, *gen);
      if (!replaced) return fail(replaced.error().message);
      if (!*replaced) continue;  // another process stored its set first: read that one
      gen = store_.key_generation();
      if (!gen) return fail(gen.error().message);
    }
    if (auto r = load(); !r) return r;
    std::lock_guard lock(mu_);
    generation_ = *gen;
    return {};
  }
  return fail("signing keys: the key set kept changing while it was being created");
}

Result<void> SigningKeys::reload_if_changed(Seconds) {
  auto gen = store_.key_generation();
  if (!gen) return fail(gen.error().message);
  {
    std::lock_guard lock(mu_);
    if (*gen == generation_) return {};
  }
  if (auto r = load(); !r) return r;
  std::lock_guard lock(mu_);
  generation_ = *gen;
  return {};
}

Result<void> SigningKeys::rotate(Seconds now) {
  // Applied to the set as stored: when another process changes it between the read and the
  // write, the write is refused and the rotation starts again from the new set.
  for (int attempt = 0; attempt < kReplaceAttempts; ++attempt) {
    auto replaced = rotate_once(now);
    if (!replaced) return fail(replaced.error().message);
    if (*replaced) return reload_if_changed(now);
  }
  return fail("signing keys: the key set kept changing during the rotation");
}

Result<bool> SigningKeys::rotate_once(Seconds now) {
  auto gen = store_.key_generation();
  if (!gen) return fail(gen.error().message);
  auto records = store_.list_keys();
  if (!records) return fail(records.error().message);
  std::vector<KeyRecord> out;
  bool promoted = false;
  for (auto r : *records) {
    switch (r.state) {
      case KeyRecord::State::current:
        r.state = KeyRecord::State::retired;
        r.retired_at = now;
        out.push_back(r);
        break;
      case KeyRecord::State::next:
        if (!promoted) {
          r.state = KeyRecord::State::current;
          promoted = true;
        }
        out.push_back(r);
        break;
      case KeyRecord::State::retired:
        // Past its grace, nothing it signed is still valid: drop it (and its private key).
        if (r.retired_at + grace_.count() > now) out.push_back(r);
        break;
    }
  }
  if (!promoted) {
    auto c = generate(KeyRecord::State::current, now);
    if (!c) return fail(c.error().message);
    out.push_back(*c);
  }
  auto n = generate(KeyRecord::State::next, now);
  if (!n) return fail(n.error().message);
  out.push_back(*n);
  return store_.replace_keys(out, *gen);
}

std::shared_ptr<const LoadedKey> SigningKeys::current() const {
  std::lock_guard lock(mu_);
  for (auto& k : keys_)
    if (k->record.state == KeyRecord::State::current) return k;
  return nullptr;
}

std::shared_ptr<const LoadedKey> SigningKeys::find(std::string_view kid) const {
  std::lock_guard lock(mu_);
  for (auto& k : keys_)
    if (k->record.kid == kid) return k;
  return nullptr;
}

std::vector<KeyRecord> SigningKeys::records() const {
  std::lock_guard lock(mu_);
  std::vector<KeyRecord> out;
  for (auto& k : keys_) {
    auto r = k->record;
    r.private_pem.clear();
    out.push_back(std::move(r));
  }
  return out;
}

json::object SigningKeys::jwks(Seconds now) const {
  json::array keys;
  std::lock_guard lock(mu_);
  for (auto& k : keys_) {
    if (k->record.state == KeyRecord::State::retired && k->record.retired_at + grace_.count() <= now) continue;
    auto jwk = k->key.public_jwk(k->record.kid, k->alg);
    if (!jwk) continue;
    (*jwk)["use"] = "sig";
    keys.push_back(std::move(*jwk));
  }
  return json::object{{"keys", std::move(keys)}};
}

}  // namespace mcpgate::authserver
