#pragma once
// Readiness (`/readyz`): a list of named probes that each store or dependency registers into.
// A load balancer or orchestrator sends traffic to a replica only while every required probe
// passes; optional probes are reported but do not take the replica out of rotation.
#include <functional>
#include <map>
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
    std::string detail;  // why it failed (for the log, never for /readyz); empty when ok
  };

  // What /readyz says of a failing probe. Its own message stays in the log: libpq's names the
  // database host and port, SQLite's a file path, and /readyz answers anyone who can reach the
  // listener (reconnaissance of the internal network).
  static constexpr const char* kPublicDetail = "failed (see the gateway's log)";

  // Thread-safe. A probe added twice under one name replaces the first.
  void add(std::string name, bool required, Check check);

  // Runs every probe, in the order they were added. A probe that starts failing is logged as a
  // warning with its message, one that recovers as info: once per change, not once per poll.
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
  mutable std::map<std::string, bool, std::less<>> last_ok_;  // by probe name, under mutex_
};

}  // namespace mcpgate::gateway
