// The cluster bus edge broker (see cluster_bus_edge.h).
#include "actors/cluster/cluster_bus_edge.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "actors/cluster/cluster_bus.h"
#include "actors/node/server_context.h"
#include "actors/type_ids.h"
#include "net/connector.h"
#include "proto/cluster_bus.pb.h"

namespace troupe {
namespace {

constexpr int64_t kConnectTimeoutMs = 5000;
// A frame longer than this closes the link: even 4096 nodes' gossip with a
// slot bitmap fits well below it.
constexpr uint32_t kMaxFrameBytes = 4u << 20;
constexpr size_t kMaxReadChunk = 64 * 1024;
// Connections the bus port accepts at most (each node keeps one link to
// every other node, so this is far above any real cluster's need).
constexpr size_t kMaxInboundLinks = 2048;

// The local address of a connected socket, "" when unknown.
std::string LocalIp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof(buf));
  } else if (ss.ss_family == AF_INET6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
      inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], buf, sizeof(buf));
    else
      inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

std::string StripV4Mapped(std::string ip) {
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) return ip.substr(7);
  return ip;
}

class EdgeIo final : public ClusterBusIo {
 public:
  explicit EdgeIo(caf::io::broker* self) : self_(self) {}

  void Connect(BusLinkId link, const std::string& ip, int cport) override {
    ConnectAsyncTagged(caf::actor_cast<caf::actor>(self_), ip, cport, kConnectTimeoutMs, link);
  }

  void Send(BusLinkId link, const cluster::bus::BusMessage& msg) override {
    auto it = hdl_of_.find(link);
    if (it == hdl_of_.end()) return;
    std::string body;
    if (!msg.SerializeToString(&body)) return;
    uint32_t n = htonl(static_cast<uint32_t>(body.size()));
    auto& buf = self_->wr_buf(it->second);
    const char* len = reinterpret_cast<const char*>(&n);
    buf.insert(buf.end(), len, len + 4);
    buf.insert(buf.end(), body.begin(), body.end());
    self_->flush(it->second);
  }

  void Close(BusLinkId link) override {
    auto it = hdl_of_.find(link);
    if (it == hdl_of_.end()) return;
    self_->close(it->second);
    conns_.erase(it->second);
    hdl_of_.erase(it);
    inbound_.erase(link);
  }

  size_t inbound_links() const { return inbound_.size(); }

  // A link is a connected socket: adopt it.
  caf::io::connection_handle Adopt(BusLinkId link, caf::io::connection_handle hdl, bool inbound = false) {
    if (inbound) inbound_.insert(link);
    hdl_of_[link] = hdl;
    conns_[hdl] = Conn{link, {}};
    self_->configure_read(hdl, caf::io::receive_policy::at_most(kMaxReadChunk));
    return hdl;
  }

  // Bytes arrived on `hdl`: the complete frames, in order, or false when
  // the link must be closed (the reason in *why).
  bool Frames(caf::io::connection_handle hdl, const char* data, size_t size, BusLinkId* link,
              std::vector<cluster::bus::BusMessage>* out, std::string* why) {
    auto it = conns_.find(hdl);
    if (it == conns_.end()) return true;
    Conn& c = it->second;
    *link = c.link;
    c.in.append(data, size);
    size_t pos = 0;
    while (c.in.size() - pos >= 4) {
      uint32_t n;
      std::memcpy(&n, c.in.data() + pos, 4);
      n = ntohl(n);
      if (n > kMaxFrameBytes) {
        *why = "frame of " + std::to_string(n) + " bytes exceeds the limit";
        return false;
      }
      if (c.in.size() - pos - 4 < n) break;
      cluster::bus::BusMessage msg;
      if (!msg.ParseFromArray(c.in.data() + pos + 4, static_cast<int>(n))) {
        *why = "frame does not parse";
        return false;
      }
      out->push_back(std::move(msg));
      pos += 4 + n;
    }
    c.in.erase(0, pos);
    return true;
  }

