// SENTINEL and its subcommands (sentinel mode only): what a sentinel knows
// about the masters it monitors, their replicas and the other sentinels,
// and the commands that change it (MONITOR, REMOVE, SET, RESET, CONFIG SET,
// FAILOVER). Reply shapes, field names and error texts are redis-sentinel
// 7.0.15's; the instance listings are flat field/value arrays in RESP2 and
// maps in RESP3, as redis-py's Sentinel client parses them.
//
// Who talks to it: client sessions, inline on the multiplexer thread, which
// is also the sentinel broker's thread; the state is ServerContext::sentinel
// (set by main() in sentinel mode). Commands that change what the config
// file records flush it through the state's SentinelIo. Rows carry
// kCmdSentinel | kCmdOnlySentinel, so the command exists only in sentinel
// mode (CommandTable::Dispatch).
#include "actors/shard/commands/sentinel_family.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <utility>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/sentinel/sentinel_config.h"
#include "actors/sentinel/sentinel_extras.h"
#include "actors/sentinel/sentinel_rules.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

constexpr const char kNoSuchMaster[] = "ERR No such master with that name";

// The state, or an error reply when sentinel mode runs without one.
SentinelState* State(CommandContext& ctx) {
  if (ctx.server.sentinel == nullptr) ctx.reply.Error("ERR Sentinel state is not available");
  return ctx.server.sentinel;
}

SentinelInstance* MasterOrReply(CommandContext& ctx, SentinelState& state, std::string_view name) {
  SentinelInstance* ri = state.FindMaster(std::string(name));
  if (ri == nullptr) ctx.reply.Error(kNoSuchMaster);
  return ri;
}

// Rewrites the config file (no-op without an io, e.g. in unit tests).
void FlushConfig(SentinelState& state) {
  if (SentinelIo* io = SentinelIoOf(state)) io->FlushConfig();
}

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone:
      return "none";
    case FailoverState::kWaitStart:
      return "wait_start";
    case FailoverState::kSelectSlave:
      return "select_slave";
    case FailoverState::kSendSlaveofNoone:
      return "send_slaveof_noone";
    case FailoverState::kWaitPromotion:
      return "wait_promotion";
    case FailoverState::kReconfSlaves:
      return "reconf_slaves";
    case FailoverState::kUpdateConfig:
      return "update_config";
  }
  return "unknown";
}

bool Disconnected(const SentinelInstance& ri) {
  return (ri.flags & kSriDisconnected) || !ri.link_connected || (!ri.is_sentinel() && !ri.pubsub_connected);
}

// The "flags" field, in Redis's order.
std::string FlagsText(const SentinelInstance& ri) {
  struct Named {
    bool on;
    const char* name;
  };
  const Named names[] = {
      {(ri.flags & kSriSDown) != 0, "s_down"},
      {(ri.flags & kSriODown) != 0, "o_down"},
      {ri.is_master(), "master"},
      {ri.is_slave(), "slave"},
      {ri.is_sentinel(), "sentinel"},
      {Disconnected(ri), "disconnected"},
      {(ri.flags & kSriMasterDown) != 0, "master_down"},
      {(ri.flags & kSriFailoverInProgress) != 0, "failover_in_progress"},
      {(ri.flags & kSriPromoted) != 0, "promoted"},
      {(ri.flags & kSriReconfSent) != 0, "reconf_sent"},
      {(ri.flags & kSriReconfInprog) != 0, "reconf_inprog"},
      {(ri.flags & kSriReconfDone) != 0, "reconf_done"},
      {(ri.flags & kSriForceFailover) != 0, "force_failover"},
  };
  std::string out;
  for (const Named& n : names) {
    if (!n.on) continue;
    if (!out.empty()) out += ',';
    out += n.name;
  }
  return out;
}

