// The replication scenario's client (see sim_repl_client.h).
#include "actors/sim/sim_repl_client.h"

#include <cstdlib>

#include "actors/shard/propagation/propagation.h"
#include "net/resp_reply_parser.h"

namespace troupe {
namespace {
constexpr int64_t kReconnectMs = 1000;  // at most one connect a second
}  // namespace

SimReplClient::SimReplClient(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                             int master_port, int replicas)
    : loop_(loop), net_(net), trace_(trace), options_(options), master_port_(master_port), replicas_(replicas) {}

void SimReplClient::Start(int port) {
  id_ = net_->AddNode("client", port, this);
  loop_->After(options_->write_interval_ms, [this] { Tick(); });
}

void SimReplClient::Send(const std::vector<std::string>& argv, Expect expect) {
  std::string out;
  AppendRespArray(&out, argv);
  net_->Send(conn_, id_, SimMessage{std::move(out)});
  expect_.push_back(std::move(expect));
}

void SimReplClient::Tick() {
  if (stopped_) return;
  loop_->After(options_->write_interval_ms, [this] { Tick(); });
  if (resolve_) {
    int port = resolve_();
    if (port == 0) return;
    if (port != master_port_) {
      if (conn_ != 0) {
        trace_->Add(loop_->now_ms(), "client: the master is now at " + std::to_string(port) + ", closing #" +
                                         std::to_string(conn_) + " to " + std::to_string(master_port_));
        net_->Close(conn_, id_);
        Lost();
      }
      master_port_ = port;
    }
  }
  if (conn_ == 0) {
    if (loop_->now_ms() - last_connect_ms_ < kReconnectMs) return;
    last_connect_ms_ = loop_->now_ms();
    conn_ = net_->Connect(id_, "127.0.0.1", master_port_);
    return;
  }
  if (!connected_ || static_cast<int>(expect_.size()) >= options_->max_inflight_writes) return;
  size_t i = writes_.size();
  bool multi = options_->multi_every > 0 && ++rounds_ % static_cast<uint64_t>(options_->multi_every) == 0;
  if (multi) {
    writes_.push_back(Write{"key:" + std::to_string(i), std::to_string(i)});
    writes_.push_back(Write{"key:" + std::to_string(i + 1), std::to_string(i + 1)});
    Send({"MULTI"}, Expect{Expect::Kind::kMulti, {}});
    Send({"SET", writes_[i].key, writes_[i].value}, Expect{Expect::Kind::kQueued, {}});
    Send({"SET", writes_[i + 1].key, writes_[i + 1].value}, Expect{Expect::Kind::kQueued, {}});
    Send({"EXEC"}, Expect{Expect::Kind::kExec, {i, i + 1}});
  } else {
    writes_.push_back(Write{"key:" + std::to_string(i), std::to_string(i)});
    Send({"SET", writes_[i].key, writes_[i].value}, Expect{Expect::Kind::kSet, {i}});
  }
  if (options_->wait_every > 0 && ++since_wait_ >= static_cast<uint64_t>(options_->wait_every)) {
    since_wait_ = 0;
    Send({"WAIT", std::to_string(replicas_), std::to_string(options_->wait_timeout_ms)},
         Expect{Expect::Kind::kWait, {}});
  }
}

void SimReplClient::OnConnected(ConnId conn, bool ok) {
  if (conn != conn_) return;
  if (!ok) {
    conn_ = 0;
    return;
  }
  connected_ = true;
}

void SimReplClient::OnMessage(ConnId conn, const SimMessage& msg) {
  if (conn != conn_) return;
  in_ += msg.bytes;
  // Bounded: each round consumes one reply.
  while (!in_.empty()) {
    size_t consumed = 0;
    RespReply reply;
    auto outcome = RespReplyParser::Parse(in_.data(), in_.size(), &consumed, &reply);
    if (outcome == RespReplyParser::Outcome::kNeedMore) return;
    if (outcome != RespReplyParser::Outcome::kReply || expect_.empty()) {
      trace_->Add(loop_->now_ms(), "client protocol error from the master: closing");
      net_->Close(conn_, id_);
      Lost();
      return;
    }
    in_.erase(0, consumed);
    OnReply(reply);
  }
}

void SimReplClient::OnReply(const RespReply& reply) {
  Expect e = std::move(expect_.front());
  expect_.pop_front();
  auto ack = [this](size_t w) {
    writes_[w].acked_ms = loop_->now_ms();
    ++acked_;
    uncovered_.push_back(w);
  };
  switch (e.kind) {
    case Expect::Kind::kSet:
      if (reply.ok)
        ack(e.writes[0]);
      else
        ++errors_;
      break;
    case Expect::Kind::kMulti:
    case Expect::Kind::kQueued:
      break;  // a refused command shows in EXEC's reply (EXECABORT)
    case Expect::Kind::kExec:
      if (reply.ok && reply.elements.size() == e.writes.size()) {
        for (size_t w : e.writes) ack(w);
      } else {
        errors_ += e.writes.size();
      }
      break;
    case Expect::Kind::kWait: {
      long long n = reply.ok && !reply.elements.empty() ? std::atoll(reply.elements[0].c_str()) : -1;
      if (n >= replicas_) {
        ++waits_full_;
        for (size_t w : uncovered_) {
          writes_[w].wait_acked_ms = loop_->now_ms();
          ++wait_acked_;
        }
        uncovered_.clear();
      } else {
        ++waits_short_;
      }
      break;
    }
  }
}

void SimReplClient::Lost() {
  for (const Expect& e : expect_) indeterminate_ += e.writes.size();
  expect_.clear();
  uncovered_.clear();
  in_.clear();
  conn_ = 0;
  connected_ = false;
  since_wait_ = 0;
}

void SimReplClient::OnClosed(ConnId conn) {
  if (conn == conn_) Lost();
}

}  // namespace troupe
