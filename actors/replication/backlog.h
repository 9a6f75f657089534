// ReplicationBacklog: the last `repl-backlog-size` bytes of the replication
// stream, as a ring buffer, so a replica that lost its link (or a replica
// of the old master after a failover) can continue with PSYNC from its
// offset instead of a full resync. Offsets are Redis's: the first byte of
// the stream has offset 1 after a backlog is created at master offset 0.
//
// Owned by Replication (replication.h); used on the multiplexer thread only.
// Plain code, no CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

class ReplicationBacklog {
 public:
  // A backlog whose next byte will have offset `next_offset`.
  ReplicationBacklog(size_t capacity, uint64_t next_offset);

  void Append(std::string_view bytes);
  // Changes the capacity, keeping the newest bytes that fit.
  void Resize(size_t capacity);

  // Offset of the oldest byte held, and how many bytes are held.
  uint64_t first_byte_offset() const { return next_offset_ - histlen_; }
  uint64_t histlen() const { return histlen_; }
  size_t capacity() const { return buf_.size(); }
  // Whether the bytes from `offset` up to the newest are all held
  // (offset == next offset means "nothing missing").
  bool Covers(uint64_t offset) const {
    return offset >= first_byte_offset() && offset <= next_offset_;
  }
  // The bytes from `offset` (Covers(offset) must hold) to the newest.
  std::string CopyFrom(uint64_t offset) const;

 private:
  std::vector<char> buf_;
  size_t head_ = 0;         // where the next byte goes
  uint64_t histlen_ = 0;    // bytes held (<= capacity)
  uint64_t next_offset_;    // offset of the next byte appended
};

}  // namespace troupe
