// Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB TIME LASTSAVE SHUTDOWN
// MONITOR SLOWLOG DEBUG. INFO lives in info_section.cc. Handlers run inline
// in the client session on the multiplexer thread; SHUTDOWN goes through the
// node's request_shutdown hook; DEBUG RELOAD saves and loads synchronously
// (Snapshotter, LoadingRun over an RdbLoader).
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/loading_run.h"
#include "actors/persistence/rdb_loader.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/commands/object_info.h"

namespace troupe {
namespace {

// DEBUG POPULATE writes key names into a 128-byte buffer in Redis.
constexpr size_t kPopulateMaxKeyLen = 127;

void DbSizeCommand(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db().size())); }

// FLUSHDB / FLUSHALL [ASYNC|SYNC]
bool FlushModeOk(CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && (EqualsIgnoreCase(ctx.arg(1), "ASYNC") || EqualsIgnoreCase(ctx.arg(1), "SYNC")))
    return true;
  ctx.SyntaxError();
  return false;
}

// Tells WATCH and blocked clients about every key of `db`, as if each were
// written in database `as_index` (FLUSHDB/FLUSHALL: the same database;
// SWAPDB: both databases, since each key appears in the other).
void NotifyAllKeys(CommandContext& ctx, Database& db, int as_index = -1) {
  if (!ctx.keyspace.on_key_changed) return;
  int index = as_index < 0 ? db.index() : as_index;
  db.ForEach([&](const Entry* e) { ctx.keyspace.on_key_changed(index, e->key()); });
}

void FlushDbCommand(CommandContext& ctx) {
  if (!FlushModeOk(ctx)) return;
  Database& db = ctx.db();
  NotifyAllKeys(ctx, db);
  ctx.keyspace.dirty += db.size();
  db.Clear();
  ctx.reply.Ok();
}

void FlushAllCommand(CommandContext& ctx) {
  if (!FlushModeOk(ctx)) return;
  for (int i = 0; i < ctx.keyspace.db_count(); ++i) {
    Database& db = ctx.keyspace.db(i);
    NotifyAllKeys(ctx, db);
    ctx.keyspace.dirty += db.size();
  }
  ctx.keyspace.FlushAll();
  ctx.keyspace.dirty++;
  ctx.reply.Ok();
}

void SwapDbCommand(CommandContext& ctx) {
  if (ctx.server.options().cluster_enabled) {
    ctx.reply.Error("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  int64_t a, b;
  if (!ParseInt64(ctx.arg(1), &a) || a < INT32_MIN || a > INT32_MAX) {
    ctx.reply.Error("ERR invalid first DB index");
    return;
  }
  if (!ParseInt64(ctx.arg(2), &b) || b < INT32_MIN || b > INT32_MAX) {
    ctx.reply.Error("ERR invalid second DB index");
    return;
  }
  int n = ctx.keyspace.db_count();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.reply.Error("ERR DB index is out of range");
    return;
  }
  Database& da = ctx.keyspace.db(static_cast<int>(a));
  Database& db = ctx.keyspace.db(static_cast<int>(b));
  NotifyAllKeys(ctx, da);
  NotifyAllKeys(ctx, db);
  NotifyAllKeys(ctx, da, static_cast<int>(b));
  NotifyAllKeys(ctx, db, static_cast<int>(a));
  ctx.keyspace.Swap(static_cast<int>(a), static_cast<int>(b));
  ctx.keyspace.dirty++;
  ctx.reply.Ok();
}

void TimeCommand(CommandContext& ctx) {
  int64_t us = ctx.server.clock().UnixUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInt(us / 1000000);
  ctx.reply.BulkInt(us % 1000000);
}

void LastSaveCommand(CommandContext& ctx) { ctx.reply.Integer(ctx.server.lastsave_s); }

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void ShutdownCommand(CommandContext& ctx) {
  ShutdownRequest req;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "NOSAVE")) req.nosave = true;
    else if (EqualsIgnoreCase(opt, "SAVE")) req.save = true;
    else if (EqualsIgnoreCase(opt, "NOW")) req.now = true;
    else if (EqualsIgnoreCase(opt, "FORCE")) req.force = true;
    else if (EqualsIgnoreCase(opt, "ABORT")) abort = true;
    else {
      ctx.SyntaxError();
      return;
    }
  }
  if ((abort && ctx.argc() != 2) || (req.save && req.nosave)) {
    ctx.SyntaxError();
    return;
  }
  if (abort) {
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  std::string error = ctx.server.request_shutdown ? ctx.server.request_shutdown(req) : "";
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  // On success the server goes away without replying, as Redis does.
  ctx.client.close_asap = true;
}

