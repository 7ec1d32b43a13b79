#include "net/http_head.hpp"

#include <charconv>

namespace mcpgate::net {

namespace {

void append_version(std::string& out, unsigned version) {
  out += version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

template <class Fields>
void append_fields(std::string& out, const Fields& fields) {
  for (const auto& f : fields) {
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace

void append_head(std::string& out, const http::response_header<>& head) {
  append_version(out, head.version());
  char status[12];
  auto end = std::to_chars(status, status + sizeof status, head.result_int()).ptr;
  out += ' ';
  out.append(status, end);
  out += ' ';
  out += head.reason();
  out += "\r\n";
  append_fields(out, head);
}

void append_head(std::string& out, const http::request_header<>& head) {
  out += head.method_string();
  out += ' ';
  out += head.target();
  out += ' ';
  append_version(out, head.version());
  out += "\r\n";
  append_fields(out, head);
}

}  // namespace mcpgate::net
