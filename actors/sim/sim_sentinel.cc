// A simulated sentinel: the real SentinelState over the simulated network,
// its links speaking RESP as the sentinel broker's do (see sim_sentinel.h).
#include "actors/sim/sim_sentinel.h"

#include <utility>

#include "actors/node/config.h"
#include "actors/node/server_context.h"
#include "actors/sentinel/sentinel_config.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/shard/pubsub/keyspace_events.h"
#include "actors/shard/pubsub/pubsub_registry.h"
#include "actors/sim/sim_server_session.h"
#include "net/resp_reply_parser.h"

namespace troupe {
namespace {
constexpr int64_t kTickMs = 100;
constexpr int64_t kReconnectPeriodMs = 1000;
constexpr size_t kMaxInputBytes = 64u << 20;
const char kHelloChannel[] = "__sentinel__:hello";
const char kMasterName[] = "mymaster";
}  // namespace

// What the sentinel process serves: a sentinel-mode ServerContext (the
// command table offers the sentinel commands only), an empty keyspace (the
// sessions need one, as main() has one in sentinel mode) and its pub/sub.
struct SimSentinel::Server {
  std::unique_ptr<Config> config;
  std::unique_ptr<ServerContext> server;
  std::unique_ptr<Keyspace> keyspace;
  PubSubRegistry pubsub;
};

SimSentinel::SimSentinel(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                         const std::string& name, int port, uint64_t seed)
    : loop_(loop), net_(net), trace_(trace), options_(options), name_(name), port_(port), clock_(loop),
      state_(std::make_unique<SentinelState>(&clock_, seed)) {}

SimSentinel::~SimSentinel() {
  sessions_.clear();  // they unregister from the server side first
  if (state_) state_->set_io(nullptr);
}

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

  // The server side, as main() builds it in sentinel mode.
  server_ = std::make_unique<Server>();
  Result<Config> config = Config::FromText("port " + std::to_string(port_) + "\n", "", /*sentinel_mode=*/true);
  server_->config = std::make_unique<Config>(config.ok() ? std::move(*config) : Config());
  server_->server = std::make_unique<ServerContext>(server_->config.get(), &clock_);
  ServerContext& server = *server_->server;
  server.run_id = myid;
  server.start_ms = clock_.UnixMs();
  server.start_mono_us = clock_.MonotonicUs();
  server.port = port_;
  server.sentinel = state_.get();
  server_->keyspace = std::make_unique<Keyspace>(1, &clock_);
  InstallPubSub(&server_->pubsub, &server, server_->keyspace.get());

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
// SentinelIo: the outbound links (as BrokerIo in sentinel.cc)

void SimSentinel::Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) {
  auto it = links_.find(&ri);
  if (it == links_.end() || !it->second->cmd.connected) return;
  Link& link = it->second->cmd;
  Write(link, argv);
  link.pending.push_back(std::move(done));
  ri.link_pending_commands++;
}

void SimSentinel::EnsureLinks(SentinelInstance& ri) {
  auto& links = links_[&ri];
  if (!links) {
    links = std::make_unique<Links>();
    links->cmd.ri = links->pub.ri = &ri;
    links->pub.pubsub = true;
  }
  Connect(links->cmd);
  if (!ri.is_sentinel()) Connect(links->pub);
}

void SimSentinel::Connect(Link& link) {
  if (link.connected || link.connecting) return;
  int64_t now = loop_->now_ms();
  if (now - link.last_attempt_ms < kReconnectPeriodMs) return;
  link.last_attempt_ms = now;
  link.connecting = true;
  link.conn = net_->Connect(id_, link.ri->host, link.ri->port);
  by_conn_[link.conn] = &link;
}

