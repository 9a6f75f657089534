// The trace and its FNV-1a hash (see sim_trace.h).
#include "actors/sim/sim_trace.h"

#include <cstdio>

namespace troupe {

void SimTrace::Add(int64_t t_ms, const std::string& text) {
  std::string line = std::to_string(t_ms) + " ";
  line.reserve(line.size() + text.size());
  for (unsigned char c : text) {
    if (c == '\r') line += "\\r";
    else if (c == '\n') line += "\\n";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      line += buf;
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  for (unsigned char c : line) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;  // FNV-1a 64 prime
  }
  hash_ ^= '\n';
  hash_ *= 1099511628211ull;
  ++lines_;
  if (sink_) sink_(line);
  if (tail_limit_ > 0) {
    tail_.push_back(std::move(line));
    if (tail_.size() > tail_limit_) tail_.pop_front();
  }
}

namespace {
uint64_t Fnv(const std::string& s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

// Long parts and long part lists are summarized with their FNV hash, so
// the line (and the run's hash) still depends on every byte.
std::string JoinParts(const std::vector<std::string>& parts, size_t limit) {
  constexpr size_t kMaxParts = 16;
  std::string out;
  size_t shown = parts.size() > kMaxParts ? kMaxParts / 2 : parts.size();
  for (size_t i = 0; i < shown; ++i) {
    if (i) out.push_back(' ');
    if (parts[i].size() > limit) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "...(%zu bytes fnv=%016llx)", parts[i].size(),
                    static_cast<unsigned long long>(Fnv(parts[i])));
      out += parts[i].substr(0, limit) + buf;
    } else {
      out += parts[i];
    }
  }
  if (shown < parts.size()) {
    uint64_t h = 14695981039346656037ull;
    for (size_t i = shown; i < parts.size(); ++i) h = Fnv(parts[i] + '\0', h);
    char buf[80];
    std::snprintf(buf, sizeof(buf), " ...(+%zu parts fnv=%016llx)", parts.size() - shown,
                  static_cast<unsigned long long>(h));
    out += buf;
  }
  return out;
}

}  // namespace troupe
