// Replication state and the master side of the protocol (see replication.h).
#include "actors/replication/replication.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <random>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/rdb.h"
#include "actors/persistence/snapshotter.h"
#include "actors/shard/commands/command.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

constexpr uint64_t kReplicaOutputHardLimit = 256ull << 20;  // client-output-buffer-limit replica 256mb
constexpr const char kPing[] = "*1\r\n$4\r\nPING\r\n";
constexpr size_t kFlushThresholdBytes = 1u << 20;  // write to replicas at least every 1 MB of stream

// "ip:port" -> "ip".
std::string HostOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool ReadFileFully(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

std::string NewReplicationId() {
  std::random_device rd;
  const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 40; ++i) s.push_back(hex[rd() % 16]);
  return s;
}

Replication::Replication(Keyspace* keyspace, ServerContext* server)
    : keyspace_(keyspace), server_(server), replid_(server->replid.empty() ? NewReplicationId() : server->replid) {
  no_replicas_since_ms_ = NowMs();
}

int64_t Replication::NowMs() const { return server_->clock().UnixMs(); }

std::string Replication::ReplicaName(const ReplicaRecord& r) const {
  return r.ip + ":" + std::to_string(r.listening_port);
}

ReplicaRecord* Replication::Find(const ClientState& c) {
  for (ReplicaRecord& r : replicas_)
    if (r.client == &c) return &r;
  return nullptr;
}

void Replication::CreateBacklog() {
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_->options().repl_backlog_size),
                                                  offset_ + 1);
  if (server_->propagation && !is_replica()) server_->propagation->AddSink(this);
}

void Replication::ShiftReplicationId() {
  replid2_ = replid_;
  second_replid_offset_ = static_cast<int64_t>(offset_) + 1;
  replid_ = NewId();
  server_->replid = replid_;
  spdlog::info("Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}", replid2_,
               second_replid_offset_, replid_);
}

// ---------------------------------------------------------------------------
// Role changes

void Replication::SetMaster(const std::string& host, int port) {
  bool was_master = !is_replica();
  master_host_ = host;
  master_port_ = port;
  if (server_->propagation) server_->propagation->RemoveSink(this);
  keyspace_->set_is_replica(true);
  server_->role = "slave";
  // Our replicas resync with us (partially, when they can) once we follow
  // the new history.
  std::vector<ClientState*> subs;
  for (ReplicaRecord& r : replicas_) subs.push_back(r.client);
  for (ClientState* c : subs) DropReplica(c, "our master changed");
  if (was_master && !backlog_) CreateBacklog();
  link_down_since_ms_ = NowMs();
  SetLinkState(MasterLinkState::kConnect);
  if (on_master_changed) on_master_changed();
}

void Replication::SetNoMaster() {
  if (!is_replica()) return;
  master_host_.clear();
  master_port_ = 0;
  SetLinkState(MasterLinkState::kNone);
  keyspace_->set_is_replica(false);
  server_->role = "master";
  ShiftReplicationId();
  no_replicas_since_ms_ = NowMs();  // the backlog's TTL starts now
  std::vector<ClientState*> subs;
  for (ReplicaRecord& r : replicas_) subs.push_back(r.client);
  for (ClientState* c : subs) DropReplica(c, "the replication ID changed");
  selected_db_ = -1;
  if (!backlog_)
    CreateBacklog();
  else if (server_->propagation)
    server_->propagation->AddSink(this);
  if (on_master_changed) on_master_changed();
}

void Replication::SetLinkState(MasterLinkState s) {
  if (s == link_state_) return;
  if (link_state_ == MasterLinkState::kConnected) link_down_since_ms_ = NowMs();
  link_state_ = s;
}

// ---------------------------------------------------------------------------
// The stream

void Replication::Feed(const std::vector<Op>& ops, bool transaction) {
  if (is_replica() || !backlog_) return;
  size_t n = 0;
  for (const Op& op : ops) n += (op.targets & kPropagateRepl) ? 1 : 0;
  if (n == 0) return;
  if (test_skip_write_every > 0 && ++test_feeds_ % static_cast<uint64_t>(test_skip_write_every) == 0) return;
  bool wrap = transaction && n > 1;
  std::string out;
  bool first = true;
  for (const Op& op : ops) {
    if (!(op.targets & kPropagateRepl)) continue;
    if (first && wrap) AppendCommand(&out, &selected_db_, op.db, {"MULTI"});
    first = false;
    AppendCommand(&out, &selected_db_, op.db, op.argv);
  }
  if (wrap) AppendRespArray(&out, {"EXEC"});
  AppendStream(out);
}

