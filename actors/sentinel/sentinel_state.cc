// The Redis Sentinel protocol (see sentinel_state.h). The structure follows
// Redis 7.0's sentinel.c: a 100 ms timer handles every instance (links,
// periodic PING / INFO / hello, SDOWN), then every master (ODOWN, asking
// the other sentinels, the failover state machine).
#include "actors/sentinel/sentinel_state.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "actors/common/strings.h"
#include "actors/sentinel/sentinel_rules.h"

namespace troupe {
namespace {

const char kHelloChannel[] = "__sentinel__:hello";

std::string RandomHex40(std::mt19937_64& rng) {
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 40; ++i) s.push_back(hex[rng() % 16]);
  return s;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

const char* StateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone: return "none";
    case FailoverState::kWaitStart: return "wait_start";
    case FailoverState::kSelectSlave: return "select_slave";
    case FailoverState::kSendSlaveofNoone: return "send_slaveof_noone";
    case FailoverState::kWaitPromotion: return "wait_promotion";
    case FailoverState::kReconfSlaves: return "reconf_slaves";
    case FailoverState::kUpdateConfig: return "update_config";
  }
  return "unknown";
}

// An instance's name in events: a sentinel goes by its run ID, as in
// Redis 7 (SENTINEL SENTINELS reports the same name).
std::string EventName(const SentinelInstance& ri) {
  return ri.is_sentinel() && !ri.runid.empty() ? ri.runid : ri.name;
}

// The text of an event: Redis's "%@" instance description (when `ri` is
// given) followed by `extra`.
std::string EventText(const SentinelInstance* ri, const std::string& extra) {
  if (ri == nullptr) return extra;
  std::string msg;
  if (ri->is_master()) {
    msg = "master " + ri->name + " " + ri->host + " " + std::to_string(ri->port);
  } else {
    msg = std::string(ri->is_slave() ? "slave" : "sentinel") + " " + EventName(*ri) + " " + ri->host + " " +
          std::to_string(ri->port) + " @ " + ri->master->name + " " + ri->master->host + " " +
          std::to_string(ri->master->port);
  }
  if (!extra.empty()) msg += " " + extra;
  return msg;
}

}  // namespace

SentinelState::SentinelState(const Clock* clock, uint64_t seed) : clock_(clock), rng_(seed) {
  previous_tick_ms_ = clock_->UnixMs();
}

// ---------------------------------------------------------------------------
// Instances

Result<SentinelInstance*> SentinelState::AddMaster(const std::string& name, const std::string& host, int port,
                                                   int quorum) {
  // The SENTINEL MONITOR / config checks (sentinel_config.cc) come first with
  // Redis's texts; these are the last guards.
  if (quorum <= 0) return Status::Error("Quorum must be 1 or greater.");
  if (masters_.count(name)) return Status::Error("Duplicated master name.");
  auto ri = std::make_unique<SentinelInstance>();
  ri->flags = kSriMaster;
  ri->name = name;
  ri->host = host;
  ri->port = port;
  ri->quorum = quorum;
  ri->last_avail_time_ms = clock_->UnixMs();
  ri->role_reported_time_ms = clock_->UnixMs();
  SentinelInstance* raw = ri.get();
  masters_[name] = std::move(ri);
  return raw;
}

Status SentinelState::RemoveMaster(const std::string& name) {
  auto it = masters_.find(name);
  if (it == masters_.end()) return Status::Error("ERR No such master with that name");
  ResetMaster(*it->second);
  for (auto& [k, s] : it->second->sentinels)
    if (io_) io_->CloseLinks(*s);
  if (io_) io_->CloseLinks(*it->second);
  masters_.erase(it);
  return Status::Ok();
}

SentinelInstance* SentinelState::FindMaster(const std::string& name) {
  auto it = masters_.find(name);
  return it == masters_.end() ? nullptr : it->second.get();
}

SentinelInstance* SentinelState::FindMasterByAddr(const std::string& host, int port) {
  for (auto& [n, m] : masters_)
    if (m->host == host && m->port == port) return m.get();
  return nullptr;
}

// A replica or sentinel of `master` at host:port, added to `children`
// unless one is there already.
SentinelInstance* SentinelState::Child(SentinelInstance& master,
                                       std::map<std::string, std::unique_ptr<SentinelInstance>>& children,
                                       uint32_t flag, const std::string& host, int port) {
  std::string key = host + ":" + std::to_string(port);
  auto it = children.find(key);
  if (it != children.end()) return it->second.get();
  auto ri = std::make_unique<SentinelInstance>();
  ri->flags = flag;
  ri->name = key;
  ri->host = host;
  ri->port = port;
  ri->master = &master;
  ri->down_after_ms = master.down_after_ms;
  ri->last_avail_time_ms = clock_->UnixMs();
  ri->role_reported_time_ms = clock_->UnixMs();
  SentinelInstance* raw = ri.get();
  children[key] = std::move(ri);
  return raw;
}

SentinelInstance* SentinelState::AddSlave(SentinelInstance& master, const std::string& host, int port) {
  bool known = master.slaves.count(host + ":" + std::to_string(port)) != 0;
  SentinelInstance* ri = Child(master, master.slaves, kSriSlave, host, port);
  if (!known) ri->role_reported = "slave";
  return ri;
}

