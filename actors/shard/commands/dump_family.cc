// DUMP and RESTORE: a key's value as a serialized payload in Redis 7.0's
// format (actors/persistence/dump_payload.h), and a key created from one.
// Payloads move both ways between Troupe and redis-server.
//
// RESTORE follows Redis 7.0's restoreCommand step by step: options first
// (REPLACE, ABSTTL, IDLETIME seconds, FREQ frequency; IDLETIME and FREQ
// exclude each other), then BUSYKEY, the TTL, the payload's version and
// checksum, the payload itself; a TTL already in the past restores nothing
// (deleting the old key under REPLACE) and still answers OK. A relative TTL
// is propagated as an absolute one: the command is recorded with the
// absolute time in place of the TTL and ABSTTL appended, as Redis rewrites
// it.
//
// Handlers run inline in the client session on the multiplexer thread.
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/dump_payload.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

// The compact-encoding thresholds of the config, as Redis's loader uses.
RdbLoadLimits LoadLimits(const CommandContext& ctx) {
  const ServerOptions& o = ctx.server.options();
  RdbLoadLimits limits;
  limits.hash = HashLimits{static_cast<size_t>(o.hash_max_listpack_entries),
                           static_cast<size_t>(o.hash_max_listpack_value)};
  limits.set = SetLimits{static_cast<size_t>(o.set_max_intset_entries)};
  limits.zset = ZSetLimits{static_cast<size_t>(o.zset_max_listpack_entries),
                           static_cast<size_t>(o.zset_max_listpack_value)};
  return limits;
}

// DUMP key
void DumpCommand(CommandContext& ctx) {
  Entry* e = ctx.db().LookupRead(ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(EncodeDumpPayload(*e, ctx.server.options().rdbcompression));
}

// Stamps the restored key's access time (IDLETIME, LRU policies) or its
// access counter (FREQ, LFU policies), as Redis's objectSetLRUOrLFU.
void SetAccessStamp(CommandContext& ctx, Entry* e, int64_t lfu_freq, int64_t lru_idle) {
  Keyspace& ks = ctx.keyspace;
  if (ks.lfu_mode()) {
    // NewObjectStamp() is (minutes clock << 8 | initial counter).
    if (lfu_freq >= 0) e->set_lru((ks.NewObjectStamp() & ~0xFFu) | static_cast<uint32_t>(lfu_freq));
  } else if (lru_idle >= 0) {
    int64_t stamp = static_cast<int64_t>(ks.lru_clock()) - lru_idle;
    if (stamp < 0) stamp += Entry::kLruMask;  // the LRU clock wraps
    e->set_lru(static_cast<uint32_t>(stamp));
  }
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void RestoreCommand(CommandContext& ctx) {
  bool replace = false, absttl = false;
  int64_t lfu_freq = -1, lru_idle = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool has_value = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "ABSTTL")) {
      absttl = true;
    } else if (EqualsIgnoreCase(opt, "IDLETIME") && has_value && lfu_freq == -1) {
      if (!ctx.IntArg(++j, &lru_idle)) return;
      if (lru_idle < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "FREQ") && has_value && lru_idle == -1) {
      if (!ctx.IntArg(++j, &lfu_freq)) return;
      if (lfu_freq < 0 || lfu_freq > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
    } else {
      ctx.SyntaxError();
      return;
    }
  }

  std::string_view key = ctx.arg(1);
  Database& db = ctx.db();
  if (!replace && db.LookupWrite(key) != nullptr) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl;
  if (!ctx.IntArg(2, &ttl)) return;
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  std::string_view payload = ctx.arg(3);
  if (!VerifyDumpPayload(payload)) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  DumpValue value;
  if (!DecodeDumpPayload(payload, LoadLimits(ctx), &value).ok()) {
    ctx.reply.Error("ERR Bad data format");
    return;
  }

  bool deleted = replace && db.Delete(key);
  int64_t now = ctx.keyspace.now_ms();
  // A relative TTL becomes a Unix time; like Redis, a sum past the int64
  // range wraps negative, i.e. into the past.
  if (ttl != 0 && !absttl)
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(now));
  if (ttl != 0 && ttl <= now && !ctx.keyspace.is_replica()) {
    // Already expired: nothing is created. Under REPLACE the old key is
    // gone, which is what gets propagated.
    if (deleted) {
      if (ctx.propagating()) ctx.PropagateAs({"DEL", std::string(key)});
      ctx.Notify(kNotifyGeneric, "del", key);
    } else {
      ctx.PreventPropagation();
    }
    ctx.reply.Simple("OK");
    return;
  }

  int64_t expire_ms = ttl != 0 ? ttl : -1;
  if (value.type == ObjType::kString) {
    db.SetString(key, value.str, expire_ms);
  } else {
    db.AddCollection(key, value.type, value.collection.release());
    if (expire_ms >= 0) db.SetExpire(key, expire_ms);
  }
  if (Entry* e = db.Peek(key)) SetAccessStamp(ctx, e, lfu_freq, lru_idle);
  if (ttl != 0 && !absttl && ctx.propagating()) {
    std::vector<std::string> argv(ctx.argv.begin(), ctx.argv.end());
    argv[2] = Int64ToString(ttl);
    argv.emplace_back("ABSTTL");
    ctx.PropagateAs(std::move(argv));
  }
  ctx.Notify(kNotifyGeneric, "restore", key);
  ctx.reply.Simple("OK");
}

}  // namespace

void RegisterDumpFamily(CommandTable& t) {
  t.Add(Cmd("dump", 2, kCmdReadonly, 1, 1, 1, DumpCommand, "generic", "2.6.0",
            "Return a serialized version of the value stored at the specified key.")
            .Tips("nondeterministic_output")
            .Keys("RO access"));
  t.Add(Cmd("restore", -4, kCmdWrite | kCmdDenyOom, 1, 1, 1, RestoreCommand, "generic", "2.6.0",
            "Create a key using the provided serialized value, previously obtained using DUMP.",
            "@dangerous")
            .Keys("OW update"));
  // RESTORE as a node importing a slot accepts it without ASKING (MIGRATE
  // sends it in cluster mode).
  t.Add(Cmd("restore-asking", -4, kCmdWrite | kCmdDenyOom | kCmdAsking, 1, 1, 1, RestoreCommand, "server", "3.0.0",
            "An internal command for migrating keys in a cluster", "@keyspace @dangerous")
            .Keys("OW update"));
  RegisterMigrate(t);
}

}  // namespace troupe