// One instance as SENTINEL MASTER / REPLICAS / SENTINELS show it: every
// value a bulk string, fields in Redis's order.
void ReplyInstance(RespWriter& r, const SentinelInstance& ri, int64_t now, const SentinelMasterExtras* mx) {
  std::vector<std::pair<const char*, std::string>> f;
  auto add = [&f](const char* name, std::string value) { f.emplace_back(name, std::move(value)); };
  auto num = [&add](const char* name, int64_t v) { add(name, std::to_string(v)); };
  // Sentinels are named by their run ID in Redis.
  add("name", ri.is_sentinel() && !ri.runid.empty() ? ri.runid : ri.name);
  add("ip", ri.host);
  num("port", ri.port);
  add("runid", ri.runid);
  add("flags", FlagsText(ri));
  num("link-pending-commands", ri.link_pending_commands);
  num("link-refcount", 1);
  if (ri.flags & kSriFailoverInProgress) add("failover-state", FailoverStateName(ri.failover_state));
  num("last-ping-sent", ri.act_ping_time_ms ? now - ri.act_ping_time_ms : 0);
  num("last-ok-ping-reply", now - ri.last_avail_time_ms);
  num("last-ping-reply", now - (ri.last_pong_time_ms ? ri.last_pong_time_ms : ri.last_avail_time_ms));
  if (ri.flags & kSriSDown) num("s-down-time", now - ri.s_down_since_ms);
  if (ri.flags & kSriODown) num("o-down-time", now - ri.o_down_since_ms);
  num("down-after-milliseconds", ri.down_after_ms);
  if (ri.is_master() || ri.is_slave()) {
    num("info-refresh", ri.info_refresh_ms ? now - ri.info_refresh_ms : 0);
    add("role-reported", ri.role_reported == "slave" ? "slave" : "master");
    num("role-reported-time", now - ri.role_reported_time_ms);
  }
  if (ri.is_master()) {
    num("config-epoch", ri.config_epoch);
    num("num-slaves", static_cast<int64_t>(ri.slaves.size()));
    num("num-other-sentinels", static_cast<int64_t>(ri.sentinels.size()));
    num("quorum", ri.quorum);
    num("failover-timeout", ri.failover_timeout_ms);
    num("parallel-syncs", ri.parallel_syncs);
    if (mx && !mx->notification_script.empty()) add("notification-script", mx->notification_script);
    if (mx && !mx->client_reconfig_script.empty()) add("client-reconfig-script", mx->client_reconfig_script);
  }
  if (ri.is_slave()) {
    num("master-link-down-time", ri.master_link_down_time_ms);
    add("master-link-status", ri.slave_master_link_up ? "ok" : "err");
    add("master-host", ri.slave_master_host.empty() ? "?" : ri.slave_master_host);
    num("master-port", ri.slave_master_port);
    num("slave-priority", ri.slave_priority);
    num("slave-repl-offset", static_cast<int64_t>(ri.slave_repl_offset));
    num("replica-announced", ri.replica_announced ? 1 : 0);
  }
  if (ri.is_sentinel()) {
    num("last-hello-message", now - (ri.last_hello_time_ms ? ri.last_hello_time_ms : ri.last_avail_time_ms));
    add("voted-leader", ri.leader.empty() ? "?" : ri.leader);
    num("voted-leader-epoch", ri.leader_epoch);
  }
  r.MapHeader(f.size());
  for (const auto& [name, value] : f) {
    r.Bulk(name);
    r.Bulk(value);
  }
}

const SentinelMasterExtras* MasterExtras(const SentinelState& state, const std::string& name) {
  const SentinelExtras& extras = SentinelExtrasOf(state);
  auto it = extras.masters.find(name);
  return it == extras.masters.end() ? nullptr : &it->second;
}

// A table of instances; replicas that asked not to be announced are left out.
void ReplyInstances(CommandContext& ctx, const SentinelState& state,
                    const std::map<std::string, std::unique_ptr<SentinelInstance>>& table) {
  int64_t now = ctx.server.clock().UnixMs();
  size_t n = 0;
  for (const auto& [key, ri] : table) n += !(ri->is_slave() && !ri->replica_announced);
  ctx.reply.ArrayHeader(n);
  for (const auto& [key, ri] : table) {
    if (ri->is_slave() && !ri->replica_announced) continue;
    ReplyInstance(ctx.reply, *ri, now, ri->is_master() ? MasterExtras(state, ri->name) : nullptr);
  }
}

void SentinelMasters(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state != nullptr) ReplyInstances(ctx, *state, state->masters());
}

void SentinelMaster(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2));
  if (ri != nullptr)
    ReplyInstance(ctx.reply, *ri, ctx.server.clock().UnixMs(), MasterExtras(*state, ri->name));
}

void SentinelReplicas(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  if (SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2))) ReplyInstances(ctx, *state, ri->slaves);
}

void SentinelSentinels(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  if (SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2)))
    ReplyInstances(ctx, *state, ri->sentinels);
}

