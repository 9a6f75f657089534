// AOF replay (see aof_loader.h).
#include "actors/persistence/aof_loader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/rdb.h"
#include "actors/persistence/rdb_loader.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "net/resp_writer.h"

namespace troupe {
namespace {

constexpr int64_t kMaxArgs = 1024 * 1024;             // per command, as a sanity bound
constexpr int64_t kMaxArgLen = 512LL * 1024 * 1024;   // proto-max-bulk-len's default

bool ReadWhole(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > (1u << 20)) break;  // a manifest is small; bound the read
  }
  ::close(fd);
  return true;
}

// Result of parsing one command at `pos`.
enum class Parse { kOk, kNeedMore, kBad };

// Reads "<prefix><number>\r\n" at *p.
Parse ReadNumberLine(const char* data, size_t size, size_t* p, char prefix, int64_t* out) {
  if (*p >= size) return Parse::kNeedMore;
  if (data[*p] != prefix) return Parse::kBad;
  const char* start = data + *p + 1;
  const void* cr = std::memchr(start, '\r', size - *p - 1);
  if (cr == nullptr) return (size - *p) > 32 ? Parse::kBad : Parse::kNeedMore;
  size_t len = static_cast<size_t>(static_cast<const char*>(cr) - start);
  if (len == 0 || len > 20) return Parse::kBad;
  if (!ParseInt64(std::string_view(start, len), out)) return Parse::kBad;
  size_t after = *p + 1 + len + 1;
  if (after >= size) return Parse::kNeedMore;
  if (data[after] != '\n') return Parse::kBad;
  *p = after + 1;
  return Parse::kOk;
}

Parse ParseCommand(const char* data, size_t size, size_t* pos, std::vector<std::string_view>* argv) {
  size_t p = *pos;
  int64_t argc;
  Parse r = ReadNumberLine(data, size, &p, '*', &argc);
  if (r != Parse::kOk) return r;
  if (argc < 1 || argc > kMaxArgs) return Parse::kBad;
  argv->clear();
  for (int64_t i = 0; i < argc; ++i) {
    int64_t len;
    r = ReadNumberLine(data, size, &p, '$', &len);
    if (r != Parse::kOk) return r;
    if (len < 0 || len > kMaxArgLen) return Parse::kBad;
    if (size - p < static_cast<size_t>(len) + 2) return Parse::kNeedMore;
    if (data[p + len] != '\r' || data[p + len + 1] != '\n') return Parse::kBad;
    argv->emplace_back(data + p, static_cast<size_t>(len));
    p += static_cast<size_t>(len) + 2;
  }
  *pos = p;
  return Parse::kOk;
}

}  // namespace

struct AofLoader::File {
  AofFile info;
  std::string path;
  int fd = -1;
  const char* data = nullptr;
  size_t size = 0;
  bool rdb = false;
  bool last = false;
  ~File() {
    if (data != nullptr && size > 0) munmap(const_cast<char*>(data), size);
    if (fd >= 0) ::close(fd);
  }
};

Result<std::optional<AofManifest>> ReadAofManifest(const std::string& dir, const std::string& filename) {
  std::string path = dir + "/" + AofManifestName(filename);
  if (access(path.c_str(), F_OK) != 0) return std::optional<AofManifest>();
  std::string text;
  if (!ReadWhole(path, &text)) return Status::Error("Can't open the AOF manifest " + path + ": " + std::strerror(errno));
  auto parsed = AofManifest::Parse(text, path);
  if (!parsed.ok()) return parsed.status();
  return std::optional<AofManifest>(std::move(*parsed));
}

AofLoader::AofLoader(std::string dir, AofManifest manifest, bool load_truncated, Keyspace* keyspace,
                     ServerContext* server)
    : dir_(std::move(dir)),
      manifest_(std::move(manifest)),
      load_truncated_(load_truncated),
      keyspace_(keyspace),
      server_(server) {
  manifest_path_ = dir_;
  client_.authenticated = true;
  client_.name = "";
  client_.addr = "aof-loader";
  if (manifest_.base) files_.push_back(*manifest_.base);
  for (const AofFile& f : manifest_.incrs) files_.push_back(f);
  for (const AofFile& f : files_) {
    struct stat st{};
    if (::stat((dir_ + "/" + f.name).c_str(), &st) == 0) bytes_total_ += static_cast<uint64_t>(st.st_size);
  }
}

AofLoader::~AofLoader() = default;

