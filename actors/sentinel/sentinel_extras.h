// SentinelExtras: what a sentinel keeps beside SentinelState's shared data
// model (sentinel_state.h) for the parts the configuration and the SENTINEL
// command own: per-master notification / client-reconfig scripts (accepted
// and stored, never run), master-reboot-down-after-period, rename-command
// mappings, and the SENTINEL SIMULATE-FAILURE flags. Also a read accessor
// for the state's SentinelIo, so that mutating SENTINEL subcommands can
// flush the config file.
//
// Who talks to it: sentinel_config.cc (load, ConfigLines), the SENTINEL
// command family (actors/shard/commands/sentinel_family.cc) and, for the
// simulate-failure flags and renamed commands, the protocol code.
// Threading: the multiplexer thread only, like SentinelState. No CAF header.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace troupe {

class SentinelState;
class SentinelIo;

// SENTINEL SIMULATE-FAILURE flags (INFO's sentinel_simulate_failure_flags).
enum SentinelSimFailure : uint32_t {
  kSimFailureNone = 0,
  kSimFailureCrashAfterElection = 1u << 0,   // crash-after-election
  kSimFailureCrashAfterPromotion = 1u << 1,  // crash-after-promotion
};

// Per-master settings SentinelInstance has no field for.
struct SentinelMasterExtras {
  // `notification-script` / `client-reconfig-script` paths, empty = none.
  // Troupe stores and rewrites them but never runs them.
  std::string notification_script;
  std::string client_reconfig_script;
  // `master-reboot-down-after-period` in ms, 0 = off (Redis's default).
  int64_t master_reboot_down_after_period_ms = 0;
  // `rename-command <command> <renamed>`: (command, renamed) in the order
  // given; a command (compared case-insensitively) appears at most once.
  std::vector<std::pair<std::string, std::string>> renamed_commands;
};

// Upper bounds (DESIGN §6.7): rename-command mappings per master.
constexpr size_t kMaxRenamedCommandsPerMaster = 256;

struct SentinelExtras {
  // SimFailure bits set by SENTINEL SIMULATE-FAILURE.
  uint32_t simulate_failure_flags = kSimFailureNone;
  // By master name; an entry exists only for masters that have extras.
  std::map<std::string, SentinelMasterExtras> masters;
};

// The extras of `state`, created empty on first use. They live until
// ResetSentinelExtras(state) (LoadSentinelConfig starts with it, so a
// state reusing a freed one's address does not inherit its extras).
SentinelExtras& SentinelExtrasOf(const SentinelState& state);
void ResetSentinelExtras(const SentinelState& state);

// The command a master (or an instance of its group) must be sent for
// `command` (e.g. "CONFIG"), after rename-command; `command` itself when
// not renamed.
std::string MappedCommand(const SentinelState& state, const std::string& master_name,
                          const std::string& command);

// The SentinelIo installed with SentinelState::set_io(), nullptr when none
// (unit tests). A stopgap accessor: sentinel_state.h keeps the pointer
// private and offers no getter.
SentinelIo* SentinelIoOf(const SentinelState& state);

}  // namespace troupe