void SentinelMyId(CommandContext& ctx) {
  if (SentinelState* state = State(ctx)) ctx.reply.Bulk(state->config().myid);
}

// SENTINEL IS-MASTER-DOWN-BY-ADDR ip port current-epoch runid: a peer asks
// whether we see the master down and, unless runid is "*", for our vote.
void SentinelIsMasterDownByAddr(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  int64_t port, epoch;
  if (!ctx.IntArg(3, &port) || !ctx.IntArg(4, &epoch)) return;
  int down = 0;
  std::string leader = "*";
  int64_t leader_epoch = 0;
  if (port >= 0 && port <= 65535)  // other ports name no instance
    state->IsMasterDownByAddr(std::string(ctx.arg(2)), static_cast<int>(port), epoch, std::string(ctx.arg(5)),
                              &down, &leader, &leader_epoch);
  ctx.reply.ArrayHeader(3);
  ctx.reply.Integer(down);
  ctx.reply.Bulk(leader.empty() ? "*" : leader);
  ctx.reply.Integer(leader_epoch);
}

// Forgets the replicas, the other sentinels and the failover state of a
// master (SENTINEL RESET).
void ResetOne(SentinelState& state, SentinelInstance& master) {
  state.ResetMaster(master);
  SentinelIo* io = SentinelIoOf(state);
  for (auto& [key, s] : master.sentinels)
    if (io != nullptr) io->CloseLinks(*s);
  master.sentinels.clear();
  master.runid.clear();
  state.Event(true, "+reset-master", &master, "");
}

void SentinelReset(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  int64_t reset = 0;
  for (auto& [name, ri] : state->masters()) {
    if (!GlobMatch(ctx.arg(2), name)) continue;
    ResetOne(*state, *ri);
    ++reset;
  }
  if (reset > 0) FlushConfig(*state);
  ctx.reply.Integer(reset);
}

void SentinelGetMasterAddrByName(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  SentinelInstance* ri = state->FindMaster(std::string(ctx.arg(2)));
  if (ri == nullptr) {
    ctx.reply.NullArray();
    return;
  }
  const SentinelInstance& addr = CurrentMasterAddress(*ri);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(addr.host);
  ctx.reply.BulkInt(addr.port);
}

void SentinelFailover(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  Status s = state->ForceFailover(std::string(ctx.arg(2)));
  if (s.ok())
    ctx.reply.Ok();
  else
    ctx.reply.Error(s.message());
}

void SentinelPendingScripts(CommandContext& ctx) {
  if (State(ctx) != nullptr) ctx.reply.ArrayHeader(0);  // Troupe runs no scripts
}

// SENTINEL MONITOR name ip port quorum, with Redis's checks in its order.
void SentinelMonitor(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  int64_t quorum, port;
  if (!ParseInt64(ctx.arg(5), &quorum) || quorum > INT_MAX) {
    ctx.reply.Error("ERR Invalid quorum");
    return;
  }
  if (!ParseInt64(ctx.arg(4), &port)) {
    ctx.reply.Error("ERR Invalid port");
    return;
  }
  if (quorum <= 0) {
    ctx.reply.Error("ERR Quorum must be 1 or greater.");
    return;
  }
  std::string name(ctx.arg(2)), host(ctx.arg(3));
  if (!CheckInstanceAddress(state->config(), host, 0).ok()) {
    ctx.reply.Error("ERR Invalid IP address or hostname specified");
    return;
  }
  auto added = MonitorMaster(*state, name, host, port, static_cast<int>(quorum));
  if (!added.ok()) {
    ctx.reply.Error("ERR " + added.status().message());
    return;
  }
  FlushConfig(*state);
  ctx.reply.Ok();
  state->Event(true, "+monitor", *added, "quorum " + std::to_string(quorum));
}

void SentinelFlushConfig(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  FlushConfig(*state);
  ctx.reply.Ok();
}

void SentinelRemove(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2));
  if (ri == nullptr) return;
  std::string name = ri->name;
  state->Event(true, "-monitor", ri, "");
  Status s = state->RemoveMaster(name);
  if (!s.ok()) {
    ctx.reply.Error(s.message());
    return;
  }
  SentinelExtrasOf(*state).masters.erase(name);
  FlushConfig(*state);
  ctx.reply.Ok();
}

