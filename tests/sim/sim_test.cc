// Tests for troupe-sim (actors/sim/): the loop's determinism, --faults
// parsing; for each scenario (sentinel-failover, replication,
// cluster-gossip) the reproducibility (same seed, same trace hash), a fixed
// set of CI seeds that must pass every invariant, and proof that the
// checkers can fail (SentinelState::test_vote_twice makes
// one-leader-per-epoch fire, Replication::test_skip_write_every makes
// wait-acked-writes-survive fire, a slot table corrupted behind the cluster
// bus makes cluster-slot-epochs fire, within the CI seed budget); seeds
// that once failed, as regressions.
// Runs on virtual time only: no sleeps, no sockets.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "actors/sim/sim_loop.h"
#include "actors/sim/sim_options.h"
#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

// The CI budget: 200 seeds of 120 s simulated (60 s of faults, 60 s heal).
SimOptions CiOptions(uint64_t seed) {
  SimOptions o;
  o.seed = seed;
  o.duration_ms = 120'000;
  o.heal_ms = 60'000;
  return o;
}
constexpr uint64_t kCiSeeds = 200;

// The protocol code's own log lines (spdlog's default logger) are off, as
// troupe-sim has them.
class QuietLog : public ::testing::Environment {
 public:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }
};
const ::testing::Environment* const kQuietLog = ::testing::AddGlobalTestEnvironment(new QuietLog);

TEST(SimLoop, SimultaneousEventsRunInASeededOrder) {
  auto order = [](uint64_t seed) {
    SimLoop loop(seed);
    std::string out;
    for (char c : std::string("abcdefgh")) loop.At(10, [&out, c] { out.push_back(c); });
    loop.At(5, [&out] { out.push_back('0'); });
    while (loop.Step()) {
    }
    EXPECT_EQ(loop.now_ms(), 10);
    return out;
  };
  EXPECT_EQ(order(1), order(1));
  EXPECT_EQ(order(1)[0], '0');  // earlier events first, whatever the seed
  EXPECT_EQ(order(1).size(), 9u);
  bool differs = false;
  for (uint64_t s = 2; s < 20 && !differs; ++s) differs = order(s) != order(1);
  EXPECT_TRUE(differs) << "the seed should decide the order of simultaneous events";
}

TEST(SimOptions, ParseFaults) {
  SimOptions o;
  ASSERT_TRUE(ParseFaults("crash,split", &o).ok());
  EXPECT_TRUE(o.fault_crash);
  EXPECT_TRUE(o.fault_split);
  EXPECT_FALSE(o.fault_drop);
  EXPECT_FALSE(o.fault_isolate);
  ASSERT_TRUE(ParseFaults("drop=0.25,delay=exp", &o).ok());  // settings keep the selection
  EXPECT_TRUE(o.fault_crash);
  EXPECT_DOUBLE_EQ(o.drop_probability, 0.25);
  EXPECT_EQ(o.delay_distribution, DelayDistribution::kExponential);
  EXPECT_FALSE(ParseFaults("meteor", &o).ok());
  EXPECT_FALSE(ParseFaults("drop=2", &o).ok());
  ASSERT_TRUE(ParseFaults("create-drops=1", &o).ok());
  EXPECT_TRUE(o.cluster_create_drops);
  ASSERT_TRUE(ParseFaults("link,save=5000,segment=0.5,keep-rdb=1,shutdown-save=0", &o).ok());
  EXPECT_TRUE(o.fault_link);
  EXPECT_FALSE(o.fault_crash);
  EXPECT_EQ(o.save_interval_ms, 5000);
  EXPECT_DOUBLE_EQ(o.segment_probability, 0.5);
  EXPECT_DOUBLE_EQ(o.crash_keep_rdb, 1.0);
  EXPECT_DOUBLE_EQ(o.shutdown_save, 0.0);
  EXPECT_FALSE(ParseFaults("segment=1.5", &o).ok());
}

