#pragma once
// The redirect URI of a native client (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 that lives
// only for one login and answers the browser's request with a page saying what happened.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mcpgate::client {

class LoopbackListener {
 public:
  // What to do with one request: keep waiting (a stranger), or stop with this page.
  struct Verdict {
    bool done = false;
    unsigned status = 200;
    std::string page;  // a short text shown in the browser
  };
  using Judge = std::function<Verdict(std::string_view target)>;

  // Port 0: any free port. Another port that is taken is an error (the caller registers anew).
  [[nodiscard]] static Result<std::unique_ptr<LoopbackListener>> open(std::uint16_t port);
  ~LoopbackListener();
  std::uint16_t port() const { return port_; }
  std::string redirect_uri() const { return "http://127.0.0.1:" + std::to_string(port_) + "/callback"; }

  // Serves requests until `judge` says done or `timeout` passes (an error then).
  [[nodiscard]] Result<void> wait(const Judge& judge, std::chrono::seconds timeout);

 private:
  struct Impl;
  explicit LoopbackListener(std::unique_ptr<Impl> impl, std::uint16_t port);
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_;
};

}  // namespace mcpgate::client
