// Expire options shared by SET, SETEX, PSETEX and GETEX: EX/PX (relative)
// and EXAT/PXAT (absolute), with Redis 7.0's validation and the error
// "ERR invalid expire time in '<command>' command". Header-only helpers for
// the string family; run inline in the client session.
#pragma once

#include <string_view>

#include "actors/common/strings.h"
#include "actors/shard/commands/command.h"

namespace troupe {

struct ExpireSpec {
  bool given = false;          // an expire option was present
  char kind = 0;               // 'e' EX, 'p' PX, 'E' EXAT, 'P' PXAT
  int64_t unit_ms = 1000;      // 1000 for seconds, 1 for milliseconds
  bool relative = true;        // EX/PX add the current time
  std::string_view value_text;  // the number as sent
};

// Recognises EX/PX/EXAT/PXAT. A repeated option of the same kind is allowed
// (the last one wins, as in Redis); a different kind is a syntax error.
inline bool ParseExpireUnit(std::string_view opt, ExpireSpec* spec) {
  char kind = 0;
  if (EqualsIgnoreCase(opt, "EX")) kind = 'e';
  else if (EqualsIgnoreCase(opt, "PX")) kind = 'p';
  else if (EqualsIgnoreCase(opt, "EXAT")) kind = 'E';
  else if (EqualsIgnoreCase(opt, "PXAT")) kind = 'P';
  if (kind == 0 || (spec->given && spec->kind != kind)) return false;
  spec->given = true;
  spec->kind = kind;
  spec->unit_ms = (kind == 'e' || kind == 'E') ? 1000 : 1;
  spec->relative = (kind == 'e' || kind == 'p');
  return true;
}

// Turns the option into an absolute Unix time in ms, replying on error.
inline bool ResolveExpire(CommandContext& ctx, const ExpireSpec& spec, int64_t* when_ms) {
  int64_t v;
  if (!ParseInt64(spec.value_text, &v)) {
    ctx.NotInteger();
    return false;
  }
  auto invalid = [&] {
    ctx.reply.Error("ERR invalid expire time in '" + ctx.command->name + "' command");
    return false;
  };
  if (v <= 0 || (spec.unit_ms == 1000 && v > INT64_MAX / 1000)) return invalid();
  v *= spec.unit_ms;
  if (spec.relative) {
    if (v > INT64_MAX - ctx.keyspace.now_ms()) return invalid();
    v += ctx.keyspace.now_ms();
  }
  *when_ms = v;
  return true;
}

}  // namespace troupe
