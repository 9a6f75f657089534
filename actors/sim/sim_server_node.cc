// A data node running the real server code (see sim_server_node.h). The
// wiring in Boot() follows main() and node.cc: the same hooks, installed
// the same way, with the simulator's edges behind them.
#include "actors/sim/sim_server_node.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <utility>

#include "actors/node/config.h"
#include "actors/node/server_context.h"
#include "actors/persistence/dump_payload.h"
#include "actors/persistence/rdb.h"
#include "actors/replication/replica_link.h"
#include "actors/replication/replication.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/shard/pubsub/keyspace_events.h"
#include "actors/shard/pubsub/pubsub_registry.h"
#include "actors/shard/transaction/watch_registry.h"
#include "actors/sim/sim_info_scrub.h"
#include "actors/sim/sim_server_session.h"

namespace troupe {
namespace {

constexpr int64_t kCronMs = 100;       // hz 10, as the shard's cron
constexpr int64_t kLinkTickMs = 1000;  // the master link broker's tick

const char* LinkStateName(MasterLinkState s) {
  switch (s) {
    case MasterLinkState::kNone: return "none";
    case MasterLinkState::kConnect: return "connect";
    case MasterLinkState::kConnecting: return "connecting";
    case MasterLinkState::kTransfer: return "transfer";
    case MasterLinkState::kConnected: return "connected";
  }
  return "?";
}

}  // namespace

// The in-process BGSAVE of a full sync (Replication::SnapshotSource).
class SimSnapshotSource final : public Replication::SnapshotSource {
 public:
  explicit SimSnapshotSource(std::function<void()> start) : start_(std::move(start)) {}
  bool busy() const override { return busy_; }
  Status Start() override {
    start_();
    return Status::Ok();
  }
  bool busy_ = false;

 private:
  std::function<void()> start_;
};

// The replica side's edge: ReplicaLink behind a MasterLinkIo on the
// simulated network, as master_link.cc's broker is on TCP.
struct SimServerNode::LinkEdge final : MasterLinkIo {
  SimServerNode* node = nullptr;
  uint64_t id = 0;       // identifies this edge in deferred work
  ConnId conn = 0;       // the connection to the master, 0 = none
  std::string rdb;       // a full sync's RDB, collected here
  std::unique_ptr<ReplicaLink> link;

