// AppendOnlyFile: the AOF writer — Redis 7.0's multi-part AOF in
// `appenddirname` (a base file, incremental files, a manifest).
//
// It is a PropagationSink: every batch of writes the propagation stream
// carries is appended, as RESP commands, to an in-memory buffer, which is
// written to the current incremental file before any reply leaves the
// server (BeforeReplies, called by client sessions before they flush). With
// `appendfsync always` the file is also fsynced there, so a client never
// sees an acknowledgement for a write that is not on disk; `everysec` hands
// an fsync to a background thread once a second; `no` leaves it to the OS.
//
// BGREWRITEAOF forks (on the multiplexer thread, between commands, like
// BGSAVE): the parent first switches appends to a new incremental file, the
// child writes a new base from its frozen copy of the keyspace (an RDB
// snapshot with `aof-use-rdb-preamble yes`, else commands); when the child
// succeeds, the manifest names the new base plus the new incremental file
// and the old files are deleted. No rewrite buffer is needed, and a crash at
// any point leaves a manifest that describes a complete dataset.
//
// Threading: everything runs on the multiplexer thread except the
// everysec fsync, done by one helper thread that only calls fsync on the
// current descriptor (a mutex guards switching it). The rewrite child runs
// no logging and no CAF, and leaves with _exit(). No CAF header.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "actors/common/status.h"
#include "actors/persistence/aof_manifest.h"
#include "actors/shard/propagation/propagation.h"

namespace troupe {

class Keyspace;
class ServerContext;

class AppendOnlyFile final : public PropagationSink {
 public:
  AppendOnlyFile(Keyspace* keyspace, ServerContext* server);
  ~AppendOnlyFile() override;

  // At start-up, after the dataset was loaded, with `appendonly yes`: opens
  // the AOF the manifest describes (appending to its last incremental
  // file), or creates a base of the current dataset, a first incremental
  // file and the manifest when there is no AOF yet.
  Status OpenAtStartup(const std::optional<AofManifest>& existing);

  // CONFIG SET appendonly yes: starts a rewrite; appends go to a temporary
  // incremental file that becomes part of the AOF when the base is written.
  Status Enable();
  // CONFIG SET appendonly no: flushes, fsyncs and closes the files.
  void Disable();

  // BGREWRITEAOF. `scheduled` is set when another child runs and the
  // rewrite will start when it ends.
  Status StartRewrite(bool* scheduled);

  // Before replies are sent: writes the buffer; fsyncs with `always`.
  void BeforeReplies();
  // Periodic work (the shard's cron): flush the buffer, everysec fsync,
  // reap the rewrite child, scheduled and automatic rewrites.
  void Cron();
  // Shutdown: flush and fsync; stop a rewrite child.
  void Shutdown();

  // PropagationSink.
  void Feed(const std::vector<Op>& ops, bool transaction) override;

  // INFO persistence.
  bool enabled() const { return state_ != State::kOff; }
  bool rewrite_in_progress() const { return child_ > 0; }
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  int64_t last_rewrite_time_sec() const { return last_rewrite_time_sec_; }
  int64_t current_rewrite_time_sec() const;
  bool last_rewrite_ok() const { return last_rewrite_ok_; }
  uint64_t rewrites() const { return rewrites_; }
  uint64_t consecutive_failures() const { return consecutive_failures_; }
  bool last_write_ok() const { return last_write_ok_; }
  uint64_t current_size() const { return base_size_ + incr_size_; }
  uint64_t base_size() const { return base_size_; }
  size_t buffer_length() const { return buf_.size(); }
  bool fsync_pending() const { return fsync_requested_.load(); }
  uint64_t delayed_fsync() const { return delayed_fsync_; }

 private:
  enum class State {
    kOff,          // appendonly no
    kOn,           // appending to the current incremental file
    kWaitRewrite,  // enabled at run time: appending to a temp file until the first base exists
  };

  std::string DirPath() const;
  std::string PathOf(const std::string& name) const { return DirPath() + "/" + name; }
  Status EnsureDir() const;
  Status OpenIncr(const std::string& name, bool truncate);
  void SwitchFd(int fd);
  bool WriteBuffer();
  void FsyncNow();
  void FsyncThread();
  Status ForkRewrite();
  void RewriteDone(int status);
  void CloseFiles();
  bool OtherChildRunning() const;

  Keyspace* keyspace_;
  ServerContext* server_;
  State state_ = State::kOff;
  AofManifest manifest_;
  std::string buf_;
  int selected_db_ = -1;
  int fd_ = -1;                  // the current incremental file
  std::string incr_name_;        // its name (a temp name while kWaitRewrite)
  uint64_t base_size_ = 0;
  uint64_t incr_size_ = 0;       // bytes in the incremental files since the last rewrite
  uint64_t size_at_rewrite_ = 0; // AOF size after the last rewrite (auto rewrite)

  // The rewrite child.
  pid_t child_ = -1;
  int64_t child_start_ms_ = 0;
  int64_t new_base_seq_ = 0;
  std::string new_base_name_;
  int64_t new_incr_seq_ = 0;
  bool rewrite_scheduled_ = false;
  int64_t last_rewrite_time_sec_ = -1;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t consecutive_failures_ = 0;
  int64_t last_rewrite_try_ms_ = 0;
  bool last_write_ok_ = true;

  // everysec fsync.
  int64_t last_fsync_ms_ = 0;
  bool unsynced_ = false;
  uint64_t delayed_fsync_ = 0;
  std::mutex fd_mu_;             // guards fd_ against the fsync thread
  std::condition_variable cv_;
  std::atomic<bool> fsync_requested_{false};
  bool stop_thread_ = false;
  std::thread fsync_thread_;
};

}  // namespace troupe