SentinelInstance* SentinelState::AddSentinel(SentinelInstance& master, const std::string& host, int port,
                                             const std::string& runid) {
  bool known = master.sentinels.count(host + ":" + std::to_string(port)) != 0;
  SentinelInstance* ri = Child(master, master.sentinels, kSriSentinel, host, port);
  if (!known) ri->runid = runid;
  return ri;
}

void SentinelState::ResetMaster(SentinelInstance& master) {
  for (auto& [k, s] : master.slaves)
    if (io_) io_->CloseLinks(*s);
  master.slaves.clear();
  master.flags &= kSriMaster;
  master.runid.clear();
  master.info.clear();
  master.leader.clear();
  master.failover_state = FailoverState::kNone;
  master.failover_state_change_time_ms = 0;
  master.failover_start_time_ms = 0;
  master.promoted_slave = nullptr;
  master.s_down_since_ms = master.o_down_since_ms = 0;
  master.info_refresh_ms = 0;
  master.role_reported = "master";
  master.role_reported_time_ms = clock_->UnixMs();
  master.act_ping_time_ms = 0;
  master.last_avail_time_ms = clock_->UnixMs();
  if (io_) io_->CloseLinks(master);
}

// ---------------------------------------------------------------------------
// Events

void SentinelState::Event(bool warning, const std::string& type, const SentinelInstance* ri,
                          const std::string& extra) {
  std::string msg = EventText(ri, extra);
  if (warning)
    spdlog::warn("{} {}", type, msg);
  else
    spdlog::info("{} {}", type, msg);
  if (io_) io_->Publish(type, msg);
}

void SentinelState::SetState(SentinelInstance& master, FailoverState s) {
  master.failover_state = s;
  master.failover_state_change_time_ms = clock_->UnixMs();
}

std::string SentinelState::AnnounceIp() const { return config_.announce_ip.empty() ? my_ip : config_.announce_ip; }
int SentinelState::AnnouncePort() const { return config_.announce_port ? config_.announce_port : my_port; }

// ---------------------------------------------------------------------------
// The timer

void SentinelState::CheckTilt() {
  int64_t now = clock_->UnixMs();
  int64_t delta = now - previous_tick_ms_;
  if (delta < 0 || delta > kSentinelTiltTriggerMs) {
    tilt_ = true;
    tilt_start_ms_ = now;
    Event(true, "+tilt", nullptr, "#tilt mode entered");
  }
  previous_tick_ms_ = now;
}

void SentinelState::Tick() {
  if (config_.myid.empty()) config_.myid = RandomHex40(rng_);
  CheckTilt();
  std::vector<SentinelInstance*> masters;
  for (auto& [n, m] : masters_) masters.push_back(m.get());
  for (SentinelInstance* m : masters) {
    HandleInstance(*m);
    std::vector<SentinelInstance*> children;
    for (auto& [k, s] : m->slaves) children.push_back(s.get());
    for (auto& [k, s] : m->sentinels) children.push_back(s.get());
    for (SentinelInstance* c : children) HandleInstance(*c);
    if (m->failover_state == FailoverState::kUpdateConfig) SwitchToPromotedSlave(*m);
  }
}

void SentinelState::HandleInstance(SentinelInstance& ri) {
  if (io_) io_->EnsureLinks(ri);
  SendPeriodicCommands(ri);
  int64_t now = clock_->UnixMs();
  if (tilt_) {
    if (now - tilt_start_ms_ < kSentinelTiltPeriodMs) return;
    tilt_ = false;
    Event(true, "-tilt", nullptr, "#tilt mode exited");
  }
  CheckSubjectivelyDown(ri);
  if (ri.is_master()) {
    CheckObjectivelyDown(ri);
    if (StartFailoverIfNeeded(ri)) AskMasterStateToOtherSentinels(ri, true);
    FailoverStateMachine(ri);
    AskMasterStateToOtherSentinels(ri, false);
  }
}

void SentinelState::SendPeriodicCommands(SentinelInstance& ri) {
  if (!ri.link_connected || io_ == nullptr) return;
  int64_t now = clock_->UnixMs();
  int64_t info_period = kSentinelInfoPeriodMs;
  if (ri.is_slave() && (ri.master->flags & (kSriODown | kSriFailoverInProgress))) info_period = 1000;
  // Replicas whose change we are waiting for during a failover (the one
  // being promoted, those being re-pointed) are polled every tick, so the
  // failover moves on as soon as they report it (Redis waits for its 1 s
  // INFO period here).
  if (ri.is_slave() && (ri.master->flags & kSriFailoverInProgress) &&
      (((ri.flags & kSriPromoted) && ri.master->failover_state == FailoverState::kWaitPromotion) ||
       (ri.flags & (kSriReconfSent | kSriReconfInprog))))
    info_period = 100;
  int64_t ping_period = std::min(ri.down_after_ms, kSentinelPingPeriodMs);
  if (ri.link_pending_commands >= kSentinelMaxPendingCommands) return;
  if (!ri.is_sentinel() && (ri.info_refresh_ms == 0 || now - ri.info_refresh_ms > info_period)) RefreshInfo(ri);
  if (now - ri.last_pong_time_ms > ping_period && now - ri.last_ping_time_ms > ping_period / 2) SendPing(ri);
  if (now - ri.last_pub_time_ms > kSentinelPublishPeriodMs) SendHello(ri);
}

