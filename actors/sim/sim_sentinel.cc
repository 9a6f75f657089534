// A simulated sentinel: the real SentinelState over the simulated network
// (see sim_sentinel.h).
#include "actors/sim/sim_sentinel.h"

#include <cstdlib>

#include "actors/sentinel/sentinel_config.h"

namespace troupe {
namespace {
constexpr int64_t kTickMs = 100;
constexpr int64_t kReconnectPeriodMs = 1000;
const char kHelloChannel[] = "__sentinel__:hello";
const char kMasterName[] = "mymaster";
}  // namespace

SimSentinel::SimSentinel(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                         const std::string& name, int port, uint64_t seed)
    : loop_(loop), net_(net), trace_(trace), options_(options), name_(name), port_(port), clock_(loop),
      state_(std::make_unique<SentinelState>(&clock_, seed)) {}

void SimSentinel::Start(int master_port, EventHook hook) {
  hook_ = std::move(hook);
  id_ = net_->AddNode(name_, port_, this);
  state_->my_port = port_;
  state_->my_ip = "127.0.0.1";
  const char* hex = "0123456789abcdef";
  std::string myid;
  for (int i = 0; i < 40; ++i) myid.push_back(hex[loop_->rng()() % 16]);
  state_->config().myid = myid;
  state_->test_vote_twice = options_->vote_twice;
  auto master = state_->AddMaster(kMasterName, "127.0.0.1", master_port, options_->quorum);
  if (master.ok()) {
    SetDownAfter(**master, options_->down_after_ms);
    (*master)->failover_timeout_ms = options_->failover_timeout_ms;
  }
  state_->set_io(this);
  trace_->Add(loop_->now_ms(), name_ + " sentinel myid=" + myid + " monitor " + kMasterName + " 127.0.0.1 " +
                                   std::to_string(master_port) + " " + std::to_string(options_->quorum));
  // Sentinels do not tick in lockstep.
  loop_->After(loop_->Uniform(0, kTickMs - 1), [this] { Tick(); });
}

void SimSentinel::Tick() {
  state_->Tick();
  loop_->After(kTickMs, [this] { Tick(); });
}

bool SimSentinel::CurrentMaster(int* port, int64_t* config_epoch) {
  SentinelInstance* m = state_->FindMaster(kMasterName);
  if (m == nullptr) return false;
  *port = CurrentMasterAddress(*m).port;
  *config_epoch = m->config_epoch;
  return true;
}

// ---------------------------------------------------------------------------
// SentinelIo

void SimSentinel::Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) {
  auto it = links_.find(&ri);
  if (it == links_.end() || !it->second.cmd.connected) return;
  Link& link = it->second.cmd;
  net_->Send(link.conn, id_, SimMessage{SimMessage::Kind::kRequest, true, argv});
  link.pending.push_back(std::move(done));
  ri.link_pending_commands++;
}

void SimSentinel::EnsureLinks(SentinelInstance& ri) {
  Links& links = links_[&ri];
  Connect(ri, links.cmd, false);
  if (!ri.is_sentinel()) Connect(ri, links.pub, true);
}

void SimSentinel::Connect(SentinelInstance& ri, Link& link, bool pubsub) {
  if (link.connected || link.connecting) return;
  int64_t now = loop_->now_ms();
  if (now - link.last_attempt_ms < kReconnectPeriodMs) return;
  link.last_attempt_ms = now;
  link.connecting = true;
  link.conn = net_->Connect(id_, ri.host, ri.port);
  by_conn_[link.conn] = ConnRef{&ri, pubsub};
}

void SimSentinel::CloseLinks(SentinelInstance& ri) {
  auto it = links_.find(&ri);
  if (it == links_.end()) return;
  for (Link* link : {&it->second.cmd, &it->second.pub}) {
    if (link->conn != 0 && (link->connected || link->connecting)) {
      by_conn_.erase(link->conn);
      net_->Close(link->conn, id_);
    }
  }
  ri.link_connected = ri.pubsub_connected = false;
  ri.link_pending_commands = 0;
  ri.info_pending = false;
  links_.erase(it);
}

