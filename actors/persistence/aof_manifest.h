// The AOF manifest of Redis 7.0's multi-part append-only file: which files
// make up the AOF inside `appenddirname` — one base file (an RDB snapshot or
// commands), the incremental files appended since, in order, and history
// files a finished rewrite left behind for deletion. One line per file:
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
// Used by the AOF writer (aof.cc) and loader (aof_loader.cc). Plain code, no
// CAF header, no threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/status.h"

namespace troupe {

struct AofFile {
  std::string name;
  int64_t seq = 0;
  char type = 'i';  // 'b' base, 'i' incremental, 'h' history
};

struct AofManifest {
  std::optional<AofFile> base;
  std::vector<AofFile> incrs;    // in the order they are replayed
  std::vector<AofFile> history;  // to delete

  // Text as Redis writes it (base, history, then incremental files).
  std::string Format() const;
  // Parses a manifest; errors name the file and the line.
  static Result<AofManifest> Parse(const std::string& text, const std::string& path);

  int64_t last_base_seq() const { return base ? base->seq : 0; }
  int64_t last_incr_seq() const { return incrs.empty() ? 0 : incrs.back().seq; }
};

// File names: "<appendfilename>.<seq>.base.rdb" (or .base.aof),
// "<appendfilename>.<seq>.incr.aof", "<appendfilename>.manifest".
std::string AofBaseName(const std::string& filename, int64_t seq, bool rdb_preamble);
std::string AofIncrName(const std::string& filename, int64_t seq);
std::string AofManifestName(const std::string& filename);

// Writes `manifest` to <dir>/<name> through a temp file, fsync and rename,
// then fsyncs the directory.
Status WriteAofManifest(const std::string& dir, const std::string& name, const AofManifest& manifest);

}  // namespace troupe
