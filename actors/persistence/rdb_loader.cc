// Implementation of RdbLoader (see rdb_loader.h). Opcodes and encodings
// follow Redis's RDB version 10 format description (rdb_format.h).
#include "actors/persistence/rdb_loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>

#include "actors/node/config.h"
#include "actors/persistence/crc64.h"
#include "actors/persistence/rdb_format.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

// Mapped pages are handed back in chunks of at least this many bytes.
constexpr size_t kReleaseChunk = 8u << 20;
// The smallest key/value pair in a file: type, key length, value length.
constexpr uint64_t kMinPairBytes = 3;

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

uint64_t LittleEndian(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Silences the keyspace's observers and keeps its dirty counter for the
// length of one step: loading is not a change of the dataset (no keyspace
// events, no WATCH or blocked-client wake-ups, no save-point counting).
class QuietKeyspace {
 public:
  explicit QuietKeyspace(Keyspace* ks)
      : ks_(ks),
        dirty_(ks->dirty),
        changed_(std::exchange(ks->on_key_changed, nullptr)),
        expired_(std::exchange(ks->on_key_expired, nullptr)),
        added_(std::exchange(ks->on_key_added, nullptr)),
        missed_(std::exchange(ks->on_key_missed, nullptr)) {}
  ~QuietKeyspace() {
    ks_->dirty = dirty_;
    ks_->on_key_changed = std::move(changed_);
    ks_->on_key_expired = std::move(expired_);
    ks_->on_key_added = std::move(added_);
    ks_->on_key_missed = std::move(missed_);
  }

 private:
  Keyspace* ks_;
  uint64_t dirty_;
  std::function<void(int, std::string_view)> changed_, expired_, added_, missed_;
};

}  // namespace

RdbLoadOptions RdbLoadOptionsFor(const ServerOptions& o) {
  RdbLoadOptions options;
  options.verify_checksum = o.rdbchecksum;
  options.limits.hash = HashLimits{static_cast<size_t>(o.hash_max_listpack_entries),
                                   static_cast<size_t>(o.hash_max_listpack_value)};
  options.limits.set = SetLimits{static_cast<size_t>(o.set_max_intset_entries)};
  options.limits.zset = ZSetLimits{static_cast<size_t>(o.zset_max_listpack_entries),
                                   static_cast<size_t>(o.zset_max_listpack_value)};
  return options;
}

Result<std::unique_ptr<RdbLoader>> RdbLoader::Open(const std::string& path, Keyspace* keyspace,
                                                   const RdbLoadOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error("Can't open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::Error("Can't stat " + path + ": " + std::strerror(err));
  }
  size_t size = static_cast<size_t>(st.st_size);
  const char* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::Error("Can't map " + path + ": " + std::strerror(err));
    }
    ::madvise(p, size, MADV_SEQUENTIAL);
    data = static_cast<const char*>(p);
  }
  ::close(fd);  // the mapping keeps the file's contents
  return std::unique_ptr<RdbLoader>(new RdbLoader(path, keyspace, options, data, size, size > 0));
}

std::unique_ptr<RdbLoader> RdbLoader::FromMemory(std::string_view data, const std::string& name,
                                                 Keyspace* keyspace, const RdbLoadOptions& options) {
  return std::unique_ptr<RdbLoader>(new RdbLoader(name, keyspace, options, data.data(), data.size(), false));
}

RdbLoader::RdbLoader(std::string path, Keyspace* keyspace, const RdbLoadOptions& options,
                     const char* data, size_t size, bool mapped)
    : path_(std::move(path)),
      keyspace_(keyspace),
      options_(options),
      data_(data),
      size_(size),
      mapped_(mapped),
      in_(std::string_view(data, size), path_),
      now_ms_(keyspace->clock().UnixMs()) {}

RdbLoader::~RdbLoader() {
  if (mapped_) ::munmap(const_cast<char*>(data_), size_);
}

Result<bool> RdbLoader::Step(size_t max_keys) {
  if (done_) return true;
  if (!error_.ok()) return error_;
  Result<bool> r = Run(max_keys);
  if (!r.ok()) {
    error_ = r.status();
    return r;
  }
  if (!*r) Advance();
  return r;
}

void RdbLoader::Advance() {
  size_t pos = in_.pos();
  if (options_.verify_checksum && pos > crc_pos_) crc_ = Crc64(crc_, data_ + crc_pos_, pos - crc_pos_);
  crc_pos_ = pos;
  if (!mapped_) return;
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t upto = pos / page * page;
  if (upto >= released_ + kReleaseChunk) {
    ::madvise(const_cast<char*>(data_) + released_, upto - released_, MADV_DONTNEED);
    released_ = upto;
  }
}

Status RdbLoader::ReadHeader() {
  const char* magic = nullptr;
  if (!in_.Bytes(9, &magic) || std::memcmp(magic, "REDIS", 5) != 0)
    return Status::Error("Wrong signature trying to load DB from file " + path_);
  int version = std::atoi(std::string(magic + 5, 4).c_str());
  if (version < 1 || version > kRdbVersion)
    return Status::Error("Can't handle RDB format version " + std::to_string(version) + " in " +
                         path_);
  stats_.rdb_version = version;
  header_read_ = true;
  return Status::Ok();
}

