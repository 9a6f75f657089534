// Generic key commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME
// RENAMENX MOVE COPY EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST TOUCH OBJECT, with Redis 7.0's replies and errors.
// Handlers run inline in the client session on the multiplexer thread.
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/scan_args.h"
#include "actors/shard/commands/object_info.h"

namespace troupe {
namespace {

// Keyspace notification in database `db` (MOVE and COPY reach another one).
void NotifyIn(CommandContext& ctx, int db, uint32_t klass, std::string_view event,
              std::string_view key) {
  if ((ctx.server.notify_keyspace_events & klass) != 0 && ctx.server.notify)
    ctx.server.notify(klass, event, key, db);
}

void DelCommand(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (!ctx.db().Delete(ctx.arg(i))) continue;
    ++n;
    ctx.Notify(kNotifyGeneric, "del", ctx.arg(i));
  }
  ctx.reply.Integer(n);
}

void ExistsCommand(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += ctx.db().LookupRead(ctx.arg(i)) ? 1 : 0;
  ctx.reply.Integer(n);
}

void TouchCommand(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) n += ctx.db().LookupRead(ctx.arg(i)) ? 1 : 0;
  ctx.reply.Integer(n);
}

void TypeCommand(CommandContext& ctx) {
  Entry* e = ctx.db().Peek(ctx.arg(1));
  if (e == nullptr) ctx.Notify(kNotifyKeyMiss, "keymiss", ctx.arg(1));  // Redis's lookup notifies
  ctx.reply.Simple(e == nullptr ? "none" : TypeName(e->type()));
}

void KeysCommand(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  bool all = pattern == "*";
  std::vector<std::string_view> keys;
  Database& db = ctx.db();
  db.ForEach([&](const Entry* e) {
    if (db.IsExpired(e)) return;
    if (all || GlobMatch(pattern, e->key())) keys.push_back(e->key());
  });
  ctx.reply.ArrayHeader(keys.size());
  for (auto k : keys) ctx.reply.Bulk(k);
}


// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void ScanCommand(CommandContext& ctx) {
  uint64_t cursor;
  if (!ScanCursorArg(ctx, 1, &cursor)) return;
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 2, /*allow_type=*/true, &opts)) return;
  std::string_view pattern = opts.pattern;
  bool has_pattern = opts.use_pattern, has_type = opts.has_type;
  const std::string& type = opts.type;
  int64_t count = opts.count;
  Database& db = ctx.db();
  std::vector<std::string> found;
  int64_t iterations = count * 10;
  do {
    cursor = db.Scan(cursor, [&](const Entry* e) {
      if (db.IsExpired(e)) return;
      if (has_pattern && !GlobMatch(pattern, e->key())) return;
      if (has_type && type != TypeName(e->type())) return;
      found.emplace_back(e->key());
    });
  } while (cursor != 0 && iterations-- > 0 && static_cast<int64_t>(found.size()) < count);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.ArrayHeader(found.size());
  for (const auto& k : found) ctx.reply.Bulk(k);
}