void Replication::StreamApplied(std::string_view bytes) {
  if (!backlog_) backlog_ = std::make_unique<ReplicationBacklog>(
                     static_cast<size_t>(server_->options().repl_backlog_size), offset_ + 1);
  AppendStream(bytes);
}

void Replication::AppendStream(std::string_view bytes) {
  if (bytes.empty()) return;
  if (backlog_) backlog_->Append(bytes);
  if (unsent_.empty()) unsent_start_ = offset_;
  offset_ += bytes.size();
  bool any_online = false;
  std::vector<ClientState*> over_limit;
  for (ReplicaRecord& r : replicas_) {
    if (r.state == ReplicaRecord::State::kOnline) {
      any_online = true;
    } else if (r.state == ReplicaRecord::State::kWaitBgsaveEnd) {
      r.pending.append(bytes);
      if (r.pending.size() > kReplicaOutputHardLimit) over_limit.push_back(r.client);
    }
  }
  if (any_online) {
    bool first = unsent_.empty();
    unsent_.append(bytes.data(), bytes.size());
    if (first && request_flush) request_flush();
  }
  for (ClientState* c : over_limit)
    DropReplica(c, "Client " + c->addr + " scheduled to be closed ASAP for overcoming of output buffer limits.");
  if (unsent_.size() > kFlushThresholdBytes || (!unsent_.empty() && !request_flush)) FlushReplicas();
}

void Replication::FlushReplicas() {
  if (unsent_.empty()) return;
  std::vector<ClientState*> drop;
  for (ReplicaRecord& r : replicas_) {
    if (r.state != ReplicaRecord::State::kOnline || r.sent_offset >= offset_) continue;
    if (r.sent_offset < unsent_start_) {  // cannot happen: it would have missed bytes
      drop.push_back(r.client);
      continue;
    }
    r.client->send_raw(std::string_view(unsent_).substr(r.sent_offset - unsent_start_));
    r.sent_offset = offset_;
    if (r.client->unsent_bytes > kReplicaOutputHardLimit) drop.push_back(r.client);
  }
  unsent_.clear();
  for (ClientState* c : drop)
    DropReplica(c, "Client " + c->addr + " scheduled to be closed ASAP for overcoming of output buffer limits.");
}

void Replication::DropReplica(ClientState* c, const std::string& why) {
  if (!why.empty()) spdlog::warn("Connection with replica {} lost: {}", c->addr, why);
  auto it = std::find_if(replicas_.begin(), replicas_.end(), [c](const ReplicaRecord& r) { return r.client == c; });
  if (it != replicas_.end()) replicas_.erase(it);
  c->is_replica = false;
  if (c->kill) c->kill();
}

void Replication::ReplicaClosed(ClientState& client) {
  auto it = std::find_if(replicas_.begin(), replicas_.end(),
                         [&client](const ReplicaRecord& r) { return r.client == &client; });
  if (it == replicas_.end()) return;
  spdlog::info("Connection with replica {} lost.", ReplicaName(*it));
  replicas_.erase(it);
  if (replicas_.empty()) no_replicas_since_ms_ = NowMs();
}

// ---------------------------------------------------------------------------
// Handshake commands from replicas

