#pragma once
// How the stores write the records' enumerations and lists into their columns, and read them
// back: one encoding for SQLite and PostgreSQL, so that an export from one reads in the other.
#include <string>
#include <string_view>
#include <vector>

#include "authserver/store.hpp"

namespace mcpgate::authserver {

ClientKind kind_from(std::string_view s);  // kind_name (store.hpp) is the other way
std::string to_json_array(const std::vector<std::string>& v);
// Our own column, written by to_json_array: anything else reads as an empty list.
std::vector<std::string> from_json_array(std::string_view text);
const char* state_name(KeyRecord::State s);
KeyRecord::State state_from(std::string_view s);

}  // namespace mcpgate::authserver
