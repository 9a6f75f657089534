// RDB snapshots in Redis 7.0's format (version 10): writing the keyspace to
// a file, and loading one in a single call (RdbLoader, rdb_loader.h, is the
// loader itself). The file is written to a temporary name, fsynced and
// renamed, so a crash never leaves a torn dump.rdb.
//
// Who uses it: SAVE / SHUTDOWN (synchronously, on the shard's thread), the
// BGSAVE child process (after fork: no logging, no CAF, no locks), the AOF
// loader (its RDB base) and tests. Values of types Troupe does not have yet
// make the load fail with a clear error rather than load part of the data.
// No CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/common/status.h"
#include "actors/persistence/dataset_loader.h"

namespace troupe {

class Keyspace;

struct RdbSaveInfo {
  int64_t now_ms = 0;         // snapshot time (ctime aux field)
  uint64_t used_memory = 0;   // used-mem aux field
  bool aof_base = false;      // aof-base aux field: the file is an AOF base (preamble)
  bool compress = true;       // rdbcompression: LZF for strings over 20 bytes
  bool checksum = true;       // rdbchecksum: the CRC64 trailer (0 when off)
  // Replication position of the snapshot (repl-stream-db, repl-id,
  // repl-offset aux fields), so a restarted replica continues with a
  // partial resync; empty repl_id = not written.
  std::string repl_id;
  int64_t repl_offset = 0;
  int repl_stream_db = 0;
};

// Writes the whole keyspace to `path` (via "<dir>/temp-<pid>.rdb" + rename).
Status SaveRdb(const Keyspace& keyspace, const std::string& path, const RdbSaveInfo& info);

// The same snapshot as SaveRdb, appended to `out` in memory instead of a
// file: troupe-sim's in-process snapshots (a full sync's RDB, a simulated
// node's dump.rdb), where the disk is replaced.
Status SaveRdbToString(const Keyspace& keyspace, const RdbSaveInfo& info, std::string* out);

// Keys loaded and expired, and the file's aux fields (dataset_loader.h).
using RdbLoadStats = DatasetLoadStats;

// Loads `path` into `keyspace` (which should be empty) in one go: a loop
// over RdbLoader::Step (rdb_loader.h), the loader start-up and DEBUG RELOAD
// drive in steps. Errors name the file and the byte offset, e.g. "Bad RDB
// file dump.rdb at offset 42: ...".
Status LoadRdb(const std::string& path, Keyspace* keyspace, bool is_replica, RdbLoadStats* stats);
// As LoadRdb, from an RDB held in memory; `name` stands for the file name
// in error texts.
Status LoadRdbFromMemory(std::string_view data, const std::string& name, Keyspace* keyspace, bool is_replica,
                         RdbLoadStats* stats);

}  // namespace troupe
