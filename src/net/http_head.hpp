#pragma once
// The start line and header fields of an outgoing HTTP/1.1 message, written into one buffer.
// Beast's serializer walks the fields through a chain of buffer-sequence iterators on every write;
// a head is a few hundred bytes, so one copy into a string and one gathered write (head, body)
// costs a fraction of that, and the body is never copied.
#include <string>

#include "net/asio.hpp"

namespace mcpgate::net {

// Appends "HTTP/1.1 200 OK\r\n", every field as "Name: value\r\n", and the empty line.
void append_head(std::string& out, const http::response_header<>& head);
// Appends "POST /target HTTP/1.1\r\n", every field, and the empty line.
void append_head(std::string& out, const http::request_header<>& head);

}  // namespace mcpgate::net
