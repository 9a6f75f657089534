// The replica side of Redis's replication protocol (see replica_link.h).
#include "actors/replication/replica_link.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/persistence/rdb.h"
#include "actors/replication/replication.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "net/resp_parser.h"
#include "net/resp_writer.h"

namespace troupe {

using Link = ReplicaLink::Link;

namespace {

// CAF zero-fills the read buffer to the configured size before every read
// (docs/DESIGN-NOTES.md), so the read size follows the traffic: it doubles
// when a read fills it and halves after a run of small reads.
constexpr size_t kMinReadChunk = 4 * 1024;
constexpr size_t kMaxReadChunk = 256 * 1024;
constexpr size_t kMaxReplyLine = 64 * 1024;  // a handshake reply longer than this is garbage
constexpr int64_t kTickMs = 1000;

// Handshake and transfer states, as Redis's REPL_STATE_*.
enum class LinkState {
  kConnect,           // waiting to (re)connect
  kConnecting,        // the connector is working
  kReceivePong,       // PING sent
  kReceiveAuth,       // AUTH sent
  kReceivePort,       // REPLCONF listening-port sent
  kReceiveIp,         // REPLCONF ip-address sent
  kReceiveCapa,       // REPLCONF capa sent
  kReceivePsync,      // PSYNC sent
  kTransfer,          // receiving the RDB
  kConnected,         // applying the stream
};


}  // namespace

struct ReplicaLink::Link {
  MasterLinkIo* io = nullptr;
  Keyspace* keyspace = nullptr;
  ServerContext* server = nullptr;
  Replication* repl = nullptr;
  std::string host;
  int port = 0;
  LinkState state = LinkState::kConnect;
  bool has_hdl = false;  // the connection is up
  std::string in;             // unprocessed input
  int64_t state_since_ms = 0;
  int64_t last_io_ms = 0;
  int64_t next_connect_ms = 0;
  uint64_t connect_seq = 0;   // ignores results of abandoned connects
  // Full sync.
  std::string sync_replid;
  uint64_t sync_offset = 0;
  int64_t transfer_size = -1;
  uint64_t transfer_read = 0;
  int transfer_fd = -1;
  std::string transfer_tmp;
  RespParser parser;
  std::vector<std::string_view> argv;
  // The stream bytes of a transaction whose EXEC has not come yet: they
  // count as applied (offset, backlog, our replicas) only with the EXEC.
  std::string multi_bytes;
  size_t read_chunk = kMinReadChunk;
  int small_reads = 0;

