#pragma once
// mcpgate::McpServer — write an MCP server in C++ and serve it over stdio or Streamable HTTP.
//
// One server speaks both protocol eras and chooses per request:
//  - legacy (2024-11-05 … 2025-11-25): `initialize`, sessions, server→client requests that the
//    handler awaits (RequestContext::request);
//  - modern (2026-07-28): stateless, `_meta` on every request, `server/discover`, and
//    input-required results (MRTR) instead of server→client requests.
// A handler may be written once in the MRTR style (return InputRequired, read input_responses()):
// in the legacy era the library sends those requests to the client itself and calls the handler
// again with the answers.
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpgate {
namespace json = boost::json;

template <class T = void>
using Task = boost::asio::awaitable<T>;

enum class ProtocolEra { legacy, modern };

// RFC 5424 severities, as `logging/setLevel` and `notifications/message` name them.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::string_view to_string(LogLevel level);
std::optional<LogLevel> parse_log_level(std::string_view text);

// JSON-RPC error codes a handler answers with (RpcError::code), by name. The first five are
// JSON-RPC 2.0 §5.1's; the library itself sends the same values (parse errors, unknown methods,
// bad params) so a handler's error and the library's read alike to the client.
namespace error_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;  // also "resource not found", with data.uri
inline constexpr int internal_error = -32603;
// Not a JSON-RPC 2.0 code: the one LSP defines for a request its client cancelled, which MCP
// clients built on LSP-style libraries recognize. The library never sends it itself; a handler
// may answer with it.
inline constexpr int request_cancelled = -32800;
}  // namespace error_code

// A JSON-RPC error answer.
struct RpcError {
  int code = error_code::internal_error;
  std::string message;
  std::optional<json::value> data;
};

// 2026-07-28 input-required result. `input_requests` maps a key the handler chooses to
// {"method": "elicitation/create" | "sampling/createMessage" | "roots/list", "params": {...}}.
// `state` is opaque to the client: the library seals it (HMAC, bound to the method, the tool or
// prompt name and an expiry) into `requestState`, and hands it back verified as
// RequestContext::state() on the retry. A tampered or expired state never reaches the handler.
struct InputRequired {
  json::object input_requests;
  std::optional<json::value> state;
};

// What a handler answers: a complete result (the method's result object), an input-required
// result, or a JSON-RPC error.
using Reply = std::variant<json::object, InputRequired, RpcError>;

// Builders for common replies and input requests.
json::object text_content(std::string_view text);
json::object tool_text_result(std::string_view text, bool is_error = false);
json::object elicitation_input(std::string_view message, json::object requested_schema);
json::object sampling_input(std::string_view user_text, std::int64_t max_tokens);
json::object roots_input();
RpcError missing_capability_error(json::object required_capabilities);

class RequestContext {
 public:
  virtual ~RequestContext() = default;

  virtual ProtocolEra era() const = 0;
  virtual std::string_view protocol_version() const = 0;
  virtual const json::object& client_capabilities() const = 0;
  // True when the client declared the top-level capability (e.g. "sampling", "elicitation").
  bool client_supports(std::string_view capability) const;
  // The request's `params._meta` (empty object when absent).
  virtual const json::object& meta() const = 0;

  // MRTR: the client's answers on a retry (null when none), and the verified state.
  virtual const json::object* input_responses() const = 0;
  virtual const json::value* state() const = 0;

  // Notifications related to this request. Both are no-ops when they would not be delivered:
  // log() below the session's level (legacy) or without `_meta[...logLevel]` (modern);
  // progress() without `_meta.progressToken`. They return false when the client is gone.
  virtual bool should_log(LogLevel level) const = 0;
  virtual Task<bool> log(LogLevel level, json::value data, std::string_view logger = {}) = 0;
  virtual Task<bool> progress(double progress, std::optional<double> total = std::nullopt,
                              std::string_view message = {}) = 0;

