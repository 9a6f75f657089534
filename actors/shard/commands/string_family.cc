// String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL
// GETEX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE
// SUBSTR LCS, with Redis 7.0's options, replies and error texts.
// Handlers run inline in the client session on the multiplexer thread.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/expire_args.h"

namespace troupe {
namespace {

// Looks up a string for reading. Returns false (after replying WRONGTYPE)
// when the key holds another type; *e is nullptr when the key is absent.
bool ReadString(CommandContext& ctx, std::string_view key, Entry** e) {
  *e = ctx.db().LookupRead(key);
  if (*e != nullptr && (*e)->type() != ObjType::kString) {
    ctx.WrongType();
    return false;
  }
  return true;
}

bool CheckStringSize(CommandContext& ctx, uint64_t size) {
  if (static_cast<int64_t>(size) > ctx.server.options().proto_max_bulk_len) {
    ctx.reply.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void GetCommand(CommandContext& ctx) {
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr)
    ctx.reply.Null();
  else
    ctx.reply.Bulk(e->str());
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
void SetCommand(CommandContext& ctx) {
  bool nx = false, xx = false, get = false, keepttl = false;
  ExpireSpec expire;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "NX") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "XX") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "GET")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "KEEPTTL") && !expire.given) {
      keepttl = true;
    } else if (!keepttl && has_next && ParseExpireUnit(opt, &expire)) {
      expire.value_text = ctx.arg(++i);
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  int64_t when_ms = -1;
  if (expire.given && !ResolveExpire(ctx, expire, &when_ms)) return;

  Database& db = ctx.db();
  Entry* old = db.LookupWrite(ctx.arg(1));
  if (get) {
    if (old != nullptr && old->type() != ObjType::kString) {
      ctx.WrongType();
      return;
    }
    if (old == nullptr)
      ctx.reply.Null();
    else
      ctx.reply.Bulk(old->str());
  }
  if ((nx && old != nullptr) || (xx && old == nullptr)) {
    if (!get) ctx.reply.Null();
    return;
  }
  db.SetString(ctx.arg(1), ctx.arg(2), when_ms, keepttl);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  if (expire.given) ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
  // A relative TTL is recorded as an absolute one, so a replica or an AOF
  // replayed later expires the key at the same moment.
  if (expire.given && ctx.propagating())
    ctx.PropagateAs({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), "PXAT", std::to_string(when_ms)});
  if (!get) ctx.reply.Ok();
}

void SetNxCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  if (db.LookupWrite(ctx.arg(1)) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  db.SetString(ctx.arg(1), ctx.arg(2));
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.reply.Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
void SetExGeneric(CommandContext& ctx, bool seconds) {
  ExpireSpec expire;
  expire.given = true;
  expire.unit_ms = seconds ? 1000 : 1;
  expire.value_text = ctx.arg(2);
  int64_t when_ms;
  if (!ResolveExpire(ctx, expire, &when_ms)) return;
  ctx.db().SetString(ctx.arg(1), ctx.arg(3), when_ms);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
  if (ctx.propagating())
    ctx.PropagateAs({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(3)), "PXAT", std::to_string(when_ms)});
  ctx.reply.Ok();
}
void SetExCommand(CommandContext& ctx) { SetExGeneric(ctx, true); }
void PSetExCommand(CommandContext& ctx) { SetExGeneric(ctx, false); }

void MGetCommand(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  Database& db = ctx.db();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e = db.LookupRead(ctx.arg(i));
    if (e == nullptr || e->type() != ObjType::kString)
      ctx.reply.Null();
    else
      ctx.reply.Bulk(e->str());
  }
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) {
    ctx.WrongArity();
    return;
  }
  Database& db = ctx.db();
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (db.LookupWrite(ctx.arg(i)) != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    db.SetString(ctx.arg(i), ctx.arg(i + 1));
    ctx.Notify(kNotifyString, "set", ctx.arg(i));
  }
  if (nx)
    ctx.reply.Integer(1);
  else
    ctx.reply.Ok();
}
void MSetCommand(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNxCommand(CommandContext& ctx) { MSetGeneric(ctx, true); }

void GetSetCommand(CommandContext& ctx) {
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr)
    ctx.reply.Null();
  else
    ctx.reply.Bulk(e->str());
  ctx.db().SetString(ctx.arg(1), ctx.arg(2));
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
}

void GetDelCommand(CommandContext& ctx) {
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(e->str());
  if (ctx.db().Delete(ctx.arg(1))) ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
  ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
}

// GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]
void GetExCommand(CommandContext& ctx) {
  ExpireSpec expire;
  bool persist = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "PERSIST") && !expire.given) {
      persist = true;
    } else if (!persist && has_next && ParseExpireUnit(opt, &expire)) {
      expire.value_text = ctx.arg(++i);
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  // The expire value is validated only once the key is known to exist.
  int64_t when_ms = -1;
  if (expire.given && !ResolveExpire(ctx, expire, &when_ms)) return;
  ctx.reply.Bulk(e->str());
  Database& db = ctx.db();
  if (expire.given) {
    if (when_ms <= ctx.keyspace.now_ms() && !ctx.keyspace.is_replica()) {
      db.Delete(ctx.arg(1));
      ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
      ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
    } else {
      db.SetExpire(ctx.arg(1), when_ms);
      ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
      ctx.PropagateAs({"PEXPIREAT", std::string(ctx.arg(1)), std::to_string(when_ms)});
    }
  } else if (persist) {
    if (db.Persist(ctx.arg(1))) {
      ctx.Notify(kNotifyGeneric, "persist", ctx.arg(1));
      ctx.PropagateAs({"PERSIST", std::string(ctx.arg(1))});
    }
  }
}

void AppendCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  std::string_view add = ctx.arg(2);
  if (e == nullptr) {
    db.SetString(ctx.arg(1), add);
    ctx.Notify(kNotifyString, "append", ctx.arg(1));
    ctx.reply.Integer(static_cast<int64_t>(add.size()));
    return;
  }
  if (e->type() != ObjType::kString) {
    ctx.WrongType();
    return;
  }
  size_t old_len = e->val_len;
  if (!CheckStringSize(ctx, old_len + add.size())) return;
  e = db.ResizeString(ctx.arg(1), old_len + add.size(), /*greedy=*/true);
  if (!add.empty()) std::memcpy(e->value_data() + old_len, add.data(), add.size());
  int64_t new_len = e->val_len;
  ctx.Notify(kNotifyString, "append", ctx.arg(1));
  ctx.reply.Integer(new_len);
}

void StrLenCommand(CommandContext& ctx) {
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->val_len));
}

void IncrByGeneric(CommandContext& ctx, int64_t by) {
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  int64_t value = 0;
  if (e != nullptr) {
    if (e->type() != ObjType::kString) {
      ctx.WrongType();
      return;
    }
    if (!ParseInt64(e->str(), &value)) {
      ctx.NotInteger();
      return;
    }
  }
  if (AddOverflows(value, by)) {
    ctx.Overflow();
    return;
  }
  value += by;
  char buf[24];
  size_t n = FormatInt64(value, buf);
  if (e != nullptr)
    db.OverwriteString(e, ctx.arg(1), std::string_view(buf, n));
  else
    db.SetString(ctx.arg(1), std::string_view(buf, n));
  ctx.Notify(kNotifyString, "incrby", ctx.arg(1));
  ctx.reply.Integer(value);
}

void IncrCommand(CommandContext& ctx) { IncrByGeneric(ctx, 1); }
void DecrCommand(CommandContext& ctx) { IncrByGeneric(ctx, -1); }
void IncrByCommand(CommandContext& ctx) {
  int64_t by;
  if (ctx.IntArg(2, &by)) IncrByGeneric(ctx, by);
}
void DecrByCommand(CommandContext& ctx) {
  int64_t by;
  if (!ctx.IntArg(2, &by)) return;
  if (by == INT64_MIN) {
    ctx.reply.Error("ERR decrement would overflow");
    return;
  }
  IncrByGeneric(ctx, -by);
}

void IncrByFloatCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  long double value = 0, by;
  if (e != nullptr) {
    if (e->type() != ObjType::kString) {
      ctx.WrongType();
      return;
    }
    if (!ParseLongDouble(e->str(), &value)) {
      ctx.NotFloat();
      return;
    }
  }
  if (!ParseLongDouble(ctx.arg(2), &by)) {
    ctx.NotFloat();
    return;
  }
  value += by;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = FormatLongDouble(value);
  db.SetString(ctx.arg(1), text, -1, /*keep_ttl=*/true);
  db.MarkEncoding(ctx.arg(1), Entry::kNoIntEncoding);  // built as a plain string
  ctx.Notify(kNotifyString, "incrbyfloat", ctx.arg(1));
  // The result, not the increment: float arithmetic may differ elsewhere.
  ctx.PropagateAs({"SET", std::string(ctx.arg(1)), text, "KEEPTTL"});
  ctx.reply.Bulk(text);
}