  int64_t Now() const { return server->clock().UnixMs(); }
  const ServerOptions& opts() const { return server->options(); }
};

namespace {

std::string Addr(const Link& l) { return l.host + ":" + std::to_string(l.port); }

void AdaptReadChunk(Link& l, size_t got) {
  size_t chunk = l.read_chunk;
  if (got >= chunk) {
    chunk = std::min(chunk * 2, kMaxReadChunk);
    l.small_reads = 0;
  } else if (got < chunk / 4 && ++l.small_reads >= 16) {
    chunk = std::max(chunk / 2, kMinReadChunk);
    l.small_reads = 0;
  }
  if (chunk != l.read_chunk && l.has_hdl) {
    l.read_chunk = chunk;
    l.io->SetReadSize(chunk);
  }
}

void Send(Link& l, const std::vector<std::string>& argv) {
  if (!l.has_hdl) return;
  std::string out;
  AppendRespArray(&out, argv);
  l.io->Write(out);
}

void SetState(Link& l, LinkState s) {
  l.state = s;
  l.state_since_ms = l.Now();
  MasterLinkState shown = MasterLinkState::kConnecting;
  if (s == LinkState::kConnect) shown = MasterLinkState::kConnect;
  if (s == LinkState::kTransfer) shown = MasterLinkState::kTransfer;
  if (s == LinkState::kConnected) shown = MasterLinkState::kConnected;
  l.repl->SetLinkState(shown);
}

void AbortTransfer(Link& l) {
  if (l.transfer_fd >= 0) {
    ::close(l.transfer_fd);
    ::unlink(l.transfer_tmp.c_str());
  }
  l.transfer_fd = -1;
}

// The master's fake client is listed (CLIENT LIST flag M) while the link
// streams, so CLIENT KILL TYPE master drops the link, as in Redis.
void ListMasterClient(Link& l) {
  ClientState& c = l.repl->master_client;
  if (c.id == 0) c.id = l.server->NewClientId();
  c.addr = Addr(l);
  c.created_ms = c.last_interaction_ms = l.Now();
  MasterLinkIo* io = l.io;
  c.kill = [io] { io->RequestKill(); };
  l.server->clients[c.id] = &c;
}

void UnlistMasterClient(Link& l) {
  ClientState& c = l.repl->master_client;
  if (c.id != 0) l.server->clients.erase(c.id);
  c.kill = nullptr;
}

// A transaction of the master's stream cut by the end of the link is
// forgotten, as Redis's replicationCacheMaster discards it: its bytes were
// never counted as applied, so the master sends it again from its MULTI.
void DiscardPartialTransaction(Link& l) {
  ClientState& c = l.repl->master_client;
  c.in_multi = c.multi_error = false;
  c.queued.clear();
  c.queued_bytes = 0;
  l.multi_bytes.clear();
}

// Drops the connection; the tick reconnects a second later.
void Drop(Link& l) {
  DiscardPartialTransaction(l);
  UnlistMasterClient(l);
  AbortTransfer(l);
  if (l.has_hdl) {
    l.io->Close();
    l.has_hdl = false;
  }
  l.in.clear();
  l.parser.Reset();
  l.next_connect_ms = l.Now() + 1000;
  SetState(l, LinkState::kConnect);
}

void StartConnect(Link& l) {
  spdlog::info("Connecting to MASTER {}", Addr(l));
  SetState(l, LinkState::kConnecting);
  spdlog::info("MASTER <-> REPLICA sync started");
  ++l.connect_seq;
  l.io->Connect(l.host, l.port, l.opts().repl_timeout_s * 1000);
}

void SendAck(Link& l) {
  Send(l, {"REPLCONF", "ACK", std::to_string(l.repl->offset())});
}

// One reply line of the handshake, or false when it has not fully arrived.
bool TakeLine(Link& l, std::string* line) {
  size_t nl = l.in.find("\r\n");
  if (nl == std::string::npos) {
    if (l.in.size() > kMaxReplyLine) {
      spdlog::warn("Garbage from MASTER {}: reply line too long; closing the link", Addr(l));
      Drop(l);
    }
    return false;
  }
  *line = l.in.substr(0, nl);
  l.in.erase(0, nl + 2);
  return true;
}

void SendPsync(Link& l) {
  std::string id = l.repl->replid();
  uint64_t off = l.repl->offset() + 1;
  spdlog::info("Trying a partial resynchronization (request {}:{}).", id, off);
  Send(l, {"PSYNC", id, std::to_string(off)});
  SetState(l, LinkState::kReceivePsync);
}

void SendCapa(Link& l) {
  // No "capa eof": masters then send the snapshot as one sized bulk.
  Send(l, {"REPLCONF", "capa", "psync2"});
  SetState(l, LinkState::kReceiveCapa);
}

void SendPort(Link& l) {
  int port = l.opts().replica_announce_port ? l.opts().replica_announce_port : l.server->port;
  Send(l, {"REPLCONF", "listening-port", std::to_string(port)});
  SetState(l, LinkState::kReceivePort);
}

// Finishes a full sync: the file (or the edge's buffer) becomes our dataset.
void LoadTransferred(Link& l) {
  std::string* buffer = l.io->RdbBuffer();
  const std::string& rdb = l.opts().dbfilename;
  if (buffer == nullptr) {
    ::fsync(l.transfer_fd);
    ::close(l.transfer_fd);
    l.transfer_fd = -1;
  }
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  l.keyspace->FlushAll();
  if (buffer == nullptr && ::rename(l.transfer_tmp.c_str(), rdb.c_str()) != 0) {
    spdlog::warn("Failed trying to rename the temp DB into {} in MASTER <-> REPLICA synchronization: {}", rdb,
                 std::strerror(errno));
    ::unlink(l.transfer_tmp.c_str());
    Drop(l);
    return;
  }
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  RdbLoadStats stats;
  Status s = buffer != nullptr ? LoadRdbFromMemory(*buffer, rdb, l.keyspace, /*is_replica=*/true, &stats)
                               : LoadRdb(rdb, l.keyspace, /*is_replica=*/true, &stats);
  if (!s.ok()) {
    spdlog::warn("{}", s.message());
    spdlog::warn("Failed trying to load the MASTER synchronization DB from disk, check server logs.");
    l.keyspace->FlushAll();
    Drop(l);
    return;
  }
  if (!stats.redis_ver.empty()) spdlog::info("Loading RDB produced by version {}", stats.redis_ver);
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", stats.keys_loaded, stats.keys_expired);
  l.repl->FullSyncLoaded(l.sync_replid, l.sync_offset);
  l.repl->master_client = ClientState{};
  l.repl->master_client.is_master = true;
  l.repl->master_client.authenticated = true;
  l.repl->master_client.addr = Addr(l);
  l.repl->master_client.name = "";
  l.keyspace->dirty++;
  // The dataset was replaced wholesale: a running AOF starts over from it.
  if (l.server->aof != nullptr && l.server->aof->enabled()) {
    l.server->aof->Disable();
    if (Status a = l.server->aof->Enable(); !a.ok()) spdlog::warn("{}", a.message());
  }
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  SetState(l, LinkState::kConnected);
  ListMasterClient(l);
  l.repl->sync_total_bytes = -1;
}

// Applies complete commands of the stream; returns false if the link was dropped.
bool ApplyStream(Link& l) {
  RespParser::Limits limits;
  limits.proto_max_bulk_len = l.opts().proto_max_bulk_len;
  size_t pos = 0;
  std::vector<char> scratch;
  CommandTable& table = CommandTable::Instance();
  while (pos < l.in.size()) {
    size_t consumed = 0;
    auto outcome = l.parser.Next(l.in.data() + pos, l.in.size() - pos, limits, &consumed, &l.argv);
    if (outcome == RespParser::Outcome::kNeedMore) break;
    if (outcome == RespParser::Outcome::kError) {
      spdlog::warn("Protocol error ({}) from MASTER {}: closing the link, the dataset is kept", l.parser.error(),
                   Addr(l));
      Drop(l);
      return false;
    }
    std::string_view bytes(l.in.data() + pos, consumed);
    if (l.argv.size() >= 2 && EqualsIgnoreCase(l.argv[0], "REPLCONF") && EqualsIgnoreCase(l.argv[1], "GETACK")) {
      SendAck(l);  // the offset before this command, as Redis acknowledges
    } else if (!l.argv.empty()) {
      scratch.clear();
      RespWriter writer(&scratch, 2);
      l.keyspace->UpdateTime();
      CommandContext ctx{l.argv, writer, l.repl->master_client, *l.keyspace, *l.server};
      l.keyspace->applying_master_stream = true;
      table.Dispatch(ctx);
      l.keyspace->applying_master_stream = false;
    }
    // As Redis's commandProcessed: the applied offset does not move while
    // the master's client is inside MULTI, so an ACK, a snapshot's
    // repl-offset or a promotion never points into half a transaction.
    if (l.repl->master_client.in_multi) {
      l.multi_bytes.append(bytes);
    } else if (!l.multi_bytes.empty()) {
      l.multi_bytes.append(bytes);
      l.repl->StreamApplied(l.multi_bytes);
      l.multi_bytes.clear();
    } else {
      l.repl->StreamApplied(bytes);
    }
    pos += consumed;
  }
  l.in.erase(0, pos);
  l.repl->FlushReplicas();  // chained replicas get what we applied
  return true;
}

void OnData(Link& l) {
  for (;;) {
    std::string line;
    switch (l.state) {
      case LinkState::kReceivePong:
        if (!TakeLine(l, &line)) return;
        if (!line.empty() && line[0] == '-' && line.rfind("-NOAUTH", 0) != 0 && line.rfind("-NOPERM", 0) != 0 &&
            line.rfind("-ERR operation not permitted", 0) != 0) {
          spdlog::warn("Error reply to PING from master: '{}'", line.substr(0, 128));
          Drop(l);
          return;
        }
        spdlog::info("Master replied to PING, replication can continue...");
        if (!l.opts().masterauth.empty()) {
          if (l.opts().masteruser.empty())
            Send(l, {"AUTH", l.opts().masterauth});
          else
            Send(l, {"AUTH", l.opts().masteruser, l.opts().masterauth});
          SetState(l, LinkState::kReceiveAuth);
        } else {
          SendPort(l);
        }
        break;
      case LinkState::kReceiveAuth:
        if (!TakeLine(l, &line)) return;
        if (!line.empty() && line[0] == '-') {
          spdlog::warn("Unable to AUTH to MASTER: {}", line.substr(0, 128));
          Drop(l);
          return;
        }
        SendPort(l);
        break;
      case LinkState::kReceivePort:
        if (!TakeLine(l, &line)) return;
        if (!line.empty() && line[0] == '-')
          spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line.substr(0, 128));
        if (!l.opts().replica_announce_ip.empty()) {
          Send(l, {"REPLCONF", "ip-address", l.opts().replica_announce_ip});
          SetState(l, LinkState::kReceiveIp);
        } else {
          SendCapa(l);
        }
        break;
      case LinkState::kReceiveIp:
        if (!TakeLine(l, &line)) return;
        if (!line.empty() && line[0] == '-')
          spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: {}", line.substr(0, 128));
        SendCapa(l);
        break;
      case LinkState::kReceiveCapa:
        if (!TakeLine(l, &line)) return;
        if (!line.empty() && line[0] == '-')
          spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", line.substr(0, 128));
        SendPsync(l);
        break;
      case LinkState::kReceivePsync: {
        if (!TakeLine(l, &line)) return;
        if (line.empty()) break;  // keepalive newline while the master prepares
        if (line.rfind("+FULLRESYNC", 0) == 0) {
          std::vector<std::string> parts;
          size_t p = 0;
          while (p < line.size()) {
            size_t sp = line.find(' ', p);
            if (sp == std::string::npos) sp = line.size();
            if (sp > p) parts.push_back(line.substr(p, sp - p));
            p = sp + 1;
          }
          int64_t off;
          if (parts.size() != 3 || parts[1].size() != 40 || !ParseInt64(parts[2], &off) || off < 0) {
            spdlog::warn("Master replied with wrong +FULLRESYNC syntax.");
            Drop(l);
            return;
          }
          l.sync_replid = parts[1];
          l.sync_offset = static_cast<uint64_t>(off);
          spdlog::info("Full resync from master: {}:{}", l.sync_replid, l.sync_offset);
          l.transfer_size = -1;
          l.transfer_read = 0;
          SetState(l, LinkState::kTransfer);
          l.repl->sync_start_ms = l.Now();
          break;
        }
        if (line.rfind("+CONTINUE", 0) == 0) {
          std::string id = line.size() > 10 ? line.substr(10) : "";
          if (!id.empty() && id.size() != 40) id.clear();
          spdlog::info("Successful partial resynchronization with master.");
          l.repl->PartialSyncAccepted(id);
          spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
          SetState(l, LinkState::kConnected);
          ListMasterClient(l);
          break;
        }
        if (line.rfind("-NOMASTERLINK", 0) == 0 || line.rfind("-LOADING", 0) == 0) {
          spdlog::info("Master is currently unable to PSYNC but should be in the future: {}", line.substr(0, 128));
        } else {
          spdlog::warn("Unexpected reply to PSYNC from master: {}", line.substr(0, 128));
        }
        Drop(l);
        return;
      }
      case LinkState::kTransfer: {
        if (l.transfer_size < 0) {
          while (!l.in.empty() && l.in[0] == '\n') l.in.erase(0, 1);  // keepalives
          if (!TakeLine(l, &line)) return;
          int64_t n;
          if (line.size() < 2 || line[0] != '$' || !ParseInt64(line.substr(1), &n) || n < 0) {
            spdlog::warn("Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the "
                         "host and port are right?",
                         line.substr(0, 64));
            Drop(l);
            return;
          }
          l.transfer_size = n;
          l.repl->sync_total_bytes = n;
          spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk", n);
          if (std::string* buffer = l.io->RdbBuffer()) {
            buffer->clear();  // the bytes are collected below
          } else {
            l.transfer_tmp = "temp-" + std::to_string(l.Now() / 1000) + "." + std::to_string(getpid()) + ".rdb";
            l.transfer_fd = ::open(l.transfer_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (l.transfer_fd < 0) {
              spdlog::warn("Opening the temp file needed for MASTER <-> REPLICA synchronization: {}",
                           std::strerror(errno));
              Drop(l);
              return;
            }
          }
        }
        size_t want = static_cast<size_t>(l.transfer_size) - l.transfer_read;
        size_t take = std::min(want, l.in.size());
        size_t off = 0;
        if (std::string* buffer = l.io->RdbBuffer()) {
          buffer->append(l.in.data(), take);
          off = take;
        }
        while (off < take) {
          ssize_t w = ::write(l.transfer_fd, l.in.data() + off, take - off);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) {
            spdlog::warn("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA "
                         "synchronization: {}",
                         std::strerror(errno));
            Drop(l);
            return;
          }
          off += static_cast<size_t>(w);
        }
        l.in.erase(0, take);
        l.transfer_read += take;
        l.repl->sync_read_bytes = l.transfer_read;
        if (l.transfer_read < static_cast<uint64_t>(l.transfer_size)) return;
        LoadTransferred(l);
        if (l.state != LinkState::kConnected) return;
        break;
      }
      case LinkState::kConnected:
        ApplyStream(l);
        return;
      default:
        return;
    }
  }
}

}  // namespace