// SENTINEL CKQUORUM name: can the sentinels we see reach the quorum and
// the majority that authorizes a failover?
void SentinelCkQuorum(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2));
  if (ri == nullptr) return;
  int64_t usable = 1;  // this sentinel
  int64_t voters = static_cast<int64_t>(ri->sentinels.size()) + 1;
  for (const auto& [key, s] : ri->sentinels) usable += !(s->flags & (kSriSDown | kSriODown));
  bool no_quorum = usable < ri->quorum;
  bool no_auth = usable < voters / 2 + 1;
  std::string count = std::to_string(usable) + " usable Sentinels. ";
  if (!no_quorum && !no_auth) {
    ctx.reply.Simple("OK " + count + "Quorum and failover authorization can be reached");
    return;
  }
  std::string e = "NOQUORUM " + count;
  if (no_quorum) e += "Not enough available Sentinels to reach the specified quorum for this master";
  if (no_auth) {
    if (no_quorum) e += ". ";
    e += "Not enough available Sentinels to reach the majority and authorize a failover";
  }
  ctx.reply.Error(e);
}

// Closes a master's links and its replicas' so they reconnect with new
// credentials (Redis's dropInstanceConnections).
void DropInstanceConnections(SentinelState& state, SentinelInstance& master) {
  SentinelIo* io = SentinelIoOf(state);
  if (io == nullptr) return;
  io->CloseLinks(master);
  for (auto& [key, s] : master.slaves) io->CloseLinks(*s);
}

// SENTINEL SET name option value [option value ...]. As in Redis, options
// before a bad one stay applied (and are flushed).
void SentinelSet(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  SentinelInstance* ri = MasterOrReply(ctx, *state, ctx.arg(2));
  if (ri == nullptr) return;
  int changes = 0;
  const size_t argc = ctx.argc();
  auto finish_with_error = [&](const std::string& error) {
    ctx.reply.Error(error);
    if (changes) FlushConfig(*state);
  };
  for (size_t j = 3; j < argc; ++j) {
    const size_t moreargs = argc - 1 - j;
    const std::string option(ctx.arg(j));
    const size_t first = j;
    bool redacted = false;
    int64_t ll = 0;
    // A positive (or, with allow_zero, non-negative) integer value.
    auto number = [&](bool allow_zero) {
      std::string_view v = ctx.arg(++j);
      return ParseInt64(v, &ll) && (allow_zero ? ll >= 0 : ll > 0);
    };
    auto bad_value = [&]() {
      finish_with_error("ERR Invalid argument '" + std::string(ctx.arg(j)) + "' for SENTINEL SET '" + option +
                        "'");
    };
    if (EqualsIgnoreCase(option, "down-after-milliseconds") && moreargs > 0) {
      if (!number(false)) return bad_value();
      SetDownAfter(*ri, ll);
    } else if (EqualsIgnoreCase(option, "failover-timeout") && moreargs > 0) {
      if (!number(false)) return bad_value();
      ri->failover_timeout_ms = ll;
    } else if (EqualsIgnoreCase(option, "parallel-syncs") && moreargs > 0) {
      if (!number(false) || ll > INT_MAX) return bad_value();
      ri->parallel_syncs = static_cast<int>(ll);
    } else if ((EqualsIgnoreCase(option, "notification-script") ||
                EqualsIgnoreCase(option, "client-reconfig-script")) &&
               moreargs > 0) {
      bool notification = EqualsIgnoreCase(option, "notification-script");
      std::string value(ctx.arg(++j));
      if (state->config().deny_scripts_reconfig)
        return finish_with_error(
            "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
            "deny-scripts-reconfig configuration directive in your Sentinel configuration");
      if (!value.empty() && access(value.c_str(), X_OK) == -1)
        return finish_with_error(
            notification ? "ERR Notification script seems non existing or non executable"
                         : "ERR Client reconfiguration script seems non existing or non executable");
      SentinelMasterExtras& mx = SentinelExtrasOf(*state).masters[ri->name];
      (notification ? mx.notification_script : mx.client_reconfig_script) = value;
      if (!value.empty())
        spdlog::warn("sentinel {} for master '{}' is stored but not run: Troupe runs no sentinel scripts",
                     ToLower(option), ri->name);
    } else if (EqualsIgnoreCase(option, "auth-pass") && moreargs > 0) {
      ri->auth_pass = std::string(ctx.arg(++j));
      DropInstanceConnections(*state, *ri);
      redacted = true;
    } else if (EqualsIgnoreCase(option, "auth-user") && moreargs > 0) {
      ri->auth_user = std::string(ctx.arg(++j));
      DropInstanceConnections(*state, *ri);
    } else if (EqualsIgnoreCase(option, "quorum") && moreargs > 0) {
      if (!number(false) || ll > INT_MAX) return bad_value();
      ri->quorum = static_cast<int>(ll);
    } else if (EqualsIgnoreCase(option, "rename-command") && moreargs > 1) {
      std::string from(ctx.arg(j + 1)), to(ctx.arg(j + 2));
      j += 2;
      if (from.empty() || to.empty()) {
        if (!to.empty()) --j;  // point at the empty one
        return bad_value();
      }
      auto& renamed = SentinelExtrasOf(*state).masters[ri->name].renamed_commands;
      for (auto it = renamed.begin(); it != renamed.end(); ++it) {
        if (EqualsIgnoreCase(it->first, from)) {
          renamed.erase(it);
          break;
        }
      }
      // A command renamed to itself needs no entry.
      if (!EqualsIgnoreCase(from, to)) {
        if (renamed.size() >= kMaxRenamedCommandsPerMaster)
          return finish_with_error("ERR Too many renamed commands for this master");
        renamed.emplace_back(from, to);
      }
    } else if (EqualsIgnoreCase(option, "master-reboot-down-after-period") && moreargs > 0) {
      if (!number(true)) return bad_value();
      SentinelExtrasOf(*state).masters[ri->name].master_reboot_down_after_period_ms = ll;
    } else {
      return finish_with_error("ERR Unknown option or number of arguments for SENTINEL SET '" + option + "'");
    }
    changes++;
    // The event names the option and its value(s); a password is masked.
    std::string extra = option;
    for (size_t k = first + 1; k <= j; ++k)
      extra += " " + (redacted ? std::string("******") : std::string(ctx.arg(k)));
    state->Event(true, "+set", ri, extra);
  }
  if (changes) FlushConfig(*state);
  ctx.reply.Ok();
}