void SentinelState::SendPing(SentinelInstance& ri) {
  int64_t now = clock_->UnixMs();
  ri.last_ping_time_ms = now;
  if (ri.act_ping_time_ms == 0) ri.act_ping_time_ms = now;
  SentinelInstance* p = &ri;
  io_->Command(ri, {"PING"}, [this, p](bool ok, const std::vector<std::string>& reply) {
    int64_t t = clock_->UnixMs();
    p->last_pong_time_ms = t;
    std::string text = reply.empty() ? "" : reply[0];
    if (ok || text.rfind("LOADING", 0) == 0 || text.rfind("MASTERDOWN", 0) == 0) {
      p->last_avail_time_ms = t;
      p->act_ping_time_ms = 0;
    }
  });
}

void SentinelState::SendHello(SentinelInstance& ri) {
  SentinelInstance& master = ri.is_master() ? ri : *ri.master;
  if (ri.is_sentinel()) return;  // hellos go through masters and replicas
  // Once the promoted replica reported its new role, hellos already
  // announce it (with the new config epoch), as Redis's
  // sentinelGetCurrentMasterAddress does: the other sentinels switch early.
  const SentinelInstance* current = &master;
  if ((master.flags & kSriFailoverInProgress) && master.promoted_slave != nullptr &&
      master.failover_state >= FailoverState::kReconfSlaves)
    current = master.promoted_slave;
  std::string payload = AnnounceIp() + "," + std::to_string(AnnouncePort()) + "," + config_.myid + "," +
                        std::to_string(config_.current_epoch) + "," + master.name + "," + current->host + "," +
                        std::to_string(current->port) + "," + std::to_string(master.config_epoch);
  ri.last_pub_time_ms = clock_->UnixMs();
  SentinelInstance* p = &ri;
  io_->Command(ri, {"PUBLISH", kHelloChannel, payload}, [this, p](bool ok, const std::vector<std::string>&) {
    if (ok) p->last_pub_time_ms = clock_->UnixMs();
  });
}

void SentinelState::RefreshInfo(SentinelInstance& ri) {
  if (ri.info_pending) return;  // one INFO at a time
  ri.info_pending = true;
  SentinelInstance* p = &ri;
  io_->Command(ri, {"INFO"}, [this, p](bool ok, const std::vector<std::string>& reply) {
    p->info_pending = false;
    if (!ok || reply.empty()) return;
    OnInfo(*p, reply[0]);
  });
}

// ---------------------------------------------------------------------------
// INFO and hello

