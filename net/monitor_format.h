// FormatMonitorLine: the status line a MONITOR client receives for each
// command, in Redis's shape:
//   +1700000000.123456 [0 127.0.0.1:50000] "set" "key" "value"\r\n
// Arguments are quoted with backslash escapes (\n \r \t \a \b \\ \") and
// \xHH for other non-printable bytes. Used by the client session; no CAF.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

inline void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        }
    }
  }
  out += '"';
}

inline std::string FormatMonitorLine(int64_t unix_us, int db, const std::string& addr,
                                     const std::vector<std::string_view>& argv) {
  char head[96];
  std::snprintf(head, sizeof(head), "+%lld.%06lld [%d %s] ", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000), db, addr.c_str());
  std::string line = head;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) line += ' ';
    AppendQuoted(line, argv[i]);
  }
  line += "\r\n";
  return line;
}

}  // namespace troupe