// Closes every link to other sentinels so they reconnect with new
// credentials (Redis's sentinelDropConnections).
void DropSentinelConnections(SentinelState& state) {
  SentinelIo* io = SentinelIoOf(state);
  if (io == nullptr) return;
  for (auto& [name, m] : state.masters())
    for (auto& [key, s] : m->sentinels) io->CloseLinks(*s);
}

void SentinelConfigSet(CommandContext& ctx, SentinelState& state) {
  std::string option(ctx.arg(3)), value(ctx.arg(4));
  SentinelConfig& cfg = state.config();
  bool drop_connections = false;
  auto bad_value = [&]() {
    ctx.reply.Error("ERR Invalid value '" + value + "' to SENTINEL CONFIG SET '" + option + "'");
  };
  if (EqualsIgnoreCase(option, "resolve-hostnames") || EqualsIgnoreCase(option, "announce-hostnames")) {
    int v = YesNoToInt(value);
    if (v == -1) return bad_value();
    (EqualsIgnoreCase(option, "resolve-hostnames") ? cfg.resolve_hostnames : cfg.announce_hostnames) = v == 1;
  } else if (EqualsIgnoreCase(option, "announce-ip")) {
    cfg.announce_ip = value;
  } else if (EqualsIgnoreCase(option, "announce-port")) {
    int64_t port;
    if (!ParseInt64(value, &port) || port < 0 || port > 65535) return bad_value();
    cfg.announce_port = static_cast<int>(port);
  } else if (EqualsIgnoreCase(option, "sentinel-user")) {
    cfg.sentinel_user = value;
    drop_connections = true;
  } else if (EqualsIgnoreCase(option, "sentinel-pass")) {
    cfg.sentinel_pass = value;
    drop_connections = true;
  } else {
    ctx.reply.Error("ERR Invalid argument '" + option + "' to SENTINEL CONFIG SET");
    return;
  }
  FlushConfig(state);
  ctx.reply.Ok();
  if (drop_connections) DropSentinelConnections(state);
}

void SentinelConfigGet(CommandContext& ctx, const SentinelState& state) {
  const SentinelConfig& cfg = state.config();
  const std::pair<const char*, std::string> all[] = {
      {"resolve-hostnames", cfg.resolve_hostnames ? "yes" : "no"},
      {"announce-hostnames", cfg.announce_hostnames ? "yes" : "no"},
      {"announce-ip", cfg.announce_ip},
      {"announce-port", std::to_string(cfg.announce_port)},
      {"sentinel-user", cfg.sentinel_user},
      {"sentinel-pass", cfg.sentinel_pass},
  };
  std::vector<const std::pair<const char*, std::string>*> matched;
  for (const auto& kv : all)
    if (GlobMatch(ctx.arg(3), kv.first, true)) matched.push_back(&kv);
  ctx.reply.MapHeader(matched.size());
  for (const auto* kv : matched) {
    ctx.reply.Bulk(kv->first);
    ctx.reply.Bulk(kv->second);
  }
}

