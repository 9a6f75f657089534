// Connector: outbound TCP connections made off the multiplexer thread.
// CAF 0.17's add_tcp_scribe resolves and connects with blocking calls on the
// calling thread (notes/caf-0.17.md): from a broker that would stall every
// client of the node for as long as a dead peer takes to time out. So a
// short-lived helper thread resolves the name and connects with a
// non-blocking socket and its own timeout, then hands the connected socket
// to the requesting actor, which adopts it with add_scribe(fd).
//
// Who uses it: the replica's master link (and later sentinel monitors and
// cluster-bus peers). The reply is
//   (connect_result_atom, int32_t fd, std::string error)   fd = -1 on failure.
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
#include <string>

namespace troupe {

void ConnectAsync(caf::actor requester, std::string host, int port, int64_t timeout_ms);
// As ConnectAsync, for requesters with several connections: the reply is
//   (connect_result_atom, int32_t fd, std::string error, uint64_t tag).
void ConnectAsyncTagged(caf::actor requester, std::string host, int port, int64_t timeout_ms, uint64_t tag);

}  // namespace troupe