void MonitorCommand(CommandContext& ctx) {
  if (ctx.client.monitor) return;  // already monitoring: no reply
  ctx.client.monitor = true;
  ctx.reply.Ok();
}

// SLOWLOG GET [count] | LEN | RESET | HELP
void SlowLogGetCommand(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.arg(2), &count) || count < -1)) {
    ctx.reply.Error("ERR count should be greater than or equal to -1");
    return;
  }
  const auto& log = ctx.server.slowlog;
  size_t n = count < 0 ? log.size() : std::min<size_t>(log.size(), static_cast<size_t>(count));
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowLogEntry& e = log[i];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_time_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (const auto& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void SlowLogLenCommand(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog.size()));
}

void SlowLogResetCommand(CommandContext& ctx) {
  ctx.server.slowlog.clear();
  ctx.reply.Ok();
}

void SlowLogHelpCommand(CommandContext& ctx) {
  static const char* kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return the <count> most recent slow log entries (10 by default, -1 for all).",
      "LEN",
      "    Return the number of entries in the slow log.",
      "RESET",
      "    Empty the slow log.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

// DEBUG POPULATE count [prefix] [size]: string keys <prefix>:<n> (prefix
// "key") holding "value:<n>", cut or zero-padded to `size` bytes when given.
// Keys that exist are left alone. Not a change for save points or
// propagation (Redis's populate does not count as dirty either).
void DebugPopulate(CommandContext& ctx) {
  int64_t count, size = 0;
  if (!ParseInt64(ctx.arg(2), &count) || count < 0 ||
      (ctx.argc() == 5 && (!ParseInt64(ctx.arg(4), &size) || size < 0))) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  if (size > ctx.server.options().proto_max_bulk_len) {
    ctx.reply.Error("ERR size is larger than proto-max-bulk-len");
    return;
  }
  std::string prefix = ctx.argc() >= 4 ? std::string(ctx.arg(3)) : "key";
  Database& db = ctx.db();
  uint64_t dirty = ctx.keyspace.dirty;
  std::string key, value;
  for (int64_t i = 0; i < count; ++i) {
    key = prefix + ":" + std::to_string(i);
    if (key.size() > kPopulateMaxKeyLen) key.resize(kPopulateMaxKeyLen);  // Redis's buffer
    if (db.LookupWrite(key) != nullptr) continue;
    value = "value:" + std::to_string(i);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    db.SetString(key, value);
  }
  ctx.keyspace.dirty = dirty;
  ctx.reply.Ok();
}

// Moves every key of `from` into the live keyspace, replacing keys of the
// same name (DEBUG RELOAD MERGE / NOFLUSH). Not counted as changes.
void MergeInto(CommandContext& ctx, Keyspace& from) {
  Keyspace& live = ctx.keyspace;
  uint64_t dirty = live.dirty;
  auto added = std::exchange(live.on_key_added, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < from.db_count(); ++i) {
    keys.clear();
    from.db(i).ForEach([&](const Entry* e) { keys.emplace_back(e->key()); });
    for (const std::string& k : keys) {
      Entry* e = from.db(i).Detach(k);
      if (e == nullptr) continue;  // expired meanwhile
      live.db(i).Delete(k);
      live.db(i).Attach(e);
    }
  }
  live.on_key_added = std::move(added);
  live.dirty = dirty;
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the RDB (unless NOSAVE),
// then load it back, synchronously, with the loader start-up uses. The file
// is loaded into a scratch keyspace first, so a missing or corrupt file
// leaves the dataset as it was (Redis flushes first and may be left empty).
// By default the loaded data replaces the dataset; NOFLUSH keeps it and
// adds the file's keys (a key in both is an error unless MERGE, where the
// file's value wins).
void DebugReload(CommandContext& ctx) {
  bool merge = false, flush = true, save = true;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsIgnoreCase(opt, "MERGE")) merge = true;
    else if (EqualsIgnoreCase(opt, "NOFLUSH")) flush = false;
    else if (EqualsIgnoreCase(opt, "NOSAVE")) save = false;
    else {
      ctx.reply.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  ServerContext& server = ctx.server;
  const ServerOptions& opts = server.options();
  if (server.loading || server.snapshotter == nullptr) {
    ctx.reply.Error("ERR Error trying to load the RDB dump");
    return;
  }
  if (save && !server.snapshotter->SaveNow().ok()) {
    ctx.reply.Error("ERR");
    return;
  }
  Keyspace& live = ctx.keyspace;
  Keyspace scratch(live.db_count(), &live.clock());
  scratch.SetLfu(live.lfu_mode(), static_cast<int>(opts.lfu_log_factor),
                 static_cast<int>(opts.lfu_decay_time));
  scratch.set_is_replica(live.is_replica());
  scratch.UpdateTime();
  RdbLoadOptions load_options = RdbLoadOptionsFor(opts);
  load_options.is_replica = live.is_replica();
  auto loader = RdbLoader::Open(server.snapshotter->Path(), &scratch, load_options);
  Status loaded = loader.ok() ? Status::Ok() : loader.status();
  if (loaded.ok()) {
    LoadingRun run(std::move(*loader), &server, LoadingRun::Purpose::kDebugReload);
    loaded = run.RunToEnd();
  }
  if (!loaded.ok()) {
    spdlog::warn("{}", loaded.message());
    ctx.reply.Error("ERR Error trying to load the RDB dump");
    return;
  }
  if (flush) {
    for (int i = 0; i < live.db_count(); ++i) {
      NotifyAllKeys(ctx, live.db(i));
      live.db(i).SwapContents(scratch.db(i));  // the old data leaves with `scratch`
    }
  } else {
    if (!merge) {
      for (int i = 0; i < scratch.db_count(); ++i) {
        std::string dup;
        scratch.db(i).ForEach([&](const Entry* e) {
          if (dup.empty() && live.db(i).Peek(e->key()) != nullptr) dup = e->key();
        });
        if (!dup.empty()) {
          spdlog::warn("RDB has duplicated key '{}' in DB {}", dup, i);
          ctx.reply.Error("ERR Error trying to load the RDB dump");
          return;
        }
      }
    }
    MergeInto(ctx, scratch);
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  ctx.reply.Ok();
}

// DEBUG subcommand ..., gated by enable-debug-command like Redis 7.0.
void DebugCommand(CommandContext& ctx) {
  const std::string& mode = ctx.server.options().enable_debug_command;
  bool local = ctx.client.addr.rfind("127.", 0) == 0 || ctx.client.addr.rfind("[::1]", 0) == 0;
  if (mode != "yes" && !(mode == "local" && local)) {
    ctx.reply.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
    return;
  }
  std::string_view sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "SLEEP") && ctx.argc() == 3) {
    double seconds;
    if (!ParseDouble(ctx.arg(2), &seconds)) {
      ctx.NotFloat();
      return;
    }
    // DEBUG SLEEP blocks the server on purpose (it simulates a slow command).
    if (seconds > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(sub, "SET-ACTIVE-EXPIRE") && ctx.argc() == 3) {
    ctx.server.active_expire_enabled = ctx.arg(2) != "0";
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(sub, "OBJECT") && ctx.argc() == 3) {
    Entry* e = ctx.db().Peek(ctx.arg(2));
    if (e == nullptr) {
      ctx.reply.Error("ERR no such key");
      return;
    }
    uint32_t idle = ctx.keyspace.lru_clock() - e->lru();
    std::string text = "Value at:0x" + std::to_string(reinterpret_cast<uintptr_t>(e)) +
                       " refcount:" + (IsSharedInteger(e) ? "2147483647" : "1") +
                       " encoding:" + EncodingName(e) + " serializedlength:" +
                       std::to_string(e->type() == ObjType::kString ? e->val_len : 0) +
                       " lru:" + std::to_string(e->lru()) +
                       " lru_seconds_idle:" + std::to_string(idle);
    ctx.reply.Simple(text);
  } else if (EqualsIgnoreCase(sub, "POPULATE") && ctx.argc() >= 3 && ctx.argc() <= 5) {
    DebugPopulate(ctx);
  } else if (EqualsIgnoreCase(sub, "RELOAD")) {
    DebugReload(ctx);
  } else if (EqualsIgnoreCase(sub, "HELP") && ctx.argc() == 2) {
    static const char* kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "OBJECT <key>",
        "    Show low level info about the key and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys <prefix>:<n> (prefix 'key') valued 'value:<n>', cut or",
        "    zero-padded to <size> bytes when given. Existing keys are left alone.",
        "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
        "    Save the RDB file and load it back. NOSAVE loads the file on disk as it is;",
        "    NOFLUSH keeps the current keys (a key also in the file is an error, unless",
        "    MERGE, where the file's value wins). A file that fails to load changes nothing.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables the active expiry cycle.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals are allowed.",
        "HELP",
        "    Print this help.",
    };
    ctx.ReplyHelp(kLines);
  } else {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
  }
}

}  // namespace

