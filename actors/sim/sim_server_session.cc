// A simulated server node's client connection (see sim_server_session.h);
// the flow follows net/client_session.cc.
#include "actors/sim/sim_server_session.h"

#include "actors/node/server_context.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "net/resp_writer.h"

namespace troupe {

SimSession::SimSession(Env env, const std::string& peer_addr) : env_(std::move(env)) {
  ServerContext& server = *env_.server;
  client_.id = server.NewClientId();
  client_.addr = peer_addr;
  client_.laddr = "127.0.0.1:" + std::to_string(server.port);
  client_.created_ms = client_.last_interaction_ms = server.clock().UnixMs();
  client_.authenticated = server.options().requirepass.empty();
  client_.kill = [this] {
    if (closing_) return;
    closing_ = true;
    env_.close();
  };
  client_.push = [this](std::string frame) {
    if (!closing_) env_.send(frame);
  };
  client_.send_raw = [this](std::string_view bytes) {
    if (!closing_) env_.send(bytes);
  };
  server.clients[client_.id] = &client_;
  server.stats.total_connections_received++;
}

SimSession::~SimSession() {
  ServerContext& server = *env_.server;
  if (server.blocking != nullptr) server.blocking->Unblock(&blocked_);
  if (server.clients.erase(client_.id) == 0) return;
  for (auto& hook : server.on_client_closed) hook(client_);
}

void SimSession::Send(const std::vector<char>& out) {
  if (!out.empty() && !closing_) env_.send(std::string_view(out.data(), out.size()));
}

void SimSession::OnBytes(std::string_view bytes) {
  if (closing_) return;
  in_.append(bytes.data(), bytes.size());
  ProcessInput();
}

void SimSession::ProcessInput() {
  RespParser::Limits limits;
  limits.proto_max_bulk_len = env_.server->options().proto_max_bulk_len;
  size_t pos = 0;
  // Bounded: every round consumes a command (or stops).
  while (pos < in_.size() && !closing_ && !client_.blocked && !client_.close_after_reply && !client_.close_asap) {
    limits.auth_required = !client_.authenticated;
    size_t consumed = 0;
    auto outcome = parser_.Next(in_.data() + pos, in_.size() - pos, limits, &consumed, &argv_);
    if (outcome == RespParser::Outcome::kNeedMore) break;
    if (outcome == RespParser::Outcome::kError) {
      env_.send("-" + parser_.error() + "\r\n");
      in_.clear();
      closing_ = true;
      env_.close();
      return;
    }
    Execute();
    pos += consumed;
  }
  in_.erase(0, pos);
  if ((client_.close_after_reply || client_.close_asap) && !closing_) {
    closing_ = true;
    env_.close();
  }
}

void SimSession::Execute() {
  Keyspace& ks = *env_.keyspace;
  ServerContext& server = *env_.server;
  ks.UpdateTime();
  client_.last_interaction_ms = ks.now_ms();
  client_.commands++;
  bool was_replica = client_.is_replica;
  std::vector<char> out;
  RespWriter writer(&out, client_.protocol);
  CommandContext ctx{argv_, writer, client_, ks, server};
  ctx.session = this;
  CommandTable::Instance().Dispatch(ctx);
  // Clients blocked on what this command wrote (or WAIT, woken by an ACK)
  // are served before anything else runs, as in the real session.
  if (server.blocking != nullptr && server.blocking->has_ready_keys()) server.blocking->ServeReadyKeys();
  // A replica's connection carries the replication stream, never replies.
  if (was_replica && client_.is_replica) out.clear();
  if (env_.filter_info && !out.empty() && !argv_.empty() && argv_[0].size() == 4 &&
      (argv_[0][0] | 0x20) == 'i' && (argv_[0][1] | 0x20) == 'n' && (argv_[0][2] | 0x20) == 'f' &&
      (argv_[0][3] | 0x20) == 'o') {
    std::string reply(out.begin(), out.end());
    env_.filter_info(&reply);
    if (!closing_) env_.send(reply);
    return;
  }
  Send(out);
}

void SimSession::BlockOn(const std::vector<std::string>& keys, int64_t timeout_ms, bool null_array,
                         bool rerun_on_timeout) {
  if (in_retry_) {  // still nothing: stay parked in the same place
    reblocked_ = true;
    return;
  }
  blocked_.client_id = client_.id;
  blocked_.db = client_.db;
  blocked_.keys = keys;
  blocked_argv_.assign(argv_.begin(), argv_.end());
  blocked_null_array_ = null_array;
  blocked_rerun_on_timeout_ = rerun_on_timeout;
  blocked_.retry = [this] { return RetryBlocked(); };
  env_.server->blocking->Block(&blocked_);
  client_.blocked = true;
  client_.unblock = [this](bool as_error) {
    if (!blocked_.active) return;
    env_.server->blocking->Unblock(&blocked_);
    std::vector<char> out;
    RespWriter w(&out, client_.protocol);
    if (as_error)
      w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else if (blocked_null_array_)
      w.NullArray();
    else
      w.Null();
    Send(out);
    ResumeAfterBlock();
  };
  ++block_seq_;
  if (timeout_ms > 0) {
    uint64_t seq = block_seq_;
    std::weak_ptr<int> alive = alive_;
    env_.later(timeout_ms, [this, alive, seq] {
      if (!alive.expired()) TimedOut(seq);
    });
  }
}

bool SimSession::RetryBlocked() {
  if (closing_) return true;
  std::vector<std::string_view> argv(blocked_argv_.begin(), blocked_argv_.end());
  std::vector<char> out;
  RespWriter writer(&out, client_.protocol);
  env_.keyspace->UpdateTime();
  CommandContext ctx{argv, writer, client_, *env_.keyspace, *env_.server};
  ctx.session = this;
  in_retry_ = true;
  reblocked_ = false;
  CommandTable::Instance().Dispatch(ctx);
  in_retry_ = false;
  if (reblocked_) return false;
  Send(out);
  ResumeAfterBlock();
  return true;
}

void SimSession::TimedOut(uint64_t seq) {
  if (closing_ || !blocked_.active || seq != block_seq_) return;
  env_.server->blocking->Unblock(&blocked_);
  std::vector<char> out;
  RespWriter writer(&out, client_.protocol);
  if (blocked_rerun_on_timeout_) {
    // WAIT: one more run, told it timed out, writes the final reply.
    std::vector<std::string_view> argv(blocked_argv_.begin(), blocked_argv_.end());
    env_.keyspace->UpdateTime();
    CommandContext ctx{argv, writer, client_, *env_.keyspace, *env_.server};
    ctx.session = this;
    ctx.block_timed_out = true;
    CommandTable::Instance().Dispatch(ctx);
  } else if (blocked_null_array_) {
    writer.NullArray();
  } else {
    writer.Null();
  }
  Send(out);
  ResumeAfterBlock();
}

// The client runs its next commands, after the current event (as the real
// session's resume message).
void SimSession::ResumeAfterBlock() {
  client_.blocked = false;
  client_.unblock = nullptr;
  std::weak_ptr<int> alive = alive_;
  env_.later(0, [this, alive] {
    if (!alive.expired() && !closing_ && !client_.blocked) ProcessInput();
  });
}

}  // namespace troupe
