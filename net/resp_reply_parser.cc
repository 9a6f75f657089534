// RespReplyParser (see resp_reply_parser.h).
#include "net/resp_reply_parser.h"

#include <cstring>

#include "actors/common/strings.h"

namespace troupe {
namespace {

using Outcome = RespReplyParser::Outcome;

// Reads the line at *pos (without CRLF).
Outcome Line(const char* data, size_t len, size_t* pos, std::string_view* line) {
  const void* cr = std::memchr(data + *pos, '\r', len - *pos);
  if (cr == nullptr) return len - *pos > 1024 * 1024 ? Outcome::kError : Outcome::kNeedMore;
  size_t end = static_cast<size_t>(static_cast<const char*>(cr) - data);
  if (end + 1 >= len) return Outcome::kNeedMore;
  if (data[end + 1] != '\n') return Outcome::kError;
  *line = std::string_view(data + *pos, end - *pos);
  *pos = end + 2;
  return Outcome::kOk;
}

Outcome ParseOne(const char* data, size_t len, size_t* pos, RespReply* out, int depth) {
  if (depth > 8) return Outcome::kError;
  if (*pos >= len) return Outcome::kNeedMore;
  char type = data[*pos];
  ++*pos;
  std::string_view line;
  Outcome r = Line(data, len, pos, &line);
  if (r != Outcome::kReply && r != Outcome::kOk) return r;
  switch (type) {
    case '+': case ':': case ',': case '(': case '#':
      out->elements.emplace_back(line);
      return Outcome::kOk;
    case '-':
      out->ok = false;
      out->elements.emplace_back(line);
      return Outcome::kOk;
    case '_':
      out->elements.emplace_back();
      return Outcome::kOk;
    case '$': case '!': case '=': {
      int64_t n;
      if (!ParseInt64(line, &n)) return Outcome::kError;
      if (n < 0) {
        out->elements.emplace_back();
        return Outcome::kOk;
      }
      if (static_cast<uint64_t>(n) > RespReplyParser::kMaxReplyBytes) return Outcome::kError;
      if (len - *pos < static_cast<size_t>(n) + 2) return Outcome::kNeedMore;
      std::string_view body(data + *pos, static_cast<size_t>(n));
      if (type == '=' && body.size() >= 4) body.remove_prefix(4);  // "txt:" of a verbatim string
      if (type == '!') out->ok = false;
      out->elements.emplace_back(body);
      *pos += static_cast<size_t>(n) + 2;
      return Outcome::kOk;
    }
    case '*': case '~': case '>': case '%': {
      int64_t n;
      if (!ParseInt64(line, &n)) return Outcome::kError;
      if (n < 0) {
        out->elements.emplace_back();
        return Outcome::kOk;
      }
      if (n > 1024 * 1024) return Outcome::kError;
      int64_t items = type == '%' ? n * 2 : n;
      for (int64_t i = 0; i < items; ++i) {
        Outcome e = ParseOne(data, len, pos, out, depth + 1);
        if (e != Outcome::kOk) return e;
      }
      return Outcome::kOk;
    }
    default:
      return Outcome::kError;
  }
}

}  // namespace

RespReplyParser::Outcome RespReplyParser::Parse(const char* data, size_t len, size_t* consumed, RespReply* out) {
  out->ok = true;
  out->elements.clear();
  size_t pos = 0;
  Outcome r = ParseOne(data, len, &pos, out, 0);
  if (r == Outcome::kNeedMore && len > kMaxReplyBytes) return Outcome::kError;
  if (r != Outcome::kOk) return r;
  *consumed = pos;
  return Outcome::kReply;
}

}  // namespace troupe
