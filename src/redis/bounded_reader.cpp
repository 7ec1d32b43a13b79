#include "redis/bounded_reader.hpp"

#include <hiredis/hiredis.h>

#include <mutex>

namespace mcpgate::redis {

namespace {

// hiredis's defaults, taken from the first reader it creates (they are static in hiredis and the
// same for every reader), and the copy with the bounded createArray.
redisReplyObjectFunctions* defaults = nullptr;
redisReplyObjectFunctions bounded{};
std::once_flag installed;

void* bounded_array(const redisReadTask* task, int elements) {
  // A null object is hiredis's "out of memory": the read fails, nothing is allocated.
  if (elements > kMaxArrayElements) return nullptr;
  return defaults->createArray(task, elements);
}

}  // namespace

void bound_reader(redisReader* reader) {
  if (!reader || !reader->fn) return;
  std::call_once(installed, [&] {
    defaults = reader->fn;
    bounded = *defaults;
    bounded.createArray = &bounded_array;
  });
  reader->fn = &bounded;
}

}  // namespace mcpgate::redis
