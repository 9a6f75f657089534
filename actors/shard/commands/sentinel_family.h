// What the SENTINEL command family (sentinel_family.cc) offers the rest of
// the command layer: the fields of INFO's "# Sentinel" section, which
// info_command.cc writes in sentinel mode. Multiplexer thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace troupe {

class SentinelState;

// sentinel_masters, sentinel_tilt, sentinel_tilt_since_seconds,
// sentinel_running_scripts, sentinel_scripts_queue_length,
// sentinel_simulate_failure_flags, then one
// masterN:name=...,status=ok|sdown|odown,address=ip:port,slaves=N,sentinels=N
// per master, as Redis 7.0's sentinelInfoCommand. `state` may be null (no
// sentinel wired): the counters are then zero.
std::vector<std::pair<std::string, std::string>> SentinelInfoFields(SentinelState* state, int64_t now_ms);

}  // namespace troupe
