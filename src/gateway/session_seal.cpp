#include "gateway/session_seal.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <stdexcept>

#include "core/base64url.hpp"
#include "core/json.hpp"
#include "core/random.hpp"

namespace mcpgate::gateway {
namespace json = boost::json;

namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kTagBytes = 4, kNonceBytes = 12, kGcmTagBytes = 16;
constexpr std::size_t kHeaderBytes = 1 + kTagBytes;
// Upstream ids and names are bounded so that a payload stays small whatever a peer configured.
constexpr std::size_t kMaxField = 1024;
constexpr std::size_t kMaxUpstreams = 64;

struct CipherCtx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(p); }
};

// HKDF-SHA256: the operator's secret is any string of at least 32 bytes; the AES key and the key
// tag are derived from it under different labels, so the tag says nothing about the key.
void hkdf(std::string_view secret, std::string_view info, unsigned char* out, std::size_t n) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr), EVP_KDF_free);
  if (!kdf) throw std::runtime_error("sessions: HKDF is not available");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), EVP_KDF_CTX_free);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  if (!ctx || EVP_KDF_derive(ctx.get(), out, n, params) <= 0) throw std::runtime_error("sessions: HKDF failed");
}

bool visible_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

const json::string* string_at(const json::object& o, std::string_view key, std::size_t max) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string() || v->get_string().size() > max) return nullptr;
  return &v->get_string();
}

std::optional<std::int64_t> int_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

// The payload is ours (it authenticated), but a replica on another configuration or version may
// have written it: every field is checked as if it were untrusted.
std::optional<SessionState> decode_state(std::string_view text) {
  auto parsed = parse_json(text, {64, SessionSealer::kMaxIdBytes});
  if (!parsed || !parsed->is_object()) return std::nullopt;
  auto& o = parsed->get_object();
  if (o.size() != 6) return std::nullopt;
  SessionState s;
  auto* owner = string_at(o, "o", 64);
  auto* version = string_at(o, "v", 64);
  auto* h = o.if_contains("h");
  auto* u = o.if_contains("u");
  auto created = int_at(o, "c"), expires = int_at(o, "e");
  if (!owner || !version || !h || !h->is_object() || !u || !u->is_array() || !created || !expires) return std::nullopt;
  auto raw_owner = base64url_decode(*owner);
  if (!raw_owner || raw_owner->size() != SHA256_DIGEST_LENGTH) return std::nullopt;
  s.owner = std::move(*raw_owner);
  s.protocol_version = std::string(*version);
  s.handshake = h->get_object();
  s.created = *created;
  s.expires = *expires;
  if (u->get_array().size() > kMaxUpstreams) return std::nullopt;
  for (auto& e : u->get_array()) {
    if (!e.is_array() || e.get_array().size() != 3) return std::nullopt;
    auto& a = e.get_array();
    for (auto& f : a)
      if (!f.is_string() || f.get_string().size() > kMaxField) return std::nullopt;
    SealedUpstream up{std::string(a[0].get_string()), std::string(a[1].get_string()), std::string(a[2].get_string())};
    // The upstream session id goes back out in a header: only what a session id may hold.
    if (!visible_ascii(up.session_id) || !visible_ascii(up.protocol_version)) return std::nullopt;
    s.upstreams.push_back(std::move(up));
  }
  return s;
}

std::string encode_state(const SessionState& s) {
  json::object o;
  o["o"] = base64url_encode(s.owner);
  o["v"] = s.protocol_version;
  o["h"] = s.handshake;
  json::array u;
  for (auto& up : s.upstreams)
    u.push_back(json::array{json::string(up.name), json::string(up.session_id), json::string(up.protocol_version)});
  o["u"] = std::move(u);
  o["c"] = s.created;
  o["e"] = s.expires;
  return serialize_json(o);
}

}  // namespace

std::optional<SessionState> SessionSealer::parse_state(std::string_view plaintext) {
  return decode_state(plaintext);
}

std::string_view reason_name(UnsealError e) {
  switch (e) {
    case UnsealError::malformed:
      return "malformed";
    case UnsealError::unknown_key:
      return "unknown_key";
    case UnsealError::forged:
      return "forged";
    case UnsealError::bad_state:
      return "bad_state";
    case UnsealError::expired:
      return "expired";
  }
  return "unknown";
}

SessionSealer::SessionSealer(const std::vector<SealingKey>& keys, std::string resource, std::chrono::seconds max_age,
                             const Clock& clock)
    : resource_(std::move(resource)), max_age_(max_age), clock_(clock), shared_(!keys.empty()) {
  auto add = [this](std::string_view secret) {
    Key k;
    hkdf(secret, "mcpgate session seal v1: aes-256-gcm key", k.aes.data(), k.aes.size());
    hkdf(secret, "mcpgate session seal v1: key tag", k.tag.data(), k.tag.size());
    keys_.push_back(k);
  };
  for (auto& k : keys) {
    if (k.secret.reveal().size() < kMinSecretBytes)
      throw std::runtime_error("sessions: sealing key " + k.id + " is shorter than 32 bytes");
    add(k.secret.reveal());
  }
  if (keys_.empty()) {
    std::string secret(32, '\0');
    system_random().fill(secret.data(), secret.size());
    add(secret);
    OPENSSL_cleanse(secret.data(), secret.size());
  }
}

