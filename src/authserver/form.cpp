#include "authserver/form.hpp"

#include "core/base64url.hpp"

namespace mcpgate::authserver {

std::string_view describe(FormError e) {
  switch (e) {
    case FormError::too_large:
      return "request too large";
    case FormError::too_many:
      return "too many parameters";
    case FormError::bad_encoding:
      return "malformed form encoding";
    case FormError::duplicate:
      return "a parameter is repeated";
  }
  return "malformed request";
}

namespace {
int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int h = hex(text[i + 1]), l = hex(text[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out.push_back(char(h * 16 + l));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

expected<Params, FormError> parse_form(std::string_view body, const FormLimits& limits) {
  using E = unexpected<FormError>;
  if (body.size() > limits.max_bytes) return E(FormError::too_large);
  Params out;
  std::size_t count = 0;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > limits.max_params) return E(FormError::too_many);
    auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return E(FormError::bad_encoding);
    if (name->empty()) continue;
    // A repeated parameter is refused even when one copy is empty: two parsers (ours and a
    // proxy's) must never disagree about which copy counts.
    if (out.contains(*name)) return E(FormError::duplicate);
    out.emplace(std::move(*name), std::move(*value));
  }
  // "Parameters sent without a value MUST be treated as if they were omitted" (RFC 6749 §3.1).
  std::erase_if(out, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  // Scheme is case-insensitive (RFC 7235 §2.1), then one or more spaces.
  if (header.size() < 6) return std::nullopt;
  auto scheme = header.substr(0, 5);
  auto lower = [](char c) { return char(c >= 'A' && c <= 'Z' ? c + 32 : c); };
  const char* basic = "basic";
  for (int i = 0; i < 5; ++i)
    if (lower(scheme[std::size_t(i)]) != basic[i]) return std::nullopt;
  if (header[5] != ' ') return std::nullopt;
  auto rest = header.substr(5);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.empty() || rest.size() > 4096) return std::nullopt;
  auto decoded = base64_decode(rest);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto id_raw = std::string_view(*decoded).substr(0, colon);
  auto secret_raw = std::string_view(*decoded).substr(colon + 1);
  // RFC 6749 §2.3.1: each part was application/x-www-form-urlencoded before the join, so '+' is a
  // space and %XX a byte (an encoded id carries its ':' as %3A, hence the split at the first ':').
  // When either part does not decode (a '%' without two hex digits) there is no form reading, and
  // both readings are the text as sent.
  auto id_form = percent_decode(id_raw, true);
  auto secret_form = percent_decode(secret_raw, true);
  bool form = id_form && secret_form;
  BasicCredentials out{form ? std::move(*id_form) : std::string(id_raw),
                       Secret(form ? std::move(*secret_form) : std::string(secret_raw)), std::string(id_raw),
                       Secret(std::string(secret_raw))};
  if (out.client_id.empty() && out.raw_client_id.empty()) return std::nullopt;
  return out;
}

}  // namespace mcpgate::authserver
