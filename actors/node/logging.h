// Logging set-up: spdlog with Redis's log-line format
//   pid:role dd Mon yyyy hh:mm:ss.mmm <level> message
// where role is X (sentinel), M (master), S (replica) or C (child) and level
// is '.' debug, '-' verbose, '*' notice, '#' warning. Configured once by
// main() and again on CONFIG SET loglevel/logfile; thread-safe afterwards.
#pragma once

#include <string>

#include "actors/common/status.h"

namespace troupe {

// Opens the log: `logfile` empty = standard output ("" + daemonized =
// /dev/null, as Redis). `loglevel` is a Redis level name.
Status InitLogging(const std::string& logfile, const std::string& loglevel, bool daemonized);
// Changes the level at run time (CONFIG SET loglevel).
void SetLogLevel(const std::string& loglevel);
// Changes the role letter of subsequent lines.
void SetLogRole(char role);

}  // namespace troupe
