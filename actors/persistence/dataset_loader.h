// DatasetLoader: the interface of a resumable loader that fills a keyspace
// from a file on disk — an RDB snapshot (RdbLoader, rdb_loader.h) today, the
// append-only file later. A load is a sequence of bounded Step() calls, so
// whoever drives it (LoadingRun, loading_run.h) can serve clients between
// steps and answer them -LOADING meanwhile.
//
// Contract of every implementation:
// - Step(max_keys) loads at most `max_keys` more keys (records that are not
//   keys — headers, metadata — do not count) and returns true once the whole
//   source is in; calling it again after that returns true and does nothing.
// - An error names the file and the byte offset. After an error the keyspace
//   holds a partial dataset: the caller must never serve it (at start-up the
//   server exits; DEBUG RELOAD loads into a scratch keyspace first).
// - bytes_total() is known from the start, bytes_loaded() only grows; both
//   feed INFO persistence (loading_total_bytes, loading_loaded_bytes, ...).
//
// Threading: one loader is used by one thread at a time (the multiplexer
// thread, or a test). No CAF header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/common/status.h"

namespace troupe {

// What a load found, reported in the log and in INFO persistence.
struct DatasetLoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;   // TTL already passed: skipped, as Redis does
  int rdb_version = 0;         // format version of the file (RDB: 1..10)
  std::string redis_ver;       // the producer's "redis-ver" aux field, "" if absent
  int64_t ctime_s = 0;         // the "ctime" aux field (Unix seconds), 0 if absent
  int64_t used_mem = 0;        // the "used-mem" aux field (bytes), 0 if absent
  std::string repl_id;         // "repl-id" aux field: the replication history it belongs to
  int64_t repl_offset = -1;    // "repl-offset" aux field, -1 if absent
  int repl_stream_db = 0;      // "repl-stream-db" aux field
};

class DatasetLoader {
 public:
  virtual ~DatasetLoader() = default;

  // Loads up to `max_keys` more keys; true when the whole source is loaded.
  virtual Result<bool> Step(size_t max_keys) = 0;

  // Size of the source in bytes, and how much of it has been consumed.
  virtual uint64_t bytes_total() const = 0;
  virtual uint64_t bytes_loaded() const = 0;

  // Keys and metadata seen so far (complete once Step returned true).
  virtual const DatasetLoadStats& stats() const = 0;

  // The file being loaded, for log lines.
  virtual const std::string& path() const = 0;
  // Short name of the format for Redis's log lines: "RDB" ("Done loading
  // RDB, keys loaded: ...").
  virtual const char* format_name() const = 0;
};

}  // namespace troupe
