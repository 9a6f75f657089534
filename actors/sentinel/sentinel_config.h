// Sentinel configuration: the `sentinel ...` lines of sentinel.conf read into
// a SentinelState (LoadSentinelConfig), and the checks they share with
// SENTINEL MONITOR / SET / CONFIG SET (instance addresses, yes/no values).
// SentinelState::ConfigLines(), the lines the config rewrite writes back in
// Redis 7.0's order, is defined in sentinel_config.cc too.
//
// Semantics and error texts are Redis 7.0.15's sentinelHandleConfiguration:
// the lines are applied in three passes (the global options that masters
// depend on, then every `monitor`, then everything else, each pass in file
// order), and the first failing line is reported as a fatal config error
// (FormatConfigFileError in actors/node/config.h).
//
// Who talks to it: main() loads the config before the actor system starts;
// the sentinel broker calls ConfigLines() for FLUSHCONFIG; the SENTINEL
// command family uses the checks. Threading: the thread that owns the
// SentinelState (the multiplexer thread once running). No CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/common/status.h"
#include "actors/node/config.h"
#include "actors/sentinel/sentinel_state.h"

namespace troupe {

// Redis 7.0's per-master defaults (sentinel.c); ConfigLines() writes a
// setting only when it differs from them.
constexpr int64_t kSentinelDefaultDownAfterMs = 30000;
constexpr int64_t kSentinelDefaultFailoverTimeoutMs = 180000;
constexpr int kSentinelDefaultParallelSyncs = 1;
constexpr size_t kSentinelMyIdLength = 40;

// Applies every `sentinel <option> ...` line of `raw` (other directives are
// skipped) to `state`. On the first bad line returns Redis's complete fatal
// report, e.g.
//   "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
//   "Reading the configuration file, at line 3\n"
//   ">>> 'sentinel down-after-milliseconds nosuch 5000'\n"
//   "No such master with specified name."
// `notification-script` / `client-reconfig-script` are checked (the file
// must be executable, as in Redis), stored and logged as never run.
Status LoadSentinelConfig(const std::vector<RawDirective>& raw, SentinelState* state);

// Whether `host`/`port` can name a monitored instance, as Redis's
// createSentinelAddr: "Invalid port number." outside 0..65535; with
// resolve-hostnames off, "Can't resolve instance hostname." unless `host`
// is a numeric IPv4/IPv6 address. With resolve-hostnames on, any non-empty
// name is accepted (it is resolved when connecting, never on this thread).
Status CheckInstanceAddress(const SentinelConfig& config, const std::string& host, int64_t port);

// Starts monitoring a master (a `monitor` line or SENTINEL MONITOR) after
// Redis's checks, in Redis's order: address, then "Duplicate master name.".
// The quorum must already be checked (> 0). Forgets stale extras of a
// master that had the same name.
Result<SentinelInstance*> MonitorMaster(SentinelState& state, const std::string& name,
                                        const std::string& host, int64_t port, int quorum);

// Redis's yesnotoi: "yes" -> 1, "no" -> 0 (any case), anything else -> -1.
int YesNoToInt(const std::string& value);

// Sets down-after on a master and on every replica and sentinel under it
// (Redis's sentinelPropagateDownAfterPeriod).
void SetDownAfter(SentinelInstance& master, int64_t down_after_ms);

// The address clients are told for a master: the promoted replica's once
// a failover reached reconf_slaves, else its own (Redis's
// sentinelGetCurrentMasterAddress).
const SentinelInstance& CurrentMasterAddress(const SentinelInstance& master);

// `text` quoted as Redis's sdscatrepr does ("...", with \\ \" \n \r \t \a
// \b and \xHH escapes), as the rewrite writes `sentinel announce-ip`.
std::string QuoteRepr(const std::string& text);

}  // namespace troupe
