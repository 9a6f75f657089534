// The versions Troupe reports. Clients and tools (redis-cli, redis-py,
// Sentinel) check redis_version to pick features, so Troupe reports the
// Redis version whose behaviour it implements, and its own version apart.
#pragma once

namespace troupe {

inline constexpr const char* kRedisVersion = "7.0.15";  // compatibility target
inline constexpr const char* kTroupeVersion = "0.1.0";  // this program

}  // namespace troupe