SessionSealer::~SessionSealer() {
  for (auto& k : keys_) OPENSSL_cleanse(k.aes.data(), k.aes.size());
}

std::int64_t SessionSealer::now_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

std::string SessionSealer::aad(std::string_view header) const {
  // An id sealed for one endpoint does not open at another (nor at another gateway sharing keys).
  std::string a = "mcpgate session\n";
  a += resource_;
  a += '\n';
  a += header;
  return a;
}

std::string SessionSealer::owner_of(std::string_view caller_key) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(caller_key.data()), caller_key.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool SessionSealer::owned_by(const SessionState& s, std::string_view caller_key) {
  return constant_time_equal(s.owner, owner_of(caller_key));
}

json::object SessionSealer::handshake_of(const json::object& params) {
  json::object h;
  for (auto key : {"protocolVersion", "capabilities", "clientInfo"})
    if (auto* v = params.if_contains(key)) h[key] = *v;
  return h;
}

std::optional<std::string> SessionSealer::seal(SessionState& state) const {
  auto now = now_seconds();
  state.created = now;
  state.expires = now + max_age_.count();
  std::string plain = encode_state(state);
  // base64url grows by 4/3: refuse before encrypting what could not be sent.
  if ((kHeaderBytes + kNonceBytes + plain.size() + kGcmTagBytes) * 4 / 3 + 4 > kMaxIdBytes) return std::nullopt;
  const Key& key = keys_.front();
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.append(reinterpret_cast<const char*>(key.tag.data()), key.tag.size());
  // A fresh random nonce per seal: with 96 bits, repeats stay negligible for far more ids than a
  // key seals before it is rotated.
  unsigned char nonce[kNonceBytes];
  system_random().fill(nonce, sizeof nonce);
  auto associated = aad(out);
  out.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  std::size_t at = out.size();
  out.resize(at + plain.size() + kGcmTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + at);
  CipherCtx c;
  int len = 0;
  bool ok = c.p && EVP_EncryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.p, nullptr, nullptr, key.aes.data(), nonce) == 1 &&
            EVP_EncryptUpdate(c.p, nullptr, &len, reinterpret_cast<const unsigned char*>(associated.data()),
                              static_cast<int>(associated.size())) == 1 &&
            EVP_EncryptUpdate(c.p, dst, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(c.p, dst + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_GET_TAG, kGcmTagBytes, dst + plain.size()) == 1;
  OPENSSL_cleanse(plain.data(), plain.size());
  if (!ok) return std::nullopt;
  return base64url_encode(out);
}

expected<SessionState, UnsealError> SessionSealer::open(std::string_view id) const {
  if (id.size() > kMaxIdBytes) return unexpected(UnsealError::malformed);
  auto raw = base64url_decode(id);
  if (!raw || raw->size() < kHeaderBytes + kNonceBytes + kGcmTagBytes + 2 ||
      static_cast<unsigned char>((*raw)[0]) != kVersion)
    return unexpected(UnsealError::malformed);
  std::string_view header(raw->data(), kHeaderBytes);
  auto* nonce = reinterpret_cast<const unsigned char*>(raw->data() + kHeaderBytes);
  auto* body = nonce + kNonceBytes;
  std::size_t body_len = raw->size() - kHeaderBytes - kNonceBytes - kGcmTagBytes;
  auto* tag = body + body_len;
  auto associated = aad(header);
  bool tag_known = false;
  std::string plain(body_len, '\0');
  for (auto& key : keys_) {
    if (std::string_view(reinterpret_cast<const char*>(key.tag.data()), key.tag.size()) != header.substr(1)) continue;
    tag_known = true;
    CipherCtx c;
    int len = 0;
    auto* dst = reinterpret_cast<unsigned char*>(plain.data());
    bool ok = c.p && EVP_DecryptInit_ex(c.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
              EVP_DecryptInit_ex(c.p, nullptr, nullptr, key.aes.data(), nonce) == 1 &&
              EVP_DecryptUpdate(c.p, nullptr, &len, reinterpret_cast<const unsigned char*>(associated.data()),
                                static_cast<int>(associated.size())) == 1 &&
              EVP_DecryptUpdate(c.p, dst, &len, body, static_cast<int>(body_len)) == 1 &&
              EVP_CIPHER_CTX_ctrl(c.p, EVP_CTRL_GCM_SET_TAG, kGcmTagBytes, const_cast<unsigned char*>(tag)) == 1 &&
              EVP_DecryptFinal_ex(c.p, dst + len, &len) == 1;
    if (!ok) continue;
    auto state = decode_state(plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    if (!state) return unexpected(UnsealError::bad_state);
    auto now = now_seconds();
    // Also bounded by this replica's max_age: shortening it ends older ids at once.
    if (now >= state->expires || now >= state->created + max_age_.count()) return unexpected(UnsealError::expired);
    return std::move(*state);
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  return unexpected(tag_known ? UnsealError::forged : UnsealError::unknown_key);
}

}  // namespace mcpgate::gateway
