// Tests of actors/cluster/cluster_bus: the cluster bus protocol of several
// real nodes (ClusterState + ClusterBus) on a virtual clock and an
// in-memory network (SimClusterWorld), no sockets, no sleeps: the MEET
// handshake and gossip join six nodes and spread the slot map, replicas are
// learnt, the failure detector goes PFAIL -> FAIL by a majority of masters
// and clears, nodes restart from nodes.conf with their identity, stale slot
// claims are corrected with UPDATE, config-epoch collisions resolve, and
// malformed messages close the link.
#include "actors/cluster/cluster_bus.h"

#include <gtest/gtest.h>

#include <string>

#include "actors/sim/sim_cluster_world.h"
#include "proto/cluster_bus.pb.h"
#include "tests/temp_dir.h"

namespace troupe {
namespace {


constexpr int64_t kTimeout = 5000;  // the tutorial's cluster-node-timeout

// What redis-cli --cluster create does: slots and epochs on three masters,
// MEET from the first node to all others, then REPLICATE once known.
void Create(SimClusterWorld& w, bool replicas = true) {
  w.AddSlots(0, 0, 5460, 1);
  w.AddSlots(1, 5461, 10922, 2);
  w.AddSlots(2, 10923, 16383, 3);
  // CLUSTER SET-CONFIG-EPOCH on the others (it raises currentEpoch too).
  for (int i = 3; i < std::min(w.size(), 6); ++i) {
    w.state(i).myself().config_epoch = static_cast<uint64_t>(i + 1);
    w.state(i).current_epoch = static_cast<uint64_t>(i + 1);
  }
  for (int i = 1; i < std::min(w.size(), 6); ++i) w.Meet(0, i);
  if (!replicas) return;
  for (int i = 3; i < std::min(w.size(), 6); ++i) {
    int master = i - 3;
    ASSERT_GE(w.RunUntil([&] { return w.Replicate(i, master); }, 5000), 0) << "node " << i << " never learnt its master";
  }
}

// Every other node that is up flags node `id` with `flag`.
bool FlaggedEverywhere(SimClusterWorld& w, const std::string& id, uint32_t flag) {
  for (int i = 0; i < w.size(); ++i) {
    if (!w.up(i) || w.state(i).myself().id == id) continue;
    ClusterNode* n = w.state(i).Find(id);
    if (n == nullptr || !(n->flags & flag)) return false;
  }
  return true;
}

TEST(ClusterBus, SixNodesJoinAndAgreeWellUnderASecond) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 42);
  Create(w);
  int64_t took = w.RunUntil([&] { return w.Converged(); }, 5000);
  ASSERT_GE(took, 0) << w.ViewOf(0);
  EXPECT_LT(took, 1000);
  w.RunMs(2500);  // masters wait 2 s after start before they say "ok"
  for (int i = 0; i < 6; ++i) EXPECT_EQ(w.state(i).Health(), ClusterHealth::kOk) << i;
  // Every node learnt its own address from the others.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(w.state(i).myself().ip, "127.0.0.1");
  // Replicas: node 3 replicates node 0 in everyone's view.
  for (int i = 0; i < 6; ++i) {
    ClusterNode* r = w.state(i).Find(w.state(3).myself().id);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(r->is_replica());
    EXPECT_EQ(r->master_id, w.state(0).myself().id);
  }
}

TEST(ClusterBus, JoinTimeOverFiftySeeds) {
  // The join of redis-cli --cluster create, 50 seeds (message delays 0-3 ms).
  int64_t worst = 0;
  for (uint64_t seed = 100; seed < 150; ++seed) {
    TempDir dir;
    SimClusterWorld w(dir.path(), 6, kTimeout, seed);
    Create(w);
    int64_t took = w.RunUntil([&] { return w.Converged(); }, 5000);
    ASSERT_GE(took, 0) << "seed " << seed;
    worst = std::max(worst, took);
  }
  RecordProperty("worst_join_ms", static_cast<int>(worst));
  EXPECT_LT(worst, 1000);
}

TEST(ClusterBus, SameSeedSameOutcome) {
  std::string views[2];
  for (auto& v : views) {
    TempDir dir;
    SimClusterWorld w(dir.path(), 6, kTimeout, 7);
    Create(w);
    w.RunMs(3000);
    v = std::to_string(w.messages_delivered());
  }
  EXPECT_EQ(views[0], views[1]);
}

