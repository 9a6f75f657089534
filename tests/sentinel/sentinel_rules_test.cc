// Unit tests of Redis Sentinel's rules (actors/sentinel/sentinel_rules.h).
#include "actors/sentinel/sentinel_rules.h"

#include <gtest/gtest.h>

namespace troupe {
namespace {

TEST(SentinelRules, SubjectivelyDownAfterDownAfterWithoutValidPong) {
  SdownInput in;
  in.now_ms = 10000;
  in.down_after_ms = 5000;
  in.act_ping_time_ms = 5001;  // unanswered for 4999 ms
  EXPECT_FALSE(IsSubjectivelyDown(in));
  in.act_ping_time_ms = 4999;  // 5001 ms
  EXPECT_TRUE(IsSubjectivelyDown(in));
  in.act_ping_time_ms = 0;     // nothing pending, connected
  EXPECT_FALSE(IsSubjectivelyDown(in));
  in.disconnected = true;      // disconnected: measured from the last good reply
  in.last_avail_time_ms = 4000;
  EXPECT_TRUE(IsSubjectivelyDown(in));
  in.last_avail_time_ms = 6000;
  EXPECT_FALSE(IsSubjectivelyDown(in));
}

TEST(SentinelRules, MasterReportingReplicaTooLongIsDown) {
  SdownInput in;
  in.now_ms = 100000;
  in.down_after_ms = 5000;
  in.is_master = true;
  in.reports_slave = true;
  in.role_reported_time_ms = 100000 - 5000 - 20000;  // exactly down-after + 2 INFO periods
  EXPECT_FALSE(IsSubjectivelyDown(in));
  in.role_reported_time_ms -= 1;
  EXPECT_TRUE(IsSubjectivelyDown(in));
  in.is_master = false;  // a replica saying it is a replica is fine
  EXPECT_FALSE(IsSubjectivelyDown(in));
}

TEST(SentinelRules, ObjectivelyDownNeedsOwnViewAndQuorum) {
  EXPECT_FALSE(IsObjectivelyDown(false, 5, 2));  // others alone never make ODOWN
  EXPECT_FALSE(IsObjectivelyDown(true, 0, 2));
  EXPECT_TRUE(IsObjectivelyDown(true, 1, 2));
  EXPECT_TRUE(IsObjectivelyDown(true, 0, 1));
}

TEST(SentinelRules, OneVotePerEpoch) {
  EXPECT_TRUE(ShouldGrantVote(/*current=*/1, /*leader_epoch=*/0, /*req=*/1));
  EXPECT_FALSE(ShouldGrantVote(1, 1, 1));  // already voted in epoch 1
  EXPECT_TRUE(ShouldGrantVote(1, 1, 2));   // a later epoch
  EXPECT_FALSE(ShouldGrantVote(3, 1, 2));  // a request from the past
}

TEST(SentinelRules, WinnerNeedsMajorityAndQuorum) {
  std::map<std::string, int> votes{{"a", 2}};
  EXPECT_EQ(ElectionWinner(votes, 3, 2), "a");
  EXPECT_EQ(ElectionWinner(votes, 5, 2), "");  // 2 of 5 is no majority
  EXPECT_EQ(ElectionWinner(votes, 3, 3), "");  // below the quorum
  votes = {{"a", 1}, {"b", 1}};
  EXPECT_EQ(ElectionWinner(votes, 3, 2), "");
  EXPECT_EQ(ElectionWinner({}, 3, 2), "");
  int n = 0;
  EXPECT_EQ(MostVoted({{"b", 2}, {"a", 2}, {"c", 1}}, &n), "a");  // tie: smallest run ID
  EXPECT_EQ(n, 2);
}

ReplicaCandidate Usable(std::string runid, int64_t now) {
  ReplicaCandidate c;
  c.runid = std::move(runid);
  c.last_avail_time_ms = now;
  c.info_refresh_ms = now;
  return c;
}

TEST(SentinelRules, ReplicaSelectionOrder) {
  int64_t now = 1000000;
  std::vector<ReplicaCandidate> r{Usable("b", now), Usable("a", now), Usable("c", now)};
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), 1);  // same priority and offset: smallest run ID
  r[2].repl_offset = 10;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), 2);  // highest offset
  r[0].priority = 50;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), 0);  // lowest priority first
}

TEST(SentinelRules, UnusableReplicasAreSkipped) {
  int64_t now = 1000000;
  std::vector<ReplicaCandidate> r{Usable("a", now)};
  r[0].priority = 0;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0] = Usable("a", now);
  r[0].disconnected = true;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0] = Usable("a", now);
  r[0].sdown_or_odown = true;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0] = Usable("a", now);
  r[0].last_avail_time_ms = now - 5001;  // no PING reply for 5 periods
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0] = Usable("a", now);
  r[0].info_refresh_ms = now - 5001;  // stale INFO while the master is down
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0] = Usable("a", now);
  r[0].master_link_down_time_ms = 5000 * 10 + 6000 + 1;  // disconnected from the master for too long
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), -1);
  r[0].master_link_down_time_ms = 5000 * 10 + 6000;
  EXPECT_EQ(SelectReplica(r, now, true, now - 6000, 5000), 0);
}

}  // namespace
}  // namespace troupe
