// Implementation of ClientSession (see client_session.h).
#include "net/client_session.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "actors/node/server_context.h"
#include "actors/persistence/aof.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/type_ids.h"
#include "net/monitor_format.h"
#include "net/resp_parser.h"
#include "net/resp_writer.h"

namespace troupe {
namespace {

// Bytes asked of each read adapt between these bounds: CAF zero-fills the
// whole read buffer before every read (stream::prepare_next_read), so a
// 16 KB buffer for a 30-byte command costs a 16 KB memset. A session starts
// small, doubles when a read fills the buffer, and halves after a run of
// reads that used less than an eighth of it.
constexpr size_t kMinReadChunk = 1024;
constexpr size_t kMaxReadChunk = 64 * 1024;
constexpr int kSmallReadsBeforeShrink = 64;
constexpr int64_t kPauseRetryMs = 10;        // CLIENT PAUSE re-check period
// Output backlog at which a MONITOR or pub/sub client is disconnected
// (Redis's pubsub class hard limit, 32mb). Only those clients track their
// backlog: it needs CAF's write acknowledgements, which ordinary clients do
// not pay for (their replies are bounded by what they asked for, and Redis
// leaves normal clients unlimited by default).
constexpr size_t kStreamOutputLimit = 32u * 1024 * 1024;

// Everything one connection keeps between reads. It is also the
// SessionHooks a command sees, for parking the client (blocking commands).
struct Session final : SessionHooks {
  caf::io::broker* self;
  caf::io::connection_handle hdl;
  SessionDeps deps;
  ClientState client;
  RespParser parser;
  std::vector<char> pending;  // bytes of a command not complete yet
  std::vector<std::string_view> argv;
  size_t unsent_bytes = 0;  // output not yet written (monitors, subscribers)
  bool tracks_output = false;  // write acknowledgements enabled
  size_t read_chunk = kMinReadChunk;
  int small_reads = 0;
  // Blocking: the parked command (an owned copy), how its timeout replies,
  // and the state of a re-run (a re-run that blocks again keeps its place).
  BlockedClient blocked;
  std::vector<std::string> blocked_argv;
  bool blocked_null_array = true;
  bool blocked_rerun_on_timeout = false;
  uint64_t block_seq = 0;
  bool in_retry = false;
  bool reblocked = false;

  void BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
               bool rerun_on_timeout) override;
  bool retry_scheduled = false;
  bool closed = false;

