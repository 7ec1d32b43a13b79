// parse_gateway_config: every error names file:line:col and the key, and nothing unknown is let by.
#include "config/gateway_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "config_error.hpp"

namespace mcpgate::config {
namespace {

constexpr const char* kValid = R"(listen: 127.0.0.1:9090
public_url: https://mcp.example.com/
threads: 2
allowed_origins: [https://app.example.com]
allowed_hosts: [mcp.example.com]
limits:
  max_body_bytes: 65536
  max_header_bytes: 8192
  request_timeout_ms: 5000
  idle_timeout_ms: 30000
  max_connections: 100
  max_sessions: 50
  session_idle_timeout_ms: 60000
servers:
  - name: tools
    path: /mcp
    auth: { anonymous: true }
    upstreams:
      - name: local
        prefix: loc_
        request_timeout_ms: 1000
        stdio:
          command: [server, --stdio]
          env: { A: "1" }
          cwd: /tmp
          mode: shared
      - name: remote
        max_concurrent_requests: 8
        http:
          url: "http://[::1]:8081/mcp?x=1"
          headers: { X-Api: v }
  - name: other
    path: /other
    auth: { anonymous: true }
    upstreams:
      - name: only
        http: { url: "http://127.0.0.1/" }
)";

using test_support::expect_error;

// A minimal valid document with `extra` spliced into the first server and upstream.
std::string server(const std::string& server_extra = "", const std::string& upstream_extra = "") {
  return "servers:\n"
         "  - name: s\n"
         "    path: /mcp\n"
         "    auth: { anonymous: true }\n" +
         server_extra +
         "    upstreams:\n"
         "      - name: u\n"
         "        stdio: { command: [x] }\n" +
         upstream_extra;
}

TEST(GatewayConfig, ParsesEveryField) {
  auto r = parse_gateway_config(kValid, "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  const Gateway& g = *r;
  EXPECT_EQ(g.source, "gw.yaml");
  EXPECT_EQ(g.listen_host, "127.0.0.1");
  EXPECT_EQ(g.listen_port, 9090);
  EXPECT_EQ(g.public_url, "https://mcp.example.com") << "trailing slash dropped";
  EXPECT_EQ(g.threads, 2u);
  EXPECT_EQ(g.allowed_origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_EQ(g.allowed_hosts, std::vector<std::string>{"mcp.example.com"});
  EXPECT_EQ(g.limits.max_body_bytes, 65536u);
  EXPECT_EQ(g.limits.max_header_bytes, 8192u);
  EXPECT_EQ(g.limits.request_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(g.limits.idle_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(g.limits.max_connections, 100u);
  EXPECT_EQ(g.limits.max_sessions, 50u);
  EXPECT_EQ(g.limits.session_idle_timeout, std::chrono::milliseconds(60000));
  ASSERT_EQ(g.servers.size(), 2u);
  const auto& s = g.servers[0];
  EXPECT_EQ(s.name, "tools");
  EXPECT_EQ(s.path, "/mcp");
  EXPECT_TRUE(s.auth.anonymous);
  ASSERT_EQ(s.upstreams.size(), 2u);
  const auto& local = s.upstreams[0];
  EXPECT_EQ(local.prefix, "loc_");
  EXPECT_EQ(local.request_timeout, std::chrono::milliseconds(1000));
  ASSERT_TRUE(local.stdio);
  EXPECT_FALSE(local.http);
  EXPECT_EQ(local.stdio->command, (std::vector<std::string>{"server", "--stdio"}));
  EXPECT_EQ(local.stdio->env.at("A"), "1");
  EXPECT_EQ(local.stdio->cwd, "/tmp");
  EXPECT_EQ(local.stdio->mode, StdioUpstream::Mode::shared);
  const auto& remote = s.upstreams[1];
  EXPECT_EQ(remote.prefix, "remote_") << "several upstreams: the name is the default prefix";
  EXPECT_EQ(remote.max_concurrent_requests, 8u);
  ASSERT_TRUE(remote.http);
  EXPECT_EQ(remote.http->host, "::1");
  EXPECT_EQ(remote.http->port, 8081);
  EXPECT_EQ(remote.http->target, "/mcp?x=1");
  EXPECT_EQ(remote.http->headers.at("X-Api"), "v");
  const auto& only = g.servers[1].upstreams[0];
  EXPECT_EQ(only.prefix, "") << "a lone upstream needs no prefix";
  EXPECT_EQ(only.http->port, 80);
  EXPECT_EQ(only.http->target, "/");
}

TEST(GatewayConfig, DefaultsForAMinimalDocument) {
  auto r = parse_gateway_config(server(), "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->listen_host, "127.0.0.1");
  EXPECT_EQ(r->listen_port, 8080);
  EXPECT_EQ(r->public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(r->servers[0].upstreams[0].stdio->mode, StdioUpstream::Mode::per_session);
  EXPECT_EQ(r->limits.max_body_bytes, Limits{}.max_body_bytes);
}

TEST(GatewayConfig, LogLevelAndFormat) {
  auto d = parse_gateway_config(server(), "gw.yaml");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->log_level, log::Level::info);
  EXPECT_EQ(d->log_format, log::Format::text);
  auto r = parse_gateway_config("log: { level: debug, format: json }\n" + server(), "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->log_level, log::Level::debug);
  EXPECT_EQ(r->log_format, log::Format::json);
  expect_error("log: { level: verbose }\n" + server(), 1, "log.level", "must be error, warn, info or debug");
  expect_error("log: { format: xml }\n" + server(), 1, "log.format", "must be text or json");
  expect_error("log: { levl: debug }\n" + server(), 1, "log.levl", "unknown key");
}

TEST(GatewayConfig, DrainDefaultsAndSettings) {
  auto d = parse_gateway_config(server(), "gw.yaml");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->drain.grace, std::chrono::seconds(20));
  EXPECT_EQ(d->drain.delay, std::chrono::seconds(0));
  EXPECT_EQ(d->drain.retry_hint, std::chrono::milliseconds(1000));
  auto r =
      parse_gateway_config("drain: { grace_seconds: 30, delay_seconds: 5, retry_ms: 250 }\n" + server(), "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->drain.grace, std::chrono::seconds(30));
  EXPECT_EQ(r->drain.delay, std::chrono::seconds(5));
  EXPECT_EQ(r->drain.retry_hint, std::chrono::milliseconds(250));
}

TEST(GatewayConfig, DrainDelayBeyondTheGraceIsRefused) {
  // The delay counts within the grace: a longer one would leave no time for in-flight requests.
  expect_error("drain: { grace_seconds: 5, delay_seconds: 10 }\n" + server(), 1, "drain.delay_seconds");
  expect_error("drain: { grace: 5 }\n" + server(), 1, "drain.grace");
}

TEST(GatewayConfig, Ipv6ListenBuildsBracketedPublicUrl) {
  auto r = parse_gateway_config("listen: \"[::1]:7000\"\n" + server());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->listen_host, "::1");
  EXPECT_EQ(r->public_url, "http://[::1]:7000");
}

TEST(GatewayConfig, LoadsFromFileAndNamesIt) {
  auto path = testing::TempDir() + "/mcpgate_config_test.yaml";
  { std::ofstream(path) << kValid; }
  auto r = load_gateway_config(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->source, path);
  { std::ofstream(path) << server() << "bogus: 1\n"; }
  r = load_gateway_config(path);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with(path + ":8:1: bogus: unknown key")) << r.error().message;
  auto missing = load_gateway_config(testing::TempDir() + "/does-not-exist.yaml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
}

TEST(GatewayConfig, UnknownKeysAreRejectedEverywhere) {
  expect_error("listn: 127.0.0.1:1\n" + server(), 1, "listn", "unknown key");
  expect_error("limits: { max_body: 1 }\n" + server(), 1, "limits.max_body", "unknown key");
  expect_error(server("    color: blue\n"), 5, "servers[0].color", "unknown key");
  expect_error(server("", "        retries: 3\n"), 8, "servers[0].upstreams[0].retries", "unknown key");
  expect_error(
      server("", "").replace(server().find("stdio: { command: [x] }"), 23, "stdio: { command: [x], shell: true }"), 7,
      "servers[0].upstreams[0].stdio.shell");
}

TEST(GatewayConfig, MisspeltAnonymousDoesNotFallBackToADefault) {
  std::string yaml = server();
  yaml.replace(yaml.find("anonymous"), 9, "anonymus");
  expect_error(yaml, 4, "servers[0].auth.anonymus", "unknown key");
}

TEST(GatewayConfig, AuthIsRequiredAndMustBeExplicit) {
  std::string yaml = server();
  yaml.erase(yaml.find("    auth:"), std::string("    auth: { anonymous: true }\n").size());
  expect_error(yaml, 2, "servers[0].auth", "is required");
  std::string off = server();
  off.replace(off.find("anonymous: true"), 15, "anonymous: false");
  expect_error(off, 4, "servers[0].auth");
  std::string empty = server();
  empty.replace(empty.find("{ anonymous: true }"), 19, "{}");
  expect_error(empty, 4, "servers[0].auth");
  std::string notbool = server();
  notbool.replace(notbool.find("true"), 4, "maybe");
  expect_error(notbool, 4, "servers[0].auth.anonymous", "true or false");
}

TEST(GatewayConfig, PathRules) {
  auto with_path = [](const std::string& p) {
    std::string y = server();
    y.replace(y.find("/mcp"), 4, p);
    return y;
  };
  expect_error(with_path("mcp"), 3, "servers[0].path", "must start with /");
  expect_error(with_path("/mcp/"), 3, "servers[0].path", "must not end with /");
  expect_error(with_path("/.well-known/oauth"), 3, "servers[0].path", "reserved");
  EXPECT_TRUE(parse_gateway_config(with_path("/")));
}

TEST(GatewayConfig, DuplicatePathsAndNames) {
  std::string two = server() +
                    "  - name: t\n"
                    "    path: /mcp\n"
                    "    auth: { anonymous: true }\n"
                    "    upstreams: [{ name: u, stdio: { command: [x] } }]\n";
  expect_error(two, 8, "servers[1].path", "duplicate path");
  std::string names = server() +
                      "  - name: s\n"
                      "    path: /two\n"
                      "    auth: { anonymous: true }\n"
                      "    upstreams: [{ name: u, stdio: { command: [x] } }]\n";
  expect_error(names, 8, "servers[1].name", "duplicate name");
  expect_error(server("", "      - name: u\n        stdio: { command: [y] }\n"), 8, "servers[0].upstreams[1].name",
               "duplicate upstream name");
}

TEST(GatewayConfig, OverlappingPrefixesAreRejected) {
  // Tool "a_b_x" could route to either upstream.
  std::string y =
      server("", "        prefix: a_\n      - name: v\n        prefix: a_b_\n        stdio: { command: [y] }\n");
  expect_error(y, 9, "servers[0].upstreams[1].prefix", "overlaps");
  std::string same =
      server("", "        prefix: p_\n      - name: v\n        prefix: p_\n        stdio: { command: [y] }\n");
  expect_error(same, 9, "servers[0].upstreams[1].prefix", "overlaps");
  // A default prefix ("v_") can collide with an explicit one too.
  std::string dflt = server("", "        prefix: v_x\n      - name: v\n        stdio: { command: [y] }\n");
  expect_error(dflt, 9, "servers[0].upstreams[1].prefix", "overlaps");
  std::string ok =
      server("", "        prefix: a_\n      - name: v\n        prefix: b_\n        stdio: { command: [y] }\n");
  EXPECT_TRUE(parse_gateway_config(ok));
}

TEST(GatewayConfig, UpstreamShape) {
  std::string both = server();
  both.replace(both.find("        stdio:"), 0, "        http: { url: \"http://h/\" }\n");
  expect_error(both, 6, "servers[0].upstreams[0]", "not both");
  std::string neither = server();
  neither.replace(neither.find("        stdio: { command: [x] }\n"), 32, "        prefix: p\n");
  expect_error(neither, 6, "servers[0].upstreams[0]", "needs stdio or http");
  std::string empty_cmd = server();
  empty_cmd.replace(empty_cmd.find("[x]"), 3, "[]");
  expect_error(empty_cmd, 7, "servers[0].upstreams[0].stdio.command", "must not be empty");
  std::string mode = server();
  mode.replace(mode.find("[x] }"), 5, "[x], mode: forked }");
  expect_error(mode, 7, "servers[0].upstreams[0].stdio.mode");
  std::string no_name = server();
  no_name.replace(no_name.find("- name: u\n        "), 18, "- ");
  expect_error(no_name, 6, "servers[0].upstreams[0].name", "is required");
  std::string no_upstreams =
      "servers:\n  - name: s\n    path: /mcp\n    auth: { anonymous: true }\n    upstreams: []\n";
  expect_error(no_upstreams, 2, "servers[0].upstreams", "at least one");
}

TEST(GatewayConfig, HttpUpstreamUrl) {
  auto with_url = [](const std::string& url) {
    std::string y = server();
    y.replace(y.find("stdio: { command: [x] }"), 23, "http: { url: \"" + url + "\" }");
    return y;
  };
  expect_error(with_url("ftp://h/mcp"), 7, "servers[0].upstreams[0].http.url", "http:// or https://");
  expect_error(with_url("not a url"), 7, "servers[0].upstreams[0].http.url", "absolute URL");
  auto tls = parse_gateway_config(with_url("https://mcp.example.com/mcp"));
  ASSERT_TRUE(tls) << tls.error().message;
  EXPECT_TRUE(tls->servers[0].upstreams[0].http->https);
  EXPECT_EQ(tls->servers[0].upstreams[0].http->port, 443) << "the https default port";
  expect_error(with_url("/relative"), 7, "servers[0].upstreams[0].http.url");
  auto ok = parse_gateway_config(with_url("http://example.com:9000"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->servers[0].upstreams[0].http->port, 9000);
  EXPECT_EQ(ok->servers[0].upstreams[0].http->target, "/");
}

TEST(GatewayConfig, TlsSettingsNameTheirKey) {
  auto with_http = [](const std::string& http) {
    std::string y = server();
    y.replace(y.find("stdio: { command: [x] }"), 23, "http: " + http);
    return y;
  };
  // A CA file that cannot be read is a configuration error, not a failure at the first request.
  expect_error(with_http("{ url: \"https://h/\", tls: { ca_file: /nonexistent/ca.pem } }"), 7,
               "servers[0].upstreams[0].http.tls.ca_file", "not a regular file");
  expect_error(with_http("{ url: \"https://h/\", tls: { ca_file: /dev/zero } }"), 7,
               "servers[0].upstreams[0].http.tls.ca_file", "not a regular file");
  expect_error(with_http("{ url: \"http://h/\", tls: { server_name: h } }"), 7, "servers[0].upstreams[0].http.tls",
               "needs an https:// url");
  expect_error(with_http("{ url: \"https://h/\", tls: { client_cert_file: /etc/hostname } }"), 7,
               "servers[0].upstreams[0].http.tls", "go together");
  expect_error(with_http("{ url: \"https://h/\", tls: { verify: false } }"), 7,
               "servers[0].upstreams[0].http.tls.verify", "unknown key");
  expect_error("tls: { cert_file: /nonexistent.pem, key_file: /nonexistent.key }\n" + server(), 1, "tls.cert_file",
               "not a regular file");
  expect_error("tls: { cert_file: /etc/hostname, key_file: /etc/hostname }\n" + server(), 1, "tls",
               "certificate file /etc/hostname");
  expect_error("tls: { cert_file: /etc/hostname }\n" + server(), 1, "tls.key_file", "is required");
  auto named = parse_gateway_config(with_http("{ url: \"https://10.0.0.5/mcp\", tls: { server_name: mcp.internal } }"));
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->servers[0].upstreams[0].http->tls.server_name, "mcp.internal");
}

TEST(GatewayConfig, NumbersAreWholeAndInRange) {
  expect_error("threads: 300\n" + server(), 1, "threads", "between 0 and 256");
  expect_error("threads: -1\n" + server(), 1, "threads", "whole number");
  expect_error("threads: 1.5\n" + server(), 1, "threads", "whole number");
  expect_error("threads: 0x10\n" + server(), 1, "threads", "whole number");
  expect_error("threads: [1]\n" + server(), 1, "threads", "must be a number");
  expect_error("limits:\n  max_body_bytes: 10\n" + server(), 2, "limits.max_body_bytes", "between");
  expect_error("limits:\n  max_sessions: 0\n" + server(), 2, "limits.max_sessions", "between");
  expect_error("limits:\n  request_timeout_ms: 99999999999999999999999\n" + server(), 2, "limits.request_timeout_ms");
  expect_error(server("", "        request_timeout_ms: 5\n"), 8, "servers[0].upstreams[0].request_timeout_ms",
               "between");
}

TEST(GatewayConfig, TypesOfTopLevelKeys) {
  expect_error("allowed_origins: https://a\n" + server(), 1, "allowed_origins", "list of strings");
  expect_error("allowed_hosts: [[a]]\n" + server(), 1, "allowed_hosts[0]", "must be a string");
  expect_error("public_url: ftp://x\n" + server(), 1, "public_url", "http(s)");
  expect_error("limits: 5\n" + server(), 1, "limits", "mapping");
  expect_error("listen: nohost\n" + server(), 1, "listen");
  expect_error("listen: 127.0.0.1:99999\n" + server(), 1, "listen", "bad port");
}

TEST(GatewayConfig, ServersAreRequired) {
  expect_error("listen: 127.0.0.1:1\n", 1, "servers", "at least one server");
  expect_error("servers: []\n", 1, "servers", "at least one server");
}

TEST(GatewayConfig, NotAMapping) {
  auto r = parse_gateway_config("- just\n- a list\n", "gw.yaml");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("gw.yaml:")) << r.error().message;
  EXPECT_NE(r.error().message.find("must be a mapping"), std::string::npos) << r.error().message;
}

TEST(GatewayConfig, YamlSyntaxErrorsNameFileAndLine) {
  auto r = parse_gateway_config("servers:\n  - name: [unclosed\n", "gw.yaml");
  ASSERT_FALSE(r);
  EXPECT_TRUE(std::regex_search(r.error().message, std::regex(R"(^gw\.yaml:\d+:\d+: )"))) << r.error().message;
}

TEST(GatewayConfig, DuplicateKeysAreRejected) {
  // With a duplicate, which value wins is up to the YAML library; a security setting must not
  // depend on that (`anonymous: false` then `anonymous: true`).
  expect_error("listen: 127.0.0.1:1\nlisten: 0.0.0.0:2\n" + server(), 2, "listen", "duplicate key");
  std::string y = server();
  y.replace(y.find("path: /mcp\n"), 11, "path: /mcp\n    path: /other\n");
  expect_error(y, 4, "servers[0].path", "duplicate key");
}

TEST(GatewayConfig, AuthorizationServerBlockingPoolKeys) {
  auto r = parse_gateway_config(
      "authorization_server:\n  blocking_threads: 4\n  max_pending_requests: 16\n  blocking_nice: 0\n"
      "  max_concurrent_hashes: 1\n" +
      server());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization_server.blocking_threads, 4u);
  EXPECT_EQ(r->authorization_server.max_pending_requests, 16u);
  EXPECT_EQ(r->authorization_server.blocking_nice, 0);
  EXPECT_EQ(r->authorization_server.max_concurrent_hashes, 1u);
  auto d = parse_gateway_config("authorization_server: {}\n" + server());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->authorization_server.blocking_threads, 32u);
  EXPECT_EQ(d->authorization_server.max_pending_requests, 256u);
  EXPECT_EQ(d->authorization_server.blocking_nice, 10);
  expect_error("authorization_server:\n  blocking_threads: 0\n" + server(), 2, "authorization_server.blocking_threads");
  expect_error("authorization_server:\n  max_pending_requests: 0\n" + server(), 2,
               "authorization_server.max_pending_requests");
  expect_error("authorization_server:\n  blocking_nice: 20\n" + server(), 2, "authorization_server.blocking_nice");
}

// storage: a postgres:// (or postgresql://) URL with its pool options; the password never in the
// URL (it would be printed wherever the configuration is), but from a variable or a file.
TEST(GatewayConfig, AuthorizationServerPostgresStorage) {
  ::setenv("MCPGATE_TEST_DB_PASSWORD", "pw-from-env", 1);
  auto r = parse_gateway_config(
      "authorization_server:\n  storage: postgresql://mcpgate@db:5432/as\n  storage_pool_size: 3\n"
      "  storage_connect_timeout_seconds: 2\n  storage_statement_timeout_ms: 750\n"
      "  storage_password_env: MCPGATE_TEST_DB_PASSWORD\n" +
      server());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization_server.storage, "postgresql://mcpgate@db:5432/as");
  EXPECT_EQ(r->authorization_server.storage_pool_size, 3u);
  EXPECT_EQ(r->authorization_server.storage_connect_timeout_seconds, 2);
  EXPECT_EQ(r->authorization_server.storage_statement_timeout_ms, 750);
  EXPECT_EQ(r->authorization_server.storage_password, "pw-from-env");
  EXPECT_TRUE(parse_gateway_config("authorization_server:\n  storage: postgres://h/db\n" + server()));
  expect_error("authorization_server:\n  storage: postgres://u:secret@h/db\n" + server(), 2,
               "authorization_server.storage", "must not hold a password");
  expect_error("authorization_server:\n  storage: postgres://h/db?password=secret\n" + server(), 2,
               "authorization_server.storage", "must not hold a password");
  expect_error("authorization_server:\n  storage: mysql://h/db\n" + server(), 2, "authorization_server.storage");
  expect_error("authorization_server:\n  storage_pool_size: 0\n" + server(), 2,
               "authorization_server.storage_pool_size");
}

// revocation_reload_seconds bounds how long a token revoked at another replica stays accepted
// here; 0 would reload on every maintenance beat, so it is at least 1.
TEST(GatewayConfig, AuthorizationServerRevocationReload) {
  auto d = parse_gateway_config("authorization_server: {}\n" + server());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->authorization_server.revocation_reload, std::chrono::seconds(5));
  auto r = parse_gateway_config("authorization_server:\n  revocation_reload_seconds: 2\n" + server());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization_server.revocation_reload, std::chrono::seconds(2));
  expect_error("authorization_server:\n  revocation_reload_seconds: 0\n" + server(), 2,
               "authorization_server.revocation_reload_seconds");
}

TEST(ParseListen, Forms) {
  auto v4 = parse_listen("0.0.0.0:80");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->first, "0.0.0.0");
  EXPECT_EQ(v4->second, 80);
  auto v6 = parse_listen("[::]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "::");
  EXPECT_EQ(v6->second, 0);
  auto name = parse_listen("localhost:65535");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->second, 65535);
  for (std::string bad :
       {"", "80", ":80", "host:", "host:65536", "host:-1", "host:8o", "[::1:80", "host:80 ", "host:+80"})
    EXPECT_FALSE(parse_listen(bad)) << bad;
}

