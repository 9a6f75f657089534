// Tests of actors/cluster/cluster_state: nodes.conf round trip and Redis's
// format, the lock against a second user, corrupt files, the CLUSTER NODES
// line, epochs and the health rules (with a ManualClock, no sleeps).
#include "actors/cluster/cluster_state.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include "tests/temp_dir.h"

namespace troupe {
namespace {


std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

ClusterOptions Opts(const TempDir& dir, int port = 7001) {
  ClusterOptions o;
  o.config_file = dir.File("nodes.conf");
  o.port = port;
  o.cport = port + 10000;
  return o;
}

const char kA[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const char kB[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const char kC[] = "cccccccccccccccccccccccccccccccccccccccc";

TEST(ClusterState, FreshNodeWritesRedisFormat) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 1);
  ASSERT_TRUE(cs.Open().ok());
  EXPECT_FALSE(cs.loaded_from_disk());
  const std::string& id = cs.myself().id;
  ASSERT_EQ(id.size(), 40u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ReadFile(dir.File("nodes.conf")),
            id + " :7001@17001 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n");
  EXPECT_EQ(cs.NodesDescription(), id + " :7001@17001 myself,master - 0 0 0 connected\n");
}

TEST(ClusterState, RoundTripKeepsIdEpochsAndSlots) {
  TempDir dir;
  ManualClock clock;
  std::string id, content;
  {
    ClusterState cs(Opts(dir), &clock, 2);
    ASSERT_TRUE(cs.Open().ok());
    for (int s = 0; s <= 5460; ++s) cs.AssignSlot(s, &cs.myself());
    cs.AssignSlot(7000, &cs.myself());
    EXPECT_TRUE(cs.BumpEpochWithoutConsensus());
    cs.last_vote_epoch = 1;
    ASSERT_TRUE(cs.Save().ok());
    id = cs.myself().id;
    content = ReadFile(dir.File("nodes.conf"));
    EXPECT_EQ(content, id + " :7001@17001 myself,master - 0 0 1 connected 0-5460 7000\n"
                            "vars currentEpoch 1 lastVoteEpoch 1\n");
  }
  ClusterState again(Opts(dir), &clock, 3);
  ASSERT_TRUE(again.Open().ok());
  EXPECT_TRUE(again.loaded_from_disk());
  EXPECT_EQ(again.myself().id, id);
  EXPECT_EQ(again.current_epoch, 1u);
  EXPECT_EQ(again.last_vote_epoch, 1u);
  EXPECT_EQ(again.myself().num_slots, 5462);
  EXPECT_EQ(ReadFile(dir.File("nodes.conf")), content);
}

TEST(ClusterState, LoadsASixNodeClusterFile) {
  // The shape redis-cli --cluster create leaves (two masters, one replica shown).
  TempDir dir;
  ManualClock clock;
  std::string text = std::string(kA) + " 127.0.0.1:7001@17001 myself,master - 0 1700000000000 1 connected 0-5460\n" +
                     kB + " 127.0.0.1:7002@17002 master - 0 1700000000000 2 connected 5461-16383\n" + kC +
                     " 127.0.0.1:7004@17004,host4 slave " + kB + " 0 1700000000000 2 connected\n" +
                     "vars currentEpoch 6 lastVoteEpoch 0\n";
  WriteFile(dir.File("nodes.conf"), text);
  ClusterState cs(Opts(dir), &clock, 4);
  ASSERT_TRUE(cs.Open().ok()) << cs.Open().message();
  EXPECT_EQ(cs.myself().id, kA);
  EXPECT_EQ(cs.known_nodes(), 3u);
  EXPECT_EQ(cs.owner(0)->id, kA);
  EXPECT_EQ(cs.owner(16383)->id, kB);
  EXPECT_EQ(cs.current_epoch, 6u);
  ClusterNode* c = cs.Find(kC);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->is_replica());
  EXPECT_EQ(c->master_id, kB);
  EXPECT_EQ(c->hostname, "host4");
  // A loaded non-zero pong stamp becomes "now"; no link is up yet.
  EXPECT_EQ(cs.NodeLine(*c), std::string(kC) + " 127.0.0.1:7004@17004,host4 slave " + kB + " 0 " +
                                 std::to_string(clock.UnixMs()) + " 2 disconnected");
  EXPECT_EQ(cs.ReplicasOf(kB).size(), 1u);
  EXPECT_EQ(cs.size(), 1);  // Redis's initial value, kept during the writable delay
  clock.AdvanceMs(ClusterState::kWritableDelayMs);
  EXPECT_EQ(cs.size(), 2);
}

TEST(ClusterState, MigratingAndImportingInMyLine) {
  TempDir dir;
  ManualClock clock;
  std::string text = std::string(kA) + " :7001@17001 myself,master - 0 0 0 connected 1 3 [1->-" + kB + "] [2-<-" +
                     kB + "]\n" + kB + " 127.0.0.1:7002@17002 master - 0 0 0 disconnected\n" +
                     "vars currentEpoch 0 lastVoteEpoch 0\n";
  WriteFile(dir.File("nodes.conf"), text);
  ClusterState cs(Opts(dir), &clock, 5);
  ASSERT_TRUE(cs.Open().ok());
  EXPECT_EQ(cs.migrating_to(1)->id, kB);
  EXPECT_EQ(cs.importing_from(2)->id, kB);
  EXPECT_EQ(ReadFile(dir.File("nodes.conf")), text);
}

TEST(ClusterState, SecondUserOfTheFileIsRefused) {
  TempDir dir;
  ManualClock clock;
  ClusterState first(Opts(dir), &clock, 6);
  ASSERT_TRUE(first.Open().ok());
  ASSERT_TRUE(first.Save().ok());  // the lock follows the renamed file
  ClusterState second(Opts(dir, 7002), &clock, 7);
  Status s = second.Open();
  EXPECT_EQ(s.message(), "Sorry, the cluster configuration file " + dir.File("nodes.conf") +
                             " is already used by a different Redis Cluster node. Please make sure that "
                             "different nodes use different cluster configuration files.");
}

TEST(ClusterState, CorruptFilesAreRefused) {
  const char* kBad[] = {
      "garbage line here\n",
      "vars currentEpoch 0 lastVoteEpoch 0\n",  // no myself
      "aaaa :7001@17001 myself,master - 0 0 0 connected\n",  // short id
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa :7001@17001 myself,wizard - 0 0 0 connected\n",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa :7001@17001 myself,master - 0 0 0 connected 16384\n",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 7001 myself,master - 0 0 0 connected\n",
  };
  for (const char* bad : kBad) {
    TempDir dir;
    ManualClock clock;
    WriteFile(dir.File("nodes.conf"), bad);
    ClusterState cs(Opts(dir), &clock, 8);
    EXPECT_EQ(cs.Open().message(), "Unrecoverable error: corrupted cluster config file.") << bad;
    EXPECT_EQ(ReadFile(dir.File("nodes.conf")), bad);  // left as it was
  }
}

TEST(ClusterState, FlagsText) {
  EXPECT_EQ(ClusterState::FlagsText(0), "noflags");
  EXPECT_EQ(ClusterState::FlagsText(kNodeMyself | kNodeMaster), "myself,master");
  EXPECT_EQ(ClusterState::FlagsText(kNodeSlave | kNodePfail | kNodeNoFailover), "slave,fail?,nofailover");
  EXPECT_EQ(ClusterState::FlagsText(kNodeHandshake | kNodeMeet), "handshake");
}

TEST(ClusterState, EpochRules) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 9);
  ASSERT_TRUE(cs.Open().ok());
  EXPECT_TRUE(cs.BumpEpochWithoutConsensus());
  EXPECT_EQ(cs.myself().config_epoch, 1u);
  EXPECT_FALSE(cs.BumpEpochWithoutConsensus());  // already the largest
  ClusterNode* other = cs.AddNode(kB, kNodeMaster);
  other->config_epoch = 5;
  cs.current_epoch = 5;  // as gossip would have raised it
  EXPECT_TRUE(cs.BumpEpochWithoutConsensus());
  EXPECT_EQ(cs.myself().config_epoch, 6u);
  EXPECT_EQ(cs.current_epoch, 6u);
}

