#include "net/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/error.hpp>
#include <fstream>
#include <mutex>
#include <vector>

#include "core/log.hpp"
#include "net/tls_key_pair.hpp"

namespace mcpgate::net {

std::string_view to_string(TlsFailure f) {
  switch (f) {
    case TlsFailure::unknown_ca:
      return "unknown certificate authority";
    case TlsFailure::name_mismatch:
      return "certificate name mismatch";
    case TlsFailure::expired:
      return "certificate expired";
    case TlsFailure::not_yet_valid:
      return "certificate not yet valid";
    case TlsFailure::certificate_invalid:
      return "certificate invalid";
    case TlsFailure::handshake:
      return "TLS handshake failed";
  }
  return "TLS handshake failed";
}

TlsFailure classify_verify_result(long r) {
  switch (r) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return TlsFailure::expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return TlsFailure::not_yet_valid;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return TlsFailure::name_mismatch;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return TlsFailure::unknown_ca;
    default:
      return TlsFailure::certificate_invalid;
  }
}

namespace {

bool readable(const std::string& path) {
  return std::ifstream(path).good();
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

TlsClientContext::TlsClientContext(TlsClientOptions options)
    : options_(std::move(options)), context_(ssl::context::tls_client) {}

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::create(const TlsClientOptions& options) {
  std::shared_ptr<TlsClientContext> c(new TlsClientContext(options));
  SSL_CTX* ctx = c->context_.native_handle();
  // TLS 1.0 and 1.1 are deprecated (RFC 8996); OAuth 2.1 §1.5 asks for current TLS.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
  if (options.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) return fail("cannot load the system CA store: " + openssl_reason());
  } else {
    if (!readable(options.ca_file)) return fail("cannot read CA file " + options.ca_file);
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1)
      return fail("CA file " + options.ca_file + " holds no usable certificate: " + openssl_reason());
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty())
    return fail("a client certificate needs both a certificate file and a key file");
  if (!options.client_cert_file.empty()) {
    if (auto r =
            use_key_pair(ctx, options.client_cert_file, options.client_key_file, "client certificate", "client key");
        !r)
      return unexpected(r.error());
  }
  return c;
}

std::shared_ptr<TlsClientContext> TlsClientContext::system_default() {
  static std::shared_ptr<TlsClientContext> instance = [] {
    auto c = create({});
    // Without a system store every verification fails with "unknown CA", which names the fix.
    return c ? *c : std::shared_ptr<TlsClientContext>(new TlsClientContext({}));
  }();
  return instance;
}

std::shared_ptr<TlsClientContext> TlsClientContext::shared(const TlsClientOptions& options) {
  if (options == TlsClientOptions{}) return system_default();
  static std::mutex mutex;
  static std::vector<std::shared_ptr<TlsClientContext>> contexts;
  std::lock_guard lock(mutex);
  for (auto& c : contexts)
    if (c->options() == options) return c;
  auto c = create(options);
  if (!c) {
    log::error("TLS settings not usable, every connection with them will fail: " + c.error().message);
    std::shared_ptr<TlsClientContext> untrusting(new TlsClientContext(options));
    SSL_CTX_set_verify(untrusting->context_.native_handle(), SSL_VERIFY_PEER, nullptr);
    return untrusting;
  }
  contexts.push_back(*c);
  return *c;
}

Result<std::unique_ptr<Stream>> TlsClientContext::make_stream(asio::any_io_executor ex, const std::string& host) {
  auto stream = std::make_unique<Stream>(ex, context_, shared_from_this());
  SSL* ssl = stream->tls()->native_handle();
  const std::string& name = options_.server_name.empty() ? host : options_.server_name;
  if (is_ip_literal(name)) {
    // An address is matched against IP subjectAltNames only, and is never sent as SNI (RFC 6066 §3).
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) return fail("bad IP address " + name);
  } else {
    if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return fail("cannot set SNI " + name);
    // Partial wildcards (f*.example.com) are not honoured, as RFC 6125 §6.4.3 allows.
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, name.c_str()) != 1) return fail("bad host name " + name);
  }
  return stream;
}

}  // namespace mcpgate::net