  Keyspace& keyspace() { return *deps.keyspace; }
  ServerContext& server() { return *deps.server; }
};

// Sends what the connection's write buffer holds. Like Redis, the bytes go
// straight to the socket when nothing of this connection waits in CAF's
// buffers: CAF's own path costs an epoll_ctl pair (and a wake-up) per
// flush. Whatever the socket does not take is handed to CAF, with write
// acknowledgements on from then on, so `unsent_bytes` always counts what
// CAF still holds and later bytes never overtake it. (In CAF 0.17 a
// connection handle's id is its socket descriptor.)
void FlushOut(Session& s) {
  auto& out = s.self->wr_buf(s.hdl);
  if (out.empty()) return;
  if (s.unsent_bytes == 0) {
    ssize_t n = ::send(static_cast<int>(s.hdl.id()), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      if (static_cast<size_t>(n) == out.size()) {
        out.clear();
        return;
      }
      out.erase(out.begin(), out.begin() + n);
    }
    // EAGAIN or an error: CAF takes the rest (and notices a dead socket).
  }
  if (!s.tracks_output) {
    s.tracks_output = true;
    s.self->ack_writes(s.hdl, true);
  }
  s.unsent_bytes += out.size();
  s.client.unsent_bytes = s.unsent_bytes;
  s.self->flush(s.hdl);
}

void Unregister(Session& s) {
  if (s.server().blocking) s.server().blocking->Unblock(&s.blocked);
  if (s.server().clients.erase(s.client.id) == 0) return;  // already done
  for (auto& hook : s.server().on_client_closed) hook(s.client);
  s.server().monitors.erase(s.client.id);
}

void Close(Session& s) {
  if (s.closed) return;
  s.closed = true;
  Unregister(s);
  FlushOut(s);
  s.self->close(s.hdl);
  s.self->quit();
}

// Whether CLIENT PAUSE holds this command back right now.
bool HeldByPause(Session& s, const std::vector<std::string_view>& argv) {
  ServerContext& server = s.server();
  if (server.pause_until_mono_us == 0) return false;
  if (server.clock().MonotonicUs() >= server.pause_until_mono_us) {
    server.pause_until_mono_us = 0;
    server.pause_all = false;
    return false;
  }
  if (server.pause_all) return true;
  const CommandSpec* cmd = CommandTable::Instance().Resolve(argv);
  return cmd != nullptr && (cmd->flags & (kCmdWrite | kCmdMayReplicate)) != 0;
}

void FeedMonitors(Session& s, const CommandSpec* cmd) {
  ServerContext& server = s.server();
  if (server.monitors.empty() || cmd == nullptr || (cmd->flags & (kCmdSkipMonitor | kCmdAdmin)))
    return;
  std::string line = FormatMonitorLine(server.clock().UnixUs(), s.client.db, s.client.addr, s.argv);
  for (auto& [id, deliver] : server.monitors) deliver(line);
}

void Execute(Session& s, std::vector<char>& out) {
  ClientState& c = s.client;
  Keyspace& ks = s.keyspace();
  ks.UpdateTime();
  c.last_interaction_ms = ks.now_ms();
  c.commands++;
  auto mode_before = c.reply_mode;
  bool was_replica = c.is_replica;
  size_t reply_start = out.size();
  RespWriter writer(&out, c.protocol);
  CommandContext ctx{s.argv, writer, c, ks, s.server()};
  ctx.session = &s;
  const CommandSpec* cmd = CommandTable::Instance().Dispatch(ctx);
  // Clients blocked on keys this command wrote are served right away, before
  // any other command runs (Redis's order).
  BlockingRegistry* blocking = s.server().blocking;
  if (blocking != nullptr && blocking->has_ready_keys()) blocking->ServeReadyKeys();
  // CLIENT REPLY OFF|SKIP: drop what this command wrote; a replica's
  // connection carries the replication stream, never replies.
  if (was_replica && c.is_replica) {
    out.resize(reply_start);
  } else if (c.reply_mode == ClientState::ReplyMode::kOff) {
    out.resize(reply_start);
  } else if (mode_before == ClientState::ReplyMode::kSkip) {
    out.resize(reply_start);
    c.reply_mode = ClientState::ReplyMode::kOn;
  }
  if (c.reply_mode == ClientState::ReplyMode::kSkipNext) c.reply_mode = ClientState::ReplyMode::kSkip;
  if ((c.monitor || c.subscribed()) && !s.tracks_output) {
    s.tracks_output = true;
    s.self->ack_writes(s.hdl, true);
  }
  if (c.monitor && s.server().monitors.count(c.id) == 0) {
    caf::actor_addr addr = s.self->address();
    s.server().monitors[c.id] = [addr](const std::string& line) {
      if (auto h = caf::actor_cast<caf::actor>(addr)) caf::anon_send(h, monitor_atom_v, line);
    };
  }
  FeedMonitors(s, cmd);
}

// Runs every complete command in data[0, len); returns the bytes consumed.
size_t ProcessBuffer(Session& s, const char* data, size_t len) {
  auto& out = s.self->wr_buf(s.hdl);
  RespParser::Limits limits;
  limits.proto_max_bulk_len = s.server().options().proto_max_bulk_len;
  limits.auth_required = !s.client.authenticated;
  size_t pos = 0;
  while (pos < len && !s.client.close_after_reply && !s.client.close_asap && !s.blocked.active) {
    size_t consumed = 0;
    auto outcome = s.parser.Next(data + pos, len - pos, limits, &consumed, &s.argv);
    if (outcome == RespParser::Outcome::kNeedMore) break;
    if (outcome == RespParser::Outcome::kError) {
      spdlog::debug("Protocol error ({}) from client: id={} addr={}", s.parser.error(), s.client.id,
                    s.client.addr);
      RespWriter(&out, s.client.protocol).Error(s.parser.error());
      s.client.close_after_reply = true;
      return len;
    }
    if (HeldByPause(s, s.argv)) {
      if (!s.retry_scheduled) {
        s.retry_scheduled = true;
        s.self->delayed_send(s.self, std::chrono::milliseconds(kPauseRetryMs), resume_atom_v);
      }
      s.parser.Reset();
      break;
    }
    Execute(s, out);
    pos += consumed;
    limits.auth_required = !s.client.authenticated;
  }
  return pos;
}

// Ends a block: the client may run its next commands (after this handler).
void ResumeAfterBlock(Session& s) {
  s.client.blocked = false;
  s.client.unblock = nullptr;
  caf::anon_send(caf::actor_cast<caf::actor>(s.self), resume_atom_v);
}

// The timeout of a command blocked with rerun_on_timeout (WAIT): it runs
// once more, told so, and writes its own final reply.
void RerunTimedOut(Session& s) {
  std::vector<std::string_view> argv(s.blocked_argv.begin(), s.blocked_argv.end());
  RespWriter writer(&s.self->wr_buf(s.hdl), s.client.protocol);
  s.keyspace().UpdateTime();
  CommandContext ctx{argv, writer, s.client, s.keyspace(), s.server()};
  ctx.session = &s;
  ctx.block_timed_out = true;
  CommandTable::Instance().Dispatch(ctx);
}

void WriteBlockTimeoutReply(Session& s) {
  if (s.blocked_rerun_on_timeout) {
    RerunTimedOut(s);
    return;
  }
  RespWriter w(&s.self->wr_buf(s.hdl), s.client.protocol);
  if (s.blocked_null_array)
    w.NullArray();
  else
    w.Null();
}

// Re-runs the parked command (BlockingRegistry::ServeReadyKeys, from the
// session whose command wrote the key, on this same thread): the reply goes
// to this client's connection. Returns true when it was served.
bool RetryBlocked(Session& s) {
  if (s.closed) return true;
  std::vector<std::string_view> argv(s.blocked_argv.begin(), s.blocked_argv.end());
  RespWriter writer(&s.self->wr_buf(s.hdl), s.client.protocol);
  s.keyspace().UpdateTime();
  CommandContext ctx{argv, writer, s.client, s.keyspace(), s.server()};
  ctx.session = &s;
  s.in_retry = true;
  s.reblocked = false;
  CommandTable::Instance().Dispatch(ctx);
  s.in_retry = false;
  if (s.reblocked) return false;
  if (s.server().aof != nullptr) s.server().aof->BeforeReplies();
  FlushOut(s);
  ResumeAfterBlock(s);
  return true;
}

void Session::BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
                      bool rerun_on_timeout) {
  if (in_retry) {  // still nothing to take: stay parked, in the same place
    reblocked = true;
    return;
  }
  blocked.client_id = client.id;
  blocked.db = client.db;
  blocked.keys = keys;
  blocked_argv.assign(argv.begin(), argv.end());
  blocked_null_array = null_array;
  blocked_rerun_on_timeout = rerun_on_timeout;
  Session* self_session = this;
  blocked.retry = [self_session] { return RetryBlocked(*self_session); };
  server().blocking->Block(&blocked);
  client.blocked = true;
  client.unblock = [self_session](bool as_error) {
    Session& s = *self_session;
    if (!s.blocked.active) return;
    s.server().blocking->Unblock(&s.blocked);
    if (as_error)
      RespWriter(&s.self->wr_buf(s.hdl), s.client.protocol).Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
      WriteBlockTimeoutReply(s);
    FlushOut(s);
    ResumeAfterBlock(s);
  };
  ++block_seq;
  if (timeout_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(timeout_ms), block_timeout_atom_v, block_seq);
}