Status AofLoader::OpenNext() {
  auto f = std::make_unique<File>();
  f->info = files_[next_file_];
  f->path = dir_ + "/" + f->info.name;
  f->last = next_file_ + 1 == files_.size();
  ++next_file_;
  f->fd = ::open(f->path.c_str(), O_RDWR | O_CLOEXEC);
  if (f->fd < 0)
    return Status::Error("The AOF file " + f->info.name + " doesn't exist (" + std::strerror(errno) + ")");
  struct stat st{};
  if (fstat(f->fd, &st) != 0) return Status::Error("Unable to stat the AOF file " + f->path + ": " + std::strerror(errno));
  f->size = static_cast<size_t>(st.st_size);
  if (f->size > 0) {
    void* m = mmap(nullptr, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
    if (m == MAP_FAILED) return Status::Error("Unable to map the AOF file " + f->path + ": " + std::strerror(errno));
    f->data = static_cast<const char*>(m);
    madvise(m, f->size, MADV_SEQUENTIAL);
  }
  f->rdb = f->size >= 5 && std::memcmp(f->data, "REDIS", 5) == 0;
  pos_ = 0;
  multi_start_ = SIZE_MAX;
  client_.db = 0;
  file_ = std::move(f);
  if (file_->info.type == 'b')
    spdlog::info("Loading AOF base file {}...", file_->info.name);
  return Status::Ok();
}

Status AofLoader::FinishFile(bool truncated_tail, size_t valid_up_to) {
  File& f = *file_;
  if (truncated_tail) {
    if (!f.last) {
      return Status::Error("Fatal error: the truncated file is not the last file: " + f.info.name +
                           " (at offset " + std::to_string(valid_up_to) + ")");
    }
    if (!load_truncated_) {
      return Status::Error(
          "Unexpected end of file reading the append only file " + f.info.name + " at offset " +
          std::to_string(valid_up_to) +
          ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
          "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the "
          "server.");
    }
    spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", f.info.name);
    spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", f.info.name, valid_up_to);
    if (::ftruncate(f.fd, static_cast<off_t>(valid_up_to)) != 0) {
      return Status::Error("Error truncating the AOF file " + f.info.name + ": " + std::strerror(errno));
    }
    stats_.truncated_bytes += f.size - valid_up_to;
    spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", f.info.name);
  }
  if (f.info.type == 'b')
    spdlog::info("DB loaded from base file {}", f.info.name);
  else
    spdlog::info("DB loaded from incr file {}", f.info.name);
  bytes_done_ += f.size;
  load_stats_.keys_loaded = keyspace_->TotalKeys();
  pos_ = 0;
  file_.reset();
  return Status::Ok();
}

Result<bool> AofLoader::Step(size_t max_commands) {
  if (!file_) {
    if (next_file_ >= files_.size()) return true;
    if (Status s = OpenNext(); !s.ok()) return s;
  }
  File& f = *file_;
  if (f.rdb) {
    // An RDB base (aof-use-rdb-preamble) goes through the RDB loader, in
    // the same bounded steps.
    if (!rdb_) {
      auto opened = RdbLoader::Open(f.path, keyspace_, RdbLoadOptionsFor(server_->options()));
      if (!opened.ok()) return opened.status();
      rdb_ = std::move(*opened);
    }
    auto step = rdb_->Step(max_commands);
    if (!step.ok()) return step.status();
    pos_ = static_cast<size_t>(rdb_->bytes_loaded());
    if (!*step) return false;
    const DatasetLoadStats& st = rdb_->stats();
    stats_.rdb_keys += st.keys_loaded;
    load_stats_.keys_loaded += st.keys_loaded;
    load_stats_.keys_expired += st.keys_expired;
    load_stats_.rdb_version = st.rdb_version;
    load_stats_.redis_ver = st.redis_ver;
    load_stats_.ctime_s = st.ctime_s;
    load_stats_.used_mem = st.used_mem;
    rdb_.reset();
    pos_ = f.size;
    if (Status fs = FinishFile(false, f.size); !fs.ok()) return fs;
    return next_file_ >= files_.size();
  }
  std::vector<std::string_view> argv;
  std::vector<char> scratch;
  keyspace_->UpdateTime();
  load_stats_.keys_loaded = keyspace_->TotalKeys();
  for (size_t done = 0; done < max_commands; ++done) {
    if (pos_ >= f.size) {
      bool open_multi = client_.in_multi;
      if (open_multi) spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", f.info.name);
      client_.in_multi = client_.multi_error = false;
      client_.queued.clear();
      client_.queued_bytes = 0;
      Status s = FinishFile(open_multi, open_multi ? multi_start_ : f.size);
      if (!s.ok()) return s;
      return next_file_ >= files_.size();
    }
    if (f.data[pos_] == '#') {  // an annotation line (aof-timestamp-enabled)
      const void* nl = std::memchr(f.data + pos_, '\n', f.size - pos_);
      if (nl == nullptr) {
        Status s = FinishFile(true, pos_);
        if (!s.ok()) return s;
        return next_file_ >= files_.size();
      }
      pos_ = static_cast<size_t>(static_cast<const char*>(nl) - f.data) + 1;
      continue;
    }
    size_t start = pos_;
    Parse r = ParseCommand(f.data, f.size, &pos_, &argv);
    if (r == Parse::kNeedMore) {
      size_t valid = client_.in_multi ? multi_start_ : start;
      if (client_.in_multi) spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", f.info.name);
      client_.in_multi = client_.multi_error = false;
      client_.queued.clear();
      Status s = FinishFile(true, valid);
      if (!s.ok()) return s;
      return next_file_ >= files_.size();
    }
    if (r == Parse::kBad) {
      return Status::Error("Bad file format reading the append only file " + f.info.name + " at offset " +
                           std::to_string(start) +
                           ": make a backup of your AOF file, then use ./redis-check-aof --fix "
                           "<filename.manifest>");
    }
    if (CommandTable::Instance().Resolve(argv) == nullptr) {
      return Status::Error("Unknown command '" + std::string(argv[0].substr(0, 128)) +
                           "' reading the append only file " + f.info.name + " at offset " +
                           std::to_string(start));
    }
    if (EqualsIgnoreCase(argv[0], "MULTI")) multi_start_ = start;
    scratch.clear();
    RespWriter writer(&scratch, 2);
    CommandContext ctx{argv, writer, client_, *keyspace_, *server_};
    CommandTable::Instance().Dispatch(ctx);
    stats_.commands++;
  }
  return false;
}

}  // namespace troupe
