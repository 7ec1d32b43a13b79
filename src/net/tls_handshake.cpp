// The TLS handshakes, client and server side. Kept apart from the contexts (tls_client.cpp,
// tls_server.cpp) because they are coroutines: the contexts, which the configuration loader uses to
// check certificate files, then build without coroutine support (the libFuzzer build).
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/error.hpp>

#include "net/tls_client.hpp"
#include "net/tls_server.hpp"

namespace mcpgate::net {

awaitable<Result<void>> tls_handshake(Stream& stream, const std::string& where) {
  auto [ec] = co_await stream.tls()->async_handshake(ssl::stream_base::client, as_tuple_awaitable);
  if (!ec) co_return Result<void>{};
  if (ec == beast::error::timeout) co_return fail(where + ": TLS handshake timed out");
  long verify = SSL_get_verify_result(stream.tls()->native_handle());
  if (verify != X509_V_OK) {
    auto reason = classify_verify_result(verify);
    co_return fail(where + ": " + std::string(to_string(reason)) + " (" + X509_verify_cert_error_string(verify) + ")");
  }
  co_return fail(where + ": " + std::string(to_string(TlsFailure::handshake)) + " (" + ec.message() + ")");
}

awaitable<bool> tls_accept(Stream& stream) {
  auto [ec] = co_await stream.tls()->async_handshake(ssl::stream_base::server, as_tuple_awaitable);
  co_return !ec;
}

}  // namespace mcpgate::net
