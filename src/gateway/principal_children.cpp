#include "gateway/principal_children.hpp"

#include <algorithm>

#include "gateway/limit_refusal.hpp"
#include "mcp/jsonrpc.hpp"

namespace mcpgate::gateway {
namespace asio = net::asio;
using steady = std::chrono::steady_clock;

namespace {

struct StdioChild final : ChildHandle {
  explicit StdioChild(std::shared_ptr<StdioUpstream> u) : upstream(std::move(u)) {}
  std::size_t in_flight() const override { return upstream->in_flight(); }
  std::shared_ptr<StdioUpstream> upstream;
};

std::shared_ptr<StdioUpstream> upstream_of(const ChildTable::Handle& h) {
  return h ? std::static_pointer_cast<StdioChild>(h)->upstream : nullptr;
}

constexpr std::size_t kMaxHandshakes = 10'000;

// Who a stateless client is when it never sent initialize (2026-07-28): the gateway introduces
// it to a legacy child as it does to a shared upstream session.
json::object default_handshake() {
  json::object init;
  init["protocolVersion"] = mcp::kRev20251125;
  init["capabilities"] = json::object();
  init["clientInfo"] = json::object{{"name", "mcpgate"}, {"version", "0.1.0"}};
  return init;
}

std::string method_of(const json::object& request) {
  auto* m = request.if_contains("method");
  return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

// An UpstreamSession that is one principal's children: each request goes to its current child.
class PrincipalRoute final : public UpstreamSession {
 public:
  PrincipalRoute(std::shared_ptr<PrincipalChildren> owner, std::string principal, std::string tag)
      : owner_(std::move(owner)), principal_(std::move(principal)), tag_(std::move(tag)) {}

  net::awaitable<Result<void>> begin(json::object request, std::shared_ptr<Inbox> inbox, Deadline deadline) override {
    bool initialize = method_of(request) == "initialize";
    if (initialize)
      if (auto* p = request.if_contains("params"); p && p->is_object())
        owner_->remember_handshake(principal_, p->get_object());
    auto child = co_await owner_->acquire(principal_, inbox->subject.get(), initialize);
    if (!child) {
      // Nothing reached any child: the client's error says why (the endpoint answers 503 for a
      // full table and 502 for a missing credential).
      auto error = std::move(child.error().error);
      error["id"] = request["id"];
      inbox->push_failure(std::move(error), child.error().failure);
      co_return Result<void>{};
    }
    {
      std::lock_guard lock(mutex_);
      if (listener_ && listening_.lock() != *child) {
        (*child)->set_listener(listener_);
        listening_ = *child;
      }
    }
    co_return co_await (*child)->begin(std::move(request), std::move(inbox), deadline);
  }

  net::awaitable<Result<void>> deliver(json::object message, Deadline deadline) override {
    auto children = owner_->children_of(principal_);
    if (children.empty()) co_return Result<void>{};  // nothing running to tell
    if (message.contains("id") && !message.contains("method")) {
      // An answer to a server request: the child that asked may have been replaced since.
      Result<void> last = fail("unknown server request id");
      for (auto& c : children) {
        last = co_await c->deliver(message, deadline);
        if (last) break;
      }
      co_return last;
    }
    co_return co_await children.front()->deliver(std::move(message), deadline);
  }

  void set_listener(std::shared_ptr<Inbox> listener) override {
    auto children = owner_->children_of(principal_);
    std::lock_guard lock(mutex_);
    listener_ = listener;
    if (!children.empty()) {
      // Null (nobody listens): the child forgets it, and the next stream is given to whichever
      // child is the front one then.
      listening_ = listener ? children.front() : std::weak_ptr<StdioUpstream>();
      children.front()->set_listener(std::move(listener));
    }
  }

  // The request may be on any of the principal's children (the front one changes): the one that
  // holds its inbox acts, the others know nothing of it.
  void abandon(Inbox& inbox) override {
    for (auto& c : owner_->children_of(principal_)) c->abandon(inbox);
  }

  net::awaitable<Result<void>> cancel(Inbox* inbox, json::object notification, Deadline deadline) override {
    if (!inbox) co_return Result<void>{};
    for (auto& c : owner_->children_of(principal_)) {
      auto r = co_await c->cancel(inbox, notification, deadline);
      if (!r) co_return r;
    }
    co_return Result<void>{};
  }

  // The children are the principal's, not this session's: they stop when idle.
  void close() override {
    std::lock_guard lock(mutex_);
    listener_.reset();
  }
  const std::string& tag() const override { return tag_; }

 private:
  std::shared_ptr<PrincipalChildren> owner_;
  std::string principal_;
  std::string tag_;
  std::mutex mutex_;
  std::shared_ptr<Inbox> listener_;
  std::weak_ptr<StdioUpstream> listening_;
};

}  // namespace

PrincipalChildren::PrincipalChildren(PrincipalChildrenOptions options,
                                     std::shared_ptr<exchange::UpstreamCredentials> credentials,
                                     std::function<asio::any_io_executor()> next_executor, Metrics* metrics)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      next_executor_(std::move(next_executor)),
      metrics_(metrics),
      table_(options_.policy) {}

std::shared_ptr<UpstreamSession> PrincipalChildren::route(std::string principal) {
  return std::make_shared<PrincipalRoute>(shared_from_this(), std::move(principal), options_.stdio.tag);
}

void PrincipalChildren::remember_handshake(const std::string& principal, json::object params) {
  std::lock_guard lock(mutex_);
  if (handshakes_.size() >= kMaxHandshakes && !handshakes_.contains(principal)) handshakes_.clear();  // bounded
  handshakes_[principal] = std::move(params);
}

std::vector<std::shared_ptr<StdioUpstream>> PrincipalChildren::children_of(const std::string& principal) const {
  std::vector<std::shared_ptr<StdioUpstream>> out;
  for (auto& h : table_.children_of(principal)) out.push_back(upstream_of(h));
  return out;
}

net::awaitable<expected<std::shared_ptr<StdioUpstream>, PrincipalChildren::Refusal>> PrincipalChildren::acquire(
    const std::string& principal, const exchange::SubjectToken* subject, bool for_initialize) {
  auto at_capacity = [&] {
    json::object data;
    data["upstream"] = options_.upstream;
    data["reason"] = "children_limit";
    data["retryAfterSeconds"] = kOverloadRetryAfterSeconds;
    return Refusal{UpstreamFailure::at_capacity,
                   mcp::make_error(nullptr, mcp::code::overloaded,
                                   "Overloaded: upstream '" + options_.upstream + "' runs as many children as it may",
                                   json::value(std::move(data)))};
  };
  std::string subject_key = subject ? subject->token_key : std::string();
  // The child's token is exchanged from the subject token's scopes: another set (a step-up, or an
  // older narrower token) needs a child of its own.
  std::string grant;
  if (subject) {
    auto scopes = subject->scopes;
    std::sort(scopes.begin(), scopes.end());
    for (auto& s : scopes) grant += s + ' ';
  }
  auto look = table_.lookup(principal, steady::now(), subject_key, grant);
  if (look.child && !look.due) co_return upstream_of(look.child);
  if (!look.child && !look.room) co_return unexpected(at_capacity());
  // A replacement needs a token of its own: the cached one is the one about to expire.
  auto token = co_await credentials_->token_for(subject, look.child != nullptr);
  if (!token) {
    // The current child's token is still good until it expires (the sweep stops it then).
    if (look.child) co_return upstream_of(look.child);
    auto& e = token.error();
    std::string what = exchange::describe(e);
    json::object data;
    data["upstream"] = options_.upstream;
    data["reason"] = reason_name(UpstreamFailure::credentials);
    if (!e.oauth_error.empty()) data["error"] = e.oauth_error;
    co_return unexpected(
        Refusal{UpstreamFailure::credentials,
                mcp::make_error(nullptr, mcp::code::upstream_unavailable,
                                "Upstream '" + options_.upstream + "' has no credentials for this request: " + what,
                                json::value(std::move(data)))});
  }
  auto now = steady::now();
  auto expires = now + std::chrono::duration_cast<steady::duration>(token->expires - std::chrono::system_clock::now());
  StdioOptions o = options_.stdio;
  o.token = std::move(token->token);
  if (!for_initialize) {
    std::lock_guard lock(mutex_);
    auto it = handshakes_.find(principal);
    o.handshake = it != handshakes_.end() ? it->second : default_handshake();
  }
  auto child = std::make_shared<StdioChild>(std::make_shared<StdioUpstream>(next_executor_(), std::move(o), metrics_));
  auto installed = table_.install(principal, child, expires, now, subject_key, grant);
  if (!installed.child) co_return unexpected(at_capacity());
  co_return upstream_of(installed.child);
}

void PrincipalChildren::sweep(steady::time_point now) {
  for (auto& h : table_.sweep(now)) upstream_of(h)->close();
}

void PrincipalChildren::shutdown() {
  for (auto& h : table_.take_all()) upstream_of(h)->close();
}

}  // namespace mcpgate::gateway
