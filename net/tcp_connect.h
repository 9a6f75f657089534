// TCP connects with a deadline, without CAF: resolve the name, connect each
// address with a non-blocking socket and poll for at most `timeout_ms`.
// The socket is returned non-blocking with TCP_NODELAY set. Used by the
// connector (off the multiplexer thread, for brokers) and by MIGRATE (on the
// command's thread, bounded by its timeout, as Redis's MIGRATE blocks).
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

// The connected socket, or -1 with *error set.
int ConnectWithTimeout(const std::string& host, int port, int64_t timeout_ms, std::string* error);

}  // namespace troupe