  // Legacy era: sends a server→client request (sampling/createMessage, elicitation/create,
  // roots/list) and awaits the client's result. In the modern era this fails with
  // error_code::method_not_found (-32601): return
  // InputRequired instead.
  virtual Task<std::expected<json::value, RpcError>> request(std::string_view method, json::object params) = 0;

  // Suspends this handler only (other requests keep being served). In a task, a tasks/cancel
  // ends the wait early.
  virtual Task<void> sleep(std::chrono::milliseconds duration) = 0;

  // True once the client cancelled the task this handler runs in (never outside a task): a
  // long handler should stop, since its result is discarded.
  virtual bool cancelled() const { return false; }
};

using ToolHandler = std::function<Task<Reply>(const json::object& arguments, RequestContext& ctx)>;
using SyncToolHandler = std::function<Reply(const json::object& arguments, RequestContext& ctx)>;

struct ToolAnnotations {
  std::optional<std::string> title;
  std::optional<bool> read_only_hint;
  std::optional<bool> destructive_hint;
  std::optional<bool> idempotent_hint;
  std::optional<bool> open_world_hint;
};

// Whether a tool runs as a task (extension `io.modelcontextprotocol/tasks`, 2026-07-28). The
// server decides: a tools/call whose request declares the extension in its client capabilities
// gets a CreateTaskResult for an `optional` or `required` tool, and the handler runs in the
// background; the client polls tasks/get, answers input through tasks/update and may
// tasks/cancel. Without the extension an `optional` tool runs inline and a `required` one fails
// with -32021. Legacy-era clients never get tasks.
enum class TaskSupport { forbidden, optional, required };

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  json::object input_schema{{"type", "object"}};
  std::optional<json::object> output_schema;
  ToolAnnotations annotations;
  // Scopes a gateway should require to call this tool; published in tools/list under
  // `_meta["io.mcpgate/requiredScopes"]`. Metadata only: this library does no authorization.
  std::vector<std::string> required_scopes;
  // Client capabilities the tool needs (e.g. {"sampling":{}}). A modern-era call from a client
  // that did not declare them fails with -32021 before the handler runs.
  json::object required_client_capabilities;
  ToolHandler handler;
  TaskSupport task_support = TaskSupport::forbidden;
  // Task-supporting tools only, optional: runs inline before the task is created, for the input
  // rounds that must finish first. Its InputRequired goes back to the client as usual; a complete
  // result (its content is ignored) creates the task, whose handler then sees this last round's
  // input_responses() and state().
  ToolHandler before_task;
};

// For a handler that neither awaits nor sends anything: it runs inline.
ToolHandler sync_handler(SyncToolHandler fn);

struct ResourceRead {
  std::string uri;
  // Template variables, when the resource was matched through a template.
  std::map<std::string, std::string> variables;
};
// Returns {"contents":[...]}, or an error (error_code::invalid_params, -32602, with data.uri for
// "not found").
using ResourceHandler = std::function<Task<Reply>(const ResourceRead& read, RequestContext& ctx)>;

struct Resource {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceHandler handler;
};

