// Implementation of AppendOnlyFile (see aof.h).
#include "actors/persistence/aof.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/node/server_context.h"
#include "actors/persistence/aof_command_base.h"
#include "actors/persistence/aof_loader.h"
#include "actors/persistence/rdb.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

constexpr int64_t kFsyncPeriodMs = 1000;        // appendfsync everysec
constexpr int64_t kRewriteRetryDelayMs = 5000;  // after a failed rewrite
constexpr size_t kMaxBufferBytes = 256u << 20;  // unwritten AOF data kept while writes fail

uint64_t FileSize(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string TempIncrName(const std::string& filename) { return "temp-" + filename + ".incr"; }

// Writes the AOF base of the current dataset to `path` (synchronously, or in
// the rewrite child).
Status WriteBase(const Keyspace& keyspace, const std::string& path, bool rdb_preamble, int64_t now_ms) {
  if (!rdb_preamble) return WriteAofCommandBase(keyspace, path);
  RdbSaveInfo info;
  info.now_ms = now_ms;
  struct mallinfo2 mi = mallinfo2();
  info.used_memory = mi.uordblks + mi.hblkhd;
  info.aof_base = true;
  return SaveRdb(keyspace, path, info);
}

}  // namespace

AppendOnlyFile::AppendOnlyFile(Keyspace* keyspace, ServerContext* server)
    : keyspace_(keyspace), server_(server) {
  // The helper thread takes no signals (main's sigwait thread does): it is
  // started with every signal blocked, whatever the caller's mask is.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  fsync_thread_ = std::thread([this] { FsyncThread(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

AppendOnlyFile::~AppendOnlyFile() {
  {
    std::lock_guard<std::mutex> lock(fd_mu_);
    stop_thread_ = true;
  }
  cv_.notify_all();
  fsync_thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

std::string AppendOnlyFile::DirPath() const { return server_->options().appenddirname; }

Status AppendOnlyFile::EnsureDir() const {
  if (::mkdir(DirPath().c_str(), 0755) != 0 && errno != EEXIST)
    return Status::Error("Can't create the append-only dir '" + DirPath() + "': " + std::strerror(errno));
  return Status::Ok();
}

Status AppendOnlyFile::OpenIncr(const std::string& name, bool truncate) {
  int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(PathOf(name).c_str(), flags, 0644);
  if (fd < 0) return Status::Error("Can't open the append-only file " + name + ": " + std::strerror(errno));
  SwitchFd(fd);
  incr_name_ = name;
  selected_db_ = -1;  // a new file starts with a SELECT
  return Status::Ok();
}

void AppendOnlyFile::SwitchFd(int fd) {
  std::lock_guard<std::mutex> lock(fd_mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status AppendOnlyFile::OpenAtStartup(const std::optional<AofManifest>& existing) {
  const ServerOptions& o = server_->options();
  if (Status s = EnsureDir(); !s.ok()) return s;
  if (existing) {
    manifest_ = *existing;
    bool created = false;
    if (manifest_.incrs.empty()) {
      manifest_.incrs.push_back(AofFile{AofIncrName(o.appendfilename, 1), 1, 'i'});
      created = true;
    }
    if (Status s = OpenIncr(manifest_.incrs.back().name, false); !s.ok()) return s;
    if (created) {
      spdlog::info("Creating AOF incr file {} on server start", manifest_.incrs.back().name);
      if (Status s = WriteAofManifest(DirPath(), AofManifestName(o.appendfilename), manifest_); !s.ok()) return s;
    }
  } else {
    manifest_ = AofManifest{};
    AofFile base{AofBaseName(o.appendfilename, 1, o.aof_use_rdb_preamble), 1, 'b'};
    if (Status s = WriteBase(*keyspace_, PathOf(base.name), o.aof_use_rdb_preamble, server_->clock().UnixMs());
        !s.ok())
      return s;
    spdlog::info("Creating AOF base file {} on server start", base.name);
    manifest_.base = base;
    AofFile incr{AofIncrName(o.appendfilename, 1), 1, 'i'};
    if (Status s = OpenIncr(incr.name, true); !s.ok()) return s;
    spdlog::info("Creating AOF incr file {} on server start", incr.name);
    manifest_.incrs.push_back(incr);
    if (Status s = WriteAofManifest(DirPath(), AofManifestName(o.appendfilename), manifest_); !s.ok()) return s;
  }
  base_size_ = manifest_.base ? FileSize(PathOf(manifest_.base->name)) : 0;
  incr_size_ = 0;
  for (const AofFile& f : manifest_.incrs) incr_size_ += FileSize(PathOf(f.name));
  size_at_rewrite_ = base_size_;
  state_ = State::kOn;
  last_fsync_ms_ = server_->clock().UnixMs();
  if (server_->propagation) server_->propagation->AddSink(this);
  return Status::Ok();
}

Status AppendOnlyFile::Enable() {
  if (state_ != State::kOff) return Status::Ok();
  const ServerOptions& o = server_->options();
  if (Status s = EnsureDir(); !s.ok()) return s;
  // Continue the sequence numbers of an AOF left from an earlier run.
  auto existing = ReadAofManifest(DirPath(), o.appendfilename);
  manifest_ = existing.ok() && existing->has_value() ? **existing : AofManifest{};
  if (Status s = OpenIncr(TempIncrName(o.appendfilename), true); !s.ok()) return s;
  state_ = State::kWaitRewrite;
  incr_size_ = 0;
  if (server_->propagation) server_->propagation->AddSink(this);
  bool scheduled = false;
  Status s = StartRewrite(&scheduled);
  if (!s.ok()) {
    Disable();
    return Status::Error("Unable to turn on AOF. Check server logs.");
  }
  return Status::Ok();
}

void AppendOnlyFile::Disable() {
  if (state_ == State::kOff) return;
  if (child_ > 0) {
    spdlog::info("Killing running AOF rewrite child: {}", child_);
    kill(child_, SIGUSR1);
    int status = 0;
    waitpid(child_, &status, 0);
    child_ = -1;
    keyspace_->fork_child_active = false;
  }
  WriteBuffer();
  FsyncNow();
  if (state_ == State::kWaitRewrite) ::unlink(PathOf(incr_name_).c_str());
  buf_.clear();
  SwitchFd(-1);
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  if (server_->propagation) server_->propagation->RemoveSink(this);
}

void AppendOnlyFile::Feed(const std::vector<Op>& ops, bool transaction) {
  if (state_ == State::kOff) return;
  size_t n = 0;
  for (const Op& op : ops) n += (op.targets & kPropagateAof) ? 1 : 0;
  if (n == 0) return;
  bool wrap = transaction && n > 1;
  bool first = true;
  for (const Op& op : ops) {
    if (!(op.targets & kPropagateAof)) continue;
    if (first && wrap) AppendCommand(&buf_, &selected_db_, op.db, {"MULTI"});
    first = false;
    AppendCommand(&buf_, &selected_db_, op.db, op.argv);
  }
  if (wrap) AppendRespArray(&buf_, {"EXEC"});
}

bool AppendOnlyFile::WriteBuffer() {
  if (buf_.empty() || fd_ < 0) return true;
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      buf_.erase(0, off);
      incr_size_ += off;
      if (last_write_ok_) spdlog::warn("Error writing to the AOF file: {}", std::strerror(err));
      last_write_ok_ = false;
      if (server_->options().appendfsync == "always") {
        spdlog::warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        _exit(1);
      }
      if (buf_.size() > kMaxBufferBytes) {
        spdlog::warn("AOF buffer over {} bytes while writes fail. Exiting...", kMaxBufferBytes);
        _exit(1);
      }
      return false;
    }
    off += static_cast<size_t>(n);
  }
  incr_size_ += buf_.size();
  buf_.clear();
  unsynced_ = true;
  if (!last_write_ok_) spdlog::warn("AOF write error looks solved, Redis can write again.");
  last_write_ok_ = true;
  return true;
}

void AppendOnlyFile::FsyncNow() {
  if (fd_ < 0) return;
  ::fdatasync(fd_);
  unsynced_ = false;
  last_fsync_ms_ = server_->clock().UnixMs();
}

void AppendOnlyFile::BeforeReplies() {
  if (buf_.empty()) return;
  if (!WriteBuffer()) return;
  if (server_->options().appendfsync == "always") FsyncNow();
}

void AppendOnlyFile::FsyncThread() {
  std::unique_lock<std::mutex> lock(fd_mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_thread_ || fsync_requested_.load(); });
    if (stop_thread_) return;
    if (fd_ >= 0) ::fdatasync(fd_);
    fsync_requested_ = false;
  }
}

