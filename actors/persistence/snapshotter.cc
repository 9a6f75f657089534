// Implementation of Snapshotter (see snapshotter.h).
#include "actors/persistence/snapshotter.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/rdb.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

constexpr int64_t kBgsaveRetryDelayMs = 5000;  // after a failed BGSAVE (Redis: 5 s)

RdbSaveInfo MakeInfo(const ServerContext& server) {
  RdbSaveInfo info;
  info.now_ms = server.clock().UnixMs();
  struct mallinfo2 mi = mallinfo2();
  info.used_memory = mi.uordblks + mi.hblkhd;
  info.compress = server.options().rdbcompression;
  info.checksum = server.options().rdbchecksum;
  if (server.fill_repl_info) server.fill_repl_info(&info);
  return info;
}

}  // namespace

std::string Snapshotter::Path() const { return server_->options().dbfilename; }

Status Snapshotter::SaveNow() {
  if (child_ > 0) return Status::Error("ERR Background save already in progress");
  int64_t start = server_->clock().UnixMs();
  Status s = SaveRdb(*keyspace_, Path(), MakeInfo(*server_));
  if (!s.ok()) {
    spdlog::warn("{}", s.message());
    return Status::Error("ERR " + s.message());
  }
  spdlog::info("DB saved on disk");
  keyspace_->dirty = 0;
  server_->lastsave_s = start / 1000;
  saves_++;
  return Status::Ok();
}

Status Snapshotter::StartBackgroundSave() {
  if (child_ > 0) return Status::Error("ERR Background save already in progress");
  if (server_->aof != nullptr && server_->aof->rewrite_in_progress())
    return Status::Error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to "
        "schedule a BGSAVE whenever possible.");
  last_bgsave_try_ms_ = server_->clock().UnixMs();
  RdbSaveInfo info = MakeInfo(*server_);
  std::string path = Path();
  int64_t fork_start_us = server_->clock().MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: a frozen copy of the keyspace. No logging, no CAF, just the file.
    Status s = SaveRdb(*keyspace_, path, info);
    _exit(s.ok() ? 0 : 1);
  }
  if (pid < 0) {
    last_bgsave_ok_ = false;
    spdlog::warn("Can't save in background: fork: {}", std::strerror(errno));
    return Status::Error(std::string("ERR Can't save in background: fork: ") + std::strerror(errno));
  }
  server_->latest_fork_usec = server_->clock().MonotonicUs() - fork_start_us;
  server_->total_forks++;
  child_ = pid;
  keyspace_->fork_child_active = true;
  child_start_ms_ = last_bgsave_try_ms_;
  dirty_at_fork_ = keyspace_->dirty;
  spdlog::info("Background saving started by pid {}", pid);
  return Status::Ok();
}

void Snapshotter::Reap(int status) {
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  int64_t now = server_->clock().UnixMs();
  last_bgsave_time_sec_ = (now - child_start_ms_) / 1000;
  if (ok) {
    spdlog::info("Background saving terminated with success");
    keyspace_->dirty = keyspace_->dirty >= dirty_at_fork_ ? keyspace_->dirty - dirty_at_fork_ : 0;
    server_->lastsave_s = child_start_ms_ / 1000;
    saves_++;
  } else if (WIFSIGNALED(status)) {
    spdlog::warn("Background saving terminated by signal {}", WTERMSIG(status));
  } else {
    spdlog::warn("Background saving error");
  }
  last_bgsave_ok_ = ok;
  child_ = -1;
  keyspace_->fork_child_active = false;
  if (on_bgsave_done) on_bgsave_done(ok);
}

void Snapshotter::Cron() {
  if (child_ > 0) {
    int status = 0;
    pid_t done = waitpid(child_, &status, WNOHANG);
    if (done == child_) Reap(status);
    return;
  }
  if (server_->aof != nullptr && server_->aof->rewrite_in_progress()) return;  // one child at a time
  int64_t now = server_->clock().UnixMs();
  if (bgsave_scheduled_) {  // BGSAVE SCHEDULE: the other child is gone
    bool may_retry = last_bgsave_ok_ || now - last_bgsave_try_ms_ > kBgsaveRetryDelayMs;
    if (may_retry && StartBackgroundSave().ok()) bgsave_scheduled_ = false;
    return;
  }
  for (const SavePoint& sp : server_->options().save_points) {
    bool due = static_cast<int64_t>(keyspace_->dirty) >= sp.changes &&
               now / 1000 - server_->lastsave_s > sp.seconds;
    bool may_retry = last_bgsave_ok_ || now - last_bgsave_try_ms_ > kBgsaveRetryDelayMs;
    if (due && may_retry) {
      spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      StartBackgroundSave();
      return;
    }
  }
}

void Snapshotter::KillChild() {
  if (child_ <= 0) return;
  kill(child_, SIGUSR1);
  int status = 0;
  waitpid(child_, &status, 0);
  unlink(("temp-" + std::to_string(child_) + ".rdb").c_str());
  child_ = -1;
  keyspace_->fork_child_active = false;
}

int64_t Snapshotter::current_bgsave_time_sec() const {
  return child_ > 0 ? (server_->clock().UnixMs() - child_start_ms_) / 1000 : -1;
}

std::string Snapshotter::SaveBeforeShutdown(bool save, bool nosave, bool force) {
  if (server_->options().sentinel_mode) return "";  // a sentinel has no dataset to save
  // Saving half a loaded dataset would overwrite the file being loaded.
  if (server_->loading) {
    save = false;
    nosave = true;
  }
  if (child_ > 0) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    KillChild();
  }
  bool wants_save = save || (!nosave && !server_->options().save_points.empty());
  if (!wants_save) return "";
  spdlog::info("Saving the final RDB snapshot before exiting.");
  if (SaveNow().ok()) return "";
  if (force) {
    spdlog::warn("Error trying to save the DB. Exit anyway.");
    return "";
  }
  spdlog::warn("Error trying to save the DB, can't exit.");
  return "ERR Errors trying to SHUTDOWN. Check logs.";
}

}  // namespace troupe
