#include "redis/reply.hpp"

#include <hiredis/hiredis.h>

#include "redis/bounded_reader.hpp"

namespace mcpgate::redis {

Reply from_hiredis(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      break;
    default:
      out.type = Reply::Type::nil;
      break;
  }
  if (r.str && (out.type == Reply::Type::string || out.type == Reply::Type::status || out.type == Reply::Type::error))
    out.str.assign(r.str, r.len);
  out.integer = r.integer;
  if (out.type == Reply::Type::array && r.element) {
    out.elements.reserve(r.elements);
    for (std::size_t i = 0; i < r.elements; ++i)
      if (r.element[i]) out.elements.push_back(from_hiredis(*r.element[i]));
  }
  return out;
}

Result<std::vector<Reply>> parse_replies(std::string_view bytes) {
  redisReader* reader = redisReaderCreate();
  if (!reader) return fail("out of memory");
  bound_reader(reader);
  std::vector<Reply> out;
  Result<std::vector<Reply>> result = fail("unreachable");
  if (redisReaderFeed(reader, bytes.data(), bytes.size()) != REDIS_OK) {
    result = fail("redis protocol error: " + std::string(reader->errstr));
  } else {
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK) {
        result = fail("redis protocol error: " + std::string(reader->errstr));
        break;
      }
      if (!raw) {
        result = std::move(out);
        break;
      }
      out.push_back(from_hiredis(*static_cast<redisReply*>(raw)));
      freeReplyObject(raw);
    }
  }
  redisReaderFree(reader);
  return result;
}

}  // namespace mcpgate::redis