void RandomKeyCommand(CommandContext& ctx) {
  std::string key;
  if (ctx.db().RandomKey(&key))
    ctx.reply.Bulk(key);
  else
    ctx.reply.Null();
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  Database& db = ctx.db();
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  if (db.LookupWrite(src) == nullptr) {
    ctx.reply.Error("ERR no such key");
    return;
  }
  if (src == dst) {
    if (nx)
      ctx.reply.Integer(0);
    else
      ctx.reply.Ok();
    return;
  }
  if (db.LookupWrite(dst) != nullptr) {
    if (nx) {
      ctx.reply.Integer(0);
      return;
    }
    db.Delete(dst);
  }
  db.AttachRenamed(db.Detach(src), dst);
  ctx.Notify(kNotifyGeneric, "rename_from", src);
  ctx.Notify(kNotifyGeneric, "rename_to", dst);
  if (nx)
    ctx.reply.Integer(1);
  else
    ctx.reply.Ok();
}
void RenameCommand(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNxCommand(CommandContext& ctx) { RenameGeneric(ctx, true); }

// Parses a database index argument; replies on error.
bool DbIndexArg(CommandContext& ctx, size_t i, int* out) {
  int64_t v;
  if (!ParseInt64(ctx.arg(i), &v) || v < INT32_MIN || v > INT32_MAX) {
    ctx.NotInteger();
    return false;
  }
  if (v < 0 || v >= ctx.keyspace.db_count()) {
    ctx.reply.Error("ERR DB index is out of range");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

void MoveCommand(CommandContext& ctx) {
  if (ctx.server.options().cluster_enabled) {
    ctx.reply.Error("ERR MOVE is not allowed in cluster mode");
    return;
  }
  int target;
  if (!DbIndexArg(ctx, 2, &target)) return;
  if (target == ctx.client.db) {
    ctx.reply.Error("ERR source and destination objects are the same");
    return;
  }
  Database& src = ctx.db();
  Database& dst = ctx.keyspace.db(target);
  if (src.LookupWrite(ctx.arg(1)) == nullptr || dst.LookupWrite(ctx.arg(1)) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  dst.Attach(src.Detach(ctx.arg(1)));
  NotifyIn(ctx, ctx.client.db, kNotifyGeneric, "move_from", ctx.arg(1));
  NotifyIn(ctx, target, kNotifyGeneric, "move_to", ctx.arg(1));
  ctx.reply.Integer(1);
}

// COPY source destination [DB destination-db] [REPLACE]
void CopyCommand(CommandContext& ctx) {
  int target = ctx.client.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(i), "DB") && i + 1 < ctx.argc()) {
      if (ctx.server.options().cluster_enabled) {
        ctx.reply.Error("ERR Copying to another database is not allowed in cluster mode");
        return;
      }
      if (!DbIndexArg(ctx, ++i, &target)) return;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  if (target == ctx.client.db && ctx.arg(1) == ctx.arg(2)) {
    ctx.reply.Error("ERR source and destination objects are the same");
    return;
  }
  Database& src = ctx.db();
  Database& dst = ctx.keyspace.db(target);
  Entry* e = src.LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (dst.LookupWrite(ctx.arg(2)) != nullptr) {
    if (!replace) {
      ctx.reply.Integer(0);
      return;
    }
    dst.Delete(ctx.arg(2));
    e = src.LookupRead(ctx.arg(1));  // the delete may have moved nothing, but stay safe
  }
  int64_t expire = e->expire_ms();
  if (e->type() == ObjType::kString) {
    std::string value(e->str());
    uint32_t encoding = e->meta & Entry::kValueBits;
    dst.SetString(ctx.arg(2), value, expire);
    dst.MarkEncoding(ctx.arg(2), encoding | Entry::kUnshared);
  } else {
    dst.AddCollection(ctx.arg(2), e->type(), e->collection()->Clone());
    if (expire >= 0) dst.SetExpire(ctx.arg(2), expire);
  }
  NotifyIn(ctx, target, kNotifyGeneric, "copy_to", ctx.arg(2));
  ctx.reply.Integer(1);
}

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key value [NX|XX|GT|LT]
void ExpireGeneric(CommandContext& ctx, bool seconds, bool absolute) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "NX")) nx = true;
    else if (EqualsIgnoreCase(opt, "XX")) xx = true;
    else if (EqualsIgnoreCase(opt, "GT")) gt = true;
    else if (EqualsIgnoreCase(opt, "LT")) lt = true;
    else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  int64_t when;
  if (!ctx.IntArg(2, &when)) return;
  auto invalid = [&] { ctx.reply.Error("ERR invalid expire time in '" + ctx.command->name + "' command"); };
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return invalid();
    when *= 1000;
  }
  int64_t base = absolute ? 0 : ctx.keyspace.now_ms();
  if (when > INT64_MAX - base) return invalid();
  when += base;

  Database& db = ctx.db();
  Entry* e = db.LookupWrite(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t current = e->expire_ms();
  if ((nx && current != -1) || (xx && current == -1) || (gt && (current == -1 || when <= current)) ||
      (lt && current != -1 && when >= current)) {
    ctx.reply.Integer(0);
    return;
  }
  if (when <= ctx.keyspace.now_ms() && !ctx.keyspace.is_replica()) {
    db.Delete(ctx.arg(1));
    ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
    ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
  } else {
    db.SetExpire(ctx.arg(1), when);
    ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
    // Recorded as an absolute time in milliseconds, as Redis does.
    ctx.PropagateAs({"PEXPIREAT", std::string(ctx.arg(1)), std::to_string(when)});
  }
  ctx.reply.Integer(1);
}
void ExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void PExpireCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }
void ExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpireAtCommand(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }

// TTL / PTTL / EXPIRETIME / PEXPIRETIME
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  int64_t expire = e->expire_ms();
  if (expire < 0) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t v = absolute ? expire : expire - ctx.keyspace.now_ms();
  if (v < 0) v = 0;
  ctx.reply.Integer(ms ? v : (v + 500) / 1000);
}
void TtlCommand(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtlCommand(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTimeCommand(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void PersistCommand(CommandContext& ctx) {
  Database& db = ctx.db();
  if (db.LookupWrite(ctx.arg(1)) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  bool removed = db.Persist(ctx.arg(1));
  if (removed) ctx.Notify(kNotifyGeneric, "persist", ctx.arg(1));
  ctx.reply.Integer(removed ? 1 : 0);
}

// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP
void ObjectEncodingCommand(CommandContext& ctx) {
  Entry* e = ctx.db().Peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(EncodingName(e));
}

void ObjectFreqCommand(CommandContext& ctx) {
  Entry* e = ctx.db().Peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (!ctx.keyspace.lfu_mode()) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
    return;
  }
  ctx.reply.Integer(ctx.keyspace.LfuCounter(e));
}

void ObjectIdleTimeCommand(CommandContext& ctx) {
  Entry* e = ctx.db().Peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (ctx.keyspace.lfu_mode()) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  uint32_t now = ctx.keyspace.lru_clock(), then = e->lru();
  uint32_t idle = now >= then ? now - then : (Entry::kLruMask - then) + now;
  ctx.reply.Integer(idle);
}

void ObjectRefCountCommand(CommandContext& ctx) {
  Entry* e = ctx.db().Peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(IsSharedInteger(e) ? 2147483647 : 1);
}

void ObjectHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the internal representation used to store the value of <key>.",
      "FREQ <key>",
      "    Return the access frequency index of <key> (LFU policies only).",
      "IDLETIME <key>",
      "    Return the seconds elapsed since <key> was last accessed.",
      "REFCOUNT <key>",
      "    Return the number of references to the value of <key>.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

void RegisterKeyFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast;
  t.Add(Cmd("del", -2, W, 1, -1, 1, DelCommand, "generic", "1.0.0", "Delete a key")
            .Tips("request_policy:multi_shard response_policy:agg_sum")
            .Keys("RM delete"));
  t.Add(Cmd("unlink", -2, W | F, 1, -1, 1, DelCommand, "generic", "4.0.0",
            "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
            "blocking.")
            .Tips("request_policy:multi_shard response_policy:agg_sum")
            .Keys("RM delete"));
  t.Add(Cmd("exists", -2, R | F, 1, -1, 1, ExistsCommand, "generic", "1.0.0",
            "Determine if a key exists")
            .Tips("request_policy:multi_shard response_policy:agg_sum")
            .Keys("RO"));
  t.Add(Cmd("touch", -2, R | F, 1, -1, 1, TouchCommand, "generic", "3.2.1",
            "Alters the last access time of a key(s). Returns the number of existing keys "
            "specified.")
            .Tips("request_policy:multi_shard response_policy:agg_sum")
            .Keys("RO"));
  t.Add(Cmd("type", 2, R | F, 1, 1, 1, TypeCommand, "generic", "1.0.0",
            "Determine the type stored at key")
            .Keys("RO"));
  t.Add(Cmd("keys", 2, R, 0, 0, 0, KeysCommand, "generic", "1.0.0",
            "Find all keys matching the given pattern", "@dangerous")
            .Tips("request_policy:all_shards nondeterministic_output_order"));
  t.Add(Cmd("scan", -2, R, 0, 0, 0, ScanCommand, "generic", "2.8.0",
            "Incrementally iterate the keys space")
            .Tips("nondeterministic_output request_policy:special"));
  t.Add(Cmd("randomkey", 1, R, 0, 0, 0, RandomKeyCommand, "generic", "1.0.0",
            "Return a random key from the keyspace")
            .Tips("request_policy:all_shards nondeterministic_output"));
  t.Add(Cmd("rename", 3, W, 1, 2, 1, RenameCommand, "generic", "1.0.0", "Rename a key")
            .Specs({{"RW access delete", 1, 0, 1, ""}, {"OW update", 2, 0, 1, ""}}));
  t.Add(Cmd("renamenx", 3, W | F, 1, 2, 1, RenameNxCommand, "generic", "1.0.0",
            "Rename a key, only if the new key does not exist")
            .Specs({{"RW access delete", 1, 0, 1, ""}, {"OW insert", 2, 0, 1, ""}}));
  t.Add(Cmd("move", 3, W | F, 1, 1, 1, MoveCommand, "generic", "1.0.0",
            "Move a key to another database")
            .Keys("RW access update"));
  t.Add(Cmd("copy", -3, W | kCmdDenyOom, 1, 2, 1, CopyCommand, "generic", "6.2.0", "Copy a key")
            .Specs({{"RO access", 1, 0, 1, ""}, {"OW update", 2, 0, 1, ""}}));
  t.Add(Cmd("expire", -3, W | F, 1, 1, 1, ExpireCommand, "generic", "1.0.0",
            "Set a key's time to live in seconds"));
  t.Add(Cmd("pexpire", -3, W | F, 1, 1, 1, PExpireCommand, "generic", "2.6.0",
            "Set a key's time to live in milliseconds"));
  t.Add(Cmd("expireat", -3, W | F, 1, 1, 1, ExpireAtCommand, "generic", "1.2.0",
            "Set the expiration for a key as a UNIX timestamp"));
  t.Add(Cmd("pexpireat", -3, W | F, 1, 1, 1, PExpireAtCommand, "generic", "2.6.0",
            "Set the expiration for a key as a UNIX timestamp specified in milliseconds"));
  t.Add(Cmd("ttl", 2, R | F, 1, 1, 1, TtlCommand, "generic", "1.0.0", "Get the time to live for a key in seconds")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("pttl", 2, R | F, 1, 1, 1, PTtlCommand, "generic", "2.6.0",
            "Get the time to live for a key in milliseconds")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("expiretime", 2, R | F, 1, 1, 1, ExpireTimeCommand, "generic", "7.0.0",
            "Get the expiration Unix timestamp for a key"));
  t.Add(Cmd("pexpiretime", 2, R | F, 1, 1, 1, PExpireTimeCommand, "generic", "7.0.0",
            "Get the expiration Unix timestamp for a key in milliseconds"));
  t.Add(Cmd("persist", 2, W | F, 1, 1, 1, PersistCommand, "generic", "2.2.0",
            "Remove the expiration from a key"));

  CommandSpec object = Cmd("object", -2, 0, 0, 0, 0, nullptr, "generic", "2.2.3",
                           "A container for object introspection commands");
  object.subcommands = {
      Cmd("encoding", 3, R, 2, 2, 1, ObjectEncodingCommand, "generic", "2.2.3",
          "Inspect the internal encoding of a Redis object")
            .Tips("nondeterministic_output")
          .Keys("RO"),
      Cmd("freq", 3, R, 2, 2, 1, ObjectFreqCommand, "generic", "4.0.0",
          "Get the logarithmic access frequency counter of a Redis object")
            .Tips("nondeterministic_output")
          .Keys("RO"),
      Cmd("help", 2, kCmdLoading | kCmdStale, 0, 0, 0, ObjectHelpCommand, "generic", "6.2.0",
          "Show helpful text about the different subcommands"),
      Cmd("idletime", 3, R, 2, 2, 1, ObjectIdleTimeCommand, "generic", "2.2.3",
          "Get the time since a Redis object was last accessed")
            .Tips("nondeterministic_output")
          .Keys("RO"),
      Cmd("refcount", 3, R, 2, 2, 1, ObjectRefCountCommand, "generic", "2.2.3",
          "Get the number of references to the value of the key")
            .Tips("nondeterministic_output")
          .Keys("RO"),
  };
  t.Add(std::move(object));
  RegisterDumpFamily(t);
}

}  // namespace troupe