void SentinelState::OnInfo(SentinelInstance& ri, const std::string& info) {
  int64_t now = clock_->UnixMs();
  ri.info = info;
  ri.info_refresh_ms = now;
  std::string role;
  std::istringstream lines(info);
  std::string line;
  ri.master_link_down_time_ms = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto value = [&line](const char* prefix) -> const char* {
      size_t n = std::strlen(prefix);
      return line.compare(0, n, prefix) == 0 ? line.c_str() + n : nullptr;
    };
    if (const char* v = value("run_id:")) {
      std::string id(v);
      if (ri.runid.empty()) {
        ri.runid = id;
      } else if (ri.runid != id) {
        Event(false, "+reboot", &ri, "");
        ri.runid = id;
      }
    } else if (line.compare(0, 5, "slave") == 0 && line.find(":ip=") != std::string::npos && ri.is_master()) {
      // slave0:ip=127.0.0.1,port=7002,state=online,offset=...,lag=...
      std::string ip;
      int port = 0;
      for (const std::string& kv : Split(line.substr(line.find(':') + 1), ',')) {
        if (kv.rfind("ip=", 0) == 0) ip = kv.substr(3);
        if (kv.rfind("port=", 0) == 0) port = std::atoi(kv.c_str() + 5);
      }
      if (!ip.empty() && port > 0 && !ri.slaves.count(ip + ":" + std::to_string(port))) {
        SentinelInstance* s = AddSlave(ri, ip, port);
        Event(false, "+slave", s, "");
        if (io_) io_->FlushConfig();
      }
    } else if (const char* v = value("master_link_down_since_seconds:")) {
      ri.master_link_down_time_ms = std::atoll(v) * 1000;
    } else if (const char* v = value("role:")) {
      role = v;
    } else if (const char* v = value("master_host:")) {
      ri.slave_master_host = v;
    } else if (const char* v = value("master_port:")) {
      ri.slave_master_port = std::atoi(v);
    } else if (const char* v = value("master_link_status:")) {
      ri.slave_master_link_up = std::string(v) == "up";
    } else if (const char* v = value("slave_priority:")) {
      ri.slave_priority = std::atoll(v);
    } else if (const char* v = value("slave_repl_offset:")) {
      ri.slave_repl_offset = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("replica_announced:")) {
      ri.replica_announced = std::atoi(v) != 0;
    }
  }
  if (role.empty()) return;
  std::string reported = role == "master" ? "master" : "slave";
  if (reported != ri.role_reported) {
    ri.role_reported = reported;
    ri.role_reported_time_ms = now;
    // Redis logs this at verbose level: "+role-change" when the new role
    // agrees with what we think the instance is, "-role-change" otherwise.
    bool coherent = (reported == "master") == ri.is_master();
    const char* type = coherent ? "+role-change" : "-role-change";
    std::string msg = EventText(&ri, "new reported role is " + reported);
    spdlog::debug("{} {}", type, msg);
    if (io_) io_->Publish(type, msg);
  }
  if (tilt_) return;

  SentinelInstance* master = ri.is_slave() ? ri.master : nullptr;
  // A replica that now says it is a master.
  if (ri.is_slave() && reported == "master") {
    if ((ri.flags & kSriPromoted) && (master->flags & kSriFailoverInProgress) &&
        master->failover_state == FailoverState::kWaitPromotion) {
      master->config_epoch = master->failover_epoch;
      SetState(*master, FailoverState::kReconfSlaves);
      Event(true, "+promoted-slave", &ri, "");
      Event(true, "+failover-state-reconf-slaves", master, "");
      if (io_) io_->FlushConfig();
      // As Redis's sentinelForceHelloUpdateForMaster: the next tick sends
      // a hello through the master and every replica, so the other
      // sentinels learn the new configuration now, not within 2 s.
      auto force_hello = [](SentinelInstance& x) {
        if (x.last_pub_time_ms >= kSentinelPublishPeriodMs + 1) x.last_pub_time_ms -= kSentinelPublishPeriodMs + 1;
      };
      force_hello(*master);
      for (auto& [k, s] : master->slaves) force_hello(*s);
    } else if (!(ri.flags & kSriPromoted)) {
      // Force our view after a while (the new configuration may still arrive).
      int64_t wait_ms = kSentinelPublishPeriodMs * 4;
      bool master_sane = master->role_reported == "master" && !(master->flags & (kSriSDown | kSriODown)) &&
                         now - master->info_refresh_ms < kSentinelInfoPeriodMs * 2;
      if (master_sane && !(ri.flags & (kSriSDown | kSriODown)) && now - ri.role_reported_time_ms > wait_ms) {
        SendSlaveOf(ri, master->host, master->port);
        Event(false, "+convert-to-slave", &ri, "");
      }
    }
  }
  // The demoted old master, or any replica, pointing elsewhere.
  if (ri.is_slave() && reported == "slave" &&
      (ri.slave_master_host != master->host || ri.slave_master_port != master->port) &&
      !(master->flags & kSriFailoverInProgress)) {
    int64_t wait_ms = master->failover_timeout_ms;
    bool master_sane = master->role_reported == "master" && !(master->flags & (kSriSDown | kSriODown)) &&
                       now - master->info_refresh_ms < kSentinelInfoPeriodMs * 2;
    if (master_sane && now - ri.role_reported_time_ms > wait_ms) {
      SendSlaveOf(ri, master->host, master->port);
      Event(false, "+fix-slave-config", &ri, "");
    }
  }
  // Replicas being reconfigured during a failover.
  if (ri.is_slave() && reported == "slave" && (master->flags & kSriFailoverInProgress) &&
      master->failover_state == FailoverState::kReconfSlaves && master->promoted_slave != nullptr) {
    SentinelInstance* promoted = master->promoted_slave;
    bool points_to_promoted = ri.slave_master_host == promoted->host && ri.slave_master_port == promoted->port;
    if ((ri.flags & kSriReconfSent) && points_to_promoted) {
      ri.flags &= ~kSriReconfSent;
      ri.flags |= kSriReconfInprog;
      Event(false, "+slave-reconf-inprog", &ri, "");
    }
    if ((ri.flags & kSriReconfInprog) && ri.slave_master_link_up) {
      ri.flags &= ~kSriReconfInprog;
      ri.flags |= kSriReconfDone;
      Event(false, "+slave-reconf-done", &ri, "");
    }
  }
}