// SENTINEL CONFIG SET option value | SENTINEL CONFIG GET pattern.
void SentinelConfigCommand(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  if (EqualsIgnoreCase(ctx.arg(2), "set") && ctx.argc() == 5)
    SentinelConfigSet(ctx, *state);
  else if (EqualsIgnoreCase(ctx.arg(2), "get") && ctx.argc() == 4)
    SentinelConfigGet(ctx, *state);
  else
    ctx.reply.Error("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
}

// SENTINEL INFO-CACHE name [name ...]: the last INFO of each named master
// and of its replicas, with its age in milliseconds (unknown names are
// skipped, repeated ones listed once).
void SentinelInfoCache(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  std::vector<SentinelInstance*> wanted;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    SentinelInstance* ri = state->FindMaster(std::string(ctx.arg(i)));
    if (ri != nullptr && std::find(wanted.begin(), wanted.end(), ri) == wanted.end()) wanted.push_back(ri);
  }
  int64_t now = ctx.server.clock().UnixMs();
  auto info = [&ctx](const SentinelInstance& ri) {
    if (ri.info.empty())
      ctx.reply.Null();
    else
      ctx.reply.Bulk(ri.info);
  };
  ctx.reply.ArrayHeader(wanted.size() * 2);
  for (SentinelInstance* ri : wanted) {
    ctx.reply.Bulk(ri->name);
    ctx.reply.ArrayHeader(ri->slaves.size() + 1);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(ri->info_refresh_ms ? now - ri->info_refresh_ms : 0);
    info(*ri);
    for (const auto& [key, s] : ri->slaves) {
      ctx.reply.ArrayHeader(2);
      // Redis tests the master's refresh time here, not the replica's.
      ctx.reply.Integer(ri->info_refresh_ms ? now - s->info_refresh_ms : 0);
      info(*s);
    }
  }
}

// SENTINEL SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]:
// sets the flags anew (the protocol code reads them from SentinelExtras).
void SentinelSimulateFailure(CommandContext& ctx) {
  SentinelState* state = State(ctx);
  if (state == nullptr) return;
  uint32_t& flags = SentinelExtrasOf(*state).simulate_failure_flags;
  flags = kSimFailureNone;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::string_view a = ctx.arg(j);
    if (EqualsIgnoreCase(a, "crash-after-election")) {
      flags |= kSimFailureCrashAfterElection;
      spdlog::warn(
          "Failure simulation: this Sentinel will crash after being successfully elected as failover leader");
    } else if (EqualsIgnoreCase(a, "crash-after-promotion")) {
      flags |= kSimFailureCrashAfterPromotion;
      spdlog::warn(
          "Failure simulation: this Sentinel will crash after promoting the selected replica to master");
    } else if (EqualsIgnoreCase(a, "help")) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk("crash-after-election");
      ctx.reply.Bulk("crash-after-promotion");
      return;
    } else {
      ctx.reply.Error("ERR Unknown failure simulation specified");
      return;
    }
  }
  ctx.reply.Ok();
}

// The timing parameters SENTINEL DEBUG lists (milliseconds). Troupe's are
// compile-time constants of sentinel_rules.h.
const std::pair<const char*, int64_t> kDebugParams[] = {
    {"INFO-PERIOD", kSentinelInfoPeriodMs},
    {"PING-PERIOD", kSentinelPingPeriodMs},
    {"ASK-PERIOD", kSentinelAskPeriodMs},
    {"PUBLISH-PERIOD", kSentinelPublishPeriodMs},
    {"DEFAULT-DOWN-AFTER", kSentinelDefaultDownAfterMs},
    {"DEFAULT-FAILOVER-TIMEOUT", kSentinelDefaultFailoverTimeoutMs},
    {"TILT-TRIGGER", kSentinelTiltTriggerMs},
    {"TILT-PERIOD", kSentinelTiltPeriodMs},
    {"SLAVE-RECONF-TIMEOUT", kSentinelSlaveReconfTimeoutMs},
    {"MIN-LINK-RECONNECT-PERIOD", kSentinelMinLinkReconnectPeriodMs},
    {"ELECTION-TIMEOUT", kSentinelElectionTimeoutMs},
    {"SCRIPT-MAX-RUNTIME", 60000},
    {"SCRIPT-RETRY-DELAY", 30000},
};

