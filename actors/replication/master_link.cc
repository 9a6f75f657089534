// The MasterLink broker (see master_link.h): the network edge of
// ReplicaLink. It connects through net/connector.h (off the I/O thread),
// adopts the socket, and turns CAF's messages into ReplicaLink events.
#include "actors/replication/master_link.h"

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <memory>

#include "actors/replication/replica_link.h"
#include "actors/type_ids.h"
#include "net/connector.h"

namespace troupe {
namespace {

constexpr int64_t kTickMs = 1000;

class BrokerLinkIo final : public MasterLinkIo {
 public:
  explicit BrokerLinkIo(caf::io::broker* self) : self_(self) {}

  void Connect(const std::string& host, int port, int64_t timeout_ms) override {
    ConnectAsync(caf::actor_cast<caf::actor>(self_), host, port, timeout_ms);
  }
  void Write(std::string_view bytes) override {
    if (!connected_) return;
    auto& buf = self_->wr_buf(hdl_);
    buf.insert(buf.end(), bytes.begin(), bytes.end());
    self_->flush(hdl_);
  }
  void Close() override {
    if (!connected_) return;
    self_->close(hdl_);
    connected_ = false;
  }
  void SetReadSize(size_t bytes) override {
    if (connected_) self_->configure_read(hdl_, caf::io::receive_policy::at_most(bytes));
  }
  void RequestKill() override { caf::anon_send(caf::actor_cast<caf::actor>(self_), kill_atom_v); }

  void Adopt(int fd) {
    hdl_ = self_->add_scribe(fd);
    connected_ = true;
  }
  bool Owns(caf::io::connection_handle hdl) const { return connected_ && hdl == hdl_; }
  void Lost() { connected_ = false; }

 private:
  caf::io::broker* self_;
  caf::io::connection_handle hdl_;
  bool connected_ = false;
};

struct Edge {
  std::unique_ptr<BrokerLinkIo> io;
  std::unique_ptr<ReplicaLink> link;
};

}  // namespace

caf::behavior MasterLink(caf::io::broker* self, Keyspace* keyspace, ServerContext* server,
                         Replication* replication, std::string host, int port) {
  auto e = std::make_shared<Edge>();
  e->io = std::make_unique<BrokerLinkIo>(self);
  e->link = std::make_unique<ReplicaLink>(keyspace, server, replication, std::move(host), port, e->io.get());
  e->link->Start();
  self->delayed_send(self, std::chrono::milliseconds(kTickMs), repl_tick_atom_v);
  self->attach_functor([e] { e->link.reset(); });
  return {
      [e](connect_result_atom, int32_t fd, const std::string& error) {
        if (!e->link || !e->link->connecting()) {
          if (fd >= 0) ::close(fd);
          return;
        }
        if (fd < 0) {
          e->link->OnConnectFailed(error);
          return;
        }
        e->io->Adopt(fd);
        e->link->OnConnected();
      },
      [e](const caf::io::new_data_msg& msg) {
        if (e->link && e->io->Owns(msg.handle)) e->link->OnData(msg.buf.data(), msg.buf.size());
      },
      [e](const caf::io::connection_closed_msg& msg) {
        if (!e->link || !e->io->Owns(msg.handle)) return;
        e->io->Lost();
        e->link->OnClosed();
      },
      [e](kill_atom) {
        if (e->link) e->link->OnKill();
      },
      [self, e](repl_tick_atom) {
        if (e->link) e->link->Tick();
        self->delayed_send(self, std::chrono::milliseconds(kTickMs), repl_tick_atom_v);
      },
  };
}

}  // namespace troupe
