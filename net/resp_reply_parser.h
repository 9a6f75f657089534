// RespReplyParser: incremental parser of replies (not requests) for the
// links where Troupe is the client — sentinel links to masters, replicas and
// peer sentinels. One reply is flattened into strings: a simple string, bulk
// string or integer gives one element; an array gives its elements in order
// (nested arrays flattened); a null gives one empty element; an error gives
// ok = false and its text. RESP3 types are read as their RESP2 equivalents.
// Bounded: a reply larger than the limit is a protocol error. No CAF header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

struct RespReply {
  bool ok = true;                     // false for an error reply
  std::vector<std::string> elements;  // flattened values
};

class RespReplyParser {
 public:
  enum class Outcome { kReply, kNeedMore, kError, kOk /* internal: one value parsed */ };
  static constexpr size_t kMaxReplyBytes = 64u << 20;

  // Parses one reply at the start of data[0, len); on kReply sets
  // *consumed. Stateless between calls: a partial reply is re-parsed when
  // more data arrives (replies on these links are small).
  static Outcome Parse(const char* data, size_t len, size_t* consumed, RespReply* out);
};

}  // namespace troupe
