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
#include "actors/persistence/lzf.h"
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
// Length encodings.
constexpr uint8_t kLen6 = 0, kLen14 = 1, kLen32 = 0x80, kLen64 = 0x81, kEncVal = 3;
constexpr uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;

// Buffered writer over a file descriptor that keeps the running CRC64.
class FileSink {
 public:
  explicit FileSink(int fd) : fd_(fd) { buf_.reserve(kChunk); }
  bool Write(const void* data, size_t len) {
    crc_ = Crc64(crc_, data, len);
    const char* p = static_cast<const char*>(data);
    buf_.insert(buf_.end(), p, p + len);
    return buf_.size() < kChunk || Flush();
  }
  bool Byte(uint8_t b) { return Write(&b, 1); }
  bool Flush() {
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    buf_.clear();
    return true;
  }
  uint64_t crc() const { return crc_; }

 private:
  static constexpr size_t kChunk = 1 << 16;
  int fd_;
  uint64_t crc_ = 0;
  std::vector<char> buf_;
};

bool WriteLength(FileSink& out, uint64_t len) {
  if (len < (1 << 6)) return out.Byte(static_cast<uint8_t>(len));
  if (len < (1 << 14)) {
    uint8_t b[2] = {static_cast<uint8_t>(0x40 | (len >> 8)), static_cast<uint8_t>(len & 0xFF)};
    return out.Write(b, 2);
  }
  if (len <= UINT32_MAX) {
    uint8_t b[5] = {kLen32, static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16),
                    static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
    return out.Write(b, 5);
  }
  uint8_t b[9] = {kLen64};
  for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<uint8_t>(len >> (56 - 8 * i));
  return out.Write(b, 9);
}

// Strings that are small integers are stored in Redis's integer encodings.
bool WriteString(FileSink& out, std::string_view s) {
  int64_t v;
  if (s.size() <= 11 && ParseInt64(s, &v)) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
      uint8_t b[2] = {0xC0 | kEncInt8, static_cast<uint8_t>(v)};
      return out.Write(b, 2);
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      uint8_t b[3] = {0xC0 | kEncInt16, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
      return out.Write(b, 3);
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      uint8_t b[5] = {0xC0 | kEncInt32, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                      static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
      return out.Write(b, 5);
    }
  }
  return WriteLength(out, s.size()) && out.Write(s.data(), s.size());
}

bool WriteAux(FileSink& out, std::string_view key, std::string_view value) {
  return out.Byte(kOpAux) && WriteString(out, key) && WriteString(out, value);
}

bool WriteKeyspace(FileSink& out, const Keyspace& ks, const RdbSaveInfo& info) {
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
      if (!ok || e->type() != ObjType::kString) return;  // only strings exist so far
      if (e->has_expire()) {
        int64_t when = e->expire_ms();
        uint8_t b[9] = {kOpExpireTimeMs};
        for (int k = 0; k < 8; ++k) b[1 + k] = static_cast<uint8_t>(static_cast<uint64_t>(when) >> (8 * k));
        ok = out.Write(b, 9);
      }
      ok = ok && out.Byte(kTypeString) && WriteString(out, e->key()) && WriteString(out, e->str());
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

// A bounds-checked reader over the whole file.
class Reader {
 public:
  Reader(const std::string& data, const std::string& name) : data_(data), name_(name) {}
  size_t pos() const { return pos_; }
  bool Fail(const std::string& why) {
    if (error_.empty())
      error_ = "Bad RDB file " + name_ + " at offset " + std::to_string(pos_) + ": " + why;
    return false;
  }
  const std::string& error() const { return error_; }
  bool Bytes(size_t n, const char** out) {
    if (data_.size() - pos_ < n) return Fail("unexpected end of file");
    *out = data_.data() + pos_;
    pos_ += n;
    return true;
  }
  bool Byte(uint8_t* b) {
    const char* p;
    if (!Bytes(1, &p)) return false;
    *b = static_cast<uint8_t>(*p);
    return true;
  }
  // A length, or (when *encoded is set) a special string encoding number.
  bool Length(uint64_t* len, bool* encoded = nullptr) {
    uint8_t b;
    if (!Byte(&b)) return false;
    if (encoded) *encoded = false;
    switch (b >> 6) {
      case kLen6: *len = b & 0x3F; return true;
      case kLen14: {
        uint8_t c;
        if (!Byte(&c)) return false;
        *len = (static_cast<uint64_t>(b & 0x3F) << 8) | c;
        return true;
      }
      case kEncVal:
        if (!encoded) return Fail("unexpected string encoding where a length was expected");
        *encoded = true;
        *len = b & 0x3F;
        return true;
      default: {
        size_t n = b == kLen32 ? 4 : b == kLen64 ? 8 : 0;
        if (n == 0) return Fail("unknown length encoding");
        const char* p;
        if (!Bytes(n, &p)) return false;
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        *len = v;
        return true;
      }
    }
  }
  bool String(std::string* out) {
    uint64_t len;
    bool encoded;
    if (!Length(&len, &encoded)) return false;
    if (!encoded) {
      const char* p;
      if (!Bytes(len, &p)) return false;
      out->assign(p, len);
      return true;
    }
    const char* p;
    switch (len) {
      case kEncInt8:
        if (!Bytes(1, &p)) return false;
        *out = std::to_string(static_cast<int8_t>(p[0]));
        return true;
      case kEncInt16:
        if (!Bytes(2, &p)) return false;
        *out = std::to_string(static_cast<int16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8)));
        return true;
      case kEncInt32: {
        if (!Bytes(4, &p)) return false;
        uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        *out = std::to_string(static_cast<int32_t>(v));
        return true;
      }
      case kEncLzf: {
        uint64_t clen, ulen;
        if (!Length(&clen) || !Length(&ulen) || !Bytes(clen, &p)) return false;
        if (ulen > (1ULL << 32)) return Fail("LZF string too long");
        out->assign(ulen, '\0');
        if (ulen > 0 && LzfDecompress(p, clen, out->data(), ulen) != ulen)
          return Fail("corrupt LZF compressed string");
        return true;
      }
      default:
        return Fail("unknown string encoding " + std::to_string(len));
    }
  }

 private:
  const std::string& data_;
  std::string name_;
  size_t pos_ = 0;
  std::string error_;
};

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
  FileSink sink(fd);
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
  Reader in(data, path);
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
    // A key/value pair of type `op`.
    if (op != kTypeString) {
      in.Fail(std::string("values of type ") + TypeNameOf(op) + " (RDB type " + std::to_string(op) +
              ") are not supported by Troupe yet");
      return Status::Error(in.error());
    }
    std::string key, value;
    if (!in.String(&key) || !in.String(&value)) return Status::Error(in.error());
    if (expire_ms >= 0 && expire_ms <= now_ms && !is_replica) {
      stats->keys_expired++;
    } else {
      keyspace->db(db_index).SetString(key, value, expire_ms);
      stats->keys_loaded++;
    }
    expire_ms = -1;
  }
}

}  // namespace troupe
