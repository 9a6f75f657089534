// The simulated client (see sim_workload.h).
#include "actors/sim/sim_workload.h"

namespace troupe {

SimClient::SimClient(SimLoop* loop, SimNetwork* net, SimTrace* trace, const SimOptions* options,
                     const std::vector<std::unique_ptr<SimSentinel>>* sentinels)
    : loop_(loop), net_(net), trace_(trace), options_(options), sentinels_(sentinels) {}

void SimClient::Start(int port) {
  id_ = net_->AddNode("client", port, this);
  loop_->After(options_->write_interval_ms, [this] { WriteOne(); });
}

void SimClient::WriteOne() {
  if (stopped_) return;
  loop_->After(options_->write_interval_ms, [this] { WriteOne(); });
  std::vector<SimSentinel*> reachable;
  for (auto& s : *sentinels_)
    if (net_->Reachable(id_, s->id())) reachable.push_back(s.get());
  if (reachable.empty()) return;
  SimSentinel* s = reachable[loop_->rng()() % reachable.size()];
  int port = 0;
  int64_t epoch = 0;
  if (!s->CurrentMaster(&port, &epoch)) return;
  Conn& c = conns_[port];
  if (c.id == 0) {
    c.id = net_->Connect(id_, "127.0.0.1", port);
    return;  // this write is skipped; the next ones use the connection
  }
  if (!c.connected || static_cast<int>(c.inflight.size()) >= options_->max_inflight_writes) return;
  uint64_t i = next_key_++;
  std::string key = "key:" + std::to_string(i), value = std::to_string(i);
  ++attempted_;
  net_->Send(c.id, id_, SimMessage{SimMessage::Kind::kRequest, true, {"SET", key, value}});
  c.inflight.emplace_back(key, value);
}

SimClient::Conn* SimClient::ByConn(ConnId conn, int* port) {
  for (auto& [p, c] : conns_)
    if (c.id == conn) {
      *port = p;
      return &c;
    }
  return nullptr;
}

void SimClient::OnConnected(ConnId conn, bool ok) {
  int port = 0;
  Conn* c = ByConn(conn, &port);
  if (c == nullptr) return;
  if (!ok) {
    conns_.erase(port);
    return;
  }
  c->connected = true;
}

void SimClient::OnMessage(ConnId conn, const SimMessage& msg) {
  int port = 0;
  Conn* c = ByConn(conn, &port);
  if (c == nullptr || c->inflight.empty() || msg.kind != SimMessage::Kind::kReply) return;
  auto [key, value] = std::move(c->inflight.front());
  c->inflight.pop_front();
  if (msg.ok)
    acked_.push_back(Ack{key, value, port, loop_->now_ms()});
  else
    ++errors_;
}

void SimClient::OnClosed(ConnId conn) {
  int port = 0;
  Conn* c = ByConn(conn, &port);
  if (c == nullptr) return;
  indeterminate_ += c->inflight.size();
  conns_.erase(port);
}

}  // namespace troupe
