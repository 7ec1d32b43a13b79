#include "gateway/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "core/log.hpp"

namespace mcpgate::gateway {

AuditLog::AuditLog(const std::string& path) {
  if (path.empty()) return;
  if (path == "-") {
    fd_ = 2;
    return;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open audit log " + path);
  owned_ = true;
}

AuditLog::~AuditLog() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

void AuditLog::write(const AuditRecord& r) {
  if (sink_) {
    sink_(r);
    return;
  }
  if (fd_ < 0) return;
  boost::json::object o;
  o["time"] = log::rfc3339_ms(std::chrono::system_clock::now());
  o["request_id"] = r.request_id;
  o["endpoint"] = r.endpoint;
  o["issuer"] = r.issuer;
  o["subject"] = r.subject;
  o["client"] = r.client;
  o["method"] = r.method;
  o["target"] = r.target;
  o["decision"] = r.decision;
  o["rule"] = r.rule;
  o["reason"] = r.reason;
  std::string line = boost::json::serialize(o);
  // A plain decimal with microsecond precision (Boost.JSON would write 1.8828E-2).
  char latency[48];
  std::snprintf(latency, sizeof latency, ",\"latency_ms\":%.3f}\n", r.latency_ms >= 0 ? r.latency_ms : 0.0);
  line.pop_back();  // the closing brace
  line += latency;
  // A short write of a log line is not worth retrying on the request path; it is rare and the
  // line is self-delimiting.
  [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
}

}  // namespace mcpgate::gateway