TEST(SimSentinelFailover, SameSeedSameTraceHash) {
  SimResult a = RunSentinelFailover(CiOptions(42));
  SimResult b = RunSentinelFailover(CiOptions(42));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace_lines, b.trace_lines);
  EXPECT_EQ(a.steps, b.steps);
  SimResult c = RunSentinelFailover(CiOptions(43));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

// The data nodes run the real server code (SimServerNode) and the client
// WAITs for both replicas every few writes.
TEST(SimSentinelFailover, NoFaultsNoFailoverNoLoss) {
  SimOptions o = CiOptions(5);
  ASSERT_TRUE(ParseFaults("none", &o).ok());
  SimResult r = RunSentinelFailover(o);
  EXPECT_TRUE(r.ok) << r.checker << ": " << r.violation;
  EXPECT_EQ(r.switch_master_events, 0u);
  EXPECT_EQ(r.writes_lost, 0u);
  EXPECT_GT(r.writes_acked, 900u);
  EXPECT_EQ(r.writes_acked, r.writes_attempted);
  EXPECT_GE(r.writes_wait_acked + static_cast<uint64_t>(o.wait_every), r.writes_acked);
  EXPECT_EQ(r.full_syncs, 2u);  // each replica's first sync
}

TEST(SimSentinelFailover, CiSeedsPass) {
  uint64_t failovers = 0, wait_acked = 0, crashes = 0, partial_syncs = 0, full_syncs = 0;
  for (uint64_t seed = 1; seed <= kCiSeeds; ++seed) {
    SimResult r = RunSentinelFailover(CiOptions(seed));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << " at step " << r.violation_step << ": "
                      << r.violation << " (troupe-sim --seed " << seed << " --duration 120s --heal 60s --trace)";
    failovers += r.switch_master_events;
    wait_acked += r.writes_wait_acked;
    crashes += r.crashes;
    partial_syncs += r.partial_syncs;
    full_syncs += r.full_syncs;
  }
  EXPECT_GT(failovers, kCiSeeds) << "the faults should cause failovers";
  // WAIT-acknowledged writes crossed those failovers (and survived: the
  // wait-acked-writes-survive checker ran at the end of every seed); the
  // replicas followed the new masters with partial and full resyncs.
  EXPECT_GT(wait_acked, 100'000u);
  EXPECT_GT(crashes, kCiSeeds / 4);
  EXPECT_GT(partial_syncs, kCiSeeds);
  EXPECT_GT(full_syncs, 2 * kCiSeeds + 20);
}

TEST(SimSentinelFailover, FiveSentinelsLongRun) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.sentinels = 5;
    o.quorum = 3;
    SimResult r = RunSentinelFailover(o);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

// The checkers can fail: a sentinel that votes twice in one epoch lets two
// sentinels win the same election.
TEST(SimSentinelFailover, VoteTwiceIsCaught) {
  uint64_t caught = 0, first = 0;
  for (uint64_t seed = 1; seed <= kCiSeeds; ++seed) {
    SimOptions o = CiOptions(seed);
    o.vote_twice = true;
    SimResult r = RunSentinelFailover(o);
    if (!r.ok) {
      EXPECT_EQ(r.checker, "one-leader-per-epoch") << "seed " << seed << ": " << r.violation;
      if (first == 0) first = seed;
      ++caught;
    }
  }
  EXPECT_GT(caught, 0u) << "no seed of the CI budget caught the double vote";
  RecordProperty("first_seed_caught", std::to_string(first));
}

// Regression, found by troupe-sim: a sentinel whose own failover is in
// reconf_slaves got a hello with a newer config epoch naming the old
// master's address; as that equalled its master record, it only adopted the
// epoch and kept naming its promoted replica, so one config epoch named two
// masters. SentinelState::OnHello now compares with the address it stands
// for and gives up its older failover. Seed 33 found it when the data nodes
// were a model; since they run the real server code its run takes another
// course, and seed 366 (same options) is the one that walks that path now:
// without the fix it ends with "config epoch 3 names two masters: 7002 (seen
// at s1) and 7001 (at s2)".
TEST(SimSentinelFailover, Seed33HelloWithNewerEpochDuringOwnFailover) {
  for (uint64_t seed : {33, 366}) {
    SimOptions o;
    o.seed = seed;
    o.duration_ms = 300'000;
    ASSERT_TRUE(ParseFaults("all,drop=0.01", &o).ok());
    SimResult r = RunSentinelFailover(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

// The WAIT checker can fail under sentinels too: a master that leaves a
// write out of its stream lets WAIT acknowledge a write no replica has.
TEST(SimSentinelFailover, SkippedStreamWriteIsCaught) {
  constexpr uint64_t kSeeds = 20;
  uint64_t caught = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimOptions o = CiOptions(seed);
    o.test_skip_write_every = 300;
    SimResult r = RunSentinelFailover(o);
    if (r.ok) continue;
    ++caught;
    EXPECT_TRUE(r.checker == "wait-acked-writes-survive" || r.checker == "convergence-after-heal")
        << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
  EXPECT_GT(caught, kSeeds / 4) << "a write missing from the stream went unnoticed";
}

// ---------------------------------------------------------------------------
// Scenario `replication`: the real keyspace, command table, Replication and
// ReplicaLink on every data node.

SimOptions ReplOptions(uint64_t seed) {
  SimOptions o = CiOptions(seed);
  o.scenario = "replication";
  return o;
}

TEST(SimReplication, SameSeedSameTraceHash) {
  SimResult a = RunReplication(ReplOptions(42));
  SimResult b = RunReplication(ReplOptions(42));
  EXPECT_TRUE(a.ok) << a.checker << ": " << a.violation;
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace_lines, b.trace_lines);
  EXPECT_EQ(a.steps, b.steps);
  SimResult c = RunReplication(ReplOptions(43));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(SimReplication, NoFaultsEveryWriteAcknowledgedByWait) {
  SimOptions o = ReplOptions(5);
  ASSERT_TRUE(ParseFaults("none", &o).ok());
  SimResult r = RunReplication(o);
  EXPECT_TRUE(r.ok) << r.checker << ": " << r.violation;
  EXPECT_GT(r.writes_acked, 1000u);
  EXPECT_EQ(r.writes_acked, r.writes_attempted);
  // Every write but the last few (after the last WAIT) is covered by a
  // WAIT; only a WAIT during the replicas' first sync may time out short.
  EXPECT_GE(r.writes_wait_acked + static_cast<uint64_t>(o.wait_every), r.writes_acked);
  EXPECT_LE(r.waits_short, 1u);
  EXPECT_EQ(r.full_syncs, 2u);  // each replica's first sync, and no other
  EXPECT_EQ(r.partial_syncs, 0u);
  EXPECT_EQ(r.writes_lost, 0u);
}

TEST(SimReplication, CiSeedsPass) {
  uint64_t full_syncs = 0, partial_syncs = 0, crashes = 0, wait_acked = 0;
  for (uint64_t seed = 1; seed <= kCiSeeds; ++seed) {
    SimResult r = RunReplication(ReplOptions(seed));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << " at step " << r.violation_step << ": "
                      << r.violation << " (troupe-sim --scenario replication --seed " << seed
                      << " --duration 120s --heal 60s --trace)";
    full_syncs += r.full_syncs;
    partial_syncs += r.partial_syncs;
    crashes += r.crashes;
    wait_acked += r.writes_wait_acked;
  }
  // The faults are exercised: restarts, reconnects that continue from the
  // backlog, and reconnects past it that need a new full sync.
  EXPECT_GT(crashes, kCiSeeds / 4);
  EXPECT_GT(partial_syncs, kCiSeeds);
  EXPECT_GT(full_syncs, 2 * kCiSeeds + 20);  // beyond each replica's first sync
  EXPECT_GT(wait_acked, 100'000u);
}

TEST(SimReplication, LongRunsWithFiveReplicas) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.scenario = "replication";
    o.replicas = 5;
    SimResult r = RunReplication(o);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

// The checkers can fail: a master that leaves a write out of its stream
// (yet counts its offset) lets WAIT acknowledge a write no replica has.
TEST(SimReplication, SkippedStreamWriteIsCaught) {
  constexpr uint64_t kSeeds = 20;
  uint64_t caught = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimOptions o = ReplOptions(seed);
    o.test_skip_write_every = 500;
    SimResult r = RunReplication(o);
    if (r.ok) continue;
    ++caught;
    EXPECT_TRUE(r.checker == "wait-acked-writes-survive" || r.checker == "convergence-after-heal")
        << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
  EXPECT_EQ(caught, kSeeds) << "a write missing from the stream went unnoticed";
}

// Regression, found by troupe-sim: a replica counted each command of a
// transaction from its master as applied when it arrived, before the EXEC.
// A link reset cut the stream inside MULTI ... EXEC; the replica's
// SHUTDOWN then saved a dump.rdb whose repl-offset pointed past the queued
// SETs the dataset did not hold; after the restart it continued from that
// offset, got a lone EXEC, and two writes (WAIT-acknowledged in seed 114)
// were missing. ReplicaLink now counts a transaction's bytes only with its
// EXEC and discards a transaction cut by a lost link, as Redis does.
TEST(SimReplication, Seed1ReplicaSavedInsideATransaction) {
  for (uint64_t seed : {1, 114}) {
    SimOptions o;
    o.seed = seed;
    o.scenario = "replication";
    o.duration_ms = 300'000;
    ASSERT_TRUE(ParseFaults("all,segment=0.9,interval=3000,shutdown-save=1", &o).ok());
    SimResult r = RunReplication(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

// ---------------------------------------------------------------------------
// Scenario `cluster-gossip`: the real ClusterState and ClusterBus on every
// node of a 3-master, 3-replica cluster.

SimOptions ClusterOptions(uint64_t seed) {
  SimOptions o = CiOptions(seed);
  o.scenario = "cluster-gossip";
  return o;
}

TEST(SimClusterGossip, SameSeedSameTraceHash) {
  SimResult a = RunClusterGossip(ClusterOptions(42));
  SimResult b = RunClusterGossip(ClusterOptions(42));
  EXPECT_TRUE(a.ok) << a.checker << ": " << a.violation;
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace_lines, b.trace_lines);
  EXPECT_EQ(a.steps, b.steps);
  SimResult c = RunClusterGossip(ClusterOptions(43));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(SimClusterGossip, NoFaultsNoFailoverOneSlotMap) {
  SimOptions o = ClusterOptions(5);
  ASSERT_TRUE(ParseFaults("none", &o).ok());
  SimResult r = RunClusterGossip(o);
  EXPECT_TRUE(r.ok) << r.checker << ": " << r.violation;
  EXPECT_EQ(r.promotions, 0u);
  EXPECT_EQ(r.votes, 0u);
  EXPECT_EQ(r.faults, 0u);
  EXPECT_GT(r.messages, 1000u);
}

TEST(SimClusterGossip, CiSeedsPass) {
  uint64_t promotions = 0, votes = 0, crashes = 0, partitions = 0;
  for (uint64_t seed = 1; seed <= kCiSeeds; ++seed) {
    SimResult r = RunClusterGossip(ClusterOptions(seed));
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << " at step " << r.violation_step << ": "
                      << r.violation << " (troupe-sim --scenario cluster-gossip --seed " << seed
                      << " --duration 120s --heal 60s --trace)";
    promotions += r.promotions;
    votes += r.votes;
    crashes += r.crashes;
    partitions += r.partitions;
  }
  // The faults are exercised: crashes, partitions, and replica failovers
  // (elections won with votes).
  EXPECT_GT(crashes, kCiSeeds / 4);
  EXPECT_GT(partitions, kCiSeeds / 2);
  EXPECT_GT(promotions, kCiSeeds / 4);
  EXPECT_GE(votes, 2 * promotions);  // a majority of 3 masters is 2
}

TEST(SimClusterGossip, DuplicatedBusMessagesAreHarmless) {
  // 5% of bus frames delivered twice (a repeated FAILOVER_AUTH_ACK must
  // not count as a second vote, a repeated FAIL or UPDATE changes nothing).
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SimOptions o = ClusterOptions(seed);
    ASSERT_TRUE(ParseFaults("dup=0.05", &o).ok());
    SimResult r = RunClusterGossip(o);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

TEST(SimClusterGossip, LongRunsWithTwoReplicasPerMaster) {
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.scenario = "cluster-gossip";
    o.cluster_replicas = 2;
    SimResult r = RunClusterGossip(o);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

// The checkers can fail: one node's slot table changed behind its bus (a
// master's slots given to a master with an older config epoch) is caught.
TEST(SimClusterGossip, CorruptedSlotTableIsCaught) {
  constexpr uint64_t kSeeds = 20;
  uint64_t caught = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimOptions o = ClusterOptions(seed);
    o.test_corrupt_slots = true;
    SimResult r = RunClusterGossip(o);
    if (r.ok) continue;
    ++caught;
    EXPECT_EQ(r.checker, "cluster-slot-epochs") << "seed " << seed << ": " << r.violation;
  }
  EXPECT_EQ(caught, kSeeds) << "a slot table changed behind the bus went unnoticed";
}

// Found by troupe-sim (actors/cluster/cluster_bus.cc; Redis 7.0 does the
// same, valkey-io/valkey#1777 fixed it): a node takes a PONG
// that a just-promoted master sent while still a replica, delivered after
// its first PONG as master over the other link of the pair; "a master
// turned into a replica" drops its slots, and the old master's stale claim
// (config epoch 7) then takes the unowned slots that epoch 8 had.
// Fixed: ClusterBus ignores the role, slots and gossip of a message whose
// sender's currentEpoch is below the config epoch we know it at.
TEST(SimClusterGossip, Seed172StalePongAcrossLinks) {
  SimOptions o;
  o.seed = 172;
  o.scenario = "cluster-gossip";
  SimResult r = RunClusterGossip(o);
  EXPECT_TRUE(r.ok) << r.checker << ": " << r.violation;
}

// Found by troupe-sim (Redis 7.0 does the same): n1, cut off
// during two failovers, still sees n5 as the master of slots 5461-10922
// with config epoch 9. n5 (back as a replica of n2, the epoch-13 winner)
// sends n1 an UPDATE whose header carries its master's config epoch 13;
// every message raises the sender's config epoch to the header's, so n1
// now has n5 owning those slots under epoch 13 — the epoch n2 owns them
// under. Fixed: only a master's header raises the sender's config epoch.
TEST(SimClusterGossip, Seed452ReplicaHeaderEpochRaisesStaleMaster) {
  SimOptions o;
  o.seed = 452;
  o.scenario = "cluster-gossip";
  SimResult r = RunClusterGossip(o);
  EXPECT_TRUE(r.ok) << r.checker << ": " << r.violation;
}

// Found by troupe-sim (Redis 7.0 does the same, valkey-io/valkey#461
// fixed it): with drops while the cluster is created, a MEET lost with its
// connection was never sent again (the flag was cleared when it was sent),
// so the met node never learnt anyone. Fixed: the MEET flag stays until the
// node answers with a PONG.
TEST(SimClusterGossip, LostMeetIsSentAgain) {
  for (uint64_t seed : {51, 146, 213}) {
    SimOptions o;
    o.seed = seed;
    o.scenario = "cluster-gossip";
    ASSERT_TRUE(ParseFaults("create-drops=1", &o).ok());
    SimResult r = RunClusterGossip(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << r.checker << ": " << r.violation;
  }
}

}  // namespace
}  // namespace troupe
