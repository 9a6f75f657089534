// The sentinel broker (see sentinel.h).
#include "actors/sentinel/sentinel.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <deque>
#include <map>
#include <memory>

#include "actors/node/server_context.h"
#include "actors/sentinel/sentinel_state.h"
#include "actors/shard/propagation/propagation.h"
#include "actors/shard/pubsub/pubsub_registry.h"
#include "actors/type_ids.h"
#include "net/connector.h"
#include "net/resp_reply_parser.h"

namespace troupe {
namespace {

constexpr int64_t kTickMs = 100;
constexpr int64_t kReconnectPeriodMs = 1000;
constexpr int64_t kConnectTimeoutMs = 5000;
constexpr size_t kMaxInputBytes = 64u << 20;
const char kHelloChannel[] = "__sentinel__:hello";

struct Conn {
  SentinelInstance* ri = nullptr;
  bool pubsub = false;
  bool connected = false;
  bool connecting = false;
  uint64_t tag = 0;
  caf::io::connection_handle hdl;
  std::string in;
  std::deque<SentinelIo::Reply> pending;
  int64_t last_attempt_ms = -kReconnectPeriodMs;
};

struct Links {
  Conn cmd;
  Conn pub;
};

class BrokerIo final : public SentinelIo {
 public:
  BrokerIo(caf::io::broker* self, ServerContext* server, SentinelState* state)
      : self_(self), server_(server), state_(state) {}

  void Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) override {
    auto it = links_.find(&ri);
    if (it == links_.end() || !it->second->cmd.connected) return;
    Conn& c = it->second->cmd;
    Write(c, argv);
    c.pending.push_back(std::move(done));
    ri.link_pending_commands++;
  }

  void EnsureLinks(SentinelInstance& ri) override {
    auto& links = links_[&ri];
    if (!links) {
      links = std::make_unique<Links>();
      links->cmd.ri = links->pub.ri = &ri;
      links->pub.pubsub = true;
    }
    Connect(links->cmd);
    if (!ri.is_sentinel()) Connect(links->pub);
  }

  void CloseLinks(SentinelInstance& ri) override {
    auto it = links_.find(&ri);
    if (it == links_.end()) return;
    for (Conn* c : {&it->second->cmd, &it->second->pub}) {
      if (c->connected) {
        by_hdl_.erase(c->hdl);
        self_->close(c->hdl);
      }
      if (c->connecting) by_tag_.erase(c->tag);
    }
    ri.link_connected = ri.pubsub_connected = false;
    ri.link_pending_commands = 0;
    ri.info_pending = false;
    links_.erase(it);
  }

  void Publish(const std::string& channel, const std::string& message) override {
    if (server_->pubsub != nullptr) server_->pubsub->Publish(channel, message);
  }

  void FlushConfig() override {
    Status s = server_->config().Rewrite(state_->ConfigLines());
    if (!s.ok()) spdlog::warn("Sentinel config rewrite failed: {}", s.message());
  }

  void OnConnected(uint64_t tag, int fd, const std::string& error) {
    auto it = by_tag_.find(tag);
    if (it == by_tag_.end()) {
      if (fd >= 0) ::close(fd);
      return;
    }
    Conn& c = *it->second;
    by_tag_.erase(it);
    c.connecting = false;
    if (fd < 0) {
      spdlog::debug("Sentinel link to {} failed: {}", c.ri->addr(), error);
      return;
    }
    c.hdl = self_->add_scribe(fd);
    self_->configure_read(c.hdl, caf::io::receive_policy::at_most(16384));
    c.connected = true;
    c.in.clear();
    c.pending.clear();
    by_hdl_[c.hdl] = &c;
    SentinelInstance& ri = *c.ri;
    const SentinelInstance& master = ri.is_master() ? ri : *ri.master;
    auto ignore = [](bool, const std::vector<std::string>&) {};
    if (!ri.is_sentinel() && !master.auth_pass.empty()) {
      if (master.auth_user.empty())
        Write(c, {"AUTH", master.auth_pass});
      else
        Write(c, {"AUTH", master.auth_user, master.auth_pass});
      c.pending.push_back(ignore);
    }
    std::string id8 = state_->config().myid.substr(0, 8);
    Write(c, {"CLIENT", "SETNAME", "sentinel-" + id8 + (c.pubsub ? "-pubsub" : "-cmd")});
    c.pending.push_back(ignore);
    if (c.pubsub) {
      Write(c, {"SUBSCRIBE", kHelloChannel});
      ri.pubsub_connected = true;
    } else {
      state_->OnLinkUp(ri);
      ri.link_pending_commands = 0;
      // A PING right away, as Redis sends one on reconnection.
    }
  }