void SentinelState::OnHello(const std::string& payload) {
  std::vector<std::string> t = Split(payload, ',');
  if (t.size() != 8) {
    spdlog::debug("Malformed hello message ignored: '{}'", payload.substr(0, 128));
    return;
  }
  const std::string& runid = t[2];
  if (runid == config_.myid) return;  // our own
  int port = std::atoi(t[1].c_str());
  int64_t epoch = std::atoll(t[3].c_str());
  int master_port = std::atoi(t[6].c_str());
  int64_t master_config_epoch = std::atoll(t[7].c_str());
  if (t[0].empty() || port <= 0 || port > 65535 || runid.size() != 40 || master_port <= 0) return;
  SentinelInstance* master = FindMaster(t[4]);
  if (master == nullptr) return;
  int64_t now = clock_->UnixMs();
  std::string key = t[0] + ":" + std::to_string(port);
  SentinelInstance* si = nullptr;
  auto it = master->sentinels.find(key);
  if (it != master->sentinels.end()) si = it->second.get();
  if (si == nullptr) {
    // The same sentinel at a new address, or a new sentinel at an old one.
    bool removed = false;
    for (auto s = master->sentinels.begin(); s != master->sentinels.end();) {
      if (s->second->runid == runid) {
        if (io_) io_->CloseLinks(*s->second);
        s = master->sentinels.erase(s);
        removed = true;
      } else {
        ++s;
      }
    }
    si = AddSentinel(*master, t[0], port, runid);
    if (removed)
      Event(false, "+sentinel-address-switch", master, "ip " + t[0] + " port " + std::to_string(port) +
                                                           " for " + runid);
    else
      Event(false, "+sentinel", si, "");
    if (io_) io_->FlushConfig();
  } else if (si->runid != runid) {
    si->runid = runid;
  }
  if (epoch > config_.current_epoch) {
    config_.current_epoch = epoch;
    if (io_) io_->FlushConfig();
    Event(true, "+new-epoch", nullptr, std::to_string(epoch));
  }
  if (master->config_epoch < master_config_epoch) {
    master->config_epoch = master_config_epoch;
    // The address we stand for: during our own failover, once the replica
    // was promoted, that is the promoted one (what our hellos announce).
    bool own_failover = (master->flags & kSriFailoverInProgress) && master->promoted_slave != nullptr &&
                        master->failover_state >= FailoverState::kReconfSlaves;
    const SentinelInstance* current = own_failover ? master->promoted_slave : master;
    bool differs = t[5] != current->host || master_port != current->port;
    if (differs && (master->flags & kSriFailoverInProgress)) {
      // A newer configuration wins over the failover we run for an older
      // epoch (found by troupe-sim, seed 33: without this, this sentinel
      // kept naming its own promoted replica under the newer epoch).
      Event(true, "-failover-abort-newer-config", master, "");
      AbortFailover(*master);
    }
    if (differs || t[5] != master->host || master_port != master->port) {
      std::string old_host = master->host;
      int old_port = master->port;
      Event(true, "+config-update-from", si, "");
      Event(true, "+switch-master", nullptr,
            master->name + " " + old_host + " " + std::to_string(old_port) + " " + t[5] + " " +
                std::to_string(master_port));
      ResetMasterAndChangeAddress(*master, t[5], master_port);
    }
  }
  si->last_hello_time_ms = now;
}

// ---------------------------------------------------------------------------
// Down detection

void SentinelState::CheckSubjectivelyDown(SentinelInstance& ri) {
  int64_t now = clock_->UnixMs();
  // A link that stopped answering is reconnected (it may be stuck).
  if (ri.link_connected && now - ri.link_connected_since_ms > kSentinelMinLinkReconnectPeriodMs &&
      ri.act_ping_time_ms != 0 && now - ri.act_ping_time_ms > ri.down_after_ms / 2 &&
      now - ri.last_pong_time_ms > ri.down_after_ms / 2 && io_ != nullptr)
    io_->CloseLinks(ri);
  SdownInput in;
  in.now_ms = now;
  in.act_ping_time_ms = ri.act_ping_time_ms;
  in.disconnected = !ri.link_connected;
  in.last_avail_time_ms = ri.last_avail_time_ms;
  in.down_after_ms = ri.down_after_ms;
  in.is_master = ri.is_master();
  in.reports_slave = ri.role_reported == "slave";
  in.role_reported_time_ms = ri.role_reported_time_ms;
  bool down = IsSubjectivelyDown(in);
  if (down && !(ri.flags & kSriSDown)) {
    Event(true, "+sdown", &ri, "");
    ri.s_down_since_ms = now;
    ri.flags |= kSriSDown;
  } else if (!down && (ri.flags & kSriSDown)) {
    Event(true, "-sdown", &ri, "");
    ri.flags &= ~kSriSDown;
  }
}

void SentinelState::CheckObjectivelyDown(SentinelInstance& master) {
  int others = 0;
  for (auto& [k, s] : master.sentinels) others += (s->flags & kSriMasterDown) ? 1 : 0;
  bool odown = IsObjectivelyDown(master.flags & kSriSDown, others, master.quorum);
  if (odown && !(master.flags & kSriODown)) {
    Event(true, "+odown", &master,
          "#quorum " + std::to_string(1 + others) + "/" + std::to_string(master.quorum));
    master.flags |= kSriODown;
    master.o_down_since_ms = clock_->UnixMs();
  } else if (!odown && (master.flags & kSriODown)) {
    Event(true, "-odown", &master, "");
    master.flags &= ~kSriODown;
  }
}

void SentinelState::AskMasterStateToOtherSentinels(SentinelInstance& master, bool force) {
  int64_t now = clock_->UnixMs();
  for (auto& [k, s] : master.sentinels) {
    SentinelInstance& ri = *s;
    int64_t elapsed = now - ri.last_master_down_reply_time_ms;
    if (elapsed > kSentinelAskPeriodMs * 5) {  // a stale opinion no longer counts
      ri.flags &= ~kSriMasterDown;
      ri.leader.clear();
    }
    if (!(master.flags & kSriSDown)) continue;
    if (!ri.link_connected || io_ == nullptr) continue;
    if (!force && elapsed < kSentinelAskPeriodMs) continue;
    std::string ask = master.failover_state > FailoverState::kNone ? config_.myid : "*";
    SentinelInstance* p = &ri;
    ri.last_master_down_reply_time_ms = now - kSentinelAskPeriodMs + 200;  // one request in flight
    io_->Command(ri,
                 {"SENTINEL", "is-master-down-by-addr", master.host, std::to_string(master.port),
                  std::to_string(config_.current_epoch), ask},
                 [this, p](bool ok, const std::vector<std::string>& reply) {
                   if (!ok || reply.size() != 3) return;
                   p->last_master_down_reply_time_ms = clock_->UnixMs();
                   if (reply[0] == "1")
                     p->flags |= kSriMasterDown;
                   else
                     p->flags &= ~kSriMasterDown;
                   if (reply[1] != "*") {
                     int64_t epoch = std::atoll(reply[2].c_str());
                     if (p->leader_epoch != epoch)
                       spdlog::warn("{} voted for {} {}", EventName(*p), reply[1], epoch);
                     p->leader = reply[1];
                     p->leader_epoch = epoch;
                   }
                 });
  }
}