// SENTINEL DEBUG [param value ...]: lists the parameters. Setting them is
// checked as Redis does, then refused: they are fixed in Troupe.
void SentinelDebug(CommandContext& ctx) {
  if (State(ctx) == nullptr) return;
  if (ctx.argc() == 2) {
    ctx.reply.MapHeader(std::size(kDebugParams));
    for (const auto& [name, value] : kDebugParams) {
      ctx.reply.Bulk(name);
      ctx.reply.BulkInt(value);
    }
    return;
  }
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::string option(ctx.arg(j));
    bool known = false;
    for (const auto& [name, value] : kDebugParams) known |= EqualsIgnoreCase(option, name);
    if (!known || j + 1 >= ctx.argc()) {
      ctx.reply.Error("ERR Unknown option or number of arguments for SENTINEL DEBUG '" + option + "'");
      return;
    }
    int64_t ll;
    if (!ParseInt64(ctx.arg(++j), &ll) || ll <= 0) {
      ctx.reply.Error("ERR Invalid argument '" + std::string(ctx.arg(j)) + "' for SENTINEL DEBUG '" + option +
                      "'");
      return;
    }
  }
  ctx.reply.Error("ERR SENTINEL DEBUG cannot change the timing parameters of this sentinel");
}

void SentinelHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CKQUORUM <master-name>",
      "    Tell whether the Sentinels this one sees can reach the quorum of the master",
      "    and the majority that authorizes a failover.",
      "CONFIG SET <param> <value>",
      "    Change a global Sentinel parameter.",
      "CONFIG GET <param>",
      "    Show global Sentinel parameters matching a pattern.",
      "DEBUG [<param> <value> ...]",
      "    List the timing parameters (milliseconds).",
      "    Setting them is not supported by this Sentinel.",
      "GET-MASTER-ADDR-BY-NAME <master-name>",
      "    Return the address and port of the current master of that name.",
      "FAILOVER <master-name>",
      "    Start a failover of the master now, without the agreement of the other",
      "    Sentinels.",
      "FLUSHCONFIG",
      "    Rewrite the configuration file with the current Sentinel state.",
      "INFO-CACHE <master-name>",
      "    Return the last INFO output of the master and of its replicas.",
      "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
      "    Tell whether this Sentinel sees the master at ip:port down (and vote for",
      "    <runid> unless it is '*').",
      "MASTER <master-name>",
      "    Show the state of a monitored master.",
      "MASTERS",
      "    Show every monitored master and its state.",
      "MONITOR <name> <ip> <port> <quorum>",
      "    Start monitoring a master under that name, with that quorum.",
      "MYID",
      "    Return this Sentinel's ID.",
      "PENDING-SCRIPTS",
      "    Show the scripts waiting to run (always none: scripts are not run).",
      "REMOVE <master-name>",
      "    Stop monitoring the master.",
      "REPLICAS <master-name>",
      "    Show the replicas of the master and their state.",
      "RESET <pattern>",
      "    Forget the replicas, Sentinels and failover state of matching masters.",
      "SENTINELS <master-name>",
      "    Show the other Sentinels monitoring the master and their state.",
      "SET <master-name> <option> <value> [<option> <value> ...]",
      "    Change settings of a monitored master.",
      "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
      "    Make this Sentinel crash at a given point of a failover.",
      "HELP",
      "    Print this help.",
  };
  ctx.ReplyHelp(kLines);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SentinelInfoFields(SentinelState* state, int64_t now_ms) {
  std::vector<std::pair<std::string, std::string>> f;
  bool tilt = state != nullptr && state->tilt();
  f.emplace_back("sentinel_masters", std::to_string(state ? state->masters().size() : 0));
  f.emplace_back("sentinel_tilt", tilt ? "1" : "0");
  f.emplace_back("sentinel_tilt_since_seconds",
                 std::to_string(tilt ? (now_ms - state->tilt_since_ms()) / 1000 : -1));
  f.emplace_back("sentinel_running_scripts", std::to_string(state ? state->running_scripts : 0));
  f.emplace_back("sentinel_scripts_queue_length", "0");
  f.emplace_back("sentinel_simulate_failure_flags",
                 std::to_string(state ? SentinelExtrasOf(*state).simulate_failure_flags : 0));
  if (state == nullptr) return f;
  int n = 0;
  for (const auto& [name, ri] : state->masters()) {
    const char* status = (ri->flags & kSriODown) ? "odown" : (ri->flags & kSriSDown) ? "sdown" : "ok";
    f.emplace_back("master" + std::to_string(n++),
                   "name=" + ri->name + ",status=" + status + ",address=" + ri->host + ":" +
                       std::to_string(ri->port) + ",slaves=" + std::to_string(ri->slaves.size()) +
                       ",sentinels=" + std::to_string(ri->sentinels.size() + 1));
  }
  return f;
}