ReplicaLink::ReplicaLink(Keyspace* keyspace, ServerContext* server, Replication* replication, std::string host,
                         int port, MasterLinkIo* io)
    : l_(std::make_unique<Link>()) {
  Link& l = *l_;
  l.io = io;
  l.keyspace = keyspace;
  l.server = server;
  l.repl = replication;
  l.host = std::move(host);
  l.port = port;
  if (!replication->master_client.is_master) {
    replication->master_client.is_master = true;
    replication->master_client.authenticated = true;
  }
  replication->master_client.addr = Addr(l);
}

ReplicaLink::~ReplicaLink() {
  DiscardPartialTransaction(*l_);
  UnlistMasterClient(*l_);
  AbortTransfer(*l_);
}

void ReplicaLink::Start() {
  Link& l = *l_;
  if (!l.server->loading)
    StartConnect(l);
  else
    SetState(l, LinkState::kConnect);
}

bool ReplicaLink::connecting() const { return l_->state == LinkState::kConnecting; }

void ReplicaLink::OnConnectFailed(const std::string& error) {
  spdlog::warn("Error condition on socket for SYNC: {}", error);
  Drop(*l_);
}

void ReplicaLink::OnConnected() {
  Link& l = *l_;
  l.has_hdl = true;
  l.read_chunk = kMinReadChunk;
  l.io->SetReadSize(l.read_chunk);
  spdlog::info("Non blocking connect for SYNC fired the event.");
  l.last_io_ms = l.Now();
  l.repl->MasterIo();
  Send(l, {"PING"});
  SetState(l, LinkState::kReceivePong);
}

