#pragma once
// Readiness (`/readyz`): a list of named probes that each store or dependency registers into.
// A load balancer or orchestrator sends traffic to a replica only while every required probe
// passes; optional probes are reported but do not take the replica out of rotation.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace mcpgate::gateway {

class Readiness {
 public:
  // A probe must be quick and must not throw; it may block briefly (it runs off the serving
  // threads), e.g. a trivial query against a store.
  using Check = std::function<Result<void>()>;

  struct State {
    std::string name;
    bool required = true;
    bool ok = false;
    std::string detail;  // why it failed; empty when ok
  };

  // Thread-safe. A probe added twice under one name replaces the first.
  void add(std::string name, bool required, Check check);

  // Runs every probe, in the order they were added.
  std::vector<State> run() const;

  // Ready: every required probe passed.
  static bool ready(const std::vector<State>& states);
  // {"status":"ready"|"not ready","probes":[{"name":…,"required":…,"ok":…,"detail":…}]}
  static std::string to_json(const std::vector<State>& states);

 private:
  struct Probe {
    std::string name;
    bool required;
    Check check;
  };
  mutable std::mutex mutex_;
  std::vector<Probe> probes_;
};

}  // namespace mcpgate::gateway
