// The arguments shared by SCAN, HSCAN, SSCAN and ZSCAN: the cursor (parsed as
// Redis does, with strtoul, so "+5" and "-1" pass) and the MATCH / COUNT
// (and for SCAN, TYPE) options, with Redis 7.0's errors. Header-only; used by
// the key, hash, set and sorted-set families on the shard thread.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/common/strings.h"
#include "actors/shard/commands/command.h"

namespace troupe {

inline bool ScanCursorArg(CommandContext& ctx, size_t i, uint64_t* cursor) {
  std::string text(ctx.arg(i));
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (std::isspace(static_cast<unsigned char>(text.c_str()[0])) || *end != '\0' || errno == ERANGE) {
    ctx.reply.Error("ERR invalid cursor");
    return false;
  }
  *cursor = v;
  return true;
}

struct ScanOptions {
  int64_t count = 10;         // COUNT, >= 1
  std::string_view pattern;   // MATCH
  bool use_pattern = false;   // false for no MATCH or MATCH *
  bool has_type = false;      // TYPE (SCAN only)
  std::string type;           // lower case
};

// Parses the options from argument `from` on; replies and returns false on error.
inline bool ParseScanOptions(CommandContext& ctx, size_t from, bool allow_type, ScanOptions* o) {
  for (size_t i = from; i < ctx.argc(); i += 2) {
    bool has_value = i + 1 < ctx.argc();
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "COUNT") && has_value) {
      if (!ctx.IntArg(i + 1, &o->count)) return false;
      if (o->count < 1) {
        ctx.SyntaxError();
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "MATCH") && has_value) {
      o->pattern = ctx.arg(i + 1);
      o->use_pattern = !(o->pattern.size() == 1 && o->pattern[0] == '*');
    } else if (allow_type && EqualsIgnoreCase(opt, "TYPE") && has_value) {
      o->type = ToLower(ctx.arg(i + 1));
      o->has_type = true;
    } else {
      ctx.SyntaxError();
      return false;
    }
  }
  return true;
}

// The reply for a scan over a missing key: cursor 0, no elements.
inline void ReplyEmptyScan(CommandContext& ctx) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk("0");
  ctx.reply.ArrayHeader(0);
}

// True when `s` passes the MATCH option.
inline bool ScanMatches(const ScanOptions& o, std::string_view s) {
  return !o.use_pattern || GlobMatch(o.pattern, s);
}

// The shared start of HSCAN, SSCAN and ZSCAN (`key cursor [MATCH] [COUNT]`):
// the cursor, the value through `lookup(Value**)` (a family's typed lookup,
// which replies WRONGTYPE itself), then the options. Returns false when the
// reply is already written (an error, or the empty page of a missing key).
template <typename Value, typename Lookup>
bool ScanPrologue(CommandContext& ctx, Lookup&& lookup, uint64_t* cursor, Value** value, ScanOptions* opts) {
  if (!ScanCursorArg(ctx, 2, cursor)) return false;
  if (!lookup(value)) return false;
  if (*value == nullptr) {
    ReplyEmptyScan(ctx);
    return false;
  }
  return ParseScanOptions(ctx, 3, /*allow_type=*/false, opts);
}

// A page of a SCAN-family reply: the next cursor and the flat items.
template <typename Items>
void ReplyScanPage(CommandContext& ctx, uint64_t next, const Items& items) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(items.size());
  for (const auto& item : items) ctx.reply.Bulk(item);
}

}  // namespace troupe