  ~LinkEdge() override {
    link.reset();
    Close();
  }
  // The network applies its own connect timeout (connect_timeout_ms).
  void Connect(const std::string& host, int port, int64_t) override {
    conn = node->net_->Connect(node->id_, host, port);
  }
  void Write(std::string_view bytes) override {
    if (conn != 0) node->SendBytes(conn, bytes);
  }
  void Close() override {
    if (conn == 0) return;
    node->net_->Close(conn, node->id_);
    conn = 0;
  }
  void SetReadSize(size_t) override {}
  void RequestKill() override;
  std::string* RdbBuffer() override { return &rdb; }
};

// Everything a crash loses. Members are destroyed in reverse order: the
// link and the sessions go first, while Replication and the server context
// they report to still exist.
struct SimServerNode::Process {
  std::unique_ptr<Config> config;
  std::unique_ptr<ServerContext> server;
  std::unique_ptr<Keyspace> keyspace;
  Propagation propagation;
  BlockingRegistry blocking;
  WatchRegistry watches;
  PubSubRegistry pubsub;
  std::unique_ptr<Replication> repl;
  std::unique_ptr<SimSnapshotSource> snapshots;
  std::map<ConnId, std::unique_ptr<SimSession>> sessions;
  std::unique_ptr<LinkEdge> link;
  bool flush_scheduled = false;
  // What the trace last said of the replication state.
  std::string shown_state;
  // Deferred work of this process checks it is still alive.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

// CLIENT KILL TYPE master: the link hears of it after the command.
void SimServerNode::LinkEdge::RequestKill() {
  SimServerNode* n = node;
  uint64_t edge = id;
  n->Later(0, [n, edge] {
    if (n->process_->link && n->process_->link->id == edge) n->process_->link->link->OnKill();
  });
}

SimServerNode::SimServerNode(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                             const std::string& name, int port, int master_port)
    : loop_(loop), net_(net), trace_(trace), options_(options), name_(name), port_(port), master_port_(master_port),
      clock_(loop) {}

SimServerNode::~SimServerNode() = default;

std::string SimServerNode::NewId() {
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 40; ++i) s.push_back(hex[loop_->rng()() % 16]);
  return s;
}

void SimServerNode::Later(int64_t delay_ms, std::function<void()> fn) {
  std::weak_ptr<int> alive = process_->alive;
  loop_->After(delay_ms, [alive, fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

void SimServerNode::Start() {
  id_ = net_->AddNode(name_, port_, this);
  Boot();
}

void SimServerNode::Crash(bool keep_rdb) {
  if (!process_) return;
  trace_->Add(loop_->now_ms(), name_ + " process dies, dump.rdb " +
                                   (keep_rdb ? "kept (" + std::to_string(dump_rdb_.size()) + " bytes)" : "lost"));
  net_->Crash(id_);
  process_.reset();
  if (!keep_rdb) dump_rdb_.clear();
}

void SimServerNode::CrashDurable() {
  if (!process_) return;
  std::string saved = SaveNow();
  trace_->Add(loop_->now_ms(), name_ + " process dies with every applied write on disk (" + saved + ")");
  net_->Crash(id_);
  process_.reset();
}

void SimServerNode::Restart() {
  if (process_) return;
  net_->Restart(id_);
  Boot();
}

void SimServerNode::Boot() {
  ++incarnation_;
  std::string text = "port " + std::to_string(port_) +
                     "\nrepl-backlog-size " + std::to_string(std::max<int64_t>(1, options_->repl_backlog_bytes)) +
                     "\nrepl-timeout " + std::to_string(std::max<int64_t>(1, options_->repl_timeout_ms / 1000)) +
                     "\nrepl-diskless-sync no\n";
  if (master_port_ != 0) text += "replicaof 127.0.0.1 " + std::to_string(master_port_) + "\n";
  if (!config_file_.empty()) {
    // The file on disk, as written at the first start and by CONFIG REWRITE since.
    std::ifstream in(config_file_);
    if (in) {
      std::ostringstream content;
      content << in.rdbuf();
      text = content.str();
    } else {
      std::ofstream(config_file_) << text;
    }
  }
  Result<Config> config = Config::FromText(text, config_file_);
  if (!config.ok()) trace_->Add(loop_->now_ms(), name_ + " config error (defaults used): " + config.status().message());
  auto p = std::make_unique<Process>();
  p->config = std::make_unique<Config>(config.ok() ? std::move(*config) : Config());
  p->server = std::make_unique<ServerContext>(p->config.get(), &clock_);
  ServerContext& server = *p->server;
  server.run_id = NewId();
  server.replid = NewId();
  server.start_ms = clock_.UnixMs();
  server.start_mono_us = clock_.MonotonicUs();
  server.lastsave_s = server.start_ms / 1000;
  server.port = port_;
  p->keyspace = std::make_unique<Keyspace>(server.options().databases, &clock_);
  Keyspace& keyspace = *p->keyspace;
  keyspace.rng().seed(loop_->rng()());
  server.blocking = &p->blocking;
  server.watches = &p->watches;
  server.propagation = &p->propagation;
  BlockingRegistry* blocking = &p->blocking;
  WatchRegistry* watches = &p->watches;
  Propagation* propagation = &p->propagation;
  keyspace.on_key_changed = [blocking, watches](int db, std::string_view key) {
    blocking->KeyChanged(db, key);
    watches->KeyChanged(db, key);
  };
  keyspace.on_key_expired = [propagation](int db, std::string_view key) {
    propagation->Add(db, std::vector<std::string>{"DEL", std::string(key)});
  };
  server.on_client_closed.push_back([watches](ClientState& c) { watches->UnwatchAll(&c); });
  InstallPubSub(&p->pubsub, &server, &keyspace);

  p->repl = std::make_unique<Replication>(&keyspace, &server);
  Replication& repl = *p->repl;
  server.replication = &repl;
  server.on_client_closed.push_back([&repl](ClientState& c) { repl.ReplicaClosed(c); });
  repl.on_ack = [&server] { WakeWaitingClients(server); };
  server.fill_repl_info = [&repl](RdbSaveInfo* info) { repl.FillSaveInfo(info); };
  repl.new_replid = [this] { return NewId(); };
  p->snapshots = std::make_unique<SimSnapshotSource>([this] { StartSnapshot(); });
  repl.snapshot_source = p->snapshots.get();
  // The stream goes out once per round of events, as the shard's repl_flush_atom.
  repl.request_flush = [this] {
    if (process_->flush_scheduled) return;
    process_->flush_scheduled = true;
    Later(0, [this] {
      process_->flush_scheduled = false;
      process_->repl->FlushReplicas();
    });
  };
  if (master_port_ == 0) repl.test_skip_write_every = options_->test_skip_write_every;
  // replicaof from the config (kept across restarts, rewritten by CONFIG REWRITE).
  const ServerOptions& opts = server.options();
  if (!opts.replicaof_host.empty()) repl.SetMaster(opts.replicaof_host, opts.replicaof_port);
  process_ = std::move(p);

  // The start-up load of dump.rdb; a replica continues from the position it records.
  std::string loaded = "no dump.rdb";
  if (!dump_rdb_.empty()) {
    RdbLoadStats stats;
    Status s = LoadRdbFromMemory(dump_rdb_, "dump.rdb", &keyspace, repl.is_replica(), &stats);
    if (!s.ok()) {
      keyspace.FlushAll();
      loaded = "dump.rdb failed to load: " + s.message();
    } else {
      repl.RestoreFromRdb(stats.repl_id, stats.repl_offset, stats.repl_stream_db);
      loaded = "dump.rdb loaded: " + std::to_string(stats.keys_loaded) + " keys, repl " +
               stats.repl_id.substr(0, 8) + ":" + std::to_string(stats.repl_offset);
    }
  }
  trace_->Add(loop_->now_ms(), name_ + " process starts (" + (repl.is_replica() ? "replica" : "master") + "), " +
                                   loaded + ", replid " + repl.replid().substr(0, 8) + ":" +
                                   std::to_string(repl.offset()));
  repl.on_master_changed = [this] { RestartLink(); };
  if (repl.is_replica()) RestartLink();
  Later(loop_->Uniform(0, kCronMs - 1), [this] { Cron(); });
  Later(loop_->Uniform(0, kLinkTickMs - 1), [this] { LinkTick(); });
  int64_t save = std::max<int64_t>(1000, options_->save_interval_ms);
  Later(loop_->Uniform(save / 2, save * 3 / 2), [this] { SaveDump(); });
  NoteState();
}

void SimServerNode::RestartLink() {
  Process& p = *process_;
  p.link.reset();  // the old link's connection closes
  if (!p.repl->is_replica()) return;
  auto e = std::make_unique<LinkEdge>();
  e->node = this;
  e->id = ++next_edge_;
  e->link = std::make_unique<ReplicaLink>(p.keyspace.get(), p.server.get(), p.repl.get(), p.repl->master_host(),
                                          p.repl->master_port(), e.get());
  p.link = std::move(e);
  p.link->link->Start();
}

void SimServerNode::Cron() {
  process_->repl->Cron();
  Later(kCronMs, [this] { Cron(); });
}

void SimServerNode::LinkTick() {
  if (process_->link) process_->link->link->Tick();
  NoteState();
  Later(kLinkTickMs, [this] { LinkTick(); });
}

// A save point: the dump.rdb now holds the dataset and, as main()'s
// fill_repl_info makes every snapshot record, the replication position.
std::string SimServerNode::SaveNow() {
  Process& p = *process_;
  RdbSaveInfo info;
  info.now_ms = clock_.UnixMs();
  p.server->fill_repl_info(&info);
  std::string rdb;
  if (!SaveRdbToString(*p.keyspace, info, &rdb).ok()) return "save failed";
  dump_rdb_ = std::move(rdb);
  return std::to_string(p.keyspace->TotalKeys()) + " keys, " + std::to_string(dump_rdb_.size()) + " bytes, repl " +
         info.repl_id.substr(0, 8) + ":" + std::to_string(info.repl_offset);
}

void SimServerNode::SaveDump() {
  trace_->Add(loop_->now_ms(), name_ + " saved dump.rdb: " + SaveNow());
  int64_t save = std::max<int64_t>(1000, options_->save_interval_ms);
  Later(loop_->Uniform(save / 2, save * 3 / 2), [this] { SaveDump(); });
}

void SimServerNode::Shutdown() {
  if (!process_) return;
  trace_->Add(loop_->now_ms(), name_ + " SHUTDOWN SAVE: " + SaveNow());
  Crash(true);
}

// The fork of a BGSAVE for SYNC: the keyspace as it is now, written by the
// real RDB writer, handed to the replicas when the "child" is done.
void SimServerNode::StartSnapshot() {
  Process& p = *process_;
  RdbSaveInfo info;
  info.now_ms = clock_.UnixMs();
  p.server->fill_repl_info(&info);
  auto rdb = std::make_shared<std::string>();
  bool ok = SaveRdbToString(*p.keyspace, info, rdb.get()).ok();
  p.snapshots->busy_ = true;
  int64_t delay = loop_->Uniform(options_->snapshot_min_ms, std::max(options_->snapshot_min_ms, options_->snapshot_max_ms));
  trace_->Add(loop_->now_ms(), name_ + " BGSAVE for SYNC: " + std::to_string(rdb->size()) + " bytes at offset " +
                                   std::to_string(p.repl->offset()) + ", done in " + std::to_string(delay) + " ms");
  Later(delay, [this, rdb, ok] {
    process_->snapshots->busy_ = false;
    process_->repl->SnapshotReady(ok, *rdb);
  });
}

void SimServerNode::SendBytes(ConnId conn, std::string_view bytes) {
  if (bytes.empty()) return;
  if (bytes.size() >= 2 && loop_->Chance(options_->segment_probability)) {
    size_t cut = static_cast<size_t>(loop_->Uniform(1, static_cast<int64_t>(bytes.size()) - 1));
    net_->Send(conn, id_, SimMessage{std::string(bytes.substr(0, cut))});
    net_->Send(conn, id_, SimMessage{std::string(bytes.substr(cut))});
    return;
  }
  net_->Send(conn, id_, SimMessage{std::string(bytes)});
}

void SimServerNode::CloseSession(ConnId conn) {
  auto it = process_->sessions.find(conn);
  if (it == process_->sessions.end()) return;
  net_->Close(conn, id_);
  process_->sessions.erase(it);  // unregisters the client (ReplicaClosed, ...)
}

// ---------------------------------------------------------------------------
// Network events

void SimServerNode::OnAccept(ConnId conn) {
  if (!process_) return;
  SimSession::Env env;
  env.keyspace = process_->keyspace.get();
  env.server = process_->server.get();
  env.send = [this, conn](std::string_view bytes) { SendBytes(conn, bytes); };
  env.close = [this, conn] { Later(0, [this, conn] { CloseSession(conn); }); };
  env.later = [this](int64_t delay_ms, std::function<void()> fn) { Later(delay_ms, std::move(fn)); };
  env.filter_info = ScrubHostFacts;
  process_->sessions[conn] = std::make_unique<SimSession>(std::move(env), "127.0.0.1:" + std::to_string(40000 + conn));
}

void SimServerNode::OnConnected(ConnId conn, bool ok) {
  if (!process_) return;
  LinkEdge* e = process_->link.get();
  if (e == nullptr || conn != e->conn || !e->link->connecting()) {
    if (ok) net_->Close(conn, id_);  // a late result of an abandoned connect
    if (e != nullptr && conn == e->conn) e->conn = 0;
    return;
  }
  if (!ok) {
    e->conn = 0;
    e->link->OnConnectFailed("Connection refused or timed out");
  } else {
    e->link->OnConnected();
  }
  NoteState();
}

void SimServerNode::OnMessage(ConnId conn, const SimMessage& msg) {
  if (!process_) return;
  const std::string& bytes = msg.bytes;
  LinkEdge* e = process_->link.get();
  if (e != nullptr && conn == e->conn) {
    bool was_streaming = process_->repl->link_state() == MasterLinkState::kConnected;
    e->link->OnData(bytes.data(), bytes.size());
    bool streaming = process_->link.get() == e && process_->repl->link_state() == MasterLinkState::kConnected;
    if (streaming && !e->rdb.empty()) {
      // A full sync just loaded: the received RDB is now our dump.rdb, as
      // the transferred file is renamed to dbfilename in a server.
      dump_rdb_ = std::move(e->rdb);
      e->rdb.clear();
      ++full_syncs_loaded_;
    } else if (streaming && !was_streaming) {
      ++partial_syncs_;  // +CONTINUE
    }
  } else {
    auto it = process_->sessions.find(conn);
    if (it != process_->sessions.end()) it->second->OnBytes(bytes);
  }
  NoteState();
}

void SimServerNode::OnClosed(ConnId conn) {
  if (!process_) return;
  LinkEdge* e = process_->link.get();
  if (e != nullptr && conn == e->conn) {
    e->conn = 0;
    if (e->link->connecting())
      e->link->OnConnectFailed("Connection closed");
    else
      e->link->OnClosed();
    NoteState();
    return;
  }
  process_->sessions.erase(conn);
}

// A trace line whenever the replication role, link state or history changes.
void SimServerNode::NoteState() {
  const Replication& r = *process_->repl;
  std::string s = r.is_replica() ? std::string("replica link=") + LinkStateName(r.link_state()) : "master";
  s += " replid " + r.replid().substr(0, 8);
  if (s == process_->shown_state) return;
  process_->shown_state = s;
  trace_->Add(loop_->now_ms(), name_ + " " + s + " offset " + std::to_string(r.offset()));
}

// ---------------------------------------------------------------------------
// Observation

const Replication* SimServerNode::replication() const { return process_ ? process_->repl.get() : nullptr; }

bool SimServerNode::link_up() const {
  if (!process_) return false;
  return !process_->repl->is_replica() || process_->repl->link_state() == MasterLinkState::kConnected;
}

bool SimServerNode::quiescent() const { return process_ && !process_->flush_scheduled; }

std::map<std::string, std::string> SimServerNode::Dataset() const {
  std::map<std::string, std::string> out;
  if (!process_) return out;
  const Keyspace& ks = *process_->keyspace;
  for (int i = 0; i < ks.db_count(); ++i) {
    ks.db(i).ForEach([&](const Entry* e) {
      std::string value = e->type() == ObjType::kString ? std::string(e->str()) : EncodeDumpPayload(*e, false);
      out.emplace(std::to_string(i) + ":" + std::string(e->key()), std::move(value));
    });
  }
  return out;
}

}  // namespace troupe