// A rule may name methods alone (methods outside the specification's table, which fail closed
// otherwise); naming a method of the table that way would silently match nothing.
TEST(GatewayConfig, RulesNamingOnlyMethods) {
  auto rules = [](const std::string& rule) { return server("    policy:\n      rules:\n        - " + rule + "\n"); };
  auto ok = parse_gateway_config(rules("{ id: x, methods: [x/custom, notifications/x-custom] }"), "gw.yaml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->servers[0].policy->rules[0].methods.size(), 2u);
  expect_error(rules("{ id: x, methods: [tools/call] }"), 7, "servers[0].policy.rules[0].methods",
               "method of the specification");
  expect_error(rules("{ id: x, methods: [notifications/initialized] }"), 7, "servers[0].policy.rules[0].methods",
               "method of the specification");
  expect_error(rules("{ id: x, scopes: [a] }"), 7, "servers[0].policy.rules[0]", "or methods to match");
}

}  // namespace
}  // namespace mcpgate::config

namespace mcpgate::config {
namespace {

// authorization_server.upstream_idp: federation at an OpenID Connect provider; strict keys, the
// secret from a variable or a file, never inline.
TEST(GatewayConfig, UpstreamIdp) {
  ::setenv("MCPGATE_TEST_IDP_SECRET", "idp-secret", 1);
  auto r = parse_gateway_config(
      "authorization_server:\n"
      "  upstream_idp:\n"
      "    issuer: https://login.example.com/tenant\n"
      "    client_id: mcpgate\n"
      "    client_secret_env: MCPGATE_TEST_IDP_SECRET\n"
      "    claims: [groups]\n"
      "    user_claim: oid\n" +
      server());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->authorization_server.upstream_idps.size(), 1u);
  auto& i = r->authorization_server.upstream_idps[0];
  EXPECT_EQ(i.issuer, "https://login.example.com/tenant");
  EXPECT_EQ(i.client_secret, "idp-secret");
  EXPECT_EQ(i.claims, std::vector<std::string>{"groups"});
  EXPECT_EQ(i.user_claim, "oid");
  EXPECT_FALSE(i.send_resource);
  EXPECT_EQ(i.scopes, (std::vector<std::string>{"openid", "email", "profile"}));