  bool Known(caf::io::connection_handle hdl, BusLinkId* link) const {
    auto it = conns_.find(hdl);
    if (it == conns_.end()) return false;
    *link = it->second.link;
    return true;
  }

  void Forget(caf::io::connection_handle hdl) {
    auto it = conns_.find(hdl);
    if (it == conns_.end()) return;
    hdl_of_.erase(it->second.link);
    inbound_.erase(it->second.link);
    conns_.erase(it);
  }

 private:
  struct Conn {
    BusLinkId link;
    std::string in;
  };
  caf::io::broker* self_;
  std::map<BusLinkId, caf::io::connection_handle> hdl_of_;
  std::map<caf::io::connection_handle, Conn> conns_;
  std::set<BusLinkId> inbound_;
};

struct EdgeState {
  std::unique_ptr<EdgeIo> io;
  std::unique_ptr<ClusterBus> bus;
  BusLinkId next_inbound = 0;
};

}  // namespace

caf::behavior ClusterBusEdge(caf::io::broker* self, ServerContext* server, std::vector<ListenSocket> sockets) {
  auto st = std::make_shared<EdgeState>();
  st->io = std::make_unique<EdgeIo>(self);
  st->bus = std::make_unique<ClusterBus>(server->cluster, &server->clock(), st->io.get(), server->cluster_hooks,
                                         std::random_device{}());
  server->cluster_bus = st->bus.get();
  self->attach_functor([server, st] {
    server->cluster_bus = nullptr;
    st->bus.reset();
  });
  for (const ListenSocket& s : sockets) self->add_doorman(s.fd);
  self->delayed_send(self, std::chrono::milliseconds(ClusterBus::kCronPeriodMs), cron_atom_v);

  auto handle_data = [self, st](const caf::io::new_data_msg& msg) {
    BusLinkId link = 0;
    std::vector<cluster::bus::BusMessage> frames;
    std::string why;
    if (!st->io->Frames(msg.handle, msg.buf.data(), msg.buf.size(), &link, &frames, &why)) {
      spdlog::warn("Closing the cluster bus link from {}: {}", self->remote_addr(msg.handle), why);
      st->io->Close(link);
      st->bus->OnClosed(link);
      return;
    }
    for (const auto& f : frames) {
      st->bus->OnMessage(link, f);
      if (!st->io->Known(msg.handle, &link)) return;  // the bus closed the link
    }
  };
  return {
      [self, st](const caf::io::new_connection_msg& msg) {
        // Inbound ids count up from 1; the bus numbers its outbound links
        // from 2^62, so the two never meet.
        if (st->io->inbound_links() >= kMaxInboundLinks) {
          spdlog::warn("Refusing a cluster bus connection from {}: {} links already open",
                       self->remote_addr(msg.handle), st->io->inbound_links());
          self->close(msg.handle);
          return;
        }
        BusLinkId link = ++st->next_inbound;
        st->io->Adopt(link, msg.handle, true);
        int fd = static_cast<int>(msg.handle.id());
        st->bus->OnInbound(link, StripV4Mapped(self->remote_addr(msg.handle)), LocalIp(fd));
      },
      [self, st](connect_result_atom, int32_t fd, const std::string& error, uint64_t link) {
        if (fd < 0) {
          st->bus->OnConnectFailed(link, error);
          return;
        }
        std::string local = LocalIp(fd);
        st->io->Adopt(link, self->add_scribe(fd));
        st->bus->OnConnected(link, local);
      },
      handle_data,
      [st](const caf::io::connection_closed_msg& msg) {
        BusLinkId link = 0;
        if (!st->io->Known(msg.handle, &link)) return;
        st->io->Forget(msg.handle);
        st->bus->OnClosed(link);
      },
      [](const caf::io::acceptor_closed_msg&) {},
      [self, st](cron_atom) {
        st->bus->Cron();
        self->delayed_send(self, std::chrono::milliseconds(ClusterBus::kCronPeriodMs), cron_atom_v);
      },
  };
}

}  // namespace troupe
