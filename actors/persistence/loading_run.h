// LoadingRun: one load of a dataset through a DatasetLoader, as the server
// sees it — the start-up load, which the shard drives one slice at a time
// while client sessions keep being served (and answered -LOADING), or
// DEBUG RELOAD, which runs to the end at once.
//
// While it runs, ServerContext::loading is set and its progress fields
// (INFO persistence's loading_* lines) follow the loader; it logs Redis's
// lines ("Loading RDB produced by version ...", "RDB age ... seconds",
// "RDB memory usage when created ... Mb", "Done loading RDB, keys loaded:
// ..., keys expired: ...") and records rdb_last_load_keys_*. A start-up run
// also logs "DB loaded from disk: ... seconds" when it is done (the shard
// then logs "Ready to accept connections", as Redis 7.0 does only after
// loading). On an error the flag is cleared and the
// error returned: the caller must not serve what was loaded (the server
// exits at start-up; DEBUG RELOAD loads into a scratch keyspace).
//
// A slice ends after about `loading-process-events-interval-bytes` (2 MB)
// of the file, or kSliceBudgetUs, whichever comes first. `key-load-delay`
// (microseconds per key; negative: sleep 1 us once every -n keys), as in
// Redis, slows a load down for tests.
//
// Threading: the multiplexer thread only (the shard's handler, a command
// handler). No CAF header.
#pragma once

#include <cstdint>
#include <memory>
#include <random>

#include "actors/common/status.h"
#include "actors/persistence/dataset_loader.h"

namespace troupe {

class ServerContext;

class LoadingRun {
 public:
  enum class Purpose {
    kStartup,      // the dataset the server starts with
    kDebugReload,  // DEBUG RELOAD
  };

  // Longest slice of loading work before clients get their turn.
  static constexpr int64_t kSliceBudgetUs = 25000;
  // Keys per loader step within a slice (the granularity of the bounds).
  static constexpr size_t kKeysPerStep = 128;

  // Marks the server as loading from now on.
  LoadingRun(std::unique_ptr<DatasetLoader> loader, ServerContext* server, Purpose purpose);
  ~LoadingRun();
  LoadingRun(const LoadingRun&) = delete;
  LoadingRun& operator=(const LoadingRun&) = delete;

  // One bounded slice; true when the whole dataset is loaded.
  Result<bool> RunSlice();
  // Slices until the end (DEBUG RELOAD).
  Status RunToEnd();

  // What the load found (final once it is done). The loader itself, and
  // the file mapping it holds, is released as soon as the run ends.
  const DatasetLoadStats& stats() const { return loader_ ? loader_->stats() : final_stats_; }
  // Seconds since the run began.
  double elapsed_s() const;

 private:
  void UpdateProgress();
  void LogHeaderOnce();
  void Finish();
  void End();
  void KeyLoadDelay(uint64_t keys);

  std::unique_ptr<DatasetLoader> loader_;  // null once the run ended
  DatasetLoadStats final_stats_;
  ServerContext* server_;
  Purpose purpose_;
  int64_t start_us_;
  uint64_t slice_bytes_;   // loading-process-events-interval-bytes
  int64_t key_delay_us_;   // key-load-delay
  bool header_logged_ = false;
  bool active_ = true;     // server_->loading belongs to this run
  std::minstd_rand rng_;   // key-load-delay < 0
};

}  // namespace troupe