void SentinelState::IsMasterDownByAddr(const std::string& host, int port, int64_t req_epoch,
                                       const std::string& req_runid, int* down, std::string* leader,
                                       int64_t* leader_epoch) {
  SentinelInstance* ri = FindMasterByAddr(host, port);
  *down = (!tilt_ && ri != nullptr && (ri->flags & kSriSDown)) ? 1 : 0;
  *leader = "*";
  *leader_epoch = 0;
  if (ri != nullptr && req_runid != "*") {
    std::string voted = VoteLeader(*ri, req_epoch, req_runid, leader_epoch);
    *leader = voted.empty() ? "*" : voted;
  }
}

// ---------------------------------------------------------------------------
// Election

std::string SentinelState::VoteLeader(SentinelInstance& master, int64_t req_epoch, const std::string& req_runid,
                                      int64_t* leader_epoch) {
  if (req_epoch > config_.current_epoch) {
    config_.current_epoch = req_epoch;
    if (io_) io_->FlushConfig();
    Event(true, "+new-epoch", nullptr, std::to_string(config_.current_epoch));
  }
  bool grant = test_vote_twice ? config_.current_epoch <= req_epoch
                               : ShouldGrantVote(config_.current_epoch, master.leader_epoch, req_epoch);
  if (grant) {
    master.leader = req_runid;
    master.leader_epoch = config_.current_epoch;
    if (io_) io_->FlushConfig();
    Event(true, "+vote-for-leader", nullptr, master.leader + " " + std::to_string(master.leader_epoch));
    // Somebody else runs this failover: do not start our own right away.
    if (req_runid != config_.myid)
      master.failover_start_time_ms =
          clock_->UnixMs() + static_cast<int64_t>(rng_() % static_cast<uint64_t>(kSentinelMaxDesyncMs));
  }
  *leader_epoch = master.leader_epoch;
  return master.leader;
}

std::string SentinelState::GetLeader(SentinelInstance& master, int64_t epoch) {
  std::map<std::string, int> votes;
  int voters = static_cast<int>(master.sentinels.size()) + 1;
  for (auto& [k, s] : master.sentinels)
    if (!s->leader.empty() && s->leader_epoch == config_.current_epoch) votes[s->leader]++;
  std::string winner = MostVoted(votes, nullptr);
  int64_t my_epoch = 0;
  std::string my_vote = VoteLeader(master, epoch, winner.empty() ? config_.myid : winner, &my_epoch);
  if (!my_vote.empty() && my_epoch == epoch) votes[my_vote]++;
  return ElectionWinner(votes, voters, master.quorum);
}

// ---------------------------------------------------------------------------
// Failover

bool SentinelState::StartFailoverIfNeeded(SentinelInstance& master) {
  if (!(master.flags & kSriODown)) return false;
  if (master.flags & kSriFailoverInProgress) return false;
  int64_t now = clock_->UnixMs();
  if (now - master.failover_start_time_ms < master.failover_timeout_ms * 2) {
    if (master.failover_delay_logged_ms != master.failover_start_time_ms) {
      master.failover_delay_logged_ms = master.failover_start_time_ms;
      // Redis prints the moment as ctime() does: "Thu Nov 26 05:00:36 2026".
      std::time_t when = static_cast<std::time_t>((master.failover_start_time_ms + master.failover_timeout_ms * 2) /
                                                  1000);
      std::tm tm{};
      localtime_r(&when, &tm);
      char stamp[64];
      size_t n = std::strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm);
      spdlog::warn("Next failover delay: I will not start a failover before {}", std::string(stamp, n));
    }
    return false;
  }
  StartFailover(master);
  return true;
}

void SentinelState::StartFailover(SentinelInstance& master) {
  SetState(master, FailoverState::kWaitStart);
  master.flags |= kSriFailoverInProgress;
  master.failover_epoch = ++config_.current_epoch;
  Event(true, "+new-epoch", nullptr, std::to_string(config_.current_epoch));
  Event(true, "+try-failover", &master, "");
  master.failover_start_time_ms =
      clock_->UnixMs() + static_cast<int64_t>(rng_() % static_cast<uint64_t>(kSentinelMaxDesyncMs));
}

