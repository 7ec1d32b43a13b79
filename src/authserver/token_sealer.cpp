#include "authserver/token_sealer.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "core/base64url.hpp"

namespace mcpgate::authserver {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<TokenSealer> TokenSealer::create(const Secret& key) {
  if (key.reveal().size() != kKeyBytes) return fail("token encryption key: must be 32 bytes");
  return TokenSealer(key);
}

Result<std::string> TokenSealer::seal(std::string_view plaintext, std::string_view aad) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, int(kNonceBytes)) != 1) return fail("token encryption: no randomness");
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_.reveal()), o) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o + kNonceBytes, &len, bytes(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes), o + kNonceBytes + plaintext.size()) != 1)
    return fail("token encryption failed");
  return base64url_encode(out);
}

Result<Secret> TokenSealer::open(std::string_view sealed, std::string_view aad) const {
  auto raw = base64url_decode(sealed);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return fail("sealed token: malformed");
  auto* in = reinterpret_cast<unsigned char*>(raw->data());
  std::size_t n = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_.reveal()), in) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, in + kNonceBytes, int(n)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), in + kNonceBytes + n) != 1)
    return fail("sealed token: cannot be opened");
  // The tag check: a tampered value, another key or other associated data ends here.
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1)
    return fail("sealed token: cannot be opened (altered, another key or another record)");
  return Secret(std::move(plain));
}

}  // namespace mcpgate::authserver
