#include "authserver/store_columns.hpp"

#include <boost/json.hpp>

namespace mcpgate::authserver {
namespace json = boost::json;

std::string_view kind_name(ClientKind k) {
  switch (k) {
    case ClientKind::preregistered:
      return "preregistered";
    case ClientKind::dynamic:
      return "dynamic";
    case ClientKind::metadata_document:
      return "metadata_document";
  }
  return "?";
}

ClientKind kind_from(std::string_view s) {
  if (s == "dynamic") return ClientKind::dynamic;
  if (s == "metadata_document") return ClientKind::metadata_document;
  return ClientKind::preregistered;
}

std::string to_json_array(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return json::serialize(a);
}
std::vector<std::string> from_json_array(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);  // our own column, written by to_json_array
  if (ec || !v.is_array()) return out;
  for (auto& e : v.as_array())
    if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

const char* state_name(KeyRecord::State s) {
  switch (s) {
    case KeyRecord::State::next:
      return "next";
    case KeyRecord::State::current:
      return "current";
    case KeyRecord::State::retired:
      return "retired";
  }
  return "next";
}
KeyRecord::State state_from(std::string_view s) {
  if (s == "current") return KeyRecord::State::current;
  if (s == "retired") return KeyRecord::State::retired;
  return KeyRecord::State::next;
}

GrantRows grant_rows(const AuthorizationCode& code, const std::string& family_id,
                     const std::optional<RefreshToken>& refresh, const IssuedToken& access) {
  GrantRows out{refresh, access};
  if (out.refresh) {
    out.refresh->family_id = family_id;
    out.refresh->client_id = code.client_id;
    out.refresh->subject = code.subject;
    out.refresh->resource = code.resource;
    out.refresh->scope = code.scope;
  }
  out.access.family_id = family_id;
  return out;
}

}  // namespace mcpgate::authserver