Status SentinelState::ForceFailover(const std::string& name) {
  SentinelInstance* master = FindMaster(name);
  if (master == nullptr) return Status::Error("ERR No such master with that name");
  if (master->flags & kSriFailoverInProgress) return Status::Error("INPROG Failover already in progress");
  std::vector<ReplicaCandidate> candidates;
  for (auto& [k, s] : master->slaves) {
    ReplicaCandidate c;
    c.runid = s->runid;
    c.sdown_or_odown = s->flags & (kSriSDown | kSriODown);
    c.disconnected = !s->link_connected;
    c.last_avail_time_ms = s->last_avail_time_ms;
    c.priority = s->slave_priority;
    c.info_refresh_ms = s->info_refresh_ms;
    c.master_link_down_time_ms = s->master_link_down_time_ms;
    c.repl_offset = s->slave_repl_offset;
    candidates.push_back(c);
  }
  if (SelectReplica(candidates, clock_->UnixMs(), master->flags & kSriSDown, master->s_down_since_ms,
                    master->down_after_ms) < 0)
    return Status::Error("NOGOODSLAVE No suitable replica to promote");
  spdlog::warn("Executing user requested FAILOVER of '{}'", name);
  StartFailover(*master);
  master->flags |= kSriForceFailover;
  if (io_) io_->FlushConfig();
  return Status::Ok();
}

void SentinelState::FailoverStateMachine(SentinelInstance& master) {
  if (!(master.flags & kSriFailoverInProgress)) return;
  switch (master.failover_state) {
    case FailoverState::kWaitStart: FailoverWaitStart(master); break;
    case FailoverState::kSelectSlave: FailoverSelectSlave(master); break;
    case FailoverState::kSendSlaveofNoone: FailoverSendSlaveOfNoOne(master); break;
    case FailoverState::kWaitPromotion: FailoverWaitPromotion(master); break;
    case FailoverState::kReconfSlaves: FailoverReconfNextSlave(master); break;
    default: break;
  }
}

void SentinelState::FailoverWaitStart(SentinelInstance& master) {
  std::string leader = GetLeader(master, master.failover_epoch);
  bool is_leader = leader == config_.myid;
  if (!is_leader && !(master.flags & kSriForceFailover)) {
    int64_t election_timeout = std::min(kSentinelElectionTimeoutMs, master.failover_timeout_ms);
    if (clock_->UnixMs() - master.failover_start_time_ms > election_timeout) {
      Event(true, "-failover-abort-not-elected", &master, "");
      AbortFailover(master);
    }
    return;
  }
  Event(true, "+elected-leader", &master, "");
  SetState(master, FailoverState::kSelectSlave);
  Event(true, "+failover-state-select-slave", &master, "");
}

void SentinelState::FailoverSelectSlave(SentinelInstance& master) {
  std::vector<SentinelInstance*> slaves;
  std::vector<ReplicaCandidate> candidates;
  for (auto& [k, s] : master.slaves) {
    ReplicaCandidate c;
    c.runid = s->runid;
    c.sdown_or_odown = s->flags & (kSriSDown | kSriODown);
    c.disconnected = !s->link_connected;
    c.last_avail_time_ms = s->last_avail_time_ms;
    c.priority = s->slave_priority;
    c.info_refresh_ms = s->info_refresh_ms;
    c.master_link_down_time_ms = s->master_link_down_time_ms;
    c.repl_offset = s->slave_repl_offset;
    candidates.push_back(c);
    slaves.push_back(s.get());
  }
  int pick = SelectReplica(candidates, clock_->UnixMs(), master.flags & kSriSDown, master.s_down_since_ms,
                           master.down_after_ms);
  if (pick < 0) {
    Event(true, "-failover-abort-no-good-slave", &master, "");
    AbortFailover(master);
    return;
  }
  SentinelInstance* slave = slaves[static_cast<size_t>(pick)];
  Event(true, "+selected-slave", slave, "");
  slave->flags |= kSriPromoted;
  master.promoted_slave = slave;
  SetState(master, FailoverState::kSendSlaveofNoone);
  Event(false, "+failover-state-send-slaveof-noone", slave, "");
}

void SentinelState::SendSlaveOf(SentinelInstance& ri, const std::string& host, int port) {
  if (io_ == nullptr) return;
  auto ignore = [](bool, const std::vector<std::string>&) {};
  io_->Command(ri, {"MULTI"}, ignore);
  if (host.empty())
    io_->Command(ri, {"SLAVEOF", "NO", "ONE"}, ignore);
  else
    io_->Command(ri, {"SLAVEOF", host, std::to_string(port)}, ignore);
  io_->Command(ri, {"CONFIG", "REWRITE"}, ignore);
  io_->Command(ri, {"CLIENT", "KILL", "TYPE", "normal"}, ignore);
  io_->Command(ri, {"CLIENT", "KILL", "TYPE", "pubsub"}, ignore);
  // As soon as the batch ran, look at the instance again.
  SentinelInstance* p = &ri;
  io_->Command(ri, {"EXEC"}, [p](bool, const std::vector<std::string>&) { p->info_refresh_ms = 0; });
}

void SentinelState::FailoverSendSlaveOfNoOne(SentinelInstance& master) {
  SentinelInstance* slave = master.promoted_slave;
  if (!slave->link_connected) {
    if (clock_->UnixMs() - master.failover_state_change_time_ms > master.failover_timeout_ms) {
      Event(true, "-failover-abort-slave-timeout", &master, "");
      AbortFailover(master);
    }
    return;
  }
  SendSlaveOf(*slave, "", 0);
  Event(false, "+failover-state-wait-promotion", slave, "");
  SetState(master, FailoverState::kWaitPromotion);
}

void SentinelState::FailoverWaitPromotion(SentinelInstance& master) {
  if (clock_->UnixMs() - master.failover_state_change_time_ms > master.failover_timeout_ms) {
    Event(true, "-failover-abort-slave-timeout", &master, "");
    AbortFailover(master);
  }
}

