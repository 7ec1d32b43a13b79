#pragma once
// hiredis 0.14 allocates an array reply's element table as soon as it reads the header: a server
// (or anything between it and us) that answers `*1888888888` makes it ask for 15 GB before a single
// element has arrived. hiredis 1.x has `maxelements` for this; Debian 12's 0.14 does not. Every
// reader mcpgate uses (the connection's and the one parse_replies makes) goes through this, which
// keeps hiredis's own object functions and refuses an array header above kMaxArrayElements: the
// reader then fails with a protocol error, the connection is dropped and reconnected, and nothing
// was allocated for it.
//
// mcpgate's replies are small: EVAL results of a few integers and pub/sub messages of three or four
// elements, so the bound leaves room without letting one header cost more than a few kilobytes.
#include <cstddef>

struct redisReader;

namespace mcpgate::redis {

inline constexpr int kMaxArrayElements = 1024;

// Installs the bound on `reader` (which hiredis created, with its default object functions).
void bound_reader(redisReader* reader);

}  // namespace mcpgate::redis
