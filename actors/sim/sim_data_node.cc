// The data node model (see sim_data_node.h). Not the real Replication class.
#include "actors/sim/sim_data_node.h"

#include <algorithm>
#include <cstdlib>

#include <cctype>

namespace troupe {
namespace {

constexpr int64_t kCronMs = 1000;
constexpr int64_t kPingReplicasMs = 10'000;  // repl-ping-replica-period
const char kHelloChannel[] = "__sentinel__:hello";
const char kNoId[] = "0000000000000000000000000000000000000000";

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool ParseLong(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

}  // namespace

SimDataNode::SimDataNode(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                         const std::string& name, int port, int master_port)
    : loop_(loop), net_(net), trace_(trace), options_(options), name_(name), port_(port), clock_(loop),
      master_port_(master_port) {}

std::string SimDataNode::NewId() {
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 40; ++i) s.push_back(hex[loop_->rng()() % 16]);
  return s;
}

void SimDataNode::Start() {
  id_ = net_->AddNode(name_, port_, this);
  run_id_ = NewId();
  replid_ = NewId();
  replid2_ = kNoId;
  link_down_since_unix_ms_ = clock_.UnixMs();
  uint64_t gen = generation_;
  loop_->After(loop_->Uniform(0, kCronMs - 1), [this, gen] { Cron(gen); });
  if (master_port_ != 0) ConnectToMaster();
}

void SimDataNode::Crash() {
  if (!up_) return;
  up_ = false;
  ++generation_;
  net_->Crash(id_);
  clients_.clear();
  backlog_.clear();
  link_ = Link::kNone;
  master_conn_ = 0;
}

void SimDataNode::Restart() {
  if (up_) return;
  up_ = true;
  net_->Restart(id_);
  run_id_ = NewId();
  if (master_port_ == 0) {
    // A master starts a new replication history (its replicas full-sync).
    replid_ = NewId();
    replid2_ = kNoId;
    second_offset_ = -1;
  }
  backlog_base_ = offset_;
  link_down_since_unix_ms_ = clock_.UnixMs();
  uint64_t gen = generation_;
  loop_->After(loop_->Uniform(0, kCronMs - 1), [this, gen] { Cron(gen); });
  if (master_port_ != 0) ConnectToMaster();
}

void SimDataNode::Cron(uint64_t gen) {
  if (gen != generation_ || !up_) return;
  int64_t now = loop_->now_ms();
  if (master_port_ != 0) {
    if (link_ == Link::kNone) {
      ConnectToMaster();
    } else if (link_ == Link::kConnected) {
      if (now - last_master_io_ms_ > options_->repl_timeout_ms) {
        DropMasterLink("MASTER timeout: no data nor PING received");
      } else {
        net_->Send(master_conn_, id_,
                   SimMessage{SimMessage::Kind::kPush, true, {"REPLCONF", "ACK", std::to_string(offset_)}});
      }
    }
  }
  std::vector<ConnId> timed_out;
  bool ping = now - last_ping_replicas_ms_ >= kPingReplicasMs;
  if (ping) last_ping_replicas_ms_ = now;
  for (auto& [conn, c] : clients_) {
    if (!c.replica) continue;
    if (now - c.last_ack_ms > options_->repl_timeout_ms)
      timed_out.push_back(conn);
    else if (ping)
      Push(conn, {"PING"});
  }
  for (ConnId conn : timed_out) {
    trace_->Add(now, name_ + " Disconnecting timedout replica #" + std::to_string(conn));
    clients_.erase(conn);
    net_->Close(conn, id_);
  }
  loop_->After(kCronMs, [this, gen] { Cron(gen); });
}

// ---------------------------------------------------------------------------
// Replica side

void SimDataNode::ConnectToMaster() {
  if (master_port_ == 0 || link_ != Link::kNone) return;
  link_ = Link::kConnecting;
  master_conn_ = net_->Connect(id_, "127.0.0.1", master_port_);
}

void SimDataNode::DropMasterLink(const char* why) {
  if (master_conn_ != 0) {
    trace_->Add(loop_->now_ms(), name_ + " master link down: " + why);
    net_->Close(master_conn_, id_);
  }
  if (link_ == Link::kConnected) link_down_since_unix_ms_ = clock_.UnixMs();
  master_conn_ = 0;
  link_ = Link::kNone;
}

void SimDataNode::DisconnectReplicas() {
  std::vector<ConnId> ids;
  for (auto& [conn, c] : clients_)
    if (c.replica) ids.push_back(conn);
  for (ConnId conn : ids) {
    clients_.erase(conn);
    net_->Close(conn, id_);
  }
}

void SimDataNode::OnConnected(ConnId conn, bool ok) {
  if (conn != master_conn_ || link_ != Link::kConnecting) {
    if (ok) net_->Close(conn, id_);  // a stale connect (the master changed meanwhile)
    return;
  }
  if (!ok) {
    master_conn_ = 0;
    link_ = Link::kNone;  // the cron retries
    return;
  }
  link_ = Link::kHandshake;
  last_master_io_ms_ = loop_->now_ms();
  net_->Send(conn, id_,
             SimMessage{SimMessage::Kind::kRequest, true,
                        {"PSYNC", replid_, std::to_string(offset_ + 1), std::to_string(port_)}});
}

void SimDataNode::OnMasterMessage(const SimMessage& msg) {
  last_master_io_ms_ = loop_->now_ms();
  if (msg.kind == SimMessage::Kind::kReply && link_ == Link::kHandshake) {
    if (!msg.ok || msg.parts.empty()) {
      DropMasterLink("PSYNC refused");
      return;
    }
    if (msg.parts[0] == "FULLRESYNC" && msg.parts.size() >= 3 && msg.parts.size() % 2 == 1) {
      int64_t off = 0;
      ParseLong(msg.parts[2], &off);
      data_.clear();
      for (size_t i = 3; i + 1 < msg.parts.size(); i += 2) data_[msg.parts[i]] = msg.parts[i + 1];
      replid_ = msg.parts[1];
      replid2_ = kNoId;
      second_offset_ = -1;
      offset_ = off;
      backlog_.clear();
      backlog_base_ = offset_;
      DisconnectReplicas();  // they must resync with the new history
      link_ = Link::kConnected;
    } else if (msg.parts[0] == "CONTINUE" && msg.parts.size() == 2) {
      if (msg.parts[1] != replid_) {
        replid2_ = replid_;
        second_offset_ = offset_ + 1;
        replid_ = msg.parts[1];
        DisconnectReplicas();
      }
      link_ = Link::kConnected;
    } else {
      DropMasterLink("unexpected PSYNC reply");
    }
    return;
  }
  if (msg.kind != SimMessage::Kind::kPush || link_ != Link::kConnected || msg.parts.empty()) return;
  if (msg.parts[0] == "SET" && msg.parts.size() == 4) {
    int64_t off = 0;
    ParseLong(msg.parts[3], &off);
    if (off != offset_ + 1) {
      DropMasterLink("replication stream out of order");
      return;
    }
    Apply(msg.parts[1], msg.parts[2]);
  }
}

// ---------------------------------------------------------------------------
// Server side

void SimDataNode::OnAccept(ConnId conn) { clients_[conn] = Client{}; }

void SimDataNode::OnClosed(ConnId conn) {
  if (conn == master_conn_) {
    if (link_ == Link::kConnected) link_down_since_unix_ms_ = clock_.UnixMs();
    master_conn_ = 0;
    link_ = Link::kNone;
    return;
  }
  clients_.erase(conn);
}

void SimDataNode::Reply(ConnId conn, bool ok, std::vector<std::string> parts) {
  net_->Send(conn, id_, SimMessage{SimMessage::Kind::kReply, ok, std::move(parts)});
}

void SimDataNode::Push(ConnId conn, std::vector<std::string> parts) {
  net_->Send(conn, id_, SimMessage{SimMessage::Kind::kPush, true, std::move(parts)});
}

void SimDataNode::OnMessage(ConnId conn, const SimMessage& msg) {
  if (conn == master_conn_) {
    OnMasterMessage(msg);
    return;
  }
  auto it = clients_.find(conn);
  if (it == clients_.end() || msg.parts.empty()) return;
  if (msg.kind == SimMessage::Kind::kPush) {
    // REPLCONF ACK <offset> from a replica.
    if (it->second.replica && msg.parts.size() == 3 && msg.parts[0] == "REPLCONF") {
      ParseLong(msg.parts[2], &it->second.ack_offset);
      it->second.last_ack_ms = loop_->now_ms();
    }
    return;
  }
  if (msg.kind != SimMessage::Kind::kRequest) return;
  Client& c = it->second;
  std::string cmd = Upper(msg.parts[0]);
  if (c.in_multi && cmd != "EXEC" && cmd != "MULTI" && cmd != "DISCARD") {
    c.queued.push_back(msg.parts);
    Reply(conn, true, {"QUEUED"});
    return;
  }
  if (cmd == "MULTI") {
    if (c.in_multi) {
      Reply(conn, false, {"ERR MULTI calls can not be nested"});
      return;
    }
    c.in_multi = true;
    Reply(conn, true, {"OK"});
    return;
  }
  if (cmd == "DISCARD" || cmd == "EXEC") {
    if (!c.in_multi) {
      Reply(conn, false, {std::string("ERR ") + cmd + " without MULTI"});
      return;
    }
    std::vector<std::vector<std::string>> queued;
    queued.swap(c.queued);
    c.in_multi = false;
    if (cmd == "DISCARD") {
      Reply(conn, true, {"OK"});
      return;
    }
    // Every queued reply flattened to its first element.
    std::vector<std::string> replies;
    for (const auto& argv : queued) {
      auto r = Execute(conn, argv);
      replies.push_back(r.second.empty() ? "" : r.second[0]);
      if (clients_.find(conn) == clients_.end()) break;
    }
    if (clients_.find(conn) != clients_.end()) Reply(conn, true, std::move(replies));
    return;
  }
  auto r = Execute(conn, msg.parts);
  if (cmd == "PSYNC" && r.first) return;  // Psync sent its own reply and the stream
  if (clients_.find(conn) != clients_.end()) Reply(conn, r.first, std::move(r.second));
}

std::pair<bool, std::vector<std::string>> SimDataNode::Execute(ConnId conn, const std::vector<std::string>& argv) {
  std::string cmd = Upper(argv[0]);
  Client& c = clients_[conn];
  if (cmd == "PING") return {true, {"PONG"}};
  if (cmd == "INFO") return {true, {Info()}};
  if (cmd == "SUBSCRIBE" && argv.size() == 2) {
    c.subscribed = true;
    return {true, {"subscribe", argv[1], "1"}};
  }
  if (cmd == "PUBLISH" && argv.size() == 3) {
    int n = 0;
    if (argv[1] == kHelloChannel)
      for (auto& [id, other] : clients_)
        if (other.subscribed) {
          Push(id, {"message", argv[1], argv[2]});
          ++n;
        }
    return {true, {std::to_string(n)}};
  }
  if ((cmd == "SLAVEOF" || cmd == "REPLICAOF") && argv.size() == 3) return SlaveOf(argv);
  if (cmd == "CONFIG" && argv.size() == 2 && Upper(argv[1]) == "REWRITE") return {true, {"OK"}};
  if (cmd == "CLIENT" && argv.size() == 4 && Upper(argv[1]) == "KILL" && Upper(argv[2]) == "TYPE") {
    std::string type = Upper(argv[3]);
    if (type != "NORMAL" && type != "PUBSUB") return {false, {"ERR Unknown client type '" + argv[3] + "'"}};
    return {true, {std::to_string(KillClients(conn, type))}};
  }
  if (cmd == "SET" && argv.size() == 3) {
    if (master_port_ != 0) return {false, {"READONLY You can't write against a read only replica."}};
    Apply(argv[1], argv[2]);
    return {true, {"OK"}};
  }
  if (cmd == "GET" && argv.size() == 2) {
    if (master_port_ != 0 && link_ != Link::kConnected && !options_->serve_stale_data)
      return {false, {"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."}};
    auto it = data_.find(argv[1]);
    if (it == data_.end()) return {true, {}};
    return {true, {it->second}};
  }
  if (cmd == "PSYNC" && argv.size() == 4) return Psync(conn, argv);
  return {false, {"ERR unknown command '" + argv[0] + "'"}};
}

std::pair<bool, std::vector<std::string>> SimDataNode::SlaveOf(const std::vector<std::string>& argv) {
  if (Upper(argv[1]) == "NO" && Upper(argv[2]) == "ONE") {
    if (master_port_ != 0) {
      DropMasterLink("REPLICAOF NO ONE");
      // A new history that remembers the old one (replid2), so the other
      // replicas can continue from the promoted one.
      replid2_ = replid_;
      second_offset_ = offset_ + 1;
      replid_ = NewId();
      master_port_ = 0;
      // As Redis's replicationUnsetMaster: our replicas reconnect and learn
      // the new replid from +CONTINUE.
      DisconnectReplicas();
      trace_->Add(loop_->now_ms(), name_ + " MASTER MODE enabled replid=" + replid_ + " replid2=" + replid2_ +
                                       " second_offset=" + std::to_string(second_offset_));
    }
    return {true, {"OK"}};
  }
  int64_t port = 0;
  if (!ParseLong(argv[2], &port) || port <= 0 || port > 65535) return {false, {"ERR Invalid master port"}};
  if (argv[1] != "127.0.0.1") return {false, {"ERR simulated nodes live at 127.0.0.1"}};
  if (master_port_ == port) return {true, {"OK Already connected to specified master"}};
  DropMasterLink("REPLICAOF a new master");
  DisconnectReplicas();
  master_port_ = static_cast<int>(port);
  link_down_since_unix_ms_ = clock_.UnixMs();
  trace_->Add(loop_->now_ms(), name_ + " REPLICAOF 127.0.0.1:" + std::to_string(port) + " replid=" + replid_ +
                                   " offset=" + std::to_string(offset_));
  ConnectToMaster();
  return {true, {"OK"}};
}

int SimDataNode::KillClients(ConnId caller, const std::string& type) {
  std::vector<ConnId> ids;
  for (auto& [id, c] : clients_) {
    if (id == caller || c.replica) continue;
    if ((type == "PUBSUB") == c.subscribed) ids.push_back(id);
  }
  for (ConnId id : ids) {
    clients_.erase(id);
    net_->Close(id, id_);
  }
  return static_cast<int>(ids.size());
}

std::pair<bool, std::vector<std::string>> SimDataNode::Psync(ConnId conn, const std::vector<std::string>& argv) {
  if (master_port_ != 0 && link_ != Link::kConnected)
    return {false, {"NOMASTERLINK Can't SYNC while not connected with my master"}};
  int64_t want = 0, rport = 0;
  if (!ParseLong(argv[2], &want) || !ParseLong(argv[3], &rport)) return {false, {"ERR syntax error"}};
  Client& c = clients_[conn];
  c.replica = true;
  c.replica_port = static_cast<int>(rport);
  c.last_ack_ms = loop_->now_ms();
  const std::string& id = argv[1];
  bool history = id == replid_ || (id == replid2_ && second_offset_ >= 0 && want <= second_offset_);
  bool in_backlog = want - 1 >= backlog_base_ && want - 1 <= offset_;
  if (history && in_backlog) {
    c.ack_offset = want - 1;
    Reply(conn, true, {"CONTINUE", replid_});
    for (const Write& w : backlog_)
      if (w.offset >= want) Push(conn, {"SET", w.key, w.value, std::to_string(w.offset)});
    return {true, {}};
  }
  std::vector<std::string> snapshot = {"FULLRESYNC", replid_, std::to_string(offset_)};
  for (auto& [k, v] : data_) {
    snapshot.push_back(k);
    snapshot.push_back(v);
  }
  c.ack_offset = offset_;
  Reply(conn, true, std::move(snapshot));
  return {true, {}};
}

void SimDataNode::Apply(const std::string& key, const std::string& value) {
  data_[key] = value;
  ++offset_;
  backlog_.push_back(Write{offset_, key, value});
  while (static_cast<int64_t>(backlog_.size()) > std::max<int64_t>(1, options_->repl_backlog_writes)) {
    backlog_base_ = backlog_.front().offset;
    backlog_.pop_front();
  }
  for (auto& [id, c] : clients_)
    if (c.replica) Push(id, {"SET", key, value, std::to_string(offset_)});
}

std::string SimDataNode::Info() const {
  std::string s = "# Server\r\nrun_id:" + run_id_ + "\r\ntcp_port:" + std::to_string(port_) +
                  "\r\n\r\n# Replication\r\n";
  if (master_port_ == 0) {
    s += "role:master\r\n";
  } else {
    s += "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:" + std::to_string(master_port_) + "\r\n";
    s += std::string("master_link_status:") + (link_ == Link::kConnected ? "up" : "down") + "\r\n";
    s += "master_last_io_seconds_ago:" +
         std::to_string(link_ == Link::kConnected ? (loop_->now_ms() - last_master_io_ms_) / 1000 : -1) + "\r\n";
    s += "master_sync_in_progress:0\r\nslave_read_repl_offset:" + std::to_string(offset_) +
         "\r\nslave_repl_offset:" + std::to_string(offset_) + "\r\n";
    if (link_ != Link::kConnected)
      s += "master_link_down_since_seconds:" +
           std::to_string(std::max<int64_t>(0, clock_.UnixMs() - link_down_since_unix_ms_) / 1000) + "\r\n";
    s += "slave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n";
  }
  int n = 0;
  std::string lines;
  for (auto& [id, c] : clients_) {
    if (!c.replica) continue;
    lines += "slave" + std::to_string(n++) + ":ip=127.0.0.1,port=" + std::to_string(c.replica_port) +
             ",state=online,offset=" + std::to_string(c.ack_offset) +
             ",lag=" + std::to_string((loop_->now_ms() - c.last_ack_ms) / 1000) + "\r\n";
  }
  s += "connected_slaves:" + std::to_string(n) + "\r\n" + lines;
  s += "master_failover_state:no-failover\r\nmaster_replid:" + replid_ + "\r\nmaster_replid2:" + replid2_ +
       "\r\nmaster_repl_offset:" + std::to_string(offset_) + "\r\nsecond_repl_offset:" +
       std::to_string(second_offset_) + "\r\n";
  return s;
}

}  // namespace troupe