TEST(ClusterBus, DeadMasterIsPfailThenFailByMajorityThenCleared) {
  // Masters without replicas: nobody can take over the dead one's slots.
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 3);
  Create(w, false);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  w.RunMs(3000);
  std::string id = w.state(1).myself().id;
  w.Kill(1);
  // Not before the node timeout...
  w.RunMs(kTimeout - 500);
  EXPECT_FALSE(FlaggedEverywhere(w, id, kNodePfail | kNodeFail));
  // ...then PFAIL, and FAIL once two of the three masters report it.
  int64_t took = w.RunUntil([&] { return FlaggedEverywhere(w, id, kNodeFail); }, 3 * kTimeout);
  ASSERT_GE(took, 0);
  EXPECT_EQ(w.state(0).Health(), ClusterHealth::kFail);  // its slots are not served
  // It comes back from its nodes.conf: same id, epochs, slots; a master
  // with slots loses FAIL once nobody took them for 2 x node timeout.
  w.Restart(1);
  EXPECT_EQ(w.state(1).myself().id, id);
  EXPECT_EQ(w.state(1).myself().config_epoch, 2u);
  EXPECT_EQ(w.state(1).myself().num_slots, 10922 - 5461 + 1);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 4 * kTimeout), 0) << w.ViewOf(0);
  w.RunMs(6000);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(w.state(i).Health(), ClusterHealth::kOk) << i;
}

TEST(ClusterBus, ReplicaFailIsClearedAsSoonAsItIsBack) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 5);
  Create(w);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  std::string id = w.state(4).myself().id;
  w.Kill(4);
  ASSERT_GE(w.RunUntil([&] { return FlaggedEverywhere(w, id, kNodeFail); }, 4 * kTimeout), 0);
  w.Restart(4);
  int64_t took = w.RunUntil([&] { return w.Converged(); }, 4 * kTimeout);
  ASSERT_GE(took, 0);
  EXPECT_LT(took, kTimeout);  // no waiting period for a replica
}

TEST(ClusterBus, AMinorityPartitionIsDetectedAndHeals) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 11);
  Create(w);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  w.RunMs(3000);
  w.Partition({2, 5});  // a master and a replica (of another master) cut off
  // The majority side agrees it failed.
  std::string id = w.state(2).myself().id;
  auto majority_says_fail = [&] {
    for (int i : {0, 1, 3, 4}) {
      ClusterNode* n = w.state(i).Find(id);
      if (n == nullptr || !n->failed()) return false;
    }
    return true;
  };
  ASSERT_GE(w.RunUntil(majority_says_fail, 4 * kTimeout), 0);
  // The minority side sees itself in a minority of masters: "fail".
  w.RunMs(1000);
  EXPECT_EQ(w.state(2).Health(), ClusterHealth::kFail);
  w.Heal();
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 6 * kTimeout), 0) << w.ViewOf(0);
}

TEST(ClusterBus, StaleSlotClaimGetsAnUpdate) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 3, kTimeout, 9);
  Create(w, false);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  // Node 2 moves slot 0 to itself with a newer epoch (as a finished
  // migration would): everyone follows, node 0 included.
  ClusterState& cs2 = w.state(2);
  cs2.current_epoch = 10;
  cs2.myself().config_epoch = 10;
  cs2.AssignSlot(0, &cs2.myself());
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0) << w.ViewOf(0);
  EXPECT_EQ(w.state(0).owner(0)->id, cs2.myself().id);
  // Node 0 then claims it back with its old epoch (stale): it is told
  // (UPDATE) and gives the slot up again.
  ClusterState& cs0 = w.state(0);
  cs0.AssignSlot(0, &cs0.myself());
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0) << w.ViewOf(0);
  EXPECT_EQ(w.state(0).owner(0)->id, cs2.myself().id);
  EXPECT_GT(cs0.messages_received["update"], 0u);
}

