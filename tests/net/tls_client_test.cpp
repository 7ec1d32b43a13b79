// The reasons a TLS verification failure is reported with: an operator must tell a missing CA
// file from a wrong host name from a renewal that did not happen.
#include "net/tls_client.hpp"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

namespace mcpgate::net {
namespace {

TEST(TlsClient, VerificationResultsMapToNamedReasons) {
  EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_HAS_EXPIRED), TlsFailure::expired);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_NOT_YET_VALID), TlsFailure::not_yet_valid);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_HOSTNAME_MISMATCH), TlsFailure::name_mismatch);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_IP_ADDRESS_MISMATCH), TlsFailure::name_mismatch);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY), TlsFailure::unknown_ca);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), TlsFailure::unknown_ca);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN), TlsFailure::unknown_ca);
  EXPECT_EQ(classify_verify_result(X509_V_ERR_CERT_REVOKED), TlsFailure::certificate_invalid);
  EXPECT_EQ(to_string(TlsFailure::name_mismatch), "certificate name mismatch");
}

TEST(TlsClient, OptionsThatDoNotLoadAreErrorsNamingTheFile) {
  auto r = TlsClientContext::create({.ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  r = TlsClientContext::create({.client_cert_file = "/etc/hostname"});
  EXPECT_FALSE(r) << "a client certificate without its key";
  EXPECT_TRUE(TlsClientContext::create({}).has_value()) << "the system store";
}

TEST(TlsClient, SharedContextsArePerOptionSet) {
  // Connections are pooled per context: the same options must give the same context.
  TlsClientOptions a{.server_name = "a.example"};
  EXPECT_EQ(TlsClientContext::shared(a), TlsClientContext::shared(a));
  EXPECT_NE(TlsClientContext::shared(a), TlsClientContext::shared({.server_name = "b.example"}));
  EXPECT_EQ(TlsClientContext::shared({}), TlsClientContext::system_default());
}

}  // namespace
}  // namespace mcpgate::net