void SentinelState::FailoverReconfNextSlave(SentinelInstance& master) {
  int64_t now = clock_->UnixMs();
  int in_progress = 0;
  for (auto& [k, s] : master.slaves) in_progress += (s->flags & (kSriReconfSent | kSriReconfInprog)) ? 1 : 0;
  for (auto& [k, s] : master.slaves) {
    if (in_progress >= master.parallel_syncs) break;
    SentinelInstance& slave = *s;
    if (&slave == master.promoted_slave || (slave.flags & kSriReconfDone)) continue;
    if ((slave.flags & kSriReconfSent) && now - slave.slave_reconf_sent_time_ms > kSentinelSlaveReconfTimeoutMs) {
      Event(false, "-slave-reconf-sent-timeout", &slave, "");
      slave.flags &= ~kSriReconfSent;
      slave.flags |= kSriReconfDone;
    }
    if (slave.flags & (kSriReconfSent | kSriReconfInprog)) continue;
    if (!slave.link_connected) continue;
    SendSlaveOf(slave, master.promoted_slave->host, master.promoted_slave->port);
    slave.flags |= kSriReconfSent;
    slave.slave_reconf_sent_time_ms = now;
    Event(false, "+slave-reconf-sent", &slave, "");
    in_progress++;
  }
  FailoverDetectEnd(master);
}

void SentinelState::FailoverDetectEnd(SentinelInstance& master) {
  SentinelInstance* promoted = master.promoted_slave;
  if (promoted == nullptr || (promoted->flags & kSriSDown)) return;
  int not_reconfigured = 0;
  for (auto& [k, s] : master.slaves)
    if (s.get() != promoted && !(s->flags & (kSriReconfDone | kSriSDown))) not_reconfigured++;
  bool timeout = clock_->UnixMs() - master.failover_state_change_time_ms > master.failover_timeout_ms;
  if (not_reconfigured > 0 && !timeout) return;
  // The failover is over, so the old master no longer counts as objectively
  // down; the tutorial's log shows -odown right before +failover-end.
  if (master.flags & kSriODown) {
    Event(true, "-odown", &master, "");
    master.flags &= ~kSriODown;
  }
  Event(true, timeout ? "-failover-end-for-timeout" : "+failover-end", &master, "");
  SetState(master, FailoverState::kUpdateConfig);
  if (timeout) {
    for (auto& [k, s] : master.slaves) {
      if (s.get() == promoted || (s->flags & (kSriReconfDone | kSriReconfSent))) continue;
      SendSlaveOf(*s, promoted->host, promoted->port);
      Event(false, "+slave-reconf-sent-be", s.get(), "");
      s->flags |= kSriReconfSent;
    }
  }
}

void SentinelState::SwitchToPromotedSlave(SentinelInstance& master) {
  SentinelInstance* promoted = master.promoted_slave;
  if (promoted == nullptr) {
    AbortFailover(master);
    return;
  }
  std::string new_host = promoted->host;
  int new_port = promoted->port;
  // The master under this name is no longer down.
  if (master.flags & kSriODown) Event(true, "-odown", &master, "");
  Event(true, "+switch-master", nullptr,
        master.name + " " + master.host + " " + std::to_string(master.port) + " " + new_host + " " +
            std::to_string(new_port));
  ResetMasterAndChangeAddress(master, new_host, new_port);
}

void SentinelState::ResetMasterAndChangeAddress(SentinelInstance& master, const std::string& host, int port) {
  std::vector<std::pair<std::string, int>> slaves;
  for (auto& [k, s] : master.slaves)
    if (!(s->host == host && s->port == port)) slaves.emplace_back(s->host, s->port);
  if (!(master.host == host && master.port == port)) slaves.emplace_back(master.host, master.port);
  ResetMaster(master);
  master.host = host;
  master.port = port;
  for (auto& [h, p] : slaves) {
    SentinelInstance* s = AddSlave(master, h, p);
    Event(false, "+slave", s, "");
  }
  if (io_) io_->FlushConfig();
}

void SentinelState::AbortFailover(SentinelInstance& master) {
  master.flags &= ~(kSriFailoverInProgress | kSriForceFailover);
  SetState(master, FailoverState::kNone);
  if (master.promoted_slave != nullptr) {
    master.promoted_slave->flags &= ~kSriPromoted;
    master.promoted_slave = nullptr;
  }
  spdlog::debug("failover of {} aborted in state {}", master.name, StateName(master.failover_state));
}

void SentinelState::OnLinkUp(SentinelInstance& ri) {
  ri.link_connected = true;
  ri.link_connected_since_ms = clock_->UnixMs();
  ri.link_pending_commands = 0;
}

void SentinelState::OnLinkDown(SentinelInstance& ri) {
  // Redis sends a PING as soon as it starts reconnecting, so an instance
  // counts as unreachable from the moment its link dropped: SDOWN comes
  // down-after ms after that, not after the last reply before it.
  if (ri.act_ping_time_ms == 0) ri.act_ping_time_ms = clock_->UnixMs();
  ri.link_connected = false;
  ri.info_pending = false;
  ri.link_pending_commands = 0;
}

}  // namespace troupe