bool AppendOnlyFile::OtherChildRunning() const {
  return server_->snapshotter != nullptr && server_->snapshotter->bgsave_in_progress();
}

Status AppendOnlyFile::StartRewrite(bool* scheduled) {
  *scheduled = false;
  if (child_ > 0) return Status::Error("ERR Background append only file rewriting already in progress");
  if (OtherChildRunning()) {
    rewrite_scheduled_ = true;
    *scheduled = true;
    return Status::Ok();
  }
  return ForkRewrite();
}

Status AppendOnlyFile::ForkRewrite() {
  const ServerOptions& o = server_->options();
  rewrite_scheduled_ = false;
  last_rewrite_try_ms_ = server_->clock().UnixMs();
  if (Status s = EnsureDir(); !s.ok()) return s;
  if (state_ == State::kOn) {
    // Appends after the fork go to a new incremental file; the old ones are
    // covered by the new base once the child succeeds.
    WriteBuffer();
    FsyncNow();
    new_incr_seq_ = manifest_.last_incr_seq() + 1;
    AofFile incr{AofIncrName(o.appendfilename, new_incr_seq_), new_incr_seq_, 'i'};
    if (Status s = OpenIncr(incr.name, true); !s.ok()) return s;
    manifest_.incrs.push_back(incr);
    if (Status s = WriteAofManifest(DirPath(), AofManifestName(o.appendfilename), manifest_); !s.ok()) {
      spdlog::warn("{}", s.message());
      return s;
    }
    spdlog::info("Creating AOF incr file {} on background rewrite", incr.name);
  } else {
    WriteBuffer();
  }
  new_base_seq_ = manifest_.last_base_seq() + 1;
  new_base_name_ = AofBaseName(o.appendfilename, new_base_seq_, o.aof_use_rdb_preamble);
  std::string base_path = PathOf(new_base_name_);
  bool preamble = o.aof_use_rdb_preamble;
  int64_t now_ms = server_->clock().UnixMs();
  int64_t fork_start_us = server_->clock().MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: a frozen copy of the keyspace. No logging, no CAF.
    Status s = WriteBase(*keyspace_, base_path, preamble, now_ms);
    _exit(s.ok() ? 0 : 1);
  }
  if (pid < 0) {
    last_rewrite_ok_ = false;
    consecutive_failures_++;
    spdlog::warn("Can't rewrite append only file in background: fork: {}", std::strerror(errno));
    return Status::Error(std::string("ERR Can't rewrite append only file in background: fork: ") +
                         std::strerror(errno));
  }
  server_->latest_fork_usec = server_->clock().MonotonicUs() - fork_start_us;
  server_->total_forks++;
  keyspace_->fork_child_active = true;  // no copy-on-write for access stamps meanwhile
  child_ = pid;
  child_start_ms_ = now_ms;
  spdlog::info("Background append only file rewriting started by pid {}", pid);
  return Status::Ok();
}