// Writes a MONITOR line or pub/sub frame, closing a client that stopped
// reading once its backlog passes the limit.
void DeliverFrame(Session& s, const std::string& frame) {
  if (s.closed) return;
  if (s.unsent_bytes + frame.size() > kStreamOutputLimit) {
    spdlog::warn("Client id={} addr={} closed for overcoming of output buffer limits.", s.client.id,
                 s.client.addr);
    s.server().stats.client_output_buffer_limit_disconnections++;
    s.self->wr_buf(s.hdl).clear();
    Close(s);
    return;
  }
  s.self->write(s.hdl, frame.size(), frame.data());
  FlushOut(s);
}

void AdaptReadChunk(Session& s, size_t got) {
  size_t chunk = s.read_chunk;
  if (got >= chunk) {
    chunk = std::min(chunk * 2, kMaxReadChunk);
    s.small_reads = 0;
  } else if (got < chunk / 8 && ++s.small_reads >= kSmallReadsBeforeShrink) {
    chunk = std::max(chunk / 2, kMinReadChunk);
    s.small_reads = 0;
  }
  if (chunk != s.read_chunk) {
    s.read_chunk = chunk;
    s.self->configure_read(s.hdl, caf::io::receive_policy::at_most(chunk));
  }
}

// Handles newly arrived bytes (or, with empty `fresh`, retries held ones).
void OnBytes(Session& s, const char* fresh, size_t fresh_len) {
  ServerContext& server = s.server();
  const char* data;
  size_t len;
  bool from_pending = !s.pending.empty() || fresh_len == 0;
  if (from_pending) {
    s.pending.insert(s.pending.end(), fresh, fresh + fresh_len);
    data = s.pending.data();
    len = s.pending.size();
  } else {
    data = fresh;
    len = fresh_len;
  }
  if (static_cast<int64_t>(len) > server.options().client_query_buffer_limit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} (qbuf "
                 "initial bytes: {})",
                 s.client.id, s.client.addr, len);
    server.stats.client_query_buffer_limit_disconnections++;
    s.self->wr_buf(s.hdl).clear();
    Close(s);
    return;
  }
  size_t used = ProcessBuffer(s, data, len);
  if (from_pending) {
    s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<long>(used));
  } else if (used < len) {
    s.pending.assign(data + used, data + len);
    size_t big = s.parser.pending_bulk_bytes();
    if (big > kMaxReadChunk) s.pending.reserve(std::min<size_t>(big + 64, static_cast<size_t>(server.options().proto_max_bulk_len) + 64));
  }
  s.client.query_buffer_bytes = s.pending.size();
  s.client.query_buffer_free = s.pending.capacity() - s.pending.size();
  auto& out = s.self->wr_buf(s.hdl);
  server.stats.total_net_output_bytes += out.size();
  if (s.client.close_asap) {
    out.clear();
    Close(s);
    return;
  }
  if (!out.empty()) {
    // The AOF is written (and, with appendfsync always, fsynced) before
    // any reply acknowledging those writes leaves.
    if (server.aof != nullptr) server.aof->BeforeReplies();
    server.stats.total_writes_processed++;
    FlushOut(s);
  }
  if (s.client.close_after_reply) Close(s);
}

}  // namespace

