#pragma once
// TLS toward the servers mcpgate calls: identity providers (JWKS, metadata, introspection),
// client metadata documents and HTTP upstreams. Verification is always on: the system CA store
// or a CA file given for that target, the host name (DNS subjectAltName, or IP SAN for an
// address), TLS 1.2 at least. A failed handshake is reported with a named reason, because "TLS
// failed" does not tell an operator whether to fix a CA file, a host name or a renewal.
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/stream.hpp"
#include "net/tls_options.hpp"

namespace mcpgate::net {

enum class TlsFailure {
  unknown_ca,           // the chain does not lead to a trusted root (self-signed, private CA not configured)
  name_mismatch,        // the certificate is not for the host we asked for
  expired,              // notAfter is past
  not_yet_valid,        // notBefore is in the future
  certificate_invalid,  // any other verification failure (revoked, bad signature, wrong purpose…)
  handshake,            // no common protocol or cipher, peer not speaking TLS, connection reset
};
std::string_view to_string(TlsFailure f);
// Maps an X509_V_ERR_* verification result to the reason an operator acts on.
TlsFailure classify_verify_result(long verify_result);

// One SSL_CTX per distinct option set, shared by every connection that uses it.
class TlsClientContext : public std::enable_shared_from_this<TlsClientContext> {
 public:
  // Reads the CA file and the client certificate; errors name the file.
  [[nodiscard]] static Result<std::shared_ptr<TlsClientContext>> create(const TlsClientOptions& options);
  // The context for the system store and no client certificate, created once.
  static std::shared_ptr<TlsClientContext> system_default();
  // One context per distinct option set for the whole process, so that connections to one target
  // share a pool whoever opens them. If the files no longer load, the context trusts nothing:
  // every handshake then fails (closed) with "unknown certificate authority".
  static std::shared_ptr<TlsClientContext> shared(const TlsClientOptions& options);

  const TlsClientOptions& options() const { return options_; }
  // A fresh TLS stream for `host` with SNI and name verification set.
  [[nodiscard]] Result<std::unique_ptr<Stream>> make_stream(asio::any_io_executor ex, const std::string& host);

 private:
  explicit TlsClientContext(TlsClientOptions options);
  TlsClientOptions options_;
  ssl::context context_;
};

// Runs the client handshake on `stream` (connected already) within its deadline; the error names
// `where` (host:port) and the reason.
awaitable<Result<void>> tls_handshake(Stream& stream, const std::string& where);

}  // namespace mcpgate::net
