// Implementation of CommandTable and the shared CommandContext helpers.
// Dispatch follows the order of Redis 7.0's processCommand checks.
#include "actors/shard/commands/command_table.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/shard/commands/info_command.h"
#include "actors/shard/commands/cluster_family.h"
#include "actors/replication/replication.h"
#include "actors/shard/propagation/propagation.h"

namespace troupe {
namespace {

inline unsigned char FoldAscii(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Case-insensitive FNV-1a over a command name.
uint64_t NameHash(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ FoldAscii(c)) * 1099511628211ULL;
  return h;
}

// `lower` is already lower case; `name` may be in any case.
bool SameName(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (static_cast<unsigned char>(lower[i]) != FoldAscii(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

// Redis caps names and arguments quoted in error messages.
std::string Clip(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

void RecordSlowLog(ServerContext& server, const CommandContext& ctx, int64_t duration_us) {
  const auto& opts = server.options();
  if (opts.slowlog_log_slower_than_us < 0 || duration_us < opts.slowlog_log_slower_than_us) return;
  SlowLogEntry e;
  e.id = server.next_slowlog_id++;
  e.unix_time_s = server.clock().UnixMs() / 1000;
  e.duration_us = duration_us;
  size_t n = std::min<size_t>(ctx.argc(), 32);
  for (size_t i = 0; i < n; ++i) {
    if (i == 31 && ctx.argc() > 32) {
      e.args.push_back("... (" + std::to_string(ctx.argc() - 31) + " more arguments)");
      break;
    }
    std::string_view a = ctx.argv[i];
    if (a.size() > 128)
      e.args.push_back(std::string(a.substr(0, 128)) + "... (" + std::to_string(a.size() - 128) +
                       " more bytes)");
    else
      e.args.emplace_back(a);
  }
  e.client_addr = ctx.client.addr;
  e.client_name = ctx.client.name;
  server.slowlog.push_front(std::move(e));
  while (static_cast<int64_t>(server.slowlog.size()) > opts.slowlog_max_len) server.slowlog.pop_back();
}

// Counts an error reply under its code (the first word), as INFO errorstats.
void CountErrors(ServerContext& server, const std::vector<char>& out, size_t from) {
  size_t i = from;
  while (i < out.size()) {
    if (out[i] != '-') break;  // only whole error replies written by this command
    size_t end = i + 1;
    while (end < out.size() && out[end] != ' ' && out[end] != '\r') ++end;
    server.error_stats[std::string(out.begin() + static_cast<long>(i) + 1, out.begin() + static_cast<long>(end))]++;
    server.stats.total_error_replies++;
    break;
  }
}

// Commands that act on the transaction itself instead of being queued.
bool IsTransactionControl(const CommandSpec& cmd) {
  const std::string& n = cmd.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" || n == "reset";
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? static_cast<size_t>(arity) == argc : argc >= static_cast<size_t>(-arity);
}

}  // namespace

void CommandContext::WrongArity() {
  reply.Error("ERR wrong number of arguments for '" + command->name + "' command");
}

bool CommandContext::IntArg(size_t i, int64_t* out) {
  if (ParseInt64(argv[i], out)) return true;
  NotInteger();
  return false;
}

bool CommandContext::TimeoutArg(size_t i, int64_t* timeout_ms) {
  long double seconds;
  if (!ParseLongDouble(argv[i], &seconds)) {
    reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis converts to whole milliseconds (rounding up); a value too large
  // for that wraps negative there, so it answers "timeout is negative".
  long double ms = std::ceil(seconds * 1000.0L);
  if (ms < 0 || ms >= 9.2e18L) {
    reply.Error("ERR timeout is negative");
    return false;
  }
  *timeout_ms = static_cast<int64_t>(ms);
  return true;
}

void CommandContext::Notify(uint32_t klass, std::string_view event, std::string_view key) {
  if (server.notify_keyspace_events == 0 || (server.notify_keyspace_events & klass) == 0) return;
  if (server.notify) server.notify(klass, event, key, client.db);
}

bool CommandContext::propagating() const {
  return server.propagation != nullptr && server.propagation->active();
}

void CommandContext::PropagateAs(std::vector<std::string> argv) {
  propagation_overridden = true;
  if (propagating()) propagate_ops.push_back(std::move(argv));
}

bool CommandContext::DoubleArg(size_t i, double* out) {
  if (ParseDouble(argv[i], out)) return true;
  NotFloat();
  return false;
}

CommandSpec Cmd(std::string name, int arity, uint32_t flags, int first_key, int last_key, int step,
                CommandHandler handler, std::string group, std::string since, std::string summary,
                std::string acl) {
  CommandSpec s;
  s.name = std::move(name);
  s.arity = arity;
  s.flags = flags;
  s.first_key = first_key;
  s.last_key = last_key;
  s.step = step;
  s.handler = handler;
  s.group = std::move(group);
  s.since = std::move(since);
  s.summary = std::move(summary);
  s.acl = std::move(acl);
  return s;
}

std::vector<size_t> CommandSpec::KeyPositions(const std::vector<std::string_view>& argv) const {
  std::vector<size_t> keys;
  if (flags & kCmdMovableKeys) {
    // Movable keys come from the key specs (Redis's getKeysUsingKeySpecs).
    int argc = static_cast<int>(argv.size());
    for (const KeySpec& k : key_specs) {
      if (k.index <= 0 || k.index >= argc) continue;
      int step = k.keystep > 0 ? k.keystep : 1;
      if (k.keynum) {
        int64_t n;
        size_t at = static_cast<size_t>(k.index + k.keynumidx);
        if (at >= argv.size() || !ParseInt64(argv[at], &n) || n <= 0) continue;
        for (int64_t i = 0; i < n; ++i) {
          int64_t pos = k.index + k.firstkey + i * step;
          if (pos >= argc) break;
          keys.push_back(static_cast<size_t>(pos));
        }
      } else {
        int last = k.lastkey >= 0 ? k.index + k.lastkey : argc + k.lastkey;
        for (int i = k.index; i <= last && i < argc; i += step) keys.push_back(static_cast<size_t>(i));
      }
    }
    return keys;
  }
  if (first_key <= 0 || static_cast<size_t>(first_key) >= argv.size()) return keys;
  int argc = static_cast<int>(argv.size());
  int last = last_key >= 0 ? last_key : argc + last_key;
  if (last >= argc) last = argc - 1;
  int s = step > 0 ? step : 1;
  for (int i = first_key; i <= last; i += s) keys.push_back(static_cast<size_t>(i));
  return keys;
}

CommandTable& CommandTable::Instance() {
  static CommandTable* table = [] {
    auto* t = new CommandTable();
    RegisterStringFamily(*t);
    RegisterBitFamily(*t);
    RegisterKeyFamily(*t);
    RegisterConnectionFamily(*t);
    RegisterClientFamily(*t);
    RegisterServerFamily(*t);
    RegisterConfigFamily(*t);
    RegisterIntrospectionFamily(*t);
    RegisterInfoCommand(*t);
    RegisterPersistenceFamily(*t);
    RegisterHashFamily(*t);
    RegisterListFamily(*t);
    RegisterSetFamily(*t);
    RegisterZSetFamily(*t);
    RegisterHllFamily(*t);
    RegisterSortFamily(*t);
    RegisterTransactionFamily(*t);
    RegisterPubSubFamily(*t);
    RegisterMemoryFamily(*t);
    RegisterReplicationFamily(*t);
    RegisterSentinelFamily(*t);
    RegisterClusterFamily(*t);
    return t;
  }();
  return *table;
}

void CommandTable::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  for (auto& sub : owned->subcommands) {
    if (sub.name.find('|') == std::string::npos) sub.name = owned->name + "|" + sub.name;
  }
  if (commands_.size() >= kSlots / 2) throw std::logic_error("command table index is full");
  size_t i = NameHash(owned->name) & (kSlots - 1);
  while (slots_[i] != nullptr) i = (i + 1) & (kSlots - 1);
  slots_[i] = owned.get();
  commands_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  for (size_t i = NameHash(name) & (kSlots - 1); slots_[i] != nullptr; i = (i + 1) & (kSlots - 1))
    if (SameName(slots_[i]->name, name)) return slots_[i];
  return nullptr;
}

const CommandSpec* CommandTable::FindSub(const CommandSpec& parent, std::string_view name) {
  for (const auto& sub : parent.subcommands) {
    std::string_view short_name(sub.name);
    short_name.remove_prefix(parent.name.size() + 1);
    if (SameName(short_name, name)) return &sub;
  }
  return nullptr;
}

const CommandSpec* CommandTable::Resolve(const std::vector<std::string_view>& argv) const {
  if (argv.empty()) return nullptr;
  const CommandSpec* cmd = Find(argv[0]);
  if (cmd == nullptr || !cmd->is_container()) return cmd;
  if (argv.size() < 2) return cmd;
  return FindSub(*cmd, argv[1]);
}

const CommandSpec* CommandTable::Dispatch(CommandContext& ctx) const {
  ServerContext& server = ctx.server;
  const auto& argv = ctx.argv;
  std::vector<char>& out = *ctx.reply.buffer();
  size_t reply_start = out.size();

  const CommandSpec* cmd = Find(argv[0]);
  if (cmd != nullptr) {
    // Sentinel mode offers only sentinel commands; server mode hides the
    // sentinel-only ones.
    bool sentinel = server.options().sentinel_mode;
    if (sentinel ? !(cmd->flags & kCmdSentinel) : (cmd->flags & kCmdOnlySentinel) != 0) cmd = nullptr;
  }
  if (cmd == nullptr) {
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; ++i)
      args += "'" + Clip(argv[i], 128 - args.size()) + "' ";
    ctx.reply.Error("ERR unknown command '" + Clip(argv[0], 128) +
                    "', with args beginning with: " + args);
    CountErrors(server, out, reply_start);
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    return nullptr;
  }
  if (cmd->is_container() && argv.size() >= 2) {
    const CommandSpec* sub = FindSub(*cmd, argv[1]);
    if (sub == nullptr) {
      ctx.reply.Error("ERR unknown subcommand '" + Clip(argv[1], 128) + "'. Try " +
                      ToUpper(cmd->name) + " HELP.");
      CountErrors(server, out, reply_start);
      if (ctx.client.in_multi) ctx.client.multi_error = true;
      return nullptr;
    }
    cmd = sub;
  }
  ctx.command = cmd;
  if (!ArityOk(cmd->arity, argv.size()) || cmd->handler == nullptr) {
    ctx.WrongArity();
    cmd->rejected_calls++;
    CountErrors(server, out, reply_start);
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    return nullptr;
  }
  if (!ctx.client.authenticated && !(cmd->flags & kCmdNoAuth)) {
    ctx.reply.Error("NOAUTH Authentication required.");
    cmd->rejected_calls++;
    CountErrors(server, out, reply_start);
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    return nullptr;
  }
  // Cluster mode: redirect requests whose keys this node does not serve
  // (Redis's getNodeByQuery; never for our master's stream or the AOF).
  if (server.cluster != nullptr && !ctx.client.is_master && ctx.client.id != 0) {
    std::string refusal = ClusterRefusal(ctx, *cmd, *this);
    if (!refusal.empty()) {
      ctx.reply.Error(refusal);
      cmd->rejected_calls++;
      CountErrors(server, out, reply_start);
      if (ctx.client.in_multi) ctx.client.multi_error = true;  // (a refused EXEC discarded it)
      return nullptr;
    }
  }
  // A RESP2 client with subscriptions may only manage them (RESP3 carries
  // pushes beside replies, so it may run anything); checked after arity
  // and authentication, as Redis does.
  if (ctx.client.protocol == 2 && ctx.client.subscribed() && !(cmd->flags & kCmdSubscribedContext)) {
    ctx.reply.Error("ERR Can't execute '" + cmd->name +
                    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                    "this context");
    cmd->rejected_calls++;
    CountErrors(server, out, reply_start);
    return nullptr;
  }
  // While a dataset loads, only commands flagged `loading` run. Internal
  // clients (id 0: the AOF loader replaying commands) are never refused.
  if (server.loading && !(cmd->flags & kCmdLoading) && ctx.client.id != 0) {
    ctx.reply.Error("LOADING Redis is loading the dataset in memory");
    cmd->rejected_calls++;
    CountErrors(server, out, reply_start);
    if (ctx.client.in_multi) ctx.client.multi_error = true;
    return nullptr;
  }
  // Replication rules (Redis's processCommand order): a replica refuses
  // writes from its clients, and (replica-serve-stale-data no) everything
  // but `stale` commands while its master link is down; a master with
  // min-replicas-to-write refuses writes without enough good replicas.
  if (const Replication* repl = server.replication; repl != nullptr && !ctx.client.is_master) {
    const ServerOptions& o = server.options();
    const char* refusal = nullptr;
    bool write = (cmd->flags & kCmdWrite) != 0;
    if (repl->is_replica()) {
      if (!o.replica_serve_stale_data && repl->link_state() != MasterLinkState::kConnected &&
          !(cmd->flags & kCmdStale))
        refusal = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
      else if (write && o.replica_read_only)
        refusal = "READONLY You can't write against a read only replica.";
    } else if (write && o.min_replicas_to_write > 0 && o.min_replicas_max_lag_s > 0 &&
               repl->GoodReplicas() < o.min_replicas_to_write) {
      refusal = "NOREPLICAS Not enough good replicas to write.";
    }
    if (refusal != nullptr) {
      ctx.reply.Error(refusal);
      cmd->rejected_calls++;
      CountErrors(server, out, reply_start);
      if (ctx.client.in_multi) ctx.client.multi_error = true;
      return nullptr;
    }
  }
  // Inside MULTI, commands are queued for EXEC (after the checks above).
  if (ctx.client.in_multi && !IsTransactionControl(*cmd)) {
    if (cmd->flags & kCmdNoMulti) {
      ctx.reply.Error("ERR Command not allowed inside a transaction");
      cmd->rejected_calls++;
      CountErrors(server, out, reply_start);
      ctx.client.multi_error = true;
      return nullptr;
    }
    ctx.client.queued.emplace_back(argv.begin(), argv.end());
    for (std::string_view a : argv) ctx.client.queued_bytes += a.size();
    ctx.reply.Simple("QUEUED");
    return cmd;
  }

  ctx.client.last_command = &cmd->name;
  Propagation* propagation = server.propagation;
  bool propagating = propagation != nullptr && propagation->active();
  uint64_t dirty_before = ctx.keyspace.dirty;
  if (propagating) propagation->Begin();
  int64_t start_us = server.clock().MonotonicUs();
  cmd->handler(ctx);
  int64_t duration_us = server.clock().MonotonicUs() - start_us;
  if (propagating) {
    int db = ctx.client.db;
    if (ctx.propagation_overridden) {
      for (auto& op : ctx.propagate_ops) propagation->Add(db, std::move(op));
    } else if ((cmd->flags & kCmdWrite) && ctx.keyspace.dirty != dirty_before) {
      propagation->Add(db, argv);
    }
    propagation->End();
  }
  if (server.replication != nullptr) ctx.client.woff = server.replication->offset();

  cmd->calls++;
  cmd->usec += static_cast<uint64_t>(duration_us);
  server.stats.total_commands_processed++;
  if (out.size() > reply_start && out[reply_start] == '-') {
    cmd->failed_calls++;
    CountErrors(server, out, reply_start);
  }
  if (!(cmd->flags & kCmdSkipSlowlog)) RecordSlowLog(server, ctx, duration_us);
  return cmd;
}

}  // namespace troupe
