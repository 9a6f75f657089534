// RdbLoader: loads an RDB file (Redis 7.0's format, versions 1..10) into a
// keyspace in bounded steps — the DatasetLoader of RDB snapshots. LoadRdb
// (rdb.h) is a loop over Step(), so start-up loading, DEBUG RELOAD, the AOF's
// RDB base and the unit tests all run this one code path.
//
// The file is mapped read-only (pages already consumed are handed back to
// the kernel as the load moves on) and parsed record by record; the CRC64
// trailer is computed step by step and checked at the end, so a corrupt
// file anywhere fails the whole load: errors read "Bad RDB file <path> at
// offset <n>: <why>" (or name the checksum). An error is sticky: later
// Step() calls return it again.
//
// Loading is not a change of the dataset: keys are added without keyspace
// notifications, WATCH or blocked-client wake-ups, and the keyspace's dirty
// counter is left as it was. A key present twice is replaced by its last
// value. Keys whose TTL has passed are skipped (counted as expired) unless
// the target is a replica.
//
// Threading: one loader, one thread (the shard's multiplexer thread, or a
// test); the keyspace must not be used by anybody else during a Step().
// No CAF header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/common/status.h"
#include "actors/persistence/dataset_loader.h"
#include "actors/persistence/rdb_codec.h"
#include "actors/persistence/rdb_collections.h"

namespace troupe {

class Keyspace;
struct ServerOptions;

struct RdbLoadOptions {
  // Keep keys whose TTL has already passed (a replica waits for its
  // master's DEL); a master skips them.
  bool is_replica = false;
  // Check the CRC64 trailer (`rdbchecksum`); a stored 0 means "saved
  // without a checksum" and is never checked.
  bool verify_checksum = true;
  // Compact-encoding thresholds the loaded collections are built with.
  RdbLoadLimits limits;
};

// The options the server loads its RDB files with: `rdbchecksum` and the
// compact-encoding thresholds of the config, as Redis's loader applies them.
RdbLoadOptions RdbLoadOptionsFor(const ServerOptions& config);

class RdbLoader final : public DatasetLoader {
 public:
  // Opens and maps `path`; fails when it cannot be opened or mapped. The
  // header is read by the first Step().
  static Result<std::unique_ptr<RdbLoader>> Open(const std::string& path, Keyspace* keyspace,
                                                 const RdbLoadOptions& options = RdbLoadOptions());
  // Reads an RDB held in memory (troupe-sim); `data` must outlive the
  // loader, `name` stands for the file name in error texts.
  static std::unique_ptr<RdbLoader> FromMemory(std::string_view data, const std::string& name, Keyspace* keyspace,
                                               const RdbLoadOptions& options = RdbLoadOptions());
  ~RdbLoader() override;
  RdbLoader(const RdbLoader&) = delete;
  RdbLoader& operator=(const RdbLoader&) = delete;

  Result<bool> Step(size_t max_keys) override;
  uint64_t bytes_total() const override { return size_; }
  uint64_t bytes_loaded() const override { return in_.pos(); }
  const DatasetLoadStats& stats() const override { return stats_; }
  const std::string& path() const override { return path_; }
  const char* format_name() const override { return "RDB"; }

 private:
  RdbLoader(std::string path, Keyspace* keyspace, const RdbLoadOptions& options, const char* data,
            size_t size, bool mapped);
  Result<bool> Run(size_t max_keys);
  Status ReadHeader();
  Result<bool> Finish();
  Status LoadPair(uint8_t type);
  // Folds the bytes consumed since the last call into the running CRC and
  // releases the mapped pages before them.
  void Advance();

  std::string path_;
  Keyspace* keyspace_;
  RdbLoadOptions options_;
  const char* data_;  // the mapped file (or nullptr when empty)
  size_t size_;
  bool mapped_;
  RdbIn in_;
  int64_t now_ms_;          // keys whose TTL is at or before this are expired
  bool header_read_ = false;
  bool done_ = false;
  Status error_;            // sticky
  int db_index_ = 0;
  int64_t expire_ms_ = -1;  // TTL of the next key, -1 = none
  uint64_t crc_ = 0;        // CRC64 of data_[0, crc_pos_)
  size_t crc_pos_ = 0;
  size_t released_ = 0;     // mapped bytes handed back to the kernel
  DatasetLoadStats stats_;
};

}  // namespace troupe
