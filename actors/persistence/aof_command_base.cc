// Writing the AOF base as commands (see aof_command_base.h).
#include "actors/persistence/aof_command_base.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "actors/common/strings.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/shard/types/hash_value.h"
#include "actors/shard/types/list_value.h"
#include "actors/shard/types/set_value.h"
#include "actors/shard/types/zset_value.h"

namespace troupe {
namespace {

constexpr size_t kItemsPerCommand = 64;  // Redis's AOF_REWRITE_ITEMS_PER_CMD
constexpr size_t kFlushBytes = 1 << 20;

class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) {}
  void Command(const std::vector<std::string>& argv) {
    AppendRespArray(&buf_, argv);
    if (buf_.size() >= kFlushBytes) Flush();
  }
  bool Flush() {
    size_t off = 0;
    while (ok_ && off < buf_.size()) {
      ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ok_ = false;
      else off += static_cast<size_t>(n);
    }
    buf_.clear();
    return ok_;
  }
  bool ok() const { return ok_; }

 private:
  int fd_;
  std::string buf_;
  bool ok_ = true;
};

// Emits `head` + items in commands of at most kItemsPerCommand items.
class Batcher {
 public:
  Batcher(Writer* w, std::vector<std::string> head, size_t item_width)
      : w_(w), head_(std::move(head)), width_(item_width) {}
  void Add(std::vector<std::string> item) {
    if (cmd_.empty()) cmd_ = head_;
    for (auto& s : item) cmd_.push_back(std::move(s));
    if ((cmd_.size() - head_.size()) / width_ >= kItemsPerCommand) Done();
  }
  void Done() {
    if (cmd_.size() > head_.size()) w_->Command(cmd_);
    cmd_.clear();
  }

 private:
  Writer* w_;
  std::vector<std::string> head_;
  size_t width_;
  std::vector<std::string> cmd_;
};

void WriteEntry(Writer& w, const Entry* e) {
  std::string key(e->key());
  switch (e->type()) {
    case ObjType::kString:
      w.Command({"SET", key, std::string(e->str())});
      break;
    case ObjType::kList: {
      Batcher b(&w, {"RPUSH", key}, 1);
      static_cast<const ListValue*>(e->collection())->ForEach([&](std::string_view v) { b.Add({std::string(v)}); });
      b.Done();
      break;
    }
    case ObjType::kSet: {
      Batcher b(&w, {"SADD", key}, 1);
      static_cast<const SetValue*>(e->collection())->ForEach([&](std::string_view m) { b.Add({std::string(m)}); });
      b.Done();
      break;
    }
    case ObjType::kZSet: {
      Batcher b(&w, {"ZADD", key}, 2);
      static_cast<const ZSetValue*>(e->collection())->ForEach([&](std::string_view m, double score) {
        b.Add({FormatDouble(score), std::string(m)});
        return true;
      });
      b.Done();
      break;
    }
    case ObjType::kHash: {
      Batcher b(&w, {"HMSET", key}, 2);
      static_cast<const HashValue*>(e->collection())->ForEach([&](std::string_view f, std::string_view v) {
        b.Add({std::string(f), std::string(v)});
      });
      b.Done();
      break;
    }
    default:
      break;
  }
  if (e->has_expire()) w.Command({"PEXPIREAT", key, std::to_string(e->expire_ms())});
}

}  // namespace

Status WriteAofCommandBase(const Keyspace& keyspace, const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string tmp = dir + "/temp-rewriteaof-" + std::to_string(getpid()) + ".aof";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("Opening the temp file for AOF rewrite failed: " + std::string(std::strerror(errno)));
  Writer w(fd);
  for (int i = 0; i < keyspace.db_count() && w.ok(); ++i) {
    const Database& db = keyspace.db(i);
    if (db.size() == 0) continue;
    w.Command({"SELECT", std::to_string(i)});
    db.ForEach([&](const Entry* e) { WriteEntry(w, e); });
  }
  bool ok = w.Flush() && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return Status::Error(std::string("Write error writing the AOF base: ") + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace troupe