TEST(ClusterBus, ConfigEpochCollisionIsResolved) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 3, kTimeout, 13);
  w.AddSlots(0, 0, 5460, 1);
  w.AddSlots(1, 5461, 10922, 1);  // the same epoch twice
  w.AddSlots(2, 10923, 16383, 1);
  w.Meet(0, 1);
  w.Meet(0, 2);
  auto distinct = [&] {
    if (!w.Converged()) return false;
    std::set<uint64_t> e;
    for (int i = 0; i < 3; ++i) e.insert(w.state(i).myself().config_epoch);
    return e.size() == 3;
  };
  ASSERT_GE(w.RunUntil(distinct, 10000), 0) << w.ViewOf(0);
}

// The master of `replica` in node `i`'s view ("" = none / is a master).
std::string MasterOf(SimClusterWorld& w, int i, int replica) {
  ClusterNode* n = w.state(i).Find(w.state(replica).myself().id);
  return n == nullptr || n->is_master() ? "" : n->master_id;
}

TEST(ClusterBus, DeadMasterIsReplacedByItsReplica) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 21);
  Create(w);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  w.RunMs(3000);
  std::string old_id = w.state(1).myself().id;
  w.Kill(1);  // node 4 replicates node 1
  // FAIL after the node timeout, then an election: node 4 takes slots
  // 5461-10922 with a config epoch above every other.
  auto promoted = [&] {
    for (int i : {0, 2, 3, 4, 5}) {
      const ClusterNode* owner = w.state(i).owner(6000);
      if (owner == nullptr || owner->id != w.state(4).myself().id) return false;
    }
    return w.state(4).myself().is_master();
  };
  int64_t took = w.RunUntil(promoted, 6 * kTimeout);
  ASSERT_GE(took, 0) << w.ViewOf(0);
  EXPECT_LT(took, 2 * kTimeout);  // node timeout + FAIL + 0.5-1 s delay + one round of votes
  EXPECT_GT(w.state(4).myself().config_epoch, 6u);
  EXPECT_EQ(w.state(4).myself().num_slots, 10922 - 5461 + 1);
  for (int i : {0, 2, 3, 5}) EXPECT_EQ(w.state(i).Health(), ClusterHealth::kOk) << i;
  // The old master comes back and becomes a replica of the node that replaced it.
  w.Restart(1);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 6 * kTimeout), 0) << w.ViewOf(0);
  EXPECT_TRUE(w.state(1).myself().is_replica());
  EXPECT_EQ(w.state(1).myself().master_id, w.state(4).myself().id);
  EXPECT_EQ(MasterOf(w, 0, 1), w.state(4).myself().id);
  EXPECT_EQ(w.state(0).Find(old_id)->num_slots, 0);
}

TEST(ClusterBus, OneOfTwoReplicasWinsAndTheOtherFollowsIt) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 7, kTimeout, 23);
  Create(w);  // nodes 3-5 replicate 0-2; node 6 joins as a second replica of node 0
  w.Meet(0, 6);
  ASSERT_GE(w.RunUntil([&] { return w.Replicate(6, 0); }, 5000), 0);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  w.RunMs(3000);
  w.Kill(0);
  auto settled = [&] {
    int masters_of_slot0 = 0;
    for (int i : {3, 6}) masters_of_slot0 += w.state(i).myself().is_master() ? 1 : 0;
    if (masters_of_slot0 != 1) return false;
    int winner = w.state(3).myself().is_master() ? 3 : 6, loser = winner == 3 ? 6 : 3;
    return w.state(loser).myself().master_id == w.state(winner).myself().id &&
           w.state(1).owner(0) != nullptr && w.state(1).owner(0)->id == w.state(winner).myself().id;
  };
  ASSERT_GE(w.RunUntil(settled, 12 * kTimeout), 0) << w.ViewOf(1);
}