TEST(ClusterState, HardResetGivesANewIdAndZeroEpochs) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 10);
  ASSERT_TRUE(cs.Open().ok());
  std::string id = cs.myself().id;
  cs.AddNode(kB, kNodeMaster);
  cs.AssignSlot(5, cs.Find(kB));
  cs.AssignSlot(6, &cs.myself());
  cs.BumpEpochWithoutConsensus();
  cs.Reset(false);
  EXPECT_EQ(cs.myself().id, id);
  EXPECT_EQ(cs.known_nodes(), 1u);
  EXPECT_EQ(cs.owner(5), nullptr);
  EXPECT_EQ(cs.owner(6), nullptr);
  EXPECT_EQ(cs.current_epoch, 1u);
  cs.Reset(true);
  EXPECT_NE(cs.myself().id, id);
  EXPECT_EQ(cs.current_epoch, 0u);
  EXPECT_EQ(cs.myself().config_epoch, 0u);
}

TEST(ClusterState, FailureReportsExpire) {
  TempDir dir;
  ManualClock clock;
  ClusterOptions o = Opts(dir);
  o.node_timeout_ms = 1000;
  ClusterState cs(o, &clock, 11);
  ASSERT_TRUE(cs.Open().ok());
  ClusterNode* b = cs.AddNode(kB, kNodeMaster);
  cs.AddNode(kC, kNodeMaster);
  cs.AddFailureReport(b, kC);
  cs.AddFailureReport(b, kC);  // refreshed, not doubled
  EXPECT_EQ(cs.CountFailureReports(b), 1u);
  clock.AdvanceMs(2001);
  EXPECT_EQ(cs.CountFailureReports(b), 0u);
}

