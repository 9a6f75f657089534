// Tests of actors/cluster/cluster_routing: Redis's getNodeByQuery decisions
// and their error texts, over the real command table rows.
#include "actors/cluster/cluster_routing.h"

#include <ftw.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>
#include <string>

#include "actors/shard/commands/command_table.h"

namespace troupe {
namespace {

const char kB[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/troupe-routing-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    ClusterOptions o;
    o.config_file = dir_ + "/nodes.conf";
    o.port = 7001;
    o.cport = 17001;
    cs_ = std::make_unique<ClusterState>(o, &clock_, 1);
    ASSERT_TRUE(cs_->Open().ok());
    other_ = cs_->AddNode(kB, kNodeMaster);
    other_->ip = "127.0.0.1";
    other_->port = 7003;
    // Slots 0-8191 here, 8192-16383 on the other master.
    for (int s = 0; s < kClusterSlots; ++s) cs_->AssignSlot(s, s < 8192 ? &cs_->myself() : other_);
    clock_.AdvanceMs(10000);
  }
  void TearDown() override {
    cs_.reset();
    nftw(
        dir_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }

  RouteDecision RouteArgs(std::vector<std::string_view> argv, bool readonly = false, bool asking = false) {
    RouteRequest req;
    req.commands.push_back(RoutedCommand{CommandTable::Instance().Resolve(argv), argv});
    req.readonly_client = readonly;
    req.asking = asking;
    req.key_exists = [this](std::string_view k) { return present_.count(std::string(k)) != 0; };
    return Route(*cs_, req);
  }
  std::string Error(std::vector<std::string_view> argv) { return RedirectError(RouteArgs(std::move(argv))); }

  std::string dir_;
  ManualClock clock_;
  std::unique_ptr<ClusterState> cs_;
  ClusterNode* other_ = nullptr;
  std::set<std::string> present_;
};

TEST_F(RoutingTest, ServedMovedCrossSlot) {
  EXPECT_EQ(Error({"get", "foo{bar}"}), "");  // slot 5061: mine
  EXPECT_EQ(Error({"set", "a", "1"}), "MOVED 15495 127.0.0.1:7003");  // the tutorial's line
  EXPECT_EQ(Error({"mset", "a", "1", "b", "2"}), "CROSSSLOT Keys in request don't hash to the same slot");
  EXPECT_EQ(Error({"mset", "{u}a", "1", "{u}b", "2"}), "MOVED 11826 127.0.0.1:7003");
  EXPECT_EQ(Error({"ping"}), "");  // no keys: never redirected
  EXPECT_EQ(RouteArgs({"ping"}).slot, -1);
}

TEST_F(RoutingTest, UnboundSlotAndDownState) {
  cs_->UnassignSlot(5061);
  EXPECT_EQ(Error({"get", "bar"}), "CLUSTERDOWN Hash slot not served");
  // An owned slot while the state is "fail" (full coverage required).
  EXPECT_EQ(Error({"get", "foo"}), "CLUSTERDOWN The cluster is down");
  EXPECT_EQ(cs_->Health(), ClusterHealth::kFail);
  EXPECT_EQ(Error({"get", "{a}x"}), "CLUSTERDOWN The cluster is down");
  RouteRequest req;
  std::vector<std::string_view> get = {"get", "{a}x"};
  req.commands.push_back(RoutedCommand{CommandTable::Instance().Resolve(get), get});
  req.allow_reads_when_down = true;
  EXPECT_EQ(Route(*cs_, req).kind, RouteKind::kMoved);
  std::vector<std::string_view> set = {"set", "{a}x", "1"};
  req.commands = {RoutedCommand{CommandTable::Instance().Resolve(set), set}};
  EXPECT_EQ(RedirectError(Route(*cs_, req)), "CLUSTERDOWN The cluster is down and only accepts read commands");
}

TEST_F(RoutingTest, ReplicaServesReadsToReadonlyClients) {
  ClusterNode& me = cs_->myself();
  cs_->UnassignAllSlots(&me);
  for (int s = 0; s < kClusterSlots; ++s) cs_->AssignSlot(s, other_);
  me.flags = kNodeMyself | kNodeSlave;
  me.master_id = kB;
  clock_.AdvanceMs(10000);
  EXPECT_EQ(Error({"get", "foo"}), "MOVED 12182 127.0.0.1:7003");
  EXPECT_EQ(RouteArgs({"get", "foo"}, /*readonly=*/true).kind, RouteKind::kServe);
  EXPECT_EQ(RouteArgs({"set", "foo", "1"}, /*readonly=*/true).kind, RouteKind::kMoved);
}

TEST_F(RoutingTest, MigratingAndImporting) {
  cs_->SetMigrating(5061, other_);  // "bar" is moving away
  EXPECT_EQ(Error({"get", "bar"}), "ASK 5061 127.0.0.1:7003");
  present_.insert("bar");
  EXPECT_EQ(Error({"get", "bar"}), "");
  EXPECT_EQ(Error({"mget", "bar", "{bar}2"}), "TRYAGAIN Multiple keys request during rehashing of slot");
  cs_->SetImporting(12182, other_);  // "foo" is coming here
  EXPECT_EQ(Error({"get", "foo"}), "MOVED 12182 127.0.0.1:7003");
  EXPECT_EQ(RouteArgs({"get", "foo"}, false, /*asking=*/true).kind, RouteKind::kServe);
  EXPECT_EQ(RouteArgs({"mget", "foo", "{foo}2"}, false, true).kind, RouteKind::kTryAgain);
}

TEST_F(RoutingTest, ExecChecksEveryQueuedCommand) {
  RouteRequest req;
  req.is_exec = true;
  std::vector<std::string_view> a = {"set", "{x}1", "v"}, b = {"get", "{y}2"};
  req.commands.push_back(RoutedCommand{CommandTable::Instance().Resolve(a), a});
  req.commands.push_back(RoutedCommand{CommandTable::Instance().Resolve(b), b});
  EXPECT_EQ(Route(*cs_, req).kind, RouteKind::kCrossSlot);
}

}  // namespace
}  // namespace troupe
