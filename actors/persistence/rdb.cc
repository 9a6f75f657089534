// Implementation of RDB saving and loading (see rdb.h). Opcodes and
// encodings follow Redis's RDB version 10 format description.
#include "actors/persistence/rdb.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "actors/common/strings.h"
#include "actors/persistence/crc64.h"
#include "actors/persistence/rdb_codec.h"
#include "actors/persistence/rdb_collections.h"
#include "actors/persistence/rdb_format.h"
#include "actors/persistence/rdb_loader.h"
#include "actors/shard/commands/version.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

// LoadRdb runs the loader in steps of this many keys (nothing to interleave).
constexpr size_t kLoadRdbKeysPerStep = 4096;

bool WriteAux(RdbOut& out, std::string_view key, std::string_view value) {
  return out.Byte(kOpAux) && WriteString(out, key) && WriteString(out, value);
}

bool WriteKeyspace(RdbOut& out, const Keyspace& ks, const RdbSaveInfo& info) {
  char magic[10];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", kRdbVersion);
  if (!out.Write(magic, 9)) return false;
  if (!WriteAux(out, "redis-ver", kRedisVersion) || !WriteAux(out, "redis-bits", "64") ||
      !WriteAux(out, "ctime", std::to_string(info.now_ms / 1000)) ||
      !WriteAux(out, "used-mem", std::to_string(info.used_memory)) ||
      (!info.repl_id.empty() &&
       (!WriteAux(out, "repl-stream-db", std::to_string(info.repl_stream_db)) ||
        !WriteAux(out, "repl-id", info.repl_id) ||
        !WriteAux(out, "repl-offset", std::to_string(info.repl_offset)))) ||
      !WriteAux(out, "aof-base", info.aof_base ? "1" : "0"))
    return false;
  for (int i = 0; i < ks.db_count(); ++i) {
    const Database& db = ks.db(i);
    if (db.size() == 0) continue;
    if (!out.Byte(kOpSelectDb) || !WriteLength(out, static_cast<uint64_t>(i)) ||
        !out.Byte(kOpResizeDb) || !WriteLength(out, db.size()) ||
        !WriteLength(out, db.volatile_count()))
      return false;
    bool ok = true;
    db.ForEach([&](const Entry* e) {
      if (!ok) return;
      if (e->has_expire()) {
        int64_t when = e->expire_ms();
        uint8_t b[9] = {kOpExpireTimeMs};
        for (int k = 0; k < 8; ++k) b[1 + k] = static_cast<uint8_t>(static_cast<uint64_t>(when) >> (8 * k));
        ok = out.Write(b, 9);
      }
      if (e->type() == ObjType::kString)
        ok = ok && out.Byte(kTypeString) && WriteString(out, e->key()) && WriteString(out, e->str());
      else
        ok = ok && SaveCollection(out, e->type(), e->key(), *e->collection());
    });
    if (!ok) return false;
  }
  if (!out.Byte(kOpEof)) return false;
  // rdbchecksum no: a zero trailer, which loaders take as "not checked".
  uint64_t crc = info.checksum ? out.crc() : 0;
  uint8_t b[8];
  for (int k = 0; k < 8; ++k) b[k] = static_cast<uint8_t>(crc >> (8 * k));
  return out.Write(b, 8) && out.Flush();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

Status SaveRdb(const Keyspace& keyspace, const std::string& path, const RdbSaveInfo& info) {
  std::string tmp = DirOf(path) + "/temp-" + std::to_string(getpid()) + ".rdb";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::Error("Failed opening the temp RDB file " + tmp + " (in server root dir): " +
                         std::strerror(errno));
  RdbOut sink(fd, info.compress);
  bool ok = WriteKeyspace(sink, keyspace, info);
  int err = errno;
  ok = ok && ::fsync(fd) == 0;
  if (!ok) err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::Error(std::string("Write error saving DB on disk: ") + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return Status::Error("Error moving temp DB file " + tmp + " on the final destination " + path +
                         ": " + std::strerror(err));
  }
  // Make the rename itself durable.
  int dir = ::open(DirOf(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

Status SaveRdbToString(const Keyspace& keyspace, const RdbSaveInfo& info, std::string* out) {
  RdbOut sink(out, info.compress);
  if (!WriteKeyspace(sink, keyspace, info)) return Status::Error("Write error saving DB in memory");
  return Status::Ok();
}

namespace {
Status RunLoader(RdbLoader* loader, RdbLoadStats* stats) {
  for (;;) {
    Result<bool> done = loader->Step(kLoadRdbKeysPerStep);
    *stats = loader->stats();
    if (!done.ok()) return done.status();
    if (*done) return Status::Ok();
  }
}
}  // namespace

Status LoadRdb(const std::string& path, Keyspace* keyspace, bool is_replica, RdbLoadStats* stats) {
  RdbLoadOptions options;
  options.is_replica = is_replica;
  auto loader = RdbLoader::Open(path, keyspace, options);
  if (!loader.ok()) return loader.status();
  return RunLoader(loader->get(), stats);
}

Status LoadRdbFromMemory(std::string_view data, const std::string& name, Keyspace* keyspace, bool is_replica,
                         RdbLoadStats* stats) {
  RdbLoadOptions options;
  options.is_replica = is_replica;
  std::unique_ptr<RdbLoader> loader = RdbLoader::FromMemory(data, name, keyspace, options);
  return RunLoader(loader.get(), stats);
}

}  // namespace troupe