void AppendOnlyFile::RewriteDone(int status) {
  const ServerOptions& o = server_->options();
  child_ = -1;
  keyspace_->fork_child_active = false;
  last_rewrite_time_sec_ = (server_->clock().UnixMs() - child_start_ms_) / 1000;
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const std::string base_name = new_base_name_;
  if (!ok) {
    if (WIFSIGNALED(status))
      spdlog::warn("Background AOF rewrite terminated by signal {}", WTERMSIG(status));
    else
      spdlog::warn("Background AOF rewrite terminated with error");
    ::unlink(PathOf(base_name).c_str());
    last_rewrite_ok_ = false;
    consecutive_failures_++;
    if (state_ == State::kWaitRewrite) rewrite_scheduled_ = true;  // AOF stays off until a base exists
    return;
  }
  spdlog::info("Background AOF rewrite terminated with success");
  AofManifest next;
  next.base = AofFile{base_name, new_base_seq_, 'b'};
  std::vector<std::string> obsolete;
  if (manifest_.base) obsolete.push_back(manifest_.base->name);
  if (state_ == State::kWaitRewrite) {
    for (const AofFile& f : manifest_.incrs) obsolete.push_back(f.name);
    int64_t seq = manifest_.last_incr_seq() + 1;
    AofFile incr{AofIncrName(o.appendfilename, seq), seq, 'i'};
    WriteBuffer();
    if (::rename(PathOf(incr_name_).c_str(), PathOf(incr.name).c_str()) != 0) {
      spdlog::warn("Error trying to rename the temporary AOF incr file {} into {}: {}", incr_name_, incr.name,
                   std::strerror(errno));
      last_rewrite_ok_ = false;
      consecutive_failures_++;
      rewrite_scheduled_ = true;
      return;
    }
    incr_name_ = incr.name;
    next.incrs.push_back(incr);
  } else {
    for (size_t i = 0; i + 1 < manifest_.incrs.size(); ++i) obsolete.push_back(manifest_.incrs[i].name);
    next.incrs.push_back(manifest_.incrs.back());
  }
  if (Status s = WriteAofManifest(DirPath(), AofManifestName(o.appendfilename), next); !s.ok()) {
    spdlog::warn("{}", s.message());
    last_rewrite_ok_ = false;
    consecutive_failures_++;
    return;
  }
  manifest_ = next;
  if (state_ == State::kWaitRewrite) {
    state_ = State::kOn;
    spdlog::info("Background AOF rewrite finished successfully");
  } else {
    spdlog::info("Background AOF rewrite finished successfully");
  }
  for (const std::string& name : obsolete) {
    if (name == manifest_.incrs.back().name || name == base_name) continue;
    spdlog::info("Removing the history file {} in the background", name);
    ::unlink(PathOf(name).c_str());
  }
  base_size_ = FileSize(PathOf(base_name));
  incr_size_ = FileSize(PathOf(manifest_.incrs.back().name));
  size_at_rewrite_ = base_size_ + incr_size_;
  last_rewrite_ok_ = true;
  consecutive_failures_ = 0;
  rewrites_++;
}

