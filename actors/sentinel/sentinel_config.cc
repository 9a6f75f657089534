// The `sentinel ...` config lines (see sentinel_config.h) and
// SentinelState::ConfigLines(), the lines the config rewrite writes.
#include "actors/sentinel/sentinel_config.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "actors/common/strings.h"
#include "actors/node/config_directives.h"
#include "actors/sentinel/sentinel_extras.h"

namespace troupe {
namespace {

// Options applied before any `monitor` line (Redis's preMonitorCfgName).
constexpr const char* kPreMonitorOptions[] = {"announce-ip",   "announce-port",     "deny-scripts-reconfig",
                                              "sentinel-user", "sentinel-pass",     "current-epoch",
                                              "myid",          "resolve-hostnames", "announce-hostnames"};

constexpr const char kNoSuchMaster[] = "No such master with specified name.";

// C's atoi (as glibc: (int)strtol), which Redis uses for these lines.
int Atoi(const std::string& s) { return static_cast<int>(std::strtol(s.c_str(), nullptr, 10)); }

// C's strtoull, as Redis reads epochs (no error check).
int64_t Strtoull(const std::string& s) { return static_cast<int64_t>(std::strtoull(s.c_str(), nullptr, 10)); }

int Pass(const std::string& option) {
  if (EqualsIgnoreCase(option, "monitor")) return 1;
  for (const char* pre : kPreMonitorOptions)
    if (EqualsIgnoreCase(option, pre)) return 0;
  return 2;
}

// One `sentinel` line, without the word "sentinel": the option and its
// arguments. Returns the failure reason, or "" when applied.
std::string Apply(const std::vector<std::string>& argv, SentinelState& state) {
  const std::string& opt = argv[0];
  const size_t argc = argv.size();
  SentinelConfig& cfg = state.config();
  auto is = [&](const char* name, size_t want) { return EqualsIgnoreCase(opt, name) && argc == want; };
  auto master = [&]() { return state.FindMaster(argv[1]); };

  if (is("monitor", 5)) {
    int quorum = Atoi(argv[4]);
    if (quorum <= 0) return "Quorum must be 1 or greater.";
    auto added = MonitorMaster(state, argv[1], argv[2], Atoi(argv[3]), quorum);
    if (!added.ok()) return added.status().message();
  } else if (is("down-after-milliseconds", 3) || is("failover-timeout", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    int ms = Atoi(argv[2]);
    if (ms <= 0) return "negative or zero time parameter.";
    if (EqualsIgnoreCase(opt, "failover-timeout"))
      ri->failover_timeout_ms = ms;
    else
      SetDownAfter(*ri, ms);
  } else if (is("parallel-syncs", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    ri->parallel_syncs = Atoi(argv[2]);
  } else if (is("notification-script", 3) || is("client-reconfig-script", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    bool notification = EqualsIgnoreCase(opt, "notification-script");
    if (access(argv[2].c_str(), X_OK) == -1) {
      return notification ? "Notification script seems non existing or non executable."
                          : "Client reconfiguration script seems non existing or non executable.";
    }
    SentinelMasterExtras& extras = SentinelExtrasOf(state).masters[ri->name];
    (notification ? extras.notification_script : extras.client_reconfig_script) = argv[2];
    spdlog::warn("sentinel {} for master '{}' is stored but not run: Troupe runs no sentinel scripts",
                 ToLower(opt), ri->name);
  } else if (is("auth-pass", 3) || is("auth-user", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    (EqualsIgnoreCase(opt, "auth-pass") ? ri->auth_pass : ri->auth_user) = argv[2];
  } else if (is("current-epoch", 2)) {
    int64_t epoch = Strtoull(argv[1]);
    if (epoch > cfg.current_epoch) cfg.current_epoch = epoch;
  } else if (is("myid", 2)) {
    if (argv[1].size() != kSentinelMyIdLength) return "Malformed Sentinel id in myid option.";
    cfg.myid = argv[1];
  } else if (is("config-epoch", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    ri->config_epoch = Strtoull(argv[2]);
    if (ri->config_epoch > cfg.current_epoch) cfg.current_epoch = ri->config_epoch;
  } else if (is("leader-epoch", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    ri->leader_epoch = Strtoull(argv[2]);
  } else if (is("known-slave", 4) || is("known-replica", 4)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    int port = Atoi(argv[3]);
    Status addr = CheckInstanceAddress(cfg, argv[2], port);
    if (!addr.ok()) return addr.message();
    if (ri->slaves.count(argv[2] + ":" + std::to_string(port)))
      return "Duplicate hostname and port for replica.";
    state.AddSlave(*ri, argv[2], port);
  } else if (EqualsIgnoreCase(opt, "known-sentinel") && (argc == 4 || argc == 5)) {
    if (argc == 5) {  // the old form without a run ID is ignored, as in Redis
      SentinelInstance* ri = master();
      if (ri == nullptr) return kNoSuchMaster;
      int port = Atoi(argv[3]);
      Status addr = CheckInstanceAddress(cfg, argv[2], port);
      if (!addr.ok()) return addr.message();
      for (const auto& [key, s] : ri->sentinels)
        if (s->runid == argv[4]) return "Duplicate runid for sentinel.";
      state.AddSentinel(*ri, argv[2], port, argv[4]);
    }
  } else if (is("rename-command", 4)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    auto& renamed = SentinelExtrasOf(state).masters[ri->name].renamed_commands;
    for (const auto& [from, to] : renamed)
      if (EqualsIgnoreCase(from, argv[2])) return "Same command renamed multiple times with rename-command.";
    if (renamed.size() >= kMaxRenamedCommandsPerMaster)
      return "Too many rename-command lines for this master.";
    renamed.emplace_back(argv[2], argv[3]);
  } else if (is("announce-ip", 2)) {
    if (!argv[1].empty()) cfg.announce_ip = argv[1];
  } else if (is("announce-port", 2)) {
    cfg.announce_port = Atoi(argv[1]);
  } else if (is("deny-scripts-reconfig", 2)) {
    int v = YesNoToInt(argv[1]);
    if (v == -1) return "Please specify yes or no for the deny-scripts-reconfig options.";
    cfg.deny_scripts_reconfig = v == 1;
  } else if (is("sentinel-user", 2)) {
    if (!argv[1].empty()) cfg.sentinel_user = argv[1];
  } else if (is("sentinel-pass", 2)) {
    if (!argv[1].empty()) cfg.sentinel_pass = argv[1];
  } else if (is("resolve-hostnames", 2) || is("announce-hostnames", 2)) {
    int v = YesNoToInt(argv[1]);
    bool resolve = EqualsIgnoreCase(opt, "resolve-hostnames");
    if (v == -1)
      return resolve ? "Please specify yes or no for the resolve-hostnames option."
                     : "Please specify yes or no for the announce-hostnames option.";
    (resolve ? cfg.resolve_hostnames : cfg.announce_hostnames) = v == 1;
  } else if (is("master-reboot-down-after-period", 3)) {
    SentinelInstance* ri = master();
    if (ri == nullptr) return kNoSuchMaster;
    int ms = Atoi(argv[2]);
    if (ms < 0) return "negative time parameter.";
    SentinelExtrasOf(state).masters[ri->name].master_reboot_down_after_period_ms = ms;
  } else {
    return "Unrecognized sentinel configuration statement.";
  }
  return "";
}

}  // namespace

Status LoadSentinelConfig(const std::vector<RawDirective>& raw, SentinelState* state) {
  ResetSentinelExtras(*state);
  for (int pass = 0; pass < 3; ++pass) {
    for (const RawDirective& d : raw) {
      if (d.name != "sentinel" || d.args.empty() || Pass(d.args[0]) != pass) continue;
      std::string reason = Apply(d.args, *state);
      if (!reason.empty()) return Status::Error(FormatConfigFileError(d.line, d.text, reason));
    }
  }
  return Status::Ok();
}

Status CheckInstanceAddress(const SentinelConfig& config, const std::string& host, int64_t port) {
  if (port < 0 || port > 65535) return Status::Error("Invalid port number.");
  if (config.resolve_hostnames && !host.empty()) return Status::Ok();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;  // never a DNS query
  addrinfo* info = nullptr;
  if (host.empty() || getaddrinfo(host.c_str(), nullptr, &hints, &info) != 0) {
    spdlog::warn("Failed to resolve hostname '{}'", host);
    return Status::Error("Can't resolve instance hostname.");
  }
  freeaddrinfo(info);
  return Status::Ok();
}

Result<SentinelInstance*> MonitorMaster(SentinelState& state, const std::string& name,
                                        const std::string& host, int64_t port, int quorum) {
  Status addr = CheckInstanceAddress(state.config(), host, port);
  if (!addr.ok()) return addr;
  if (state.FindMaster(name) != nullptr) return Status::Error("Duplicate master name.");
  auto added = state.AddMaster(name, host, static_cast<int>(port), quorum);
  if (added.ok()) SentinelExtrasOf(state).masters.erase(name);
  return added;
}

int YesNoToInt(const std::string& value) {
  if (EqualsIgnoreCase(value, "yes")) return 1;
  if (EqualsIgnoreCase(value, "no")) return 0;
  return -1;
}

void SetDownAfter(SentinelInstance& master, int64_t down_after_ms) {
  master.down_after_ms = down_after_ms;
  for (auto& [key, ri] : master.slaves) ri->down_after_ms = down_after_ms;
  for (auto& [key, ri] : master.sentinels) ri->down_after_ms = down_after_ms;
}

const SentinelInstance& CurrentMasterAddress(const SentinelInstance& master) {
  if ((master.flags & kSriFailoverInProgress) && master.promoted_slave != nullptr &&
      master.failover_state >= FailoverState::kReconfSlaves)
    return *master.promoted_slave;
  return master;
}


std::string QuoteRepr(const std::string& text) { return config_internal::Repr(text); }

// Redis 7.0's rewriteConfigSentinelOption order: identity and global
// switches, then per master its settings, epochs, replicas, sentinels and
// renamed commands, then the current epoch and the announce / auth options.
std::vector<std::string> SentinelState::ConfigLines() const {
  std::vector<std::string> lines;
  const SentinelConfig& c = config_;
  if (!c.myid.empty()) lines.push_back("sentinel myid " + c.myid);
  if (!c.deny_scripts_reconfig) lines.push_back("sentinel deny-scripts-reconfig no");
  if (c.resolve_hostnames) lines.push_back("sentinel resolve-hostnames yes");
  if (c.announce_hostnames) lines.push_back("sentinel announce-hostnames yes");

  const SentinelExtras& extras = SentinelExtrasOf(*this);
  for (const auto& [name, owned] : masters_) {
    const SentinelInstance& m = *owned;
    const SentinelInstance& addr = CurrentMasterAddress(m);
    const std::string prefix = " " + m.name + " ";
    lines.push_back("sentinel monitor" + prefix + addr.host + " " + std::to_string(addr.port) + " " +
                    std::to_string(m.quorum));
    if (m.down_after_ms != kSentinelDefaultDownAfterMs)
      lines.push_back("sentinel down-after-milliseconds" + prefix + std::to_string(m.down_after_ms));
    if (m.failover_timeout_ms != kSentinelDefaultFailoverTimeoutMs)
      lines.push_back("sentinel failover-timeout" + prefix + std::to_string(m.failover_timeout_ms));
    if (m.parallel_syncs != kSentinelDefaultParallelSyncs)
      lines.push_back("sentinel parallel-syncs" + prefix + std::to_string(m.parallel_syncs));
    auto ex = extras.masters.find(m.name);
    const SentinelMasterExtras* mx = ex == extras.masters.end() ? nullptr : &ex->second;
    if (mx && !mx->notification_script.empty())
      lines.push_back("sentinel notification-script" + prefix + mx->notification_script);
    if (mx && !mx->client_reconfig_script.empty())
      lines.push_back("sentinel client-reconfig-script" + prefix + mx->client_reconfig_script);
    if (!m.auth_pass.empty()) lines.push_back("sentinel auth-pass" + prefix + m.auth_pass);
    if (!m.auth_user.empty()) lines.push_back("sentinel auth-user" + prefix + m.auth_user);
    if (mx && mx->master_reboot_down_after_period_ms != 0)
      lines.push_back("sentinel master-reboot-down-after-period" + prefix +
                      std::to_string(mx->master_reboot_down_after_period_ms));
    lines.push_back("sentinel config-epoch" + prefix + std::to_string(m.config_epoch));
    lines.push_back("sentinel leader-epoch" + prefix + std::to_string(m.leader_epoch));
    for (const auto& [key, s] : m.slaves) {
      // The promoted replica is the master now: it is known by the old
      // master's address, as Redis writes it.
      const SentinelInstance& r = (s->host == addr.host && s->port == addr.port) ? m : *s;
      lines.push_back("sentinel known-replica" + prefix + r.host + " " + std::to_string(r.port));
    }
    for (const auto& [key, s] : m.sentinels) {
      if (s->runid.empty()) continue;
      lines.push_back("sentinel known-sentinel" + prefix + s->host + " " + std::to_string(s->port) + " " +
                      s->runid);
    }
    if (mx)
      for (const auto& [from, to] : mx->renamed_commands)
        lines.push_back("sentinel rename-command" + prefix + from + " " + to);
  }
  lines.push_back("sentinel current-epoch " + std::to_string(c.current_epoch));
  if (!c.announce_ip.empty()) lines.push_back("sentinel announce-ip " + QuoteRepr(c.announce_ip));
  if (c.announce_port != 0) lines.push_back("sentinel announce-port " + std::to_string(c.announce_port));
  if (!c.sentinel_user.empty()) lines.push_back("sentinel sentinel-user " + c.sentinel_user);
  if (!c.sentinel_pass.empty()) lines.push_back("sentinel sentinel-pass " + c.sentinel_pass);
  return lines;
}

}  // namespace troupe
