#include "app/admin_commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "authserver/client_metadata.hpp"
#include "authserver/password.hpp"
#include "authserver/signing_keys.hpp"
#include "authserver/store.hpp"
#include "authserver/store_open.hpp"
#include "authserver/user_scopes.hpp"
#include "core/json.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "oauth/jwks.hpp"

namespace mcpgate::app {
using namespace mcpgate::authserver;

namespace {

Seconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Reads one line from the terminal with echo off, so the password never appears on screen.
std::optional<std::string> read_hidden(const char* prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return std::nullopt;
  int fd = fileno(tty);
  termios old{};
  if (tcgetattr(fd, &old) != 0) {
    std::fclose(tty);
    return std::nullopt;
  }
  termios quiet = old;
  quiet.c_lflag &= ~tcflag_t(ECHO);
  quiet.c_lflag |= ECHONL;
  std::fputs(prompt, tty);
  std::fflush(tty);
  tcsetattr(fd, TCSAFLUSH, &quiet);
  std::string line;
  int c;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') line.push_back(char(c));
  tcsetattr(fd, TCSAFLUSH, &old);
  std::fclose(tty);
  return line;
}

struct State {
  std::string storage = "sqlite:./.mcpgate/as.db";
  std::string name;
  bool password_stdin = false;
  std::string user_scope;  // --scope (empty: any scope)
  bool user_scope_given = false;
  bool secret_stdin = false;
  std::string client_name, auth_method = "none", scope, jwks_file, application_type = "native";
  std::vector<std::string> redirect_uris, grants;
  long long retired_grace = 360;
};

std::unique_ptr<Store> open_or_report(const State& s, int& code) {
  auto store = open_store_at(s.storage);  // postgres://: password from PGPASSWORD or ~/.pgpass
  if (!store) {
    std::cerr << "mcpgate: " << store.error().message << "\n";
    code = 1;
    return nullptr;
  }
  return std::move(*store);
}

// The --scope value in stored form, or nullopt (and a message) when a scope is malformed.
std::optional<std::string> user_scope_arg(const std::string& text) {
  bool ok = true;
  auto scope = normalize_user_scope(text, ok);
  if (!ok) {
    std::cerr << "mcpgate: --scope: not a list of scopes (RFC 6749 §3.3 scope tokens, separated by spaces)\n";
    return std::nullopt;
  }
  return scope;
}

int users_add(const State& s) {
  std::string scope;
  if (s.user_scope_given) {
    auto v = user_scope_arg(s.user_scope);
    if (!v) return 2;
    scope = *v;
  }
  int code = 0;
  auto store = open_or_report(s, code);
  if (!store) return code;
  std::string pw;
  if (s.password_stdin) {
    if (!std::getline(std::cin, pw)) {
      std::cerr << "mcpgate: no password on standard input\n";
      return 2;
    }
  } else {
    auto a = read_hidden("Password: ");
    auto b = a ? read_hidden("Repeat password: ") : std::nullopt;
    if (!a || !b) {
      std::cerr << "mcpgate: no terminal to prompt on; use --password-stdin\n";
      return 2;
    }
    if (*a != *b) {
      std::cerr << "mcpgate: the passwords differ\n";
      return 2;
    }
    pw = *a;
  }
  if (pw.size() < 8) {
    std::cerr << "mcpgate: a password needs at least 8 characters\n";
    return 2;
  }
  Secret secret(std::move(pw));
  auto hash = hash_password(secret, system_random());
  if (!hash) {
    std::cerr << "mcpgate: " << hash.error().message << "\n";
    return 1;
  }
  auto existing = store->get_user(s.name);
  Seconds created = existing && *existing ? (*existing)->created_at : unix_now();
  // A password change keeps the user's scopes unless --scope says otherwise.
  if (!s.user_scope_given && existing && *existing) scope = (*existing)->scope;
  if (auto r = store->put_user({s.name, *hash, created, scope}); !r) {
    std::cerr << "mcpgate: " << r.error().message << "\n";
    return 1;
  }
  std::cout << (existing && *existing ? "updated user " : "added user ") << s.name << "\n";
  return 0;
}

int users_scope(const State& s) {
  auto scope = user_scope_arg(s.user_scope);
  if (!scope) return 2;
  int code = 0;
  auto store = open_or_report(s, code);
  if (!store) return code;
  auto existing = store->get_user(s.name);
  if (!existing) {
    std::cerr << "mcpgate: " << existing.error().message << "\n";
    return 1;
  }
  if (!*existing) {
    std::cerr << "mcpgate: no such user " << s.name << "\n";
    return 1;
  }
  auto u = **existing;
  u.scope = *scope;
  if (auto r = store->put_user(u); !r) {
    std::cerr << "mcpgate: " << r.error().message << "\n";
    return 1;
  }
  // Tokens already issued keep their scopes until they expire; refreshed ones follow the new list.
  std::cout << "user " << s.name << " may be granted: " << (scope->empty() ? "any scope" : *scope) << "\n";
  return 0;
}

int clients_add(const State& s) {
  int code = 0;
  auto store = open_or_report(s, code);
  if (!store) return code;
  ClientRecord c;
  c.client_id = s.name;
  c.kind = ClientKind::preregistered;
  c.client_name = s.client_name.empty() ? s.name : s.client_name;
  c.redirect_uris = s.redirect_uris;
  if (!s.grants.empty()) c.grant_types = s.grants;
  c.token_endpoint_auth_method = s.auth_method;
  c.scope = s.scope;
  c.application_type = s.application_type;
  c.created_at = unix_now();
  const auto& m = c.token_endpoint_auth_method;
  if (m != "none" && m != "client_secret_basic" && m != "client_secret_post" && m != "private_key_jwt") {
    std::cerr << "mcpgate: --auth-method must be none, client_secret_basic, client_secret_post or private_key_jwt\n";
    return 2;
  }
  RedirectPolicy policy{true, {}};
  for (auto& u : c.redirect_uris) {
    // Operators may register private-use schemes (native apps); the rest of the rules hold.
    auto scheme = u.substr(0, u.find(':'));
    if (scheme != "http" && scheme != "https") policy.private_schemes.push_back(scheme);
    if (auto r = check_redirect_uri(u, policy); !r) {
      std::cerr << "mcpgate: --redirect-uri " << u << ": " << r.error().description << "\n";
      return 2;
    }
  }
  if (!s.jwks_file.empty()) {
    std::ifstream in(s.jwks_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto set = oauth::parse_jwks(ss.str());
    if (!in || !set || set->keys.empty()) {
      std::cerr << "mcpgate: --jwks-file: not a usable JWK Set\n";
      return 2;
    }
    c.jwks = ss.str();
  }
  if (m == "private_key_jwt" && c.jwks.empty()) {
    std::cerr << "mcpgate: private_key_jwt needs --jwks-file\n";
    return 2;
  }
  bool uses_code = std::find(c.grant_types.begin(), c.grant_types.end(), "authorization_code") != c.grant_types.end();
  if (uses_code && c.redirect_uris.empty()) {
    std::cerr << "mcpgate: the authorization_code grant needs at least one --redirect-uri\n";
    return 2;
  }
  std::string secret;
  bool secret_given = false;
  if (m == "client_secret_basic" || m == "client_secret_post") {
    if (s.secret_stdin) {
      // A client whose secret is already deployed (moved from another authorization server): any
      // text of 16 bytes or more on the first line, taken exactly (spaces and symbols included).
      if (!std::getline(std::cin, secret)) secret.clear();
      if (!secret.empty() && secret.back() == '\r') secret.pop_back();
      if (secret.size() < 16) {
        std::cerr << "mcpgate: --secret-stdin needs a secret of at least 16 characters on the first line\n";
        return 2;
      }
      secret_given = true;
    } else {
      secret = system_random().token(32);
    }
    c.secret_hash = sha256_hex(secret);
  } else if (s.secret_stdin) {
    std::cerr << "mcpgate: --secret-stdin needs --auth-method client_secret_basic or client_secret_post\n";
    return 2;
  }
  if (auto r = store->put_client(c); !r) {
    std::cerr << "mcpgate: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "client_id: " << c.client_id << "\n";
  // Shown once: only its hash is stored.
  if (!secret.empty() && !secret_given)
    std::cout << "client_secret: " << secret << "\n(store it now: it cannot be shown again)\n";
  return 0;
}

int clients_list(const State& s) {
  int code = 0;
  auto store = open_or_report(s, code);
  if (!store) return code;
  auto list = store->list_clients();
  if (!list) {
    std::cerr << "mcpgate: " << list.error().message << "\n";
    return 1;
  }
  for (auto& c : *list) {
    std::cout << c.client_id << "\t" << kind_name(c.kind) << "\t" << c.token_endpoint_auth_method << "\t"
              << c.client_name;
    for (auto& u : c.redirect_uris) std::cout << "\t" << u;
    std::cout << "\n";
  }
  return 0;
}

int keys_command(const State& s, bool rotate) {
  int code = 0;
  auto store = open_or_report(s, code);
  if (!store) return code;
  SigningKeys keys(*store, system_random(), std::chrono::seconds(s.retired_grace));
  auto now = unix_now();
  if (auto r = keys.init(now); !r) {
    std::cerr << "mcpgate: " << r.error().message << "\n";
    return 1;
  }
  if (rotate) {
    if (auto r = keys.rotate(now); !r) {
      std::cerr << "mcpgate: " << r.error().message << "\n";
      return 1;
    }
  }
  for (auto& k : keys.records()) {
    const char* st = k.state == KeyRecord::State::current ? "current"
                     : k.state == KeyRecord::State::next  ? "next"
                                                          : "retired";
    std::cout << k.kid << "\t" << k.alg << "\t" << st << "\tcreated " << k.created_at;
    if (k.state == KeyRecord::State::retired) std::cout << "\tretired " << k.retired_at;
    std::cout << "\n";
  }
  if (rotate) std::cout << "rotated; running servers pick the new key up within their reload interval\n";
  return 0;
}

}  // namespace

void add_admin_commands(CLI::App& app, int& exit_code) {
  auto s = std::make_shared<State>();
  auto storage = [s](CLI::App* c) {
    c->add_option("--storage", s->storage, "Authorization server storage (sqlite:PATH or postgres://…)")
        ->capture_default_str();
  };

  auto* users = app.add_subcommand("users", "Manage the embedded authorization server's local users");
  users->require_subcommand(1);
  auto* ua = users->add_subcommand("add", "Add a user, or set a user's password (prompted, never echoed)");
  ua->add_option("name", s->name, "User name")->required();
  ua->add_flag("--password-stdin", s->password_stdin, "Read the password from the first line of standard input");
  auto* ua_scope = ua->add_option("--scope", s->user_scope,
                                  "Scopes this user may be granted, space-separated (default: any the resource "
                                  "supports; an existing user keeps theirs)");
  storage(ua);
  ua->callback([s, &exit_code, ua_scope] {
    s->user_scope_given = ua_scope->count() > 0;
    exit_code = users_add(*s);
  });
  auto* us =
      users->add_subcommand("scope", "Set the scopes a user may be granted (\"\" for any the resource supports)");
  us->add_option("name", s->name, "User name")->required();
  us->add_option("scope", s->user_scope, "Scopes, space-separated")->required();
  storage(us);
  us->callback([s, &exit_code] { exit_code = users_scope(*s); });
  auto* ul = users->add_subcommand("list", "List users");
  storage(ul);
  ul->callback([s, &exit_code] {
    int code = 0;
    auto store = open_or_report(*s, code);
    if (!store) {
      exit_code = code;
      return;
    }
    auto list = store->list_users();
    if (!list) {
      std::cerr << "mcpgate: " << list.error().message << "\n";
      exit_code = 1;
      return;
    }
    for (auto& u : *list)
      std::cout << u.username << "\tcreated " << u.created_at << "\tscope " << (u.scope.empty() ? "*" : u.scope)
                << "\n";
    exit_code = 0;
  });
  auto* ur = users->add_subcommand("remove", "Remove a user and the consents they gave");
  ur->add_option("name", s->name, "User name")->required();
  storage(ur);
  ur->callback([s, &exit_code] {
    int code = 0;
    auto store = open_or_report(*s, code);
    if (!store) {
      exit_code = code;
      return;
    }
    auto r = store->remove_user(s->name);
    if (!r) {
      std::cerr << "mcpgate: " << r.error().message << "\n";
      exit_code = 1;
      return;
    }
    std::cout << (*r ? "removed user " : "no such user ") << s->name << "\n";
    exit_code = *r ? 0 : 1;
  });

  auto* clients = app.add_subcommand("clients", "Manage pre-registered OAuth clients");
  clients->require_subcommand(1);
  auto* ca = clients->add_subcommand("add", "Register a client (a secret, when the method needs one, is printed once)");
  ca->add_option("client_id", s->name, "Client identifier")->required();
  ca->add_option("--name", s->client_name, "Name shown on the consent page");
  ca->add_option("--redirect-uri", s->redirect_uris, "Redirect URI (repeatable; exact match, loopback any port)");
  ca->add_option("--grant", s->grants,
                 "Grant type (repeatable; default authorization_code and refresh_token): authorization_code, "
                 "refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, "
                 "urn:ietf:params:oauth:grant-type:jwt-bearer");
  ca->add_option("--auth-method", s->auth_method, "none | client_secret_basic | client_secret_post | private_key_jwt")
      ->capture_default_str();
  ca->add_option("--jwks-file", s->jwks_file, "The client's public JWK Set (private_key_jwt)");
  ca->add_flag("--secret-stdin", s->secret_stdin,
               "Read the client secret from the first line of standard input instead of generating one");
  ca->add_option("--scope", s->scope, "Scopes the client may request (space-separated; default: any supported)");
  ca->add_option("--application-type", s->application_type, "native | web")->capture_default_str();
  storage(ca);
  ca->callback([s, &exit_code] { exit_code = clients_add(*s); });
  auto* cl = clients->add_subcommand("list", "List registered clients");
  storage(cl);
  cl->callback([s, &exit_code] { exit_code = clients_list(*s); });
  auto* cr = clients->add_subcommand("remove", "Remove a client");
  cr->add_option("client_id", s->name, "Client identifier")->required();
  storage(cr);
  cr->callback([s, &exit_code] {
    int code = 0;
    auto store = open_or_report(*s, code);
    if (!store) {
      exit_code = code;
      return;
    }
    auto r = store->remove_client(s->name);
    if (!r) {
      std::cerr << "mcpgate: " << r.error().message << "\n";
      exit_code = 1;
      return;
    }
    std::cout << (*r ? "removed client " : "no such client ") << s->name << "\n";
    exit_code = *r ? 0 : 1;
  });

  auto* keys = app.add_subcommand("keys", "Manage the authorization server's signing keys");
  keys->require_subcommand(1);
  auto* kr =
      keys->add_subcommand("rotate", "Promote the next key to current, retire the current one, make a new next key");
  kr->add_option("--retired-grace", s->retired_grace,
                 "Seconds a retired key stays published (at least the access token TTL)")
      ->capture_default_str();
  storage(kr);
  kr->callback([s, &exit_code] { exit_code = keys_command(*s, true); });
  auto* kl = keys->add_subcommand("list", "List signing keys (never the private parts)");
  storage(kl);
  kl->callback([s, &exit_code] { exit_code = keys_command(*s, false); });
}

}  // namespace mcpgate::app
