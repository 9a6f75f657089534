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
#include <vector>

#include "actors/common/strings.h"
#include "actors/persistence/crc64.h"
#include "actors/persistence/rdb_codec.h"
#include "actors/persistence/rdb_collections.h"
#include "actors/shard/commands/version.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

constexpr int kRdbVersion = 10;
// Opcodes.
constexpr uint8_t kOpFunction2 = 245, kOpModuleAux = 247, kOpIdle = 248, kOpFreq = 249,
                  kOpAux = 250, kOpResizeDb = 251, kOpExpireTimeMs = 252, kOpExpireTime = 253,
                  kOpSelectDb = 254, kOpEof = 255;
// Value types.
constexpr uint8_t kTypeString = 0;

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
      !WriteAux(out, "aof-base", "0"))
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
  uint64_t crc = out.crc();
  uint8_t b[8];
  for (int k = 0; k < 8; ++k) b[k] = static_cast<uint8_t>(crc >> (8 * k));
  return out.Write(b, 8) && out.Flush();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "Can't open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  fstat(fd, &st);
  out->resize(static_cast<size_t>(st.st_size));
  size_t off = 0;
  while (off < out->size()) {
    ssize_t n = ::read(fd, out->data() + off, out->size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  out->resize(off);
  return true;
}

const char* TypeNameOf(uint8_t type) {
  switch (type) {
    case 1: case 10: case 14: case 18: return "list";
    case 2: case 11: case 20: return "set";
    case 3: case 5: case 12: case 17: return "zset";
    case 4: case 9: case 13: case 16: return "hash";
    case 15: case 19: case 21: return "stream";
    case 6: case 7: return "module";
    default: return "unknown";
  }
}

}  // namespace

Status SaveRdb(const Keyspace& keyspace, const std::string& path, const RdbSaveInfo& info) {
  std::string tmp = DirOf(path) + "/temp-" + std::to_string(getpid()) + ".rdb";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::Error("Failed opening the temp RDB file " + tmp + " (in server root dir): " +
                         std::strerror(errno));
  RdbOut sink(fd);
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

Status LoadRdb(const std::string& path, Keyspace* keyspace, bool is_replica, RdbLoadStats* stats) {
  std::string data, error;
  if (!ReadFile(path, &data, &error)) return Status::Error(error);
  RdbIn in(data, path);
  const char* magic;
  if (!in.Bytes(9, &magic) || std::memcmp(magic, "REDIS", 5) != 0)
    return Status::Error("Wrong signature trying to load DB from file " + path);
  int version = std::atoi(std::string(magic + 5, 4).c_str());
  if (version < 1 || version > kRdbVersion)
    return Status::Error("Can't handle RDB format version " + std::to_string(version) + " in " + path);
  stats->rdb_version = version;
  int64_t now_ms = keyspace->clock().UnixMs();
  int db_index = 0;
  int64_t expire_ms = -1;
  for (;;) {
    uint8_t op;
    if (!in.Byte(&op)) return Status::Error(in.error());
    if (op == kOpEof) {
      if (version >= 5) {
        size_t crc_end = in.pos();
        const char* p;
        if (!in.Bytes(8, &p)) return Status::Error(in.error());
        uint64_t stored = 0;
        for (int i = 7; i >= 0; --i) stored = (stored << 8) | static_cast<uint8_t>(p[i]);
        if (stored != 0 && stored != Crc64(0, data.data(), crc_end))
          return Status::Error("Wrong RDB checksum in " + path + " (expected " +
                               std::to_string(Crc64(0, data.data(), crc_end)) + ", found " +
                               std::to_string(stored) + ")");
      }
      return Status::Ok();
    }
    switch (op) {
      case kOpAux: {
        std::string key, value;
        if (!in.String(&key) || !in.String(&value)) return Status::Error(in.error());
        if (key == "redis-ver") stats->redis_ver = value;
        if (key == "ctime") stats->ctime_s = std::atoll(value.c_str());
        if (key == "used-mem") stats->used_mem = std::atoll(value.c_str());
        continue;
      }
      case kOpSelectDb: {
        uint64_t n;
        if (!in.Length(&n)) return Status::Error(in.error());
        if (n >= static_cast<uint64_t>(keyspace->db_count()))
          return Status::Error("FATAL: Data file " + path + " was created with a Redis server "
                               "configured to handle more than " + std::to_string(keyspace->db_count()) +
                               " databases. Exiting");
        db_index = static_cast<int>(n);
        continue;
      }
      case kOpResizeDb: {
        uint64_t a, b;
        if (!in.Length(&a) || !in.Length(&b)) return Status::Error(in.error());
        continue;
      }
      case kOpExpireTimeMs: {
        const char* p;
        if (!in.Bytes(8, &p)) return Status::Error(in.error());
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        expire_ms = static_cast<int64_t>(v);
        continue;
      }
      case kOpExpireTime: {
        const char* p;
        if (!in.Bytes(4, &p)) return Status::Error(in.error());
        uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        expire_ms = static_cast<int64_t>(v) * 1000;
        continue;
      }
      case kOpIdle: {
        uint64_t idle;
        if (!in.Length(&idle)) return Status::Error(in.error());
        continue;
      }
      case kOpFreq: {
        uint8_t f;
        if (!in.Byte(&f)) return Status::Error(in.error());
        continue;
      }
      case kOpModuleAux:
      case kOpFunction2:
        in.Fail("module and function data are not supported by Troupe yet");
        return Status::Error(in.error());
      default:
        break;
    }
    // A key/value pair of RDB type `op`.
    std::string key, value;
    if (!in.String(&key)) return Status::Error(in.error());
    Collection* collection = nullptr;
    ObjType type = ObjType::kString;
    if (op == kTypeString) {
      if (!in.String(&value)) return Status::Error(in.error());
    } else {
      Status loaded = LoadCollection(op, in, &type, &collection);
      if (!loaded.ok()) {
        in.Fail(loaded.message() + " (RDB type " + std::to_string(op) + ", " + TypeNameOf(op) + ")");
        return Status::Error(in.error());
      }
    }
    if (expire_ms >= 0 && expire_ms <= now_ms && !is_replica) {
      stats->keys_expired++;
      delete collection;
    } else {
      Database& db = keyspace->db(db_index);
      if (collection == nullptr) {
        db.SetString(key, value, expire_ms);
      } else {
        db.Delete(key);
        db.AddCollection(key, type, collection);
        if (expire_ms >= 0) db.SetExpire(key, expire_ms);
      }
      stats->keys_loaded++;
    }
    expire_ms = -1;
  }
}

}  // namespace troupe
