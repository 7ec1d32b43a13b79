#include "gateway/readiness.hpp"

#include <boost/json.hpp>

#include "core/log.hpp"

namespace mcpgate::gateway {

void Readiness::add(std::string name, bool required, Check check) {
  std::lock_guard lock(mutex_);
  for (auto& p : probes_)
    if (p.name == name) {
      p.required = required;
      p.check = std::move(check);
      return;
    }
  probes_.push_back({std::move(name), required, std::move(check)});
}

std::vector<Readiness::State> Readiness::run() const {
  std::vector<Probe> probes;
  {
    // Probes run outside the lock: a slow one must not hold up registration.
    std::lock_guard lock(mutex_);
    probes = probes_;
  }
  std::vector<State> out;
  out.reserve(probes.size());
  for (auto& p : probes) {
    State s{p.name, p.required, false, {}};
    Result<void> r = p.check ? p.check() : Result<void>(fail("no check"));
    s.ok = r.has_value();
    if (!r) s.detail = r.error().message;
    out.push_back(std::move(s));
  }
  std::lock_guard lock(mutex_);
  for (auto& s : out) {
    // A probe never seen counts as passing: one healthy at start-up is not announced.
    auto it = last_ok_.try_emplace(s.name, true).first;
    if (it->second == s.ok) continue;
    it->second = s.ok;
    if (!s.ok)
      log::warn("readiness: probe " + s.name + " failed: " + s.detail);
    else
      log::info("readiness: probe " + s.name + " passes again");
  }
  return out;
}

bool Readiness::ready(const std::vector<State>& states) {
  for (auto& s : states)
    if (s.required && !s.ok) return false;
  return true;
}

std::string Readiness::to_json(const std::vector<State>& states) {
  boost::json::array probes;
  for (auto& s : states) {
    boost::json::object o{{"name", s.name}, {"required", s.required}, {"ok", s.ok}};
    if (!s.ok) o["detail"] = kPublicDetail;
    probes.push_back(std::move(o));
  }
  boost::json::object doc{{"status", ready(states) ? "ready" : "not ready"}, {"probes", std::move(probes)}};
  return boost::json::serialize(doc);
}

}  // namespace mcpgate::gateway
