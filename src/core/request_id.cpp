#include "core/request_id.hpp"

#include "core/random.hpp"

namespace mcpgate {

RequestIds::RequestIds() : prefix_(system_random().token(6)) {}

std::string RequestIds::next() {
  auto n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::string id;
  id.reserve(prefix_.size() + 21);
  id += prefix_;
  id += '-';
  id += std::to_string(n);
  return id;
}

}  // namespace mcpgate