caf::behavior ClientSession(caf::io::broker* self, caf::io::connection_handle hdl, SessionDeps deps) {
  auto s = std::make_shared<Session>();
  s->self = self;
  s->hdl = hdl;
  s->deps = deps;
  ServerContext& server = *deps.server;
  ClientState& c = s->client;
  c.id = server.NewClientId();
  c.addr = self->remote_addr(hdl) + ":" + std::to_string(self->remote_port(hdl));
  c.laddr = deps.laddr;
  c.created_ms = c.last_interaction_ms = server.clock().UnixMs();
  c.authenticated = server.options().requirepass.empty();
  caf::actor_addr addr = self->address();
  c.kill = [addr] {
    if (auto h = caf::actor_cast<caf::actor>(addr)) caf::anon_send(h, kill_atom_v);
  };
  c.push = [addr](std::string frame) {
    if (auto h = caf::actor_cast<caf::actor>(addr)) caf::anon_send(h, push_atom_v, std::move(frame));
  };
  // The replication stream and RDB transfers to a replica, written now (same
  // thread, through FlushOut: straight to the socket when nothing waits);
  // the backlog of unsent bytes is tracked for the output limit.
  Session* raw = s.get();
  c.send_raw = [raw](std::string_view bytes) {
    if (raw->closed) return;
    raw->server().stats.total_net_repl_output_bytes += bytes.size();
    auto& buf = raw->self->wr_buf(raw->hdl);
    buf.insert(buf.end(), bytes.begin(), bytes.end());
    FlushOut(*raw);
  };
  server.clients[c.id] = &c;
  server.stats.total_connections_received++;
  self->configure_read(hdl, caf::io::receive_policy::at_most(kMinReadChunk));
  self->attach_functor([s] { Unregister(*s); });

  return {
      [s](const caf::io::new_data_msg& msg) {
        s->deps.server->stats.total_net_input_bytes += msg.buf.size();
        s->deps.server->stats.total_reads_processed++;
        if (s->closed) return;
        AdaptReadChunk(*s, msg.buf.size());
        OnBytes(*s, msg.buf.data(), msg.buf.size());
      },
      [s](const caf::io::connection_closed_msg&) {
        s->closed = true;
        Unregister(*s);
        s->self->quit();
      },
      [s](resume_atom) {
        s->retry_scheduled = false;
        if (!s->closed && !s->pending.empty()) OnBytes(*s, nullptr, 0);
      },
      [s](kill_atom) {
        s->self->wr_buf(s->hdl).clear();
        Close(*s);
      },
      [s](monitor_atom, const std::string& line) { DeliverFrame(*s, line); },
      [s](block_timeout_atom, uint64_t seq) {
        if (s->closed || !s->blocked.active || seq != s->block_seq) return;
        s->server().blocking->Unblock(&s->blocked);
        WriteBlockTimeoutReply(*s);
        FlushOut(*s);
        ResumeAfterBlock(*s);
      },
      [s](push_atom, const std::string& frame) { DeliverFrame(*s, frame); },
      [s](const caf::io::data_transferred_msg& msg) {
        s->unsent_bytes = msg.remaining;
        s->client.output_bytes = msg.remaining;
        s->client.unsent_bytes = msg.remaining;
      },
  };
}

}  // namespace troupe
