// Implementation of RespParser (see resp_parser.h). The checks follow the
// order and texts of Redis 7.0's processMultibulkBuffer/processInlineBuffer.
#include "net/resp_parser.h"

#include <cctype>
#include <cstring>

#include "actors/common/strings.h"

namespace troupe {
namespace {

// Parses the integer of a length line "<prefix><digits>" (prefix excluded).
bool ParseLength(const char* p, size_t n, int64_t* out) {
  return ParseInt64(std::string_view(p, n), out);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void RespParser::Reset() {
  multibulk_left_ = 0;
  bulk_len_ = -1;
  pos_ = 0;
  cmd_start_ = 0;
  args_.clear();
}

RespParser::Outcome RespParser::Fail(const char* text) {
  error_ = std::string("ERR Protocol error: ") + text;
  Reset();
  return Outcome::kError;
}

RespParser::Outcome RespParser::Next(const char* data, size_t len, const Limits& limits,
                                     size_t* consumed, std::vector<std::string_view>* argv) {
  argv->clear();
  // Offsets (cmd_start_, pos_, args_) are relative to `data`, which keeps the
  // same origin until a command is returned; skipped empty commands only
  // move cmd_start_.
  for (;;) {
    if (multibulk_left_ == 0) {
      args_.clear();
      size_t s = cmd_start_;
      if (s >= len) return Outcome::kNeedMore;
      const char* d = data + s;
      size_t l = len - s;
      if (d[0] != '*') {
        size_t used = 0;
        Outcome o = ParseInline(d, l, &used, argv);
        if (o != Outcome::kCommand) return o;
        if (argv->empty()) {  // an empty line: skip it
          cmd_start_ = s + used;
          continue;
        }
        *consumed = s + used;
        cmd_start_ = 0;
        return o;
      }
      const char* cr = static_cast<const char*>(std::memchr(d, '\r', l));
      if (cr == nullptr) {
        if (l > kInlineMax) return Fail("too big mbulk count string");
        return Outcome::kNeedMore;
      }
      size_t line = static_cast<size_t>(cr - d);
      if (line + 2 > l) return Outcome::kNeedMore;  // "\n" not here yet
      int64_t count;
      if (!ParseLength(d + 1, line - 1, &count) || count > kMaxMultibulk)
        return Fail("invalid multibulk length");
      if (count > 10 && limits.auth_required) return Fail("unauthenticated multibulk length");
      if (count <= 0) {  // "*0" or "*-1": an empty command, skipped
        cmd_start_ = s + line + 2;
        continue;
      }
      multibulk_left_ = count;
      bulk_len_ = -1;
      pos_ = s + line + 2;
      args_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
    }
    while (multibulk_left_ > 0) {
      if (bulk_len_ < 0) {
        if (pos_ >= len) return Outcome::kNeedMore;
        const char* start = data + pos_;
        const char* cr = static_cast<const char*>(std::memchr(start, '\r', len - pos_));
        if (cr == nullptr) {
          if (len - pos_ > kInlineMax) return Fail("too big bulk count string");
          return Outcome::kNeedMore;
        }
        size_t line = static_cast<size_t>(cr - start);
        if (pos_ + line + 2 > len) return Outcome::kNeedMore;
        if (start[0] != '$') {
          error_ = std::string("ERR Protocol error: expected '$', got '") + start[0] + "'";
          Reset();
          return Outcome::kError;
        }
        int64_t n;
        if (!ParseLength(start + 1, line - 1, &n) || n < 0 || n > limits.proto_max_bulk_len)
          return Fail("invalid bulk length");
        if (n > 16384 && limits.auth_required) return Fail("unauthenticated bulk length");
        bulk_len_ = n;
        pos_ += line + 2;
      }
      size_t need = static_cast<size_t>(bulk_len_) + 2;
      if (len - pos_ < need) return Outcome::kNeedMore;
      args_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
      pos_ += need;  // Redis does not check the trailing CRLF either
      bulk_len_ = -1;
      --multibulk_left_;
    }
    argv->reserve(args_.size());
    for (const auto& [offset, size] : args_) argv->emplace_back(data + offset, size);
    *consumed = pos_;
    pos_ = 0;
    cmd_start_ = 0;
    return Outcome::kCommand;
  }
}

RespParser::Outcome RespParser::ParseInline(const char* data, size_t len, size_t* consumed,
                                            std::vector<std::string_view>* argv) {
  const char* nl = static_cast<const char*>(std::memchr(data, '\n', len));
  if (nl == nullptr) {
    if (len > kInlineMax) return Fail("too big inline request");
    return Outcome::kNeedMore;
  }
  size_t line_len = static_cast<size_t>(nl - data);
  size_t eol = 1;
  if (line_len > 0 && data[line_len - 1] == '\r') {
    --line_len;
    ++eol;
  }
  if (!SplitInlineArgs(std::string_view(data, line_len), &inline_args_))
    return Fail("unbalanced quotes in request");
  *consumed = line_len + eol;
  for (const auto& a : inline_args_) argv->emplace_back(a);
  return Outcome::kCommand;
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0, n = line.size();
  for (;;) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n': current.push_back('\n'); break;
            case 'r': current.push_back('\r'); break;
            case 't': current.push_back('\t'); break;
            case 'b': current.push_back('\b'); break;
            case 'a': current.push_back('\a'); break;
            default: current.push_back(line[i]); break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          current.push_back(c);
        }
      } else if (in_sq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          current.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          current.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(current));
  }
}

}  // namespace troupe
