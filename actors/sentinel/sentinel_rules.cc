// Redis Sentinel's rules (see sentinel_rules.h).
#include "actors/sentinel/sentinel_rules.h"

#include <algorithm>

namespace troupe {

bool IsSubjectivelyDown(const SdownInput& in) {
  int64_t elapsed = 0;
  if (in.act_ping_time_ms != 0)
    elapsed = in.now_ms - in.act_ping_time_ms;
  else if (in.disconnected)
    elapsed = in.now_ms - in.last_avail_time_ms;
  if (elapsed > in.down_after_ms) return true;
  return in.is_master && in.reports_slave &&
         in.now_ms - in.role_reported_time_ms > in.down_after_ms + kSentinelInfoPeriodMs * 2;
}

bool IsObjectivelyDown(bool self_sdown, int others_saying_down, int quorum) {
  if (!self_sdown) return false;
  return 1 + others_saying_down >= quorum;
}

bool ShouldGrantVote(int64_t current_epoch, int64_t leader_epoch, int64_t req_epoch) {
  // Guard: one vote per epoch — never again in an epoch we voted in.
  if (leader_epoch >= req_epoch) return false;
  // Guard: never for an epoch older than the one we are in.
  if (current_epoch > req_epoch) return false;
  return true;
}

std::string MostVoted(const std::map<std::string, int>& votes, int* count) {
  std::string best;
  int max = 0;
  for (const auto& [runid, n] : votes) {
    if (n > max) {  // std::map order: the smallest run ID wins a tie
      max = n;
      best = runid;
    }
  }
  if (count != nullptr) *count = max;
  return best;
}

std::string ElectionWinner(const std::map<std::string, int>& votes, int voters, int quorum) {
  int max = 0;
  std::string winner = MostVoted(votes, &max);
  if (winner.empty()) return "";
  if (max < voters / 2 + 1) return "";  // needs a majority of all sentinels
  if (max < quorum) return "";          // and at least the quorum
  return winner;
}

int SelectReplica(const std::vector<ReplicaCandidate>& replicas, int64_t now_ms, bool master_sdown,
                  int64_t master_sdown_since_ms, int64_t master_down_after_ms) {
  int64_t max_master_down_ms = master_down_after_ms * 10;
  if (master_sdown) max_master_down_ms += now_ms - master_sdown_since_ms;
  int64_t info_validity_ms = master_sdown ? kSentinelPingPeriodMs * 5 : kSentinelInfoPeriodMs * 3;
  int best = -1;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const ReplicaCandidate& r = replicas[i];
    if (r.sdown_or_odown || r.disconnected) continue;
    if (now_ms - r.last_avail_time_ms > kSentinelPingPeriodMs * 5) continue;
    if (r.priority == 0) continue;
    if (now_ms - r.info_refresh_ms > info_validity_ms) continue;
    if (r.master_link_down_time_ms > max_master_down_ms) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const ReplicaCandidate& b = replicas[static_cast<size_t>(best)];
    bool better = false;
    if (r.priority != b.priority) {
      better = r.priority < b.priority;
    } else if (r.repl_offset != b.repl_offset) {
      better = r.repl_offset > b.repl_offset;
    } else if (r.runid.empty() != b.runid.empty()) {
      better = !r.runid.empty();  // a known run ID beats an unknown one
    } else {
      better = r.runid < b.runid;
    }
    if (better) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace troupe
