// The configuration troupe-server uses when started without a config file:
// Redis's built-in defaults, except that it listens on loopback only (as
// Debian's stock redis.conf does). Command-line directives apply on top.
#pragma once

namespace troupe {

inline constexpr const char* kEmbeddedDefaultConfig =
    "bind 127.0.0.1 -::1\n"
    "port 6379\n";

}  // namespace troupe
