// Snapshotter: when and how RDB snapshots are taken — SAVE (synchronous),
// BGSAVE (a forked child writes the file while the parent keeps serving),
// the `save <seconds> <changes>` points, the save before shutdown, and the
// state INFO persistence reports.
//
// Threading: owned by main(), used only on the multiplexer thread (commands,
// the shard's cron, the node's shutdown). fork() happens there, between
// commands, so the child sees one consistent keyspace; the child runs only
// SaveRdb (no logging, no CAF) and leaves with _exit().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "actors/common/status.h"

namespace troupe {

class Keyspace;
class ServerContext;

class Snapshotter {
 public:
  Snapshotter(Keyspace* keyspace, ServerContext* server) : keyspace_(keyspace), server_(server) {}

  // SAVE: writes the snapshot now. Refused while a BGSAVE runs.
  Status SaveNow();
  // BGSAVE: forks a child that writes the snapshot.
  Status StartBackgroundSave();
  // BGSAVE SCHEDULE while another child (an AOF rewrite) runs: the save
  // starts when it is gone.
  void ScheduleBackgroundSave() { bgsave_scheduled_ = true; }
  bool bgsave_scheduled() const { return bgsave_scheduled_; }
  // Periodic work: reaps a finished child, starts a BGSAVE at a save point.
  void Cron();
  // Stops a running child (shutdown), removing its temp file.
  void KillChild();
  // The save SHUTDOWN (or SIGTERM) asks for: returns an error text when the
  // server must not exit, "" otherwise. Never saves while a dataset is
  // being loaded (ServerContext::loading), as Redis.
  std::string SaveBeforeShutdown(bool save, bool nosave, bool force);

  // <dir>/<dbfilename>, dir being the working directory.
  std::string Path() const;
  bool bgsave_in_progress() const { return child_ > 0; }

  // INFO persistence.
  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  int64_t last_bgsave_time_sec() const { return last_bgsave_time_sec_; }
  int64_t current_bgsave_time_sec() const;
  uint64_t saves() const { return saves_; }

 private:
  void Reap(int status);

 public:
  // Called after a BGSAVE ended (true = the file is complete): replicas
  // waiting for a full sync get it. Set by main().
  std::function<void(bool ok)> on_bgsave_done;

 private:

  Keyspace* keyspace_;
  ServerContext* server_;
  pid_t child_ = -1;
  bool bgsave_scheduled_ = false;
  int64_t child_start_ms_ = 0;
  uint64_t dirty_at_fork_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_sec_ = -1;
  int64_t last_bgsave_try_ms_ = 0;
  uint64_t saves_ = 0;
};

}  // namespace troupe
