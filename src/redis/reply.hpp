#pragma once
// A Redis reply as a plain value (RESP2: the server's default protocol), copied out of hiredis so
// that nothing above this library sees hiredis's types or frees its objects.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct redisReply;

namespace mcpgate::redis {

struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  std::string str;  // string, status and error
  long long integer = 0;
  std::vector<Reply> elements;  // array

  bool is_error() const { return type == Type::error; }
  bool is_string() const { return type == Type::string; }
  // "OK" as a status (SET, AUTH, SELECT).
  bool is_ok() const { return type == Type::status && str == "OK"; }
};

// The copy of a reply hiredis built (its reader bounds the nesting).
[[nodiscard]] Reply from_hiredis(const redisReply& r);

// Every complete reply in `bytes`, in order, through hiredis's reader; a protocol error fails.
// For the tests and the fuzz target: the connection reads the same way from its socket.
[[nodiscard]] Result<std::vector<Reply>> parse_replies(std::string_view bytes);

}  // namespace mcpgate::redis
