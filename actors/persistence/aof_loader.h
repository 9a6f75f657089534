// Loading the append-only file at start-up: the base file (an RDB snapshot,
// loaded by the RDB loader, or commands) and then every incremental file the
// manifest lists, replayed command by command through the command table with
// a fake client — the same code path a client's command takes, so the result
// is what the writes originally produced.
//
// A command cut short at the end of the last file (a crash while appending)
// is dropped and the file truncated when `aof-load-truncated yes`, with
// Redis's log lines; otherwise, and for anything malformed or an unknown
// command, loading fails with an error naming the file and the offset, and
// the server refuses to start. An unfinished MULTI at the end counts as a
// truncated tail.
//
// Who uses it: main() at start-up, on the thread that will become the
// multiplexer, before any client is served; Step() does bounded work so the
// caller may interleave other work. No CAF header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/common/status.h"
#include "actors/persistence/aof_manifest.h"
#include "actors/persistence/dataset_loader.h"
#include "net/client_state.h"

namespace troupe {

class Keyspace;
class ServerContext;
class RdbLoader;

// Reads <dir>/<appendfilename>.manifest; nullopt when there is none.
Result<std::optional<AofManifest>> ReadAofManifest(const std::string& dir, const std::string& filename);

struct AofLoadStats {
  uint64_t commands = 0;      // commands replayed from command files
  uint64_t rdb_keys = 0;      // keys loaded from an RDB base
  uint64_t truncated_bytes = 0;
};

class AofLoader final : public DatasetLoader {
 public:
  AofLoader(std::string dir, AofManifest manifest, bool load_truncated, Keyspace* keyspace,
            ServerContext* server);
  ~AofLoader() override;

  // Replays up to `max_commands` more commands (an RDB base is loaded in
  // one step). Returns true when everything is loaded.
  Result<bool> Step(size_t max_commands) override;

  uint64_t bytes_total() const override { return bytes_total_; }
  uint64_t bytes_loaded() const override { return bytes_done_ + pos_; }
  const DatasetLoadStats& stats() const override { return load_stats_; }
  const std::string& path() const override { return manifest_path_; }
  const char* format_name() const override { return "AOF"; }
  const AofLoadStats& aof_stats() const { return stats_; }

 private:
  struct File;
  Status OpenNext();
  Status FinishFile(bool truncated_tail, size_t valid_up_to);

  std::string dir_;
  AofManifest manifest_;
  bool load_truncated_;
  Keyspace* keyspace_;
  ServerContext* server_;
  ClientState client_;
  size_t next_file_ = 0;       // index into the files to load (base first)
  std::vector<AofFile> files_;
  std::unique_ptr<File> file_;
  std::unique_ptr<RdbLoader> rdb_;  // the RDB base being loaded
  size_t pos_ = 0;
  size_t multi_start_ = 0;     // offset of the open MULTI, if any
  uint64_t bytes_total_ = 0;
  uint64_t bytes_done_ = 0;
  AofLoadStats stats_;
  DatasetLoadStats load_stats_;
  std::string manifest_path_;
};

}  // namespace troupe