void AppendOnlyFile::Cron() {
  if (child_ > 0) {
    int status = 0;
    if (waitpid(child_, &status, WNOHANG) == child_) RewriteDone(status);
  }
  if (state_ == State::kOff) return;
  WriteBuffer();
  const ServerOptions& o = server_->options();
  int64_t now = server_->clock().UnixMs();
  if (o.appendfsync == "everysec" && unsynced_ && now - last_fsync_ms_ >= kFsyncPeriodMs) {
    if (fsync_requested_.load()) {
      delayed_fsync_++;  // the disk is slower than one fsync per second
    } else {
      unsynced_ = false;
      last_fsync_ms_ = now;
      fsync_requested_ = true;
      cv_.notify_one();
    }
  }
  if (child_ > 0 || OtherChildRunning()) return;
  bool may_retry = last_rewrite_ok_ || now - last_rewrite_try_ms_ > kRewriteRetryDelayMs;
  if (rewrite_scheduled_ && may_retry) {
    ForkRewrite();
    return;
  }
  if (state_ == State::kOn && o.auto_aof_rewrite_percentage > 0 && may_retry &&
      current_size() > static_cast<uint64_t>(o.auto_aof_rewrite_min_size)) {
    uint64_t base = size_at_rewrite_ > 0 ? size_at_rewrite_ : 1;
    uint64_t growth = (current_size() - std::min(current_size(), base)) * 100 / base;
    if (growth >= static_cast<uint64_t>(o.auto_aof_rewrite_percentage)) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      ForkRewrite();
    }
  }
}

void AppendOnlyFile::Shutdown() {
  if (child_ > 0) {
    spdlog::warn("There is a child rewriting the AOF. Killing it!");
    kill(child_, SIGUSR1);
    int status = 0;
    waitpid(child_, &status, 0);
    child_ = -1;
  }
  if (state_ == State::kOff) return;
  spdlog::info("Calling fsync() on the AOF file.");
  WriteBuffer();
  FsyncNow();
}

int64_t AppendOnlyFile::current_rewrite_time_sec() const {
  return child_ > 0 ? (server_->clock().UnixMs() - child_start_ms_) / 1000 : -1;
}

}  // namespace troupe