void RegisterSentinelFamily(CommandTable& t) {
  const uint32_t A = kCmdAdmin, S = kCmdSentinel | kCmdOnlySentinel, L = kCmdLoading | kCmdStale;
  const char* g = "sentinel";
  CommandSpec sentinel =
      Cmd("sentinel", -2, A | S, 0, 0, 0, nullptr, g, "2.8.4", "A container for Sentinel commands");
  sentinel.subcommands = {
      Cmd("ckquorum", 3, A | S, 0, 0, 0, SentinelCkQuorum, g, "2.8.4", "Check for a Sentinel quorum"),
      Cmd("config", -3, A | S, 0, 0, 0, SentinelConfigCommand, g, "6.2.0", "Configure Sentinel"),
      Cmd("debug", -2, A | S, 0, 0, 0, SentinelDebug, g, "7.0.0",
          "List or update the current configurable parameters"),
      Cmd("failover", 3, A | S, 0, 0, 0, SentinelFailover, g, "2.8.4", "Force a failover"),
      Cmd("flushconfig", 2, A | S, 0, 0, 0, SentinelFlushConfig, g, "2.8.4", "Rewrite configuration file"),
      Cmd("get-master-addr-by-name", 3, A | S, 0, 0, 0, SentinelGetMasterAddrByName, g, "2.8.4",
          "Get port and address of a master"),
      Cmd("help", 2, L | S, 0, 0, 0, SentinelHelp, g, "6.2.0",
          "Show helpful text about the different subcommands"),
      Cmd("info-cache", -3, A | S, 0, 0, 0, SentinelInfoCache, g, "3.2.0",
          "Get cached INFO from the instances in the deployment"),
      Cmd("is-master-down-by-addr", 6, A | S, 0, 0, 0, SentinelIsMasterDownByAddr, g, "2.8.4",
          "Check if a master is down"),
      Cmd("master", 3, A | S, 0, 0, 0, SentinelMaster, g, "2.8.4", "Shows the state of a master"),
      Cmd("masters", 2, A | S, 0, 0, 0, SentinelMasters, g, "2.8.4", "List the monitored masters"),
      Cmd("monitor", 6, A | S, 0, 0, 0, SentinelMonitor, g, "2.8.4", "Start monitoring"),
      Cmd("myid", 2, A | S, 0, 0, 0, SentinelMyId, g, "6.2.0", "Get the Sentinel instance ID"),
      Cmd("pending-scripts", 2, A | S, 0, 0, 0, SentinelPendingScripts, g, "2.8.4",
          "Get information about pending scripts"),
      Cmd("remove", 3, A | S, 0, 0, 0, SentinelRemove, g, "2.8.4", "Stop monitoring"),
      Cmd("replicas", 3, A | S, 0, 0, 0, SentinelReplicas, g, "5.0.0", "List the monitored replicas"),
      Cmd("reset", 3, A | S, 0, 0, 0, SentinelReset, g, "2.8.4", "Reset masters by name pattern"),
      Cmd("sentinels", 3, A | S, 0, 0, 0, SentinelSentinels, g, "2.8.4", "List the Sentinel instances"),
      Cmd("set", -5, A | S, 0, 0, 0, SentinelSet, g, "2.8.4",
          "Change the configuration of a monitored master"),
      Cmd("simulate-failure", -3, A | S, 0, 0, 0, SentinelSimulateFailure, g, "3.2.0",
          "Simulate failover scenarios"),
      Cmd("slaves", 3, A | S, 0, 0, 0, SentinelReplicas, g, "2.8.0", "List the monitored slaves"),
  };
  t.Add(std::move(sentinel));
}

}  // namespace troupe
