#pragma once
// The audit trail: one JSON line per decision (who, what, allowed or not, which rule, why, how
// long). No token material ever: the principal is named by issuer, subject and client.
#include <chrono>
#include <functional>
#include <string>

#include "policy/policy.hpp"

namespace mcpgate::gateway {

struct AuditRecord {
  std::string request_id;
  std::string endpoint;
  std::string issuer, subject, client;
  std::string method;
  std::string target;
  std::string decision;  // allow | deny | shadow-deny | unauthenticated
  std::string rule;
  std::string reason;
  double latency_ms = 0;
};

class AuditLog {
 public:
  // "-" writes to stderr; empty writes nothing. Throws at start-up if the file cannot be opened.
  explicit AuditLog(const std::string& path);
  // Every record goes to `sink` instead of a file (tests: an in-memory log, tests/support).
  using Sink = std::function<void(const AuditRecord&)>;
  explicit AuditLog(Sink sink) : sink_(std::move(sink)) {}
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool enabled() const { return fd_ >= 0 || sink_; }
  // Thread-safe without a lock: one write(2) per line on an O_APPEND descriptor.
  void write(const AuditRecord& r);

 private:
  int fd_ = -1;
  bool owned_ = false;
  Sink sink_;
};

}  // namespace mcpgate::gateway