void RegisterServerFamily(CommandTable& t) {
  const uint32_t R = kCmdReadonly, W = kCmdWrite, F = kCmdFast, A = kCmdAdmin, N = kCmdNoscript,
                 L = kCmdLoading | kCmdStale;
  t.Add(Cmd("dbsize", 1, R | F, 0, 0, 0, DbSizeCommand, "server", "1.0.0",
            "Return the number of keys in the selected database", "@keyspace")
            .Tips("request_policy:all_shards response_policy:agg_sum"));
  t.Add(Cmd("flushdb", -1, W, 0, 0, 0, FlushDbCommand, "server", "1.0.0",
            "Remove all keys from the current database", "@keyspace @dangerous")
            .Tips("request_policy:all_shards response_policy:all_succeeded"));
  t.Add(Cmd("flushall", -1, W, 0, 0, 0, FlushAllCommand, "server", "1.0.0",
            "Remove all keys from all databases", "@keyspace @dangerous")
            .Tips("request_policy:all_shards response_policy:all_succeeded"));
  t.Add(Cmd("swapdb", 3, W | F, 0, 0, 0, SwapDbCommand, "server", "4.0.0",
            "Swaps two Redis databases", "@keyspace @dangerous"));
  t.Add(Cmd("time", 1, L | F, 0, 0, 0, TimeCommand, "server", "2.6.0", "Return the current server time")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("lastsave", 1, L | F, 0, 0, 0, LastSaveCommand, "server", "1.0.0",
            "Get the UNIX time stamp of the last successful save to disk", "@admin @dangerous")
            .Tips("nondeterministic_output"));
  t.Add(Cmd("shutdown", -1, A | N | L | kCmdNoMulti | kCmdSentinel | kCmdAllowBusy, 0, 0, 0,
            ShutdownCommand, "server", "1.0.0",
            "Synchronously save the dataset to disk and then shut down the server"));
  t.Add(Cmd("monitor", 1, A | N | L, 0, 0, 0, MonitorCommand, "server", "1.0.0",
            "Listen for all requests received by the server in real time"));
  CommandSpec slowlog = Cmd("slowlog", -2, 0, 0, 0, 0, nullptr, "server", "2.2.12",
                            "A container for slow log commands");
  slowlog.subcommands = {
      Cmd("get", -2, A | L, 0, 0, 0, SlowLogGetCommand, "server", "2.2.12",
          "Get the slow log's entries")
            .Tips("request_policy:all_nodes nondeterministic_output"),
      Cmd("len", 2, A | L, 0, 0, 0, SlowLogLenCommand, "server", "2.2.12",
          "Get the slow log's length")
            .Tips("request_policy:all_nodes response_policy:agg_sum nondeterministic_output"),
      Cmd("reset", 2, A | L, 0, 0, 0, SlowLogResetCommand, "server", "2.2.12",
          "Clear all entries from the slow log")
            .Tips("request_policy:all_nodes response_policy:all_succeeded"),
      Cmd("help", 2, L, 0, 0, 0, SlowLogHelpCommand, "server", "6.2.0",
          "Show helpful text about the different subcommands"),
  };
  t.Add(std::move(slowlog));
  t.Add(Cmd("debug", -2, A | N | L, 0, 0, 0, DebugCommand, "server", "1.0.0",
            "A container for debugging commands"));
}

}  // namespace troupe