void GetRangeCommand(CommandContext& ctx) {
  int64_t start, end;
  if (!ctx.IntArg(2, &start) || !ctx.IntArg(3, &end)) return;
  Entry* e;
  if (!ReadString(ctx, ctx.arg(1), &e)) return;
  if (e == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  int64_t len = e->val_len;
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(e->str().substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetRangeCommand(CommandContext& ctx) {
  int64_t offset;
  if (!ctx.IntArg(2, &offset)) return;
  std::string_view value = ctx.arg(3);
  if (offset < 0) {  // checked before the key, as Redis does
    ctx.reply.Error("ERR offset is out of range");
    return;
  }
  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  if (e != nullptr && e->type() != ObjType::kString) {
    ctx.WrongType();
    return;
  }
  if (value.empty()) {
    ctx.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(e->val_len));
    return;
  }
  if (!CheckStringSize(ctx, static_cast<uint64_t>(offset) + value.size())) return;
  if (e == nullptr) db.SetString(ctx.arg(1), "");
  size_t needed = static_cast<size_t>(offset) + value.size();
  size_t old_len = db.LookupWrite(ctx.arg(1))->val_len;
  e = db.ResizeString(ctx.arg(1), std::max(needed, old_len), /*greedy=*/false);
  std::memcpy(e->value_data() + offset, value.data(), value.size());
  int64_t new_len = e->val_len;
  ctx.Notify(kNotifyString, "setrange", ctx.arg(1));
  ctx.reply.Integer(new_len);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]
void LcsCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  Entry* ea = db.LookupRead(ctx.arg(1));
  Entry* eb = db.LookupRead(ctx.arg(2));
  if ((ea != nullptr && ea->type() != ObjType::kString) ||
      (eb != nullptr && eb->type() != ObjType::kString)) {
    ctx.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  std::string a(ea ? ea->str() : std::string_view());
  std::string b(eb ? eb->str() : std::string_view());
  bool getidx = false, getlen = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "IDX")) {
      getidx = true;
    } else if (EqualsIgnoreCase(opt, "LEN")) {
      getlen = true;
    } else if (EqualsIgnoreCase(opt, "WITHMATCHLEN")) {
      withmatchlen = true;
    } else if (EqualsIgnoreCase(opt, "MINMATCHLEN") && more) {
      if (!ctx.IntArg(j + 1, &minmatchlen)) return;
      if (minmatchlen < 0) minmatchlen = 0;
      ++j;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  if (getidx && getlen) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  uint64_t alen = a.size(), blen = b.size();
  uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.options().proto_max_bulk_len)) {
    ctx.reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  std::vector<uint32_t> dp(cells, 0);
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return dp[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; ++i)
    for (uint64_t j = 1; j <= blen; ++j)
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
  uint32_t total = at(alen, blen);
  if (getlen) {
    ctx.reply.Integer(total);
    return;
  }
  std::string result(total, '\0');
  // Walk back from the end, collecting contiguous ranges (IDX) in the order
  // Redis reports them: last match first.
  struct Range { uint64_t a0, a1, b0, b1; };
  std::vector<Range> ranges;
  uint64_t i = alen, j = blen, idx = total;
  bool open = false;
  Range cur{};
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (!open) {
        cur = {i - 1, i - 1, j - 1, j - 1};
        open = true;
      } else if (cur.a0 == i && cur.b0 == j) {
        cur.a0--;
        cur.b0--;
      } else {
        emit = true;
      }
      if (cur.a0 == 0 || cur.b0 == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1))
        --i;
      else
        --j;
      if (open) emit = true;
    }
    if (emit && open) {
      if (minmatchlen == 0 || static_cast<int64_t>(cur.a1 - cur.a0 + 1) >= minmatchlen)
        ranges.push_back(cur);
      open = false;
    }
  }
  if (!getidx) {
    ctx.reply.Bulk(result);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(ranges.size());
  for (const Range& r : ranges) {
    ctx.reply.ArrayHeader(withmatchlen ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.a0));
    ctx.reply.Integer(static_cast<int64_t>(r.a1));
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(static_cast<int64_t>(r.b0));
    ctx.reply.Integer(static_cast<int64_t>(r.b1));
    if (withmatchlen) ctx.reply.Integer(static_cast<int64_t>(r.a1 - r.a0 + 1));
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(total);
}

}  // namespace

void RegisterStringFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, D = kCmdDenyOom;
  t.Add(Cmd("get", 2, R | F, 1, 1, 1, GetCommand, "string", "1.0.0", "Get the value of a key"));
  t.Add(Cmd("set", -3, W | D, 1, 1, 1, SetCommand, "string", "1.0.0",
            "Set the string value of a key")
            .Keys("RW access update variable_flags", "RW and ACCESS due to the optional `GET` argument"));
  t.Add(Cmd("setnx", 3, W | D | F, 1, 1, 1, SetNxCommand, "string", "1.0.0",
            "Set the value of a key, only if the key does not exist")
            .Keys("OW insert"));
  t.Add(Cmd("setex", 4, W | D, 1, 1, 1, SetExCommand, "string", "2.0.0",
            "Set the value and expiration of a key")
            .Keys("OW update"));
  t.Add(Cmd("psetex", 4, W | D, 1, 1, 1, PSetExCommand, "string", "2.6.0",
            "Set the value and expiration in milliseconds of a key")
            .Keys("OW update"));
  t.Add(Cmd("mget", -2, R | F, 1, -1, 1, MGetCommand, "string", "1.0.0",
            "Get the values of all the given keys")
            .Tips("request_policy:multi_shard"));
  t.Add(Cmd("mset", -3, W | D, 1, -1, 2, MSetCommand, "string", "1.0.1",
            "Set multiple keys to multiple values")
            .Tips("request_policy:multi_shard response_policy:all_succeeded")
            .Keys("OW update"));
  t.Add(Cmd("msetnx", -3, W | D, 1, -1, 2, MSetNxCommand, "string", "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist")
            .Tips("request_policy:multi_shard response_policy:agg_min")
            .Keys("OW insert"));
  t.Add(Cmd("getset", 3, W | D | F, 1, 1, 1, GetSetCommand, "string", "1.0.0",
            "Set the string value of a key and return its old value")
            .Keys("RW access update"));
  t.Add(Cmd("getdel", 2, W | F, 1, 1, 1, GetDelCommand, "string", "6.2.0",
            "Get the value of a key and delete the key")
            .Keys("RW access delete"));
  t.Add(Cmd("getex", -2, W | F, 1, 1, 1, GetExCommand, "string", "6.2.0",
            "Get the value of a key and optionally set its expiration")
            .Keys("RW access update", "RW and UPDATE because it changes the TTL"));
  t.Add(Cmd("append", 3, W | D | F, 1, 1, 1, AppendCommand, "string", "2.0.0",
            "Append a value to a key")
            .Keys("RW insert"));
  t.Add(Cmd("strlen", 2, R | F, 1, 1, 1, StrLenCommand, "string", "2.2.0",
            "Get the length of the value stored in a key")
            .Keys("RO"));
  t.Add(Cmd("incr", 2, W | D | F, 1, 1, 1, IncrCommand, "string", "1.0.0",
            "Increment the integer value of a key by one")
            .Keys("RW access update"));
  t.Add(Cmd("decr", 2, W | D | F, 1, 1, 1, DecrCommand, "string", "1.0.0",
            "Decrement the integer value of a key by one")
            .Keys("RW access update"));
  t.Add(Cmd("incrby", 3, W | D | F, 1, 1, 1, IncrByCommand, "string", "1.0.0",
            "Increment the integer value of a key by the given amount")
            .Keys("RW access update"));
  t.Add(Cmd("decrby", 3, W | D | F, 1, 1, 1, DecrByCommand, "string", "1.0.0",
            "Decrement the integer value of a key by the given number")
            .Keys("RW access update"));
  t.Add(Cmd("incrbyfloat", 3, W | D | F, 1, 1, 1, IncrByFloatCommand, "string", "2.6.0",
            "Increment the float value of a key by the given amount")
            .Keys("RW access update"));
  t.Add(Cmd("getrange", 4, R, 1, 1, 1, GetRangeCommand, "string", "2.4.0",
            "Get a substring of the string stored at a key"));
  t.Add(Cmd("substr", 4, R, 1, 1, 1, GetRangeCommand, "string", "1.0.0",
            "Get a substring of the string stored at a key"));
  t.Add(Cmd("setrange", 4, W | D, 1, 1, 1, SetRangeCommand, "string", "2.2.0",
            "Overwrite part of a string at key starting at the specified offset"));
  t.Add(Cmd("lcs", -3, R, 1, 2, 1, LcsCommand, "string", "7.0.0",
            "Find longest common substring"));
}

}  // namespace troupe