void SimSentinel::Publish(const std::string& channel, const std::string& message) {
  trace_->Add(loop_->now_ms(), name_ + " event " + channel + " " + message);
  if (hook_) hook_(*this, channel, message);
}

// ---------------------------------------------------------------------------
// The network side

void SimSentinel::OnConnected(ConnId conn, bool ok) {
  auto ref = by_conn_.find(conn);
  if (ref == by_conn_.end()) {
    if (ok) net_->Close(conn, id_);  // links closed meanwhile
    return;
  }
  SentinelInstance* ri = ref->second.ri;
  bool pubsub = ref->second.pubsub;
  Link& link = pubsub ? links_[ri].pub : links_[ri].cmd;
  link.connecting = false;
  if (!ok) {
    by_conn_.erase(ref);
    link.conn = 0;
    return;
  }
  link.connected = true;
  link.pending.clear();
  if (pubsub) {
    net_->Send(conn, id_, SimMessage{SimMessage::Kind::kRequest, true, {"SUBSCRIBE", kHelloChannel}});
    link.pending.push_back([](bool, const std::vector<std::string>&) {});
    ri->pubsub_connected = true;
  } else {
    state_->OnLinkUp(*ri);
  }
}

void SimSentinel::OnMessage(ConnId conn, const SimMessage& msg) {
  auto ref = by_conn_.find(conn);
  if (ref == by_conn_.end()) {
    Serve(conn, msg);
    return;
  }
  SentinelInstance* ri = ref->second.ri;
  bool pubsub = ref->second.pubsub;
  Link& link = pubsub ? links_[ri].pub : links_[ri].cmd;
  if (pubsub) {
    if (msg.kind == SimMessage::Kind::kPush && msg.parts.size() == 3 && msg.parts[0] == "message" &&
        msg.parts[1] == kHelloChannel) {
      state_->OnHello(msg.parts[2]);  // may close this very link: touch nothing after
    } else if (msg.kind == SimMessage::Kind::kReply && !link.pending.empty()) {
      link.pending.pop_front();
    }
    return;
  }
  if (msg.kind != SimMessage::Kind::kReply || link.pending.empty()) return;
  Reply done = std::move(link.pending.front());
  link.pending.pop_front();
  if (ri->link_pending_commands > 0) ri->link_pending_commands--;
  done(msg.ok, msg.parts);  // may close this very link: touch nothing after
}

void SimSentinel::OnClosed(ConnId conn) { LinkLost(conn); }

void SimSentinel::LinkLost(ConnId conn) {
  auto ref = by_conn_.find(conn);
  if (ref == by_conn_.end()) return;  // an inbound connection, or already forgotten
  SentinelInstance* ri = ref->second.ri;
  bool pubsub = ref->second.pubsub;
  by_conn_.erase(ref);
  auto it = links_.find(ri);
  if (it == links_.end()) return;
  Link& link = pubsub ? it->second.pub : it->second.cmd;
  if (link.conn != conn) return;
  link.connected = link.connecting = false;
  link.conn = 0;
  link.pending.clear();
  if (pubsub)
    ri->pubsub_connected = false;
  else
    state_->OnLinkDown(*ri);
}

void SimSentinel::Serve(ConnId conn, const SimMessage& msg) {
  if (msg.kind != SimMessage::Kind::kRequest || msg.parts.empty()) return;
  const std::vector<std::string>& a = msg.parts;
  SimMessage reply{SimMessage::Kind::kReply, true, {}};
  if (a[0] == "PING") {
    reply.parts = {"PONG"};
  } else if (a.size() == 6 && a[0] == "SENTINEL" && a[1] == "is-master-down-by-addr") {
    int down = 0;
    std::string leader;
    int64_t leader_epoch = 0;
    state_->IsMasterDownByAddr(a[2], std::atoi(a[3].c_str()), std::atoll(a[4].c_str()), a[5], &down, &leader,
                               &leader_epoch);
    reply.parts = {std::to_string(down), leader, std::to_string(leader_epoch)};
  } else {
    reply.ok = false;
    reply.parts = {"ERR unknown command '" + a[0] + "'"};
  }
  net_->Send(conn, id_, std::move(reply));
}

}  // namespace troupe

