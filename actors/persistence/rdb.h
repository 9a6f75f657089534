// RDB snapshots in Redis 7.0's format (version 10): writing the keyspace to
// a file, and loading one at start-up. The file is written to a temporary
// name, fsynced and renamed, so a crash never leaves a torn dump.rdb.
//
// Who uses it: SAVE / SHUTDOWN (synchronously, on the shard's thread), the
// BGSAVE child process (after fork: no logging, no CAF, no locks), and main()
// at start-up. Values of types Troupe does not have yet make the load fail
// with a clear error rather than load part of the data. No CAF header.
#pragma once

#include <cstdint>
#include <string>

#include "actors/common/status.h"

namespace troupe {

class Keyspace;

struct RdbSaveInfo {
  int64_t now_ms = 0;         // snapshot time (ctime aux field)
  uint64_t used_memory = 0;   // used-mem aux field
};

// Writes the whole keyspace to `path` (via "<dir>/temp-<pid>.rdb" + rename).
Status SaveRdb(const Keyspace& keyspace, const std::string& path, const RdbSaveInfo& info);

struct RdbLoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;   // TTL already passed: skipped, as Redis does
  int rdb_version = 0;
  std::string redis_ver;       // the producer's "redis-ver" aux field
  int64_t ctime_s = 0;         // the "ctime" aux field
  int64_t used_mem = 0;        // the "used-mem" aux field
};

// Loads `path` into `keyspace` (which should be empty). Errors name the file
// and the byte offset, e.g. "Bad RDB file dump.rdb at offset 42: ...".
Status LoadRdb(const std::string& path, Keyspace* keyspace, bool is_replica, RdbLoadStats* stats);

}  // namespace troupe