Result<bool> RdbLoader::Finish() {
  if (stats_.rdb_version >= 5) {
    size_t crc_end = in_.pos();
    const char* p = nullptr;
    if (!in_.Bytes(8, &p)) return Status::Error(in_.error());
    uint64_t stored = LittleEndian(p, 8);
    if (stored != 0 && options_.verify_checksum) {
      uint64_t computed = Crc64(crc_, data_ + crc_pos_, crc_end - crc_pos_);
      if (stored != computed)
        return Status::Error("Wrong RDB checksum in " + path_ + " (expected " +
                             std::to_string(computed) + ", found " + std::to_string(stored) + ")");
    }
  }
  done_ = true;
  return true;
}

Result<bool> RdbLoader::Run(size_t max_keys) {
  if (!header_read_) {
    if (Status s = ReadHeader(); !s.ok()) return s;
  }
  QuietKeyspace quiet(keyspace_);
  size_t keys = 0;
  while (keys < max_keys) {
    uint8_t op;
    if (!in_.Byte(&op)) return Status::Error(in_.error());
    switch (op) {
      case kOpEof:
        return Finish();
      case kOpAux: {
        std::string key, value;
        if (!in_.String(&key) || !in_.String(&value)) return Status::Error(in_.error());
        if (key == "redis-ver") stats_.redis_ver = value;
        if (key == "ctime") stats_.ctime_s = std::atoll(value.c_str());
        if (key == "used-mem") stats_.used_mem = std::atoll(value.c_str());
        if (key == "repl-id") stats_.repl_id = value;
        if (key == "repl-offset") stats_.repl_offset = std::atoll(value.c_str());
        if (key == "repl-stream-db") stats_.repl_stream_db = std::atoi(value.c_str());
        continue;
      }
      case kOpSelectDb: {
        uint64_t n;
        if (!in_.Length(&n)) return Status::Error(in_.error());
        if (n >= static_cast<uint64_t>(keyspace_->db_count()))
          return Status::Error("FATAL: Data file " + path_ +
                               " was created with a Redis server configured to handle more than " +
                               std::to_string(keyspace_->db_count()) + " databases. Exiting");
        db_index_ = static_cast<int>(n);
        continue;
      }
      case kOpResizeDb: {
        uint64_t keys, volatile_keys;
        if (!in_.Length(&keys) || !in_.Length(&volatile_keys)) return Status::Error(in_.error());
        // Size the table once, as Redis does. A key takes at least
        // kMinPairBytes of the file: a corrupt hint cannot reserve more.
        uint64_t at_most = in_.remaining() / kMinPairBytes;
        keyspace_->db(db_index_).Reserve(static_cast<size_t>(std::min(keys, at_most)));
        continue;
      }
      case kOpExpireTimeMs: {
        const char* p = nullptr;
        if (!in_.Bytes(8, &p)) return Status::Error(in_.error());
        expire_ms_ = static_cast<int64_t>(LittleEndian(p, 8));
        continue;
      }
      case kOpExpireTime: {
        const char* p = nullptr;
        if (!in_.Bytes(4, &p)) return Status::Error(in_.error());
        expire_ms_ = static_cast<int64_t>(LittleEndian(p, 4)) * 1000;
        continue;
      }
      case kOpIdle: {
        uint64_t idle;
        if (!in_.Length(&idle)) return Status::Error(in_.error());
        continue;
      }
      case kOpFreq: {
        uint8_t f;
        if (!in_.Byte(&f)) return Status::Error(in_.error());
        continue;
      }
      case kOpModuleAux:
      case kOpFunction2:
        in_.Fail("module and function data are not supported by Troupe yet");
        return Status::Error(in_.error());
      default:
        break;
    }
    if (Status s = LoadPair(op); !s.ok()) return s;
    ++keys;
  }
  return false;
}

// A key/value pair of RDB type `type`, after its opcodes (expire time...).
Status RdbLoader::LoadPair(uint8_t type) {
  std::string key, value;
  if (!in_.String(&key)) return Status::Error(in_.error());
  Collection* collection = nullptr;
  ObjType obj_type = ObjType::kString;
  if (type == kTypeString) {
    if (!in_.String(&value)) return Status::Error(in_.error());
  } else {
    Status loaded = LoadCollection(type, in_, &obj_type, &collection, options_.limits);
    if (!loaded.ok()) {
      in_.Fail(loaded.message() + " (RDB type " + std::to_string(type) + ", " + TypeNameOf(type) +
               ")");
      return Status::Error(in_.error());
    }
  }
  int64_t expire_ms = std::exchange(expire_ms_, -1);
  if (expire_ms >= 0 && expire_ms <= now_ms_ && !options_.is_replica) {
    stats_.keys_expired++;
    delete collection;
    return Status::Ok();
  }
  Database& db = keyspace_->db(db_index_);
  if (collection == nullptr) {
    db.SetString(key, value, expire_ms);
  } else {
    db.Delete(key);
    db.AddCollection(key, obj_type, collection);
    if (expire_ms >= 0) db.SetExpire(key, expire_ms);
  }
  stats_.keys_loaded++;
  return Status::Ok();
}

}  // namespace troupe
