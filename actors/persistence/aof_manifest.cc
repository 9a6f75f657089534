// AOF manifest parsing and writing (see aof_manifest.h).
#include "actors/persistence/aof_manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/common/strings.h"

namespace troupe {
namespace {

constexpr size_t kMaxManifestLine = 1024;  // Redis's AOF_MANIFEST_MAX_LINE

void AppendLine(std::string* out, const AofFile& f) {
  *out += "file " + f.name + " seq " + std::to_string(f.seq) + " type " + std::string(1, f.type) + "\n";
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string AofManifest::Format() const {
  std::string out;
  if (base) AppendLine(&out, *base);
  for (const AofFile& f : history) AppendLine(&out, f);
  for (const AofFile& f : incrs) AppendLine(&out, f);
  return out;
}

Result<AofManifest> AofManifest::Parse(const std::string& text, const std::string& path) {
  AofManifest m;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto fail = [&](const std::string& why) {
      return Status::Error("Invalid AOF manifest file format: " + path + " line " + std::to_string(line_no) +
                           ": " + why);
    };
    if (line.size() > kMaxManifestLine) return fail("line too long");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ') ++i;
      if (i > start) words.push_back(line.substr(start, i - start));
    }
    if (words.size() % 2 != 0) return fail("odd number of fields");
    AofFile f;
    bool has_name = false, has_seq = false, has_type = false;
    for (size_t k = 0; k < words.size(); k += 2) {
      const std::string& key = words[k];
      const std::string& value = words[k + 1];
      if (key == "file") {
        f.name = value;
        has_name = true;
      } else if (key == "seq") {
        if (!ParseInt64(value, &f.seq) || f.seq <= 0) return fail("bad seq");
        has_seq = true;
      } else if (key == "type") {
        if (value.size() != 1 || (value[0] != 'b' && value[0] != 'i' && value[0] != 'h'))
          return fail("unknown type " + value);
        f.type = value[0];
        has_type = true;
      }  // unknown keys are skipped, so newer manifests still load
    }
    if (!has_name || !has_seq || !has_type) return fail("missing file, seq or type");
    if (f.name.find('/') != std::string::npos) return fail("file name is a path");
    if (f.type == 'b') {
      if (m.base) return fail("more than one base file");
      m.base = f;
    } else if (f.type == 'h') {
      m.history.push_back(f);
    } else {
      if (!m.incrs.empty() && f.seq <= m.incrs.back().seq) return fail("incr file seq out of order");
      m.incrs.push_back(f);
    }
  }
  if (!m.base && m.incrs.empty() && m.history.empty())
    return Status::Error("Found an empty AOF manifest " + path);
  return m;
}

std::string AofBaseName(const std::string& filename, int64_t seq, bool rdb_preamble) {
  return filename + "." + std::to_string(seq) + ".base." + (rdb_preamble ? "rdb" : "aof");
}

std::string AofIncrName(const std::string& filename, int64_t seq) {
  return filename + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifestName(const std::string& filename) { return filename + ".manifest"; }

Status WriteAofManifest(const std::string& dir, const std::string& name, const AofManifest& manifest) {
  std::string tmp = dir + "/temp-" + name;
  std::string final_path = dir + "/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error("Can't open the AOF manifest file " + tmp + ": " + std::strerror(errno));
  bool ok = WriteAll(fd, manifest.Format()) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    return Status::Error("Can't persist the AOF manifest file " + final_path + ": " + std::strerror(err));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace troupe
