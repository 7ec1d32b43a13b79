#include "net/tls_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>

#include "core/log.hpp"
#include "net/tls_key_pair.hpp"

namespace mcpgate::net {

namespace {

// ALPN: only HTTP/1.1 is spoken; a client offering h2 alone is refused rather than misread.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void*) {
  static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, ours, sizeof ours, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<std::shared_ptr<ssl::context>> load(const TlsServerOptions& o) {
  auto c = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = c->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3 suites are all of that kind already).
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  if (auto r = use_key_pair(ctx, o.cert_file, o.key_file, "certificate file", "key file"); !r)
    return unexpected(r.error());
  return c;
}

}  // namespace

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(TlsServerOptions options) {
  std::shared_ptr<TlsServerContext> t(new TlsServerContext(std::move(options)));
  if (auto r = t->reload(); !r) return unexpected(r.error());
  return t;
}

TlsServerContext::Stamp TlsServerContext::stamp() const {
  Stamp s;
  std::error_code ec;
  s.cert_time = std::filesystem::last_write_time(options_.cert_file, ec);
  s.key_time = std::filesystem::last_write_time(options_.key_file, ec);
  s.cert_size = std::filesystem::file_size(options_.cert_file, ec);
  s.key_size = std::filesystem::file_size(options_.key_file, ec);
  return s;
}

std::shared_ptr<ssl::context> TlsServerContext::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

Result<void> TlsServerContext::reload() {
  // The stamp is taken before reading: a write that lands during the read is seen next time.
  auto s = stamp();
  auto c = load(options_);
  std::lock_guard lock(mutex_);
  loaded_ = s;
  if (!c) return unexpected(c.error());
  context_ = std::move(*c);
  ++generation_;
  return {};
}

void TlsServerContext::reload_if_changed() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  auto last = last_check_.load();
  if (now - last < 1000 || !last_check_.compare_exchange_strong(last, now)) return;
  auto s = stamp();
  {
    std::lock_guard lock(mutex_);
    if (s == loaded_) return;
  }
  // A certificate and key written one after the other can be seen half-replaced: the load then
  // fails on the mismatch, the old pair stays, and the next check after the second write succeeds.
  if (auto r = reload(); !r)
    log::error("TLS certificate not reloaded (the previous one stays): " + r.error().message);
  else
    log::info("TLS certificate reloaded from " + options_.cert_file);
}

}  // namespace mcpgate::net