void ReplicaLink::OnData(const char* data, size_t len) {
  Link& l = *l_;
  if (!l.has_hdl) return;
  l.last_io_ms = l.Now();
  l.repl->MasterIo();
  l.in.append(data, len);
  AdaptReadChunk(l, len);
  troupe::OnData(l);
}

void ReplicaLink::OnClosed() {
  Link& l = *l_;
  if (!l.has_hdl) return;
  l.has_hdl = false;
  if (l.state == LinkState::kConnected) {
    spdlog::info("Connection with master lost.");
    spdlog::info("Caching the disconnected master state.");
  } else {
    spdlog::warn("Master {} closed the connection during the handshake or transfer", Addr(l));
  }
  Drop(l);
}

void ReplicaLink::OnKill() {
  Link& l = *l_;
  if (l.state != LinkState::kConnected) return;
  spdlog::info("Connection with master lost.");
  spdlog::info("Caching the disconnected master state.");
  Drop(l);
}

void ReplicaLink::Tick() {
  Link& l = *l_;
  int64_t now = l.Now();
  int64_t timeout_ms = l.opts().repl_timeout_s * 1000;
  switch (l.state) {
    case LinkState::kConnect:
      // A replica connects once its own dataset is loaded (its RDB tells
      // which offset to ask for).
      if (now >= l.next_connect_ms && !l.server->loading) StartConnect(l);
      break;
    case LinkState::kConnecting:
      if (now - l.state_since_ms > timeout_ms + 1000) {
        spdlog::warn("Timeout connecting to the MASTER...");
        Drop(l);
      }
      break;
    case LinkState::kConnected:
      SendAck(l);
      if (now - l.last_io_ms > timeout_ms) {
        spdlog::warn("MASTER timeout: no data nor PING received...");
        Drop(l);
      }
      break;
    case LinkState::kTransfer:
      if (now - l.last_io_ms > timeout_ms) {
        spdlog::warn("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                     "'repl-timeout' parameter in redis.conf to a larger value.");
        Drop(l);
      }
      break;
    default:
      if (now - l.last_io_ms > timeout_ms) {
        spdlog::warn("Timeout connecting to the MASTER...");
        Drop(l);
      }
      break;
  }
}

}  // namespace troupe