void Replication::HandleReplconf(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.SyntaxError();
    return;
  }
  ClientState& c = ctx.client;
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port;
      if (!ParseInt64(val, &port) || port < 0 || port > 65535) {
        ctx.reply.Error("ERR value is not an integer or out of range");
        return;
      }
      c.repl_listening_port = static_cast<int>(port);
    } else if (EqualsIgnoreCase(opt, "ip-address")) {
      if (val.size() > 46) {
        ctx.reply.Error("ERR REPLCONF ip-address provided by replica instance is too long: " +
                        std::to_string(val.size()) + " bytes");
        return;
      }
      c.repl_ip = std::string(val);
    } else if (EqualsIgnoreCase(opt, "capa")) {
      if (EqualsIgnoreCase(val, "eof")) c.repl_capa_eof = true;
      if (EqualsIgnoreCase(val, "psync2")) c.repl_capa_psync2 = true;
    } else if (EqualsIgnoreCase(opt, "ack") || EqualsIgnoreCase(opt, "fack")) {
      // Sent by replicas with the offset they processed; never answered.
      ReplicaRecord* r = Find(c);
      if (r == nullptr) return;
      uint64_t off;
      int64_t v;
      if (!ParseInt64(val, &v) || v < 0) return;
      off = static_cast<uint64_t>(v);
      if (off > r->ack_offset) r->ack_offset = off;
      r->ack_ms = NowMs();
      if (on_ack) on_ack();
      return;
    } else if (EqualsIgnoreCase(opt, "getack")) {
      // Only a master asks; the master link answers it itself.
      return;
    } else if (EqualsIgnoreCase(opt, "rdb-only") || EqualsIgnoreCase(opt, "rdb-filter-only")) {
      // Accepted for redis-cli --rdb; ignored.
    } else {
      ctx.reply.Error("ERR Unrecognized REPLCONF option: " + std::string(opt.substr(0, 128)));
      return;
    }
  }
  ctx.reply.Ok();
}

