#pragma once
// The listener's TLS: a certificate chain and key read from files, swapped whole when they change
// (on SIGHUP, or seen by the next connection at most a second after the files change), so that a
// renewal never needs a restart and never drops an open connection: a connection keeps the
// context it was accepted with, new connections get the new one.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "net/stream.hpp"
#include "net/tls_options.hpp"

namespace mcpgate::net {

class TlsServerContext {
 public:
  // Loads both files now; errors name the file (a start-up error).
  [[nodiscard]] static Result<std::shared_ptr<TlsServerContext>> create(TlsServerOptions options);

  // The context new connections use.
  std::shared_ptr<ssl::context> current() const;
  // Reads the files again; on failure the previous certificate stays in service.
  [[nodiscard]] Result<void> reload();
  // Reloads when either file's modification time or size changed; checks at most once a second.
  void reload_if_changed();
  std::uint64_t generation() const { return generation_.load(); }

 private:
  explicit TlsServerContext(TlsServerOptions options) : options_(std::move(options)) {}
  struct Stamp {
    std::filesystem::file_time_type cert_time, key_time;
    std::uintmax_t cert_size = 0, key_size = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  TlsServerOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<ssl::context> context_;
  Stamp loaded_;
  std::atomic<std::int64_t> last_check_{0};
  std::atomic<std::uint64_t> generation_{0};
};

// Runs the server handshake on an accepted stream within its deadline.
awaitable<bool> tls_accept(Stream& stream);

}  // namespace mcpgate::net