  auto many = parse_gateway_config(
      "authorization_server:\n  upstream_idps:\n"
      "    - { name: A, issuer: https://a.example, client_id: x }\n"
      "    - { name: B, issuer: http://127.0.0.1:9000, client_id: y }\n" +
      server());
  ASSERT_TRUE(many) << many.error().message;
  EXPECT_EQ(many->authorization_server.upstream_idps.size(), 2u);

  expect_error(
      "authorization_server:\n  upstream_idp:\n    issuer: https://a.example\n    client_id: x\n"
      "    client_secret: inline\n" +
          server(),
      5, "authorization_server.upstream_idp.client_secret", "unknown key");
  expect_error("authorization_server:\n  upstream_idp:\n    issuer: http://idp.example\n    client_id: x\n" + server(),
               3, "authorization_server.upstream_idp.issuer", "loopback");
  expect_error(
      "authorization_server:\n  upstream_idp:\n    issuer: https://a.example\n    client_id: x\n"
      "    scopes: [email]\n" +
          server(),
      5, "authorization_server.upstream_idp.scopes", "openid");
  expect_error(
      "authorization_server:\n  upstream_idp:\n    issuer: https://a.example\n    client_id: x\n"
      "    algorithms: [HS256]\n" +
          server(),
      5, "authorization_server.upstream_idp.algorithms");
  expect_error("authorization_server:\n  upstream_idp:\n    issuer: https://a.example\n" + server(), 3,
               "authorization_server.upstream_idp.client_id", "required");
}

}  // namespace
}  // namespace mcpgate::config