void Replication::HandlePsync(CommandContext& ctx, bool is_sync) {
  ClientState& c = ctx.client;
  if (c.is_replica) return;  // already a replica: ignore
  if (is_replica() && link_state_ != MasterLinkState::kConnected) {
    ctx.reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  ReplicaRecord r;
  r.client = &c;
  r.ip = c.repl_ip.empty() ? HostOf(c.addr) : c.repl_ip;
  r.listening_port = c.repl_listening_port;
  r.capa_eof = c.repl_capa_eof;
  r.capa_psync2 = c.repl_capa_psync2;
  r.ack_ms = NowMs();
  spdlog::info("Replica {} asks for synchronization", ReplicaName(r));
  c.is_replica = true;
  if (!is_sync) {
    std::string_view want_id = ctx.arg(1);
    int64_t want_off = 0;
    bool numeric = ParseInt64(ctx.arg(2), &want_off);
    bool id_ok = want_id == replid_ ||
                 (want_id == replid2_ && numeric && want_off <= second_replid_offset_);
    if (want_id == "?") {
      spdlog::info("Full resync requested by replica {}", ReplicaName(r));
    } else if (!id_ok) {
      if (want_id != replid2_)
        spdlog::info("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{}', my "
                     "replication IDs are '{}' and '{}')",
                     want_id, replid_, replid2_);
      else
        spdlog::info("Partial resynchronization not accepted: Requested offset for second ID was {}, but I can "
                     "reply up to {}",
                     want_off, second_replid_offset_);
    } else if (!backlog_ || !numeric || want_off < 0 || !backlog_->Covers(static_cast<uint64_t>(want_off))) {
      spdlog::info("Unable to partial resync with replica {} for lack of backlog (Replica request was: {}).",
                   ReplicaName(r), want_off);
    } else {
      std::string head = r.capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : "+CONTINUE\r\n";
      std::string data = backlog_->CopyFrom(static_cast<uint64_t>(want_off));
      c.send_raw(head);
      if (!data.empty()) c.send_raw(data);
      r.state = ReplicaRecord::State::kOnline;
      r.sent_offset = offset_;  // the backlog copy ends at the newest byte
      r.ack_offset = static_cast<uint64_t>(want_off) - 1;
      replicas_.push_back(std::move(r));
      spdlog::info("Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from "
                   "offset {}.",
                   ReplicaName(replicas_.back()), data.size(), want_off);
      return;
    }
  }
  // A full resync. The first replica of a master without a backlog starts
  // a new history, as Redis does.
  if (!backlog_ && !is_replica()) {
    replid_ = NewId();
    server_->replid = replid_;
    replid2_ = std::string(40, '0');
    second_replid_offset_ = -1;
    CreateBacklog();
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'", replid_, replid2_);
  }
  r.state = ReplicaRecord::State::kWaitBgsaveStart;
  r.wait_since_ms = NowMs();
  replicas_.push_back(std::move(r));
  if (server_->options().repl_diskless_sync && server_->options().repl_diskless_sync_delay_s > 0)
    spdlog::info("Delay next BGSAVE for diskless SYNC");
  else
    StartBgsaveForReplicas();
}

bool Replication::StartBgsaveForReplicas() {
  Snapshotter* snap = server_->snapshotter;
  if (snapshot_source != nullptr ? snapshot_source->busy() : snap == nullptr || snap->bgsave_in_progress())
    return false;
  spdlog::info("Starting BGSAVE for SYNC with target: disk");
  Status s = snapshot_source != nullptr ? snapshot_source->Start() : snap->StartBackgroundSave();
  if (!s.ok()) {
    if (s.message().find("Another child") != std::string::npos) return false;  // an AOF rewrite: retry later
    std::vector<ClientState*> waiting;
    for (ReplicaRecord& r : replicas_)
      if (r.state == ReplicaRecord::State::kWaitBgsaveStart) waiting.push_back(r.client);
    for (ClientState* c : waiting) DropReplica(c, "BGSAVE for replication failed");
    return false;
  }
  bgsave_for_replicas_ = true;
  selected_db_ = -1;  // the stream after a snapshot starts with SELECT
  for (ReplicaRecord& r : replicas_) {
    if (r.state != ReplicaRecord::State::kWaitBgsaveStart) continue;
    r.client->send_raw("+FULLRESYNC " + replid_ + " " + std::to_string(offset_) + "\r\n");
    r.state = ReplicaRecord::State::kWaitBgsaveEnd;
    r.pending.clear();
  }
  return true;
}

void Replication::BgsaveDone(bool ok, const std::string& rdb_path) {
  bool any = false;
  for (ReplicaRecord& r : replicas_) any |= r.state == ReplicaRecord::State::kWaitBgsaveEnd;
  bgsave_for_replicas_ = false;
  if (!any) return;
  std::string rdb;
  if (ok && !ReadFileFully(rdb_path, &rdb)) {
    spdlog::warn("SYNC failed. Can't open/stat DB after BGSAVE: {}", std::strerror(errno));
    ok = false;
  }
  SnapshotReady(ok, rdb);
}

void Replication::SnapshotReady(bool ok, const std::string& rdb) {
  bgsave_for_replicas_ = false;
  std::vector<ClientState*> failed;
  for (ReplicaRecord& r : replicas_) {
    if (r.state != ReplicaRecord::State::kWaitBgsaveEnd) continue;
    if (!ok) {
      failed.push_back(r.client);
      continue;
    }
    r.client->send_raw("$" + std::to_string(rdb.size()) + "\r\n");
    r.client->send_raw(rdb);
    if (!r.pending.empty()) r.client->send_raw(r.pending);
    r.pending.clear();
    r.pending.shrink_to_fit();
    r.state = ReplicaRecord::State::kOnline;
    r.sent_offset = offset_;  // `pending` held every byte up to now
    r.ack_ms = NowMs();
    spdlog::info("Synchronization with replica {} succeeded", ReplicaName(r));
  }
  for (ClientState* c : failed) DropReplica(c, "SYNC failed. BGSAVE child returned an error");
}

// ---------------------------------------------------------------------------
// Periodic work, WAIT

void Replication::Cron() {
  const ServerOptions& o = server_->options();
  int64_t now = NowMs();
  for (auto it = wait_targets_.begin(); it != wait_targets_.end();)
    it = server_->clients.count(it->first) ? std::next(it) : wait_targets_.erase(it);
  if (backlog_ && backlog_->capacity() != static_cast<size_t>(o.repl_backlog_size))
    backlog_->Resize(static_cast<size_t>(o.repl_backlog_size));
  if (!replicas_.empty()) {
    if (!is_replica() && now - last_ping_ms_ >= o.repl_ping_replica_period_s * 1000) {
      last_ping_ms_ = now;
      bool any_online = false;
      for (const ReplicaRecord& r : replicas_) any_online |= r.state == ReplicaRecord::State::kOnline;
      if (any_online) AppendStream(kPing);
    }
    std::vector<ClientState*> timed_out;
    for (const ReplicaRecord& r : replicas_)
      if (r.state == ReplicaRecord::State::kOnline && now - r.ack_ms > o.repl_timeout_s * 1000)
        timed_out.push_back(r.client);
    for (ClientState* c : timed_out) DropReplica(c, "Disconnecting timedout replica (streaming sync)");
    bool waiting = false, due = false;
    for (const ReplicaRecord& r : replicas_) {
      if (r.state != ReplicaRecord::State::kWaitBgsaveStart) continue;
      waiting = true;
      int64_t delay_ms = o.repl_diskless_sync ? o.repl_diskless_sync_delay_s * 1000 : 0;
      due |= now - r.wait_since_ms >= delay_ms;
    }
    if (waiting && due && !bgsave_for_replicas_) StartBgsaveForReplicas();
    FlushReplicas();
    no_replicas_since_ms_ = now;
  } else if (!is_replica() && backlog_ && o.repl_backlog_ttl_s > 0 &&
             now - no_replicas_since_ms_ > o.repl_backlog_ttl_s * 1000) {
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.", o.repl_backlog_ttl_s);
    backlog_.reset();
    if (server_->propagation) server_->propagation->RemoveSink(this);
  }
}

uint64_t Replication::WaitTarget(uint64_t client_id, uint64_t fallback) const {
  auto it = wait_targets_.find(client_id);
  return it == wait_targets_.end() ? fallback : it->second;
}

int Replication::CountAcked(uint64_t offset) const {
  int n = 0;
  for (const ReplicaRecord& r : replicas_)
    if (r.state == ReplicaRecord::State::kOnline && r.ack_offset >= offset) ++n;
  return n;
}

void Replication::RequestAcks() {
  if (is_replica() || !backlog_) return;
  bool any = false;
  for (const ReplicaRecord& r : replicas_) any |= r.state == ReplicaRecord::State::kOnline;
  if (!any) return;
  std::string out;
  AppendCommand(&out, &selected_db_, selected_db_ < 0 ? 0 : selected_db_, {"REPLCONF", "GETACK", "*"});
  AppendStream(out);
  FlushReplicas();  // a blocked WAIT writes no reply, so nothing else would flush it now
}

int Replication::GoodReplicas() const {
  int64_t now = NowMs();
  int n = 0;
  for (const ReplicaRecord& r : replicas_)
    if (r.state == ReplicaRecord::State::kOnline &&
        (now - r.ack_ms) / 1000 <= server_->options().min_replicas_max_lag_s)
      ++n;
  return n;
}

// ---------------------------------------------------------------------------
// Snapshots

void Replication::FillSaveInfo(RdbSaveInfo* info) const {
  if (!is_replica() && !backlog_) return;
  info->repl_id = replid_;
  info->repl_offset = static_cast<int64_t>(offset_);
  info->repl_stream_db = is_replica() ? master_client.db : std::max(selected_db_, 0);
}

void Replication::RestoreFromRdb(const std::string& repl_id, int64_t repl_offset, int stream_db) {
  if (!is_replica() || repl_id.size() != 40 || repl_offset < 0) return;
  replid_ = repl_id;
  server_->replid = repl_id;
  offset_ = static_cast<uint64_t>(repl_offset);
  master_client.db = stream_db;
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_->options().repl_backlog_size),
                                                  offset_ + 1);
}

// ---------------------------------------------------------------------------
// Replica side

void Replication::FullSyncLoaded(const std::string& replid, uint64_t offset) {
  replid_ = replid;
  server_->replid = replid;
  offset_ = offset;
  replid2_ = std::string(40, '0');
  second_replid_offset_ = -1;
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_->options().repl_backlog_size),
                                                  offset_ + 1);
  std::vector<ClientState*> subs;
  for (ReplicaRecord& r : replicas_) subs.push_back(r.client);
  for (ClientState* c : subs) DropReplica(c, "our master gave us a new dataset");
}

void Replication::PartialSyncAccepted(const std::string& new_replid) {
  if (!new_replid.empty() && new_replid != replid_) {
    replid2_ = replid_;
    second_replid_offset_ = static_cast<int64_t>(offset_) + 1;
    replid_ = new_replid;
    server_->replid = replid_;
    spdlog::info("Master replication ID changed to {}", replid_);
    std::vector<ClientState*> subs;
    for (ReplicaRecord& r : replicas_) subs.push_back(r.client);
    for (ClientState* c : subs) DropReplica(c, "the replication ID changed");
  }
  if (!backlog_)
    backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(server_->options().repl_backlog_size),
                                                    offset_ + 1);
}

}  // namespace troupe