void SimSentinel::CloseLinks(SentinelInstance& ri) {
  auto it = links_.find(&ri);
  if (it == links_.end()) return;
  for (Link* link : {&it->second->cmd, &it->second->pub}) {
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
  if (server_) server_->pubsub.Publish(channel, message);
  if (hook_) hook_(*this, channel, message);
}

void SimSentinel::Write(Link& link, const std::vector<std::string>& argv) {
  std::string out;
  AppendRespArray(&out, argv);
  SendBytes(link.conn, out);
}

// Bytes on a connection, now and then cut into two TCP segments.
void SimSentinel::SendBytes(ConnId conn, std::string_view bytes) {
  if (bytes.empty()) return;
  if (bytes.size() >= 2 && loop_->Chance(options_->segment_probability)) {
    size_t cut = static_cast<size_t>(loop_->Uniform(1, static_cast<int64_t>(bytes.size()) - 1));
    net_->Send(conn, id_, SimMessage{std::string(bytes.substr(0, cut))});
    net_->Send(conn, id_, SimMessage{std::string(bytes.substr(cut))});
    return;
  }
  net_->Send(conn, id_, SimMessage{std::string(bytes)});
}

void SimSentinel::OnConnected(ConnId conn, bool ok) {
  auto ref = by_conn_.find(conn);
  if (ref == by_conn_.end()) {
    if (ok) net_->Close(conn, id_);  // links closed meanwhile
    return;
  }
  Link& link = *ref->second;
  link.connecting = false;
  if (!ok) {
    by_conn_.erase(ref);
    link.conn = 0;
    return;
  }
  link.connected = true;
  link.in.clear();
  link.pending.clear();
  SentinelInstance& ri = *link.ri;
  auto ignore = [](bool, const std::vector<std::string>&) {};
  Write(link, {"CLIENT", "SETNAME", "sentinel-" + state_->config().myid.substr(0, 8) + (link.pubsub ? "-pubsub" : "-cmd")});
  link.pending.push_back(ignore);
  if (link.pubsub) {
    Write(link, {"SUBSCRIBE", kHelloChannel});
    ri.pubsub_connected = true;
  } else {
    state_->OnLinkUp(ri);
    ri.link_pending_commands = 0;
  }
}

void SimSentinel::OnMessage(ConnId conn, const SimMessage& msg) {
  auto ref = by_conn_.find(conn);
  if (ref != by_conn_.end()) {
    OnLinkData(conn, *ref->second, msg.bytes);
    return;
  }
  auto it = sessions_.find(conn);
  if (it != sessions_.end()) it->second->OnBytes(msg.bytes);
}

// As BrokerIo::OnData: replies in order to the pending callbacks; on the
// pub/sub link, hello messages to the state.
void SimSentinel::OnLinkData(ConnId conn, Link& link, const std::string& bytes) {
  link.in += bytes;
  if (link.in.size() > kMaxInputBytes) {
    Drop(link, "too much unparsed input");
    return;
  }
  std::weak_ptr<int> alive = alive_;
  size_t pos = 0;
  RespReply reply;
  // Bounded: each round consumes one reply.
  while (pos < link.in.size()) {
    size_t consumed = 0;
    auto r = RespReplyParser::Parse(link.in.data() + pos, link.in.size() - pos, &consumed, &reply);
    if (r == RespReplyParser::Outcome::kNeedMore) break;
    if (r != RespReplyParser::Outcome::kReply) {
      Drop(link, "protocol error");
      return;
    }
    pos += consumed;
    SentinelInstance* ri = link.ri;
    if (link.pubsub) {
      // ["message", channel, payload]; subscription confirmations and the
      // CLIENT SETNAME reply are skipped.
      if (!link.pending.empty() && (reply.elements.size() != 3 || reply.elements[0] != "message") &&
          !(reply.elements.size() == 3 && reply.elements[0] == "subscribe")) {
        link.pending.pop_front();
        continue;
      }
      if (reply.elements.size() == 3 && reply.elements[0] == "message" && reply.elements[1] == kHelloChannel) {
        state_->OnHello(reply.elements[2]);
        // A hello may move the master (and close this very link).
        if (by_conn_.find(conn) == by_conn_.end() || links_.find(ri) == links_.end()) return;
      }
      continue;
    }
    if (link.pending.empty()) continue;  // an unsolicited reply: ignore
    Reply done = std::move(link.pending.front());
    link.pending.pop_front();
    if (ri->link_pending_commands > 0) ri->link_pending_commands--;
    // A callback may close this very link (CloseLinks): stop then.
    done(reply.ok, reply.elements);
    if (alive.expired() || by_conn_.find(conn) == by_conn_.end() || links_.find(ri) == links_.end()) return;
  }
  link.in.erase(0, pos);
}

void SimSentinel::MarkDown(Link& link) {
  link.connected = link.connecting = false;
  link.conn = 0;
  link.in.clear();
  link.pending.clear();
  if (link.pubsub)
    link.ri->pubsub_connected = false;
  else
    state_->OnLinkDown(*link.ri);
}

void SimSentinel::Drop(Link& link, const char* why) {
  trace_->Add(loop_->now_ms(), name_ + " closes its link to " + link.ri->addr() + ": " + why);
  by_conn_.erase(link.conn);
  net_->Close(link.conn, id_);
  MarkDown(link);
}

void SimSentinel::OnClosed(ConnId conn) {
  auto ref = by_conn_.find(conn);
  if (ref != by_conn_.end()) {
    Link& link = *ref->second;
    by_conn_.erase(ref);
    if (link.conn == conn) MarkDown(link);
    return;
  }
  sessions_.erase(conn);  // an inbound connection: its client is unregistered
}

// ---------------------------------------------------------------------------
// The server side: inbound connections run the sentinel-mode command table.

void SimSentinel::OnAccept(ConnId conn) {
  if (!server_) return;
  SimSession::Env env;
  env.keyspace = server_->keyspace.get();
  env.server = server_->server.get();
  env.send = [this, conn](std::string_view bytes) { SendBytes(conn, bytes); };
  std::weak_ptr<int> alive = alive_;
  env.close = [this, alive, conn] {
    loop_->After(0, [this, alive, conn] {
      if (!alive.expired()) CloseSession(conn);
    });
  };
  env.later = [this, alive](int64_t delay_ms, std::function<void()> fn) {
    loop_->After(delay_ms, [alive, fn = std::move(fn)] {
      if (!alive.expired()) fn();
    });
  };
  sessions_[conn] = std::make_unique<SimSession>(std::move(env), "127.0.0.1:" + std::to_string(40000 + conn));
}

void SimSentinel::CloseSession(ConnId conn) {
  auto it = sessions_.find(conn);
  if (it == sessions_.end()) return;
  net_->Close(conn, id_);
  sessions_.erase(it);
}

}  // namespace troupe