  void OnData(const caf::io::new_data_msg& msg) {
    auto it = by_hdl_.find(msg.handle);
    if (it == by_hdl_.end()) return;
    Conn& c = *it->second;
    c.in.append(msg.buf.data(), msg.buf.size());
    if (c.in.size() > kMaxInputBytes) {
      Drop(c, "too much unparsed input");
      return;
    }
    size_t pos = 0;
    RespReply reply;
    for (;;) {
      size_t consumed = 0;
      auto r = RespReplyParser::Parse(c.in.data() + pos, c.in.size() - pos, &consumed, &reply);
      if (r == RespReplyParser::Outcome::kNeedMore) break;
      if (r != RespReplyParser::Outcome::kReply) {
        Drop(c, "protocol error");
        return;
      }
      pos += consumed;
      if (c.pubsub) {
        // ["message", channel, payload]; subscription confirmations and
        // the CLIENT SETNAME reply are skipped.
        if (!c.pending.empty() && (reply.elements.size() != 3 || reply.elements[0] != "message") &&
            !(reply.elements.size() == 3 && reply.elements[0] == "subscribe")) {
          c.pending.pop_front();
          continue;
        }
        if (reply.elements.size() == 3 && reply.elements[0] == "message" && reply.elements[1] == kHelloChannel) {
          SentinelInstance* ri = c.ri;
          state_->OnHello(reply.elements[2]);
          // A hello may move the master (and close this very link).
          if (by_hdl_.find(msg.handle) == by_hdl_.end() || links_.find(ri) == links_.end()) return;
        }
        continue;
      }
      if (c.pending.empty()) continue;  // an unsolicited reply: ignore
      SentinelIo::Reply done = std::move(c.pending.front());
      c.pending.pop_front();
      if (c.ri->link_pending_commands > 0) c.ri->link_pending_commands--;
      // A callback may close this very link (CloseLinks): stop then.
      SentinelInstance* ri = c.ri;
      done(reply.ok, reply.elements);
      if (by_hdl_.find(msg.handle) == by_hdl_.end() || links_.find(ri) == links_.end()) return;
    }
    c.in.erase(0, pos);
  }

  void OnClosed(caf::io::connection_handle hdl) {
    auto it = by_hdl_.find(hdl);
    if (it == by_hdl_.end()) return;
    Conn& c = *it->second;
    by_hdl_.erase(it);
    MarkDown(c);
  }

 private:
  void Write(Conn& c, const std::vector<std::string>& argv) {
    std::string out;
    AppendRespArray(&out, argv);
    auto& buf = self_->wr_buf(c.hdl);
    buf.insert(buf.end(), out.begin(), out.end());
    self_->flush(c.hdl);
  }

  void Connect(Conn& c) {
    if (c.connected || c.connecting) return;
    int64_t now = server_->clock().UnixMs();
    if (now - c.last_attempt_ms < kReconnectPeriodMs) return;
    c.last_attempt_ms = now;
    c.connecting = true;
    c.tag = ++next_tag_;
    by_tag_[c.tag] = &c;
    ConnectAsyncTagged(caf::actor_cast<caf::actor>(self_), c.ri->host, c.ri->port, kConnectTimeoutMs, c.tag);
  }

  void MarkDown(Conn& c) {
    c.connected = false;
    c.in.clear();
    c.pending.clear();
    if (c.pubsub)
      c.ri->pubsub_connected = false;
    else
      state_->OnLinkDown(*c.ri);
  }

  void Drop(Conn& c, const char* why) {
    spdlog::warn("Closing the sentinel link to {}: {}", c.ri->addr(), why);
    by_hdl_.erase(c.hdl);
    self_->close(c.hdl);
    MarkDown(c);
  }

  caf::io::broker* self_;
  ServerContext* server_;
  SentinelState* state_;
  std::map<SentinelInstance*, std::unique_ptr<Links>> links_;
  std::map<caf::io::connection_handle, Conn*> by_hdl_;
  std::map<uint64_t, Conn*> by_tag_;
  uint64_t next_tag_ = 0;
};

}  // namespace

caf::behavior Sentinel(caf::io::broker* self, ServerContext* server, SentinelState* state) {
  auto io = std::make_shared<BrokerIo>(self, server, state);
  state->set_io(io.get());
  self->attach_functor([state] { state->set_io(nullptr); });
  self->delayed_send(self, std::chrono::milliseconds(kTickMs), repl_tick_atom_v);
  return {
      [io](connect_result_atom, int32_t fd, const std::string& error, uint64_t tag) {
        io->OnConnected(tag, fd, error);
      },
      [io](const caf::io::new_data_msg& msg) { io->OnData(msg); },
      [io](const caf::io::connection_closed_msg& msg) { io->OnClosed(msg.handle); },
      [self, state](repl_tick_atom) {
        state->Tick();
        self->delayed_send(self, std::chrono::milliseconds(kTickMs), repl_tick_atom_v);
      },
  };
}

}  // namespace troupe
