// ConnectAsync (see connector.h).
#include "net/connector.h"

#include <caf/send.hpp>
#include <thread>

#include "actors/type_ids.h"
#include "net/tcp_connect.h"

namespace troupe {

void ConnectAsyncTagged(caf::actor requester, std::string host, int port, int64_t timeout_ms, uint64_t tag) {
  std::thread([requester, host, port, timeout_ms, tag] {
    std::string error;
    int fd = ConnectWithTimeout(host, port, timeout_ms, &error);
    caf::anon_send(requester, connect_result_atom_v, static_cast<int32_t>(fd), error, tag);
  }).detach();
}

void ConnectAsync(caf::actor requester, std::string host, int port, int64_t timeout_ms) {
  std::thread([requester, host, port, timeout_ms] {
    std::string error;
    int fd = ConnectWithTimeout(host, port, timeout_ms, &error);
    caf::anon_send(requester, connect_result_atom_v, static_cast<int32_t>(fd), error);
  }).detach();
}

}  // namespace troupe