TEST(ClusterBus, ManualFailoverTakeoverForceAndDefault) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 6, kTimeout, 29);
  Create(w);
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 5000), 0);
  w.RunMs(3000);
  // Default: the master agrees, the replica takes over with a vote.
  ASSERT_EQ(w.bus(3).StartManualFailover(false, false), "");
  ASSERT_GE(w.RunUntil([&] { return w.Converged() && w.state(3).myself().is_master(); }, 3 * kTimeout), 0)
      << w.ViewOf(0);
  EXPECT_EQ(w.state(0).myself().master_id, w.state(3).myself().id);
  // FORCE: an election without asking the master.
  ASSERT_EQ(w.bus(0).StartManualFailover(true, false), "");
  ASSERT_GE(w.RunUntil([&] { return w.Converged() && w.state(0).myself().is_master(); }, 3 * kTimeout), 0);
  // TAKEOVER: no election at all.
  ASSERT_EQ(w.bus(4).StartManualFailover(false, true), "");
  EXPECT_TRUE(w.state(4).myself().is_master());
  ASSERT_GE(w.RunUntil([&] { return w.Converged(); }, 3 * kTimeout), 0) << w.ViewOf(0);
  EXPECT_EQ(w.state(2).owner(6000)->id, w.state(4).myself().id);
  // A master cannot be failed over.
  EXPECT_NE(w.bus(4).StartManualFailover(false, false), "");
}

TEST(ClusterBus, ReconnectsBackOffAndADeadNodeStillFails) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 1, kTimeout, 31);
  ClusterState& cs = w.state(0);
  ClusterNode* peer = cs.AddNode(std::string(40, 'b'), kNodeMaster);
  peer->ip = "127.0.0.1";
  peer->port = 7999;
  peer->cport = 17999;
  // Every connect is refused at once.
  struct Refusing : ClusterBusIo {
    std::vector<BusLinkId> attempts;
    void Connect(BusLinkId link, const std::string&, int) override { attempts.push_back(link); }
    void Send(BusLinkId, const cluster::bus::BusMessage&) override {}
    void Close(BusLinkId) override {}
  } io;
  ClusterBus bus(&cs, &w.clock(), &io, ClusterBusHooks{}, 1);
  size_t handled = 0;
  for (int tick = 0; tick < 100; ++tick) {  // 10 s of crons
    bus.Cron();
    for (; handled < io.attempts.size(); ++handled) bus.OnConnectFailed(io.attempts[handled], "Connection refused");
    w.clock().AdvanceMs(ClusterBus::kCronPeriodMs);
  }
  // 200, 400, 800 ms, then once a second: about 13 attempts, not 100.
  EXPECT_LE(io.attempts.size(), 14u);
  EXPECT_GE(io.attempts.size(), 10u);
  // The failure detector did not wait for a connection: PFAIL after the timeout.
  EXPECT_TRUE(cs.Find(std::string(40, 'b'))->timed_out());
}

TEST(ClusterBus, MalformedMessagesCloseTheLink) {
  TempDir dir;
  SimClusterWorld w(dir.path(), 2, kTimeout, 1);
  // A bus driven directly, with a recording network.
  struct Recorder : ClusterBusIo {
    std::vector<BusLinkId> closed;
    int sent = 0;
    void Connect(BusLinkId, const std::string&, int) override {}
    void Send(BusLinkId, const cluster::bus::BusMessage&) override { ++sent; }
    void Close(BusLinkId link) override { closed.push_back(link); }
  } io;
  ClusterBus bus(&w.state(0), &w.clock(), &io, ClusterBusHooks{}, 1);
  bus.OnInbound(1, "127.0.0.1", "127.0.0.1");
  cluster::bus::BusMessage bad;
  bad.mutable_header()->set_sender_id("not-an-id");
  bad.mutable_ping();
  bus.OnMessage(1, bad);
  ASSERT_EQ(io.closed.size(), 1u);
  // A well-formed PING from an unknown node is answered, not added.
  bus.OnInbound(2, "127.0.0.1", "127.0.0.1");
  cluster::bus::BusMessage ping;
  auto* h = ping.mutable_header();
  h->set_sender_id(std::string(40, 'a'));
  h->set_port(7009);
  h->set_cport(17009);
  h->set_slots(std::string(2048, '\0'));
  ping.mutable_ping();
  bus.OnMessage(2, ping);
  EXPECT_EQ(io.closed.size(), 1u);
  EXPECT_EQ(io.sent, 1);
  EXPECT_EQ(w.state(0).known_nodes(), 1u);
  // A MEET from it adds it in the handshake state.
  cluster::bus::BusMessage meet = ping;
  meet.mutable_meet();
  bus.OnMessage(2, meet);
  EXPECT_EQ(w.state(0).known_nodes(), 2u);
}

}  // namespace
}  // namespace troupe