namespace mcpgate::config {
namespace {

// recheck_on_refresh keeps the provider's refresh token sealed under token_encryption_key: the key
// is required with it, and must be exactly 32 bytes of base64 (no short key padded out).
TEST(GatewayConfig, UpstreamIdpRecheckNeedsA32ByteKey) {
  const std::string idp =
      "  upstream_idp:\n    issuer: https://a.example\n    client_id: x\n    recheck_on_refresh: true\n";
  ::setenv("MCPGATE_TEST_TOKEN_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 1);  // 32 bytes
  auto r = parse_gateway_config("authorization_server:\n  token_encryption_key_env: MCPGATE_TEST_TOKEN_KEY\n" + idp +
                                "    recheck_interval_seconds: 300\n" + server());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->authorization_server.token_encryption_key, "0123456789abcdef0123456789abcdef");
  auto& i = r->authorization_server.upstream_idps[0];
  EXPECT_TRUE(i.recheck_on_refresh);
  EXPECT_EQ(i.recheck_interval.count(), 300);

  expect_error("authorization_server:\n" + idp + server(), 2, "authorization_server", "token_encryption_key");
  ::setenv("MCPGATE_TEST_SHORT_KEY", "MDEyMzQ1Njc4OWFiY2RlZg==", 1);  // 16 bytes
  expect_error("authorization_server:\n  token_encryption_key_env: MCPGATE_TEST_SHORT_KEY\n" + idp + server(), 2,
               "authorization_server.token_encryption_key_env", "32 random bytes");
  expect_error(
      "authorization_server:\n  upstream_idp:\n    issuer: https://a.example\n    client_id: x\n"
      "    recheck_interval_seconds: 60\n" +
          server(),
      5, "authorization_server.upstream_idp.recheck_interval_seconds", "recheck_on_refresh");
}

}  // namespace
}  // namespace mcpgate::config