// RFC 6570 level 1: `{name}` expands to one or more characters other than '/'.
struct ResourceTemplate {
  std::string uri_template;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceHandler handler;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

// Returns {"messages":[...]} (optionally "description").
using PromptHandler = std::function<Task<Reply>(const json::object& arguments, RequestContext& ctx)>;

struct Prompt {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  PromptHandler handler;
};

struct CompletionRequest {
  std::string ref_type;  // "ref/prompt" or "ref/resource"
  std::string ref;       // the prompt name or the resource template
  std::string argument;
  std::string value;
  json::object context_arguments;
};
struct Completion {
  std::vector<std::string> values;  // at most 100 are sent
  std::optional<std::int64_t> total;
  bool has_more = false;
};
using CompletionHandler = std::function<Task<Completion>(const CompletionRequest& request, RequestContext& ctx)>;

struct CachePolicy {
  std::int64_t ttl_ms = 0;
  bool shared = false;  // cacheScope "public" when true, "private" otherwise
};

struct ServerInfo {
  std::string name;
  std::string version;
  std::string title;
  std::string instructions;
};

struct ServerOptions {
  // 2026-07-28 cache hints for list results, resources/read and server/discover.
  CachePolicy cache;
  // How long a legacy handler waits for the client's answer to a server→client request.
  std::chrono::milliseconds client_request_timeout{60'000};
  // How long a sealed requestState stays valid.
  std::chrono::seconds request_state_ttl{600};
  // Rounds of legacy MRTR bridging before the library gives up on a handler.
  int max_input_rounds = 8;
  // Tasks: how many the server keeps at most (finished ones are evicted oldest first; when all
  // are still running a new task is refused), how long each stays readable after its creation
  // (`ttlMs`; a task still running then is cancelled), and the poll interval suggested to clients.
  std::size_t max_tasks = 1000;
  std::chrono::milliseconds task_ttl{3'600'000};
  std::chrono::milliseconds task_poll_interval{1'000};
};

class McpServer {
 public:
  explicit McpServer(ServerInfo info, ServerOptions options = {});
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Registration may happen at any time, from any thread; list_changed notifications go to the
  // legacy sessions that can receive them. Adding a name that exists replaces it.
  void add_tool(Tool tool);
  bool remove_tool(std::string_view name);
  void add_resource(Resource resource);
  bool remove_resource(std::string_view uri);
  void add_resource_template(ResourceTemplate tmpl);
  void add_prompt(Prompt prompt);
  bool remove_prompt(std::string_view name);
  void set_completion_handler(CompletionHandler handler);

  // Sends notifications/resources/updated to the legacy sessions subscribed to `uri`.
  void notify_resource_updated(std::string_view uri);

  const ServerInfo& info() const;
  const ServerOptions& options() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Serves newline-delimited JSON-RPC on two file descriptors until `in_fd` reaches end of file,
// then lets in-flight requests finish (server→client requests fail at once; the server's unfinished
// tasks are cancelled and it starts no new ones until serve_stdio is called again) and returns 0.
// Requests run concurrently: a slow tool does not hold up `ping`. Pipes and sockets are served on
// the calling thread alone (made non-blocking while it runs, their flags restored before it
// returns), and the messages ready at one time leave in one write; regular files and terminals are
// read by a thread of their own. Lines over 4 MiB are refused with a parse error.
int serve_stdio(McpServer& server, int in_fd = 0, int out_fd = 1);

struct HttpOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/mcp";
  unsigned threads = 1;
  // Extra Host header names (port ignored) accepted besides loopback ones; loopback binds reject
  // all others (DNS rebinding). Non-loopback binds accept any Host unless this list is non-empty.
  // The check is the gateway's (net::OriginGuard): Host and Origin are parsed, not compared as text.
  std::vector<std::string> allowed_hosts;
  // Origins (scheme://host[:port]) accepted besides loopback ones on loopback binds; `null` never
  // is. Non-loopback binds accept any Origin unless this list is non-empty.
  std::vector<std::string> allowed_origins;
  std::size_t max_sessions = 10'000;
  std::chrono::seconds sse_keepalive{15};
  // Serve https with this PEM certificate chain and key (both, or neither); the files are read
  // again when they change, for new connections.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Called once for every request the front door refuses, with the refusal's stable name
  // ("parse_error", "header_mismatch", "forbidden_host_or_origin", … : mcp::front::reason_name),
  // before the answer is sent; on the serving thread, so it must be quick and must not block (a
  // counter). Never given anything from the request itself.
  std::function<void(std::string_view reason)> on_refusal;
};

// Streamable HTTP (both eras on one path).
class HttpTransport {
 public:
  HttpTransport(McpServer& server, HttpOptions options);
  ~HttpTransport();
  void start();  // throws on bind failure
  std::uint16_t port() const;
  void stop();
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgate
