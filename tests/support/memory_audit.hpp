#pragma once
// An audit log that keeps its records in memory, for tests that assert what was audited.
#include <mutex>
#include <vector>

#include "gateway/audit_log.hpp"

namespace mcpgate::testing {

class MemoryAudit {
 public:
  MemoryAudit()
      : log_([this](const gateway::AuditRecord& r) {
          std::lock_guard lock(mu_);
          records_.push_back(r);
        }) {}
  MemoryAudit(const MemoryAudit&) = delete;
  MemoryAudit& operator=(const MemoryAudit&) = delete;

  gateway::AuditLog& log() { return log_; }
  std::vector<gateway::AuditRecord> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<gateway::AuditRecord> records_;
  gateway::AuditLog log_;
};

}  // namespace mcpgate::testing