TEST(ClusterStateHealth, OkTwoSecondsAfterStartWhenSlotsCameEarly) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 12);
  ASSERT_TRUE(cs.Open().ok());
  clock.AdvanceMs(500);
  for (int s = 0; s < kClusterSlots; ++s) cs.AssignSlot(s, &cs.myself());
  EXPECT_EQ(cs.Health(), ClusterHealth::kFail);  // the writable delay
  clock.AdvanceMs(1499);
  EXPECT_EQ(cs.Health(), ClusterHealth::kFail);
  clock.AdvanceMs(1);
  EXPECT_EQ(cs.Health(), ClusterHealth::kOk);
  cs.UnassignSlot(100);
  EXPECT_EQ(cs.Health(), ClusterHealth::kFail);
  cs.SetRequireFullCoverage(false);
  EXPECT_EQ(cs.Health(), ClusterHealth::kOk);
}

TEST(ClusterStateHealth, RejoinDelayAfterBeingWithoutSlots) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 13);
  ASSERT_TRUE(cs.Open().ok());
  clock.AdvanceMs(3000);
  EXPECT_EQ(cs.Health(), ClusterHealth::kFail);  // no slots: a minority of nothing
  for (int s = 0; s < kClusterSlots; ++s) cs.AssignSlot(s, &cs.myself());
  clock.AdvanceMs(4999);
  EXPECT_EQ(cs.Health(), ClusterHealth::kFail);  // min(node timeout, 5 s)
  clock.AdvanceMs(1);
  EXPECT_EQ(cs.Health(), ClusterHealth::kOk);
  EXPECT_EQ(cs.size(), 1);
}

TEST(ClusterStateHealth, InfoText) {
  TempDir dir;
  ManualClock clock;
  ClusterState cs(Opts(dir), &clock, 14);
  ASSERT_TRUE(cs.Open().ok());
  EXPECT_EQ(cs.InfoText(),
            "cluster_state:fail\r\ncluster_slots_assigned:0\r\ncluster_slots_ok:0\r\n"
            "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\n"
            "cluster_size:1\r\ncluster_current_epoch:0\r\ncluster_my_epoch:0\r\n"
            "cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n"
            "total_cluster_links_buffer_limit_exceeded:0\r\n");
}

}  // namespace
}  // namespace troupe
