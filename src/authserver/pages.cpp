#include "authserver/pages.hpp"

namespace mcpgate::authserver {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string page(std::string_view title, std::string_view body, std::string_view nonce) {
  std::string out = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>)";
  out += html_escape(title);
  out += R"(</title><style nonce=")";
  out += html_escape(nonce);
  out += R"(">
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111827;margin:0}
main{max-width:28rem;margin:4rem auto;background:#fff;border-radius:.75rem;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.35rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #9ca3af;border-radius:.4rem;font-size:1rem}
button{margin-top:1.25rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;font-size:1rem;cursor:pointer}
.primary{background:#1d4ed8;color:#fff}.secondary{background:#e5e7eb;color:#111827;margin-left:.5rem}
.error{background:#fee2e2;color:#991b1b;padding:.6rem;border-radius:.4rem}.warn{background:#fef3c7;color:#92400e;padding:.6rem;border-radius:.4rem}
dl{margin:0}dt{font-weight:600;margin-top:.6rem}dd{margin:.1rem 0 0;word-break:break-all}ul.scopes{margin:.25rem 0 0;padding-left:1.25rem}
code{background:#f3f4f6;padding:.05rem .3rem;border-radius:.25rem}
</style></head><body><main>
)";
  out += body;
  out += "\n</main></body></html>\n";
  return out;
}

std::string hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" + html_escape(value) + "\">";
}

}  // namespace

std::string render_login(const LoginPage& p, std::string_view nonce) {
  std::string b = "<h1>Sign in</h1>\n<p>to continue to <strong>" + html_escape(p.client_name) + "</strong></p>\n";
  if (!p.error.empty()) b += "<p class=\"error\" role=\"alert\">" + html_escape(p.error) + "</p>\n";
  b += "<form method=\"post\" action=\"" + html_escape(p.action) + "\">" + hidden("request_id", p.request_id) +
       hidden("csrf_token", p.csrf) +
       "\n<label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" "
       "autocomplete=\"username\" required value=\"" +
       html_escape(p.username) +
       "\">\n<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" "
       "autocomplete=\"current-password\" required>\n<button class=\"primary\" type=\"submit\">Sign in</button></form>";
  return page("Sign in", b, nonce);
}

std::string render_idp_choice(const IdpChoicePage& p, std::string_view nonce) {
  std::string b = "<h1>Sign in</h1>\n<p>to continue to <strong>" + html_escape(p.client_name) +
                  "</strong> with</p>\n<ul class=\"providers\" id=\"providers\">";
  for (auto& [name, url] : p.providers)
    b += "<li><a href=\"" + html_escape(url) + "\">" + html_escape(name) + "</a></li>";
  b += "</ul>";
  return page("Sign in", b, nonce);
}

std::string render_consent(const ConsentPage& p, std::string_view nonce) {
  std::string b = "<h1>Authorize <span id=\"client-name\">" + html_escape(p.client_name) + "</span>?</h1>\n";
  b += "<p>Signed in as <strong>" + html_escape(p.username) + "</strong>.</p>\n<dl>";
  b += "<dt>Application</dt><dd>" + html_escape(p.client_name) + " <code>" + html_escape(p.client_id) + "</code></dd>";
  if (!p.metadata_host.empty())
    b += "<dt>Published by</dt><dd id=\"metadata-host\">" + html_escape(p.metadata_host) + "</dd>";
  b += "<dt>Will return you to</dt><dd id=\"redirect-host\">" + html_escape(p.redirect_host) + "</dd>";
  b += "<dt>Access to</dt><dd id=\"resource\">" + html_escape(p.resource) + "</dd>";
  b += "<dt>Permissions</dt><dd><ul class=\"scopes\" id=\"scopes\">";
  if (p.scopes.empty()) b += "<li>(no specific permissions)</li>";
  for (auto& s : p.scopes) b += "<li><code>" + html_escape(s) + "</code></li>";
  b += "</ul></dd>";
  // Said before approval, so that a user is not surprised that the application still cannot do
  // what it asked for: the token will not carry these.
  if (!p.withheld.empty()) {
    b += "<dt>Not available to your account</dt><dd><ul class=\"scopes\" id=\"withheld\">";
    for (auto& s : p.withheld) b += "<li><code>" + html_escape(s) + "</code></li>";
    b += "</ul></dd>";
  }
  b += "</dl>\n";
  if (p.localhost_only)
    b += "<p class=\"warn\">This application only redirects to your own computer (localhost). Approve only if you "
         "started it yourself.</p>\n";
  b += "<form method=\"post\" action=\"" + html_escape(p.action) + "\">" + hidden("request_id", p.request_id) +
       hidden("csrf_token", p.csrf) +
       "\n<button class=\"primary\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
       "<button class=\"secondary\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>";
  return page("Authorize " + p.client_name, b, nonce);
}

std::string render_logout(std::string_view user, std::string_view action, std::string_view csrf,
                          std::string_view nonce) {
  std::string b = "<h1>Sign out</h1>\n<p>Signed in as <strong id=\"user\">" + html_escape(user) +
                  "</strong>. Signing out also ends every application's access through this account.</p>\n";
  b += "<form method=\"post\" action=\"" + html_escape(action) + "\">" + hidden("csrf_token", csrf) +
       "\n<button class=\"primary\" type=\"submit\">Sign out</button></form>";
  return page("Sign out", b, nonce);
}

std::string render_error(std::string_view title, std::string_view message, std::string_view nonce) {
  return page(title,
              "<h1>" + html_escape(title) + "</h1>\n<p class=\"error\" role=\"alert\">" + html_escape(message) + "</p>",
              nonce);
}

}  // namespace mcpgate::authserver
