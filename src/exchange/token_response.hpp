#pragma once
// A token endpoint's answer (RFC 6749 §5.1 success, §5.2 error) and why no token came back. The
// answer of a remote authorization server is untrusted input: this file holds its one parser,
// free of the network plumbing so that fuzz/exchange/fuzz_token_response.cpp can reach it.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace mcpgate::exchange {

struct IssuedToken {
  Secret access_token;
  std::chrono::seconds expires_in{0};  // 0: the answer did not say
  std::string scope;                   // as granted (may be fewer than asked)
  Secret refresh_token;                // empty when none was issued (the gateway's grants never ask)
};

// Why no token came back. `reason` is the metric and audit label; `oauth_error` the token
// endpoint's `error` when it answered one (invalid_target, invalid_scope, invalid_grant…).
struct TokenError {
  enum class Reason { unreachable, refused, bad_answer, busy };
  Reason reason;
  std::string oauth_error;
  std::string description;  // never token material
};
const char* reason_name(TokenError::Reason r);

// The longest lifetime taken from an answer's expires_in (about 31 years): larger values, and
// values no integer holds, are cut to it rather than overflow a clock.
inline constexpr std::chrono::seconds kMaxExpiresIn{1'000'000'000};

// The body of a token endpoint's HTTP answer with that status.
[[nodiscard]] expected<IssuedToken, TokenError> parse_token_response(unsigned status, std::string_view body);
// The same, from a JSON object already parsed (the embedded authorization server's answer).
[[nodiscard]] expected<IssuedToken, TokenError> token_from_answer(unsigned status, const boost::json::object& answer);

// Printable ASCII only, at most `max` characters, anything else as '?': text from a remote
// server goes into logs and into the client's error message, where a control character could
// forge a log line or a terminal escape.
std::string printable(std::string_view s, std::size_t max = 200);

}  // namespace mcpgate::exchange
