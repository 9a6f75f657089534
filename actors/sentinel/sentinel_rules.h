// The rules of Redis Sentinel as plain functions (DESIGN §3: "the rules
// themselves are plain functions, unit-tested without actors"): when an
// instance is subjectively down, when a master is objectively down, whether
// to grant a vote, who won an election, and which replica to promote.
// Used by SentinelState (sentinel_state.cc); no state, no I/O, no CAF.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe {

// Timing constants of Redis 7.0's sentinel.c (milliseconds).
constexpr int64_t kSentinelInfoPeriodMs = 10000;
constexpr int64_t kSentinelPingPeriodMs = 1000;
constexpr int64_t kSentinelAskPeriodMs = 1000;
constexpr int64_t kSentinelPublishPeriodMs = 2000;
constexpr int64_t kSentinelTiltTriggerMs = 2000;
constexpr int64_t kSentinelTiltPeriodMs = kSentinelPingPeriodMs * 30;
constexpr int64_t kSentinelSlaveReconfTimeoutMs = 10000;
constexpr int64_t kSentinelMaxDesyncMs = 1000;
constexpr int64_t kSentinelElectionTimeoutMs = 10000;
constexpr int64_t kSentinelMinLinkReconnectPeriodMs = 15000;
constexpr int64_t kSentinelMaxPendingCommands = 100;

// SDOWN: no valid PING reply for down-after (measured from the oldest
// unanswered PING, or from the last good reply while disconnected), or a
// master that keeps saying it is a replica for down-after + 2 INFO periods.
struct SdownInput {
  int64_t now_ms = 0;
  int64_t act_ping_time_ms = 0;   // oldest unanswered PING, 0 = none
  bool disconnected = false;
  int64_t last_avail_time_ms = 0;
  int64_t down_after_ms = 0;
  bool is_master = false;
  bool reports_slave = false;     // INFO said role:slave
  int64_t role_reported_time_ms = 0;
};
bool IsSubjectivelyDown(const SdownInput& in);

// ODOWN: this sentinel (when it sees SDOWN) plus the sentinels that said
// the master is down reach the quorum.
bool IsObjectivelyDown(bool self_sdown, int others_saying_down, int quorum);

// A vote request for `req_epoch`: whether this sentinel, at
// `current_epoch`, having last voted in `leader_epoch` for this master,
// grants it (one vote per epoch: only if it has not voted in this epoch or
// a later one, and the request is not from the past).
bool ShouldGrantVote(int64_t current_epoch, int64_t leader_epoch, int64_t req_epoch);

// The election's winner among `votes` (candidate run ID -> votes), with
// `voters` sentinels in all: the most voted candidate, if it has at least
// max(quorum, voters / 2 + 1) votes; "" otherwise.
std::string ElectionWinner(const std::map<std::string, int>& votes, int voters, int quorum);
// The most voted candidate ("" when none), ties broken by run ID order.
std::string MostVoted(const std::map<std::string, int>& votes, int* count);

// A replica as the failover leader sees it.
struct ReplicaCandidate {
  std::string runid;
  bool sdown_or_odown = false;
  bool disconnected = false;
  int64_t last_avail_time_ms = 0;
  int64_t priority = 100;
  int64_t info_refresh_ms = 0;
  int64_t master_link_down_time_ms = 0;
  uint64_t repl_offset = 0;
};
// The replica to promote (an index into `replicas`), or -1: among the
// usable ones (not down, connected, recently answering PING and INFO,
// priority > 0, not disconnected from the old master for too long), the
// lowest priority, then the highest replication offset, then the
// lexicographically smallest run ID.
int SelectReplica(const std::vector<ReplicaCandidate>& replicas, int64_t now_ms, bool master_sdown,
                  int64_t master_sdown_since_ms, int64_t master_down_after_ms);

}  // namespace troupe
