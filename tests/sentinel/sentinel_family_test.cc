// Tests for the SENTINEL command family (actors/shard/commands/
// sentinel_family.cc) and INFO / COMMAND in sentinel mode: the command table
// driven through CommandHarness in sentinel mode, against a SentinelState
// filled by hand, replies compared byte for byte with the shapes
// redis-sentinel 7.0.15 gives (field names and order, RESP2 flat arrays and
// RESP3 maps, error texts). A fake SentinelIo counts config flushes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/sentinel/sentinel_config.h"
#include "actors/sentinel/sentinel_extras.h"
#include "actors/sentinel/sentinel_state.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

const std::string kMasterRunId = "3a12c2c25080ade864ebea201d1e20c3a84d0884";
const std::string kReplicaRunId = "d0969831415e596256498787ab58d9163230d67f";
const std::string kPeer1 = "04969b94da1b6d66e861e2a058ffea4e2081402d";
const std::string kPeer2 = "02d7904a42bcf394e4ac2340271de6c7b53ab01c";
const std::string kMyId = "39926a81905379db978f4e45c2e584f4422360ed";

class FakeIo : public SentinelIo {
 public:
  void Command(SentinelInstance&, const std::vector<std::string>&, Reply) override {}
  void EnsureLinks(SentinelInstance&) override {}
  void CloseLinks(SentinelInstance& ri) override { closed.push_back(ri.name); }
  void Publish(const std::string& channel, const std::string& message) override {
    events.push_back(channel + " " + message);
  }
  void FlushConfig() override { ++flushes; }
  int flushes = 0;
  std::vector<std::string> closed;
  std::vector<std::string> events;
};

// "$<len>\r\n<s>\r\n"
std::string B(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }
// A flat field/value list as bulk strings.
std::string Pairs(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) out += B(k) + B(v);
  return out;
}

class SentinelFamilyTest : public ::testing::Test {
 protected:
  SentinelFamilyTest() : state_(&h_.clock(), 7) {
    h_.server().config().set_sentinel_mode(true);
    h_.server().sentinel = &state_;
    ResetSentinelExtras(state_);
    state_.set_io(&io_);
    state_.config().myid = kMyId;
    now_ = h_.clock().UnixMs();
  }
  ~SentinelFamilyTest() override { ResetSentinelExtras(state_); }

  // The tutorial's deployment as a sentinel sees it 100 s after start: a
  // master with one replica and two other sentinels, every link up.
  SentinelInstance& AddDeployment() {
    SentinelInstance* m = *state_.AddMaster("mymaster", "127.0.0.1", 21001, 2);
    m->runid = kMasterRunId;
    m->down_after_ms = 5000;
    m->failover_timeout_ms = 60000;
    Up(*m);
    m->info_refresh_ms = now_ - 2523;
    m->role_reported_time_ms = now_ - 92892;
    m->info = "# Server\r\nrun_id:" + kMasterRunId + "\r\n";
    SentinelInstance* r = state_.AddSlave(*m, "127.0.0.1", 21002);
    r->runid = kReplicaRunId;
    Up(*r);
    r->info_refresh_ms = now_ - 7549;
    r->role_reported_time_ms = now_ - 92991;
    r->slave_master_host = "127.0.0.1";
    r->slave_master_port = 21001;
    r->slave_master_link_up = true;
    r->slave_repl_offset = 16908;
    r->info = "# Server\r\nrun_id:" + kReplicaRunId + "\r\n";
    for (const auto& [port, id] : {std::pair<int, std::string>{21101, kPeer1}, {21102, kPeer2}}) {
      SentinelInstance* s = state_.AddSentinel(*m, "127.0.0.1", port, id);
      Up(*s);
      s->last_hello_time_ms = now_ - 1552;
    }
    SetDownAfter(*m, 5000);
    return *m;
  }
  void Up(SentinelInstance& ri) {
    ri.link_connected = ri.pubsub_connected = true;
    ri.last_avail_time_ms = ri.last_pong_time_ms = now_ - 302;
  }

  std::string Run(const std::vector<std::string>& args) { return h_.Run(args); }
  std::string Run3(const std::vector<std::string>& args) {
    h_.client().protocol = 3;
    std::string out = h_.Run(args);
    h_.client().protocol = 2;
    return out;
  }

  CommandHarness h_;
  SentinelState state_;
  FakeIo io_;
  int64_t now_ = 0;
};

// The fields of SENTINEL MASTER mymaster for AddDeployment().
std::vector<std::pair<std::string, std::string>> MasterFields() {
  return {{"name", "mymaster"},
          {"ip", "127.0.0.1"},
          {"port", "21001"},
          {"runid", kMasterRunId},
          {"flags", "master"},
          {"link-pending-commands", "0"},
          {"link-refcount", "1"},
          {"last-ping-sent", "0"},
          {"last-ok-ping-reply", "302"},
          {"last-ping-reply", "302"},
          {"down-after-milliseconds", "5000"},
          {"info-refresh", "2523"},
          {"role-reported", "master"},
          {"role-reported-time", "92892"},
          {"config-epoch", "0"},
          {"num-slaves", "1"},
          {"num-other-sentinels", "2"},
          {"quorum", "2"},
          {"failover-timeout", "60000"},
          {"parallel-syncs", "1"}};
}

TEST_F(SentinelFamilyTest, MasterReplyShape) {
  AddDeployment();
  std::string fields = Pairs(MasterFields());
  EXPECT_EQ(Run({"SENTINEL", "MASTER", "mymaster"}), "*40\r\n" + fields);
  EXPECT_EQ(Run3({"SENTINEL", "MASTER", "mymaster"}), "%20\r\n" + fields);
  EXPECT_EQ(Run({"SENTINEL", "MASTERS"}), "*1\r\n*40\r\n" + fields);
  EXPECT_EQ(Run3({"sentinel", "masters"}), "*1\r\n%20\r\n" + fields);
  EXPECT_EQ(Run({"SENTINEL", "MASTER", "nosuch"}), "-ERR No such master with that name\r\n");
}

TEST_F(SentinelFamilyTest, ReplicaReplyShape) {
  AddDeployment();
  std::string want = "*1\r\n*42\r\n" + Pairs({{"name", "127.0.0.1:21002"},
                                              {"ip", "127.0.0.1"},
                                              {"port", "21002"},
                                              {"runid", kReplicaRunId},
                                              {"flags", "slave"},
                                              {"link-pending-commands", "0"},
                                              {"link-refcount", "1"},
                                              {"last-ping-sent", "0"},
                                              {"last-ok-ping-reply", "302"},
                                              {"last-ping-reply", "302"},
                                              {"down-after-milliseconds", "5000"},
                                              {"info-refresh", "7549"},
                                              {"role-reported", "slave"},
                                              {"role-reported-time", "92991"},
                                              {"master-link-down-time", "0"},
                                              {"master-link-status", "ok"},
                                              {"master-host", "127.0.0.1"},
                                              {"master-port", "21001"},
                                              {"slave-priority", "100"},
                                              {"slave-repl-offset", "16908"},
                                              {"replica-announced", "1"}});
  EXPECT_EQ(Run({"SENTINEL", "REPLICAS", "mymaster"}), want);
  EXPECT_EQ(Run({"SENTINEL", "SLAVES", "mymaster"}), want);
  EXPECT_EQ(Run({"SENTINEL", "REPLICAS", "nosuch"}), "-ERR No such master with that name\r\n");
}

TEST_F(SentinelFamilyTest, UnannouncedReplicasAreHidden) {
  SentinelInstance& m = AddDeployment();
  m.slaves.begin()->second->replica_announced = false;
  EXPECT_EQ(Run({"SENTINEL", "REPLICAS", "mymaster"}), "*0\r\n");
}

TEST_F(SentinelFamilyTest, SentinelsReplyShape) {
  AddDeployment();
  auto fields = [](int port, const std::string& id) {
    return "*28\r\n" + Pairs({{"name", id},
                              {"ip", "127.0.0.1"},
                              {"port", std::to_string(port)},
                              {"runid", id},
                              {"flags", "sentinel"},
                              {"link-pending-commands", "0"},
                              {"link-refcount", "1"},
                              {"last-ping-sent", "0"},
                              {"last-ok-ping-reply", "302"},
                              {"last-ping-reply", "302"},
                              {"down-after-milliseconds", "5000"},
                              {"last-hello-message", "1552"},
                              {"voted-leader", "?"},
                              {"voted-leader-epoch", "0"}});
  };
  EXPECT_EQ(Run({"SENTINEL", "SENTINELS", "mymaster"}),
            "*2\r\n" + fields(21101, kPeer1) + fields(21102, kPeer2));
}

TEST_F(SentinelFamilyTest, FlagsAndDownTimes) {
  SentinelInstance& m = AddDeployment();
  m.flags |= kSriSDown | kSriODown | kSriFailoverInProgress | kSriForceFailover;
  m.s_down_since_ms = now_ - 6000;
  m.o_down_since_ms = now_ - 5000;
  m.act_ping_time_ms = now_ - 6100;
  m.failover_state = FailoverState::kSelectSlave;
  m.pubsub_connected = false;
  std::string reply = Run({"SENTINEL", "MASTER", "mymaster"});
  EXPECT_NE(
      reply.find(Pairs({{"flags", "s_down,o_down,master,disconnected,failover_in_progress,force_failover"}})),
      std::string::npos);
  EXPECT_NE(reply.find(Pairs(
                {{"link-refcount", "1"}, {"failover-state", "select_slave"}, {"last-ping-sent", "6100"}})),
            std::string::npos);
  EXPECT_NE(reply.find(Pairs({{"last-ping-reply", "302"},
                              {"s-down-time", "6000"},
                              {"o-down-time", "5000"},
                              {"down-after-milliseconds", "5000"}})),
            std::string::npos);
  EXPECT_EQ(reply.substr(0, 5), "*46\r\n");  // 20 fields + failover-state, s-down-time, o-down-time
  // A fresh instance that never connected.
  state_.AddMaster("fresh", "127.0.0.1", 22001, 1);
  EXPECT_NE(Run({"SENTINEL", "MASTER", "fresh"}).find(Pairs({{"flags", "master,disconnected"}})),
            std::string::npos);
}

TEST_F(SentinelFamilyTest, ScriptsShowInMasterFields) {
  AddDeployment();
  SentinelExtrasOf(state_).masters["mymaster"].notification_script = "/bin/true";
  std::string reply = Run({"SENTINEL", "MASTER", "mymaster"});
  EXPECT_EQ(reply.substr(0, 5), "*42\r\n");
  EXPECT_NE(reply.find(Pairs({{"parallel-syncs", "1"}, {"notification-script", "/bin/true"}})),
            std::string::npos);
}

TEST_F(SentinelFamilyTest, GetMasterAddrByName) {
  SentinelInstance& m = AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"}), "*2\r\n" + B("127.0.0.1") + B("21001"));
  EXPECT_EQ(Run({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"}), "*-1\r\n");
  EXPECT_EQ(Run3({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"}), "_\r\n");
  // Once the promoted replica is reconfiguring the others, clients are
  // sent to it.
  m.flags |= kSriFailoverInProgress;
  m.promoted_slave = m.slaves.begin()->second.get();
  m.failover_state = FailoverState::kReconfSlaves;
  EXPECT_EQ(Run({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"}), "*2\r\n" + B("127.0.0.1") + B("21002"));
}

TEST_F(SentinelFamilyTest, IsMasterDownByAddr) {
  SentinelInstance& m = AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "21001", "0", "*"}),
            "*3\r\n:0\r\n$1\r\n*\r\n:0\r\n");
  m.flags |= kSriSDown;
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "21001", "0", "*"}),
            "*3\r\n:1\r\n$1\r\n*\r\n:0\r\n");
  // A vote request in a new epoch gets our vote.
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "21001", "5", kPeer1}),
            "*3\r\n:1\r\n" + B(kPeer1) + ":5\r\n");
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.9", "21001", "0", "*"}),
            "*3\r\n:0\r\n$1\r\n*\r\n:0\r\n");
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "21001", "y", "*"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "21001", "0"}),
            "-ERR wrong number of arguments for 'sentinel|is-master-down-by-addr' command\r\n");
}

TEST_F(SentinelFamilyTest, CkQuorum) {
  SentinelInstance& m = AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "CKQUORUM", "mymaster"}),
            "+OK 3 usable Sentinels. Quorum and failover authorization can be reached\r\n");
  for (auto& [key, s] : m.sentinels) s->flags |= kSriSDown;
  EXPECT_EQ(Run({"SENTINEL", "CKQUORUM", "mymaster"}),
            "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum "
            "for this master. Not enough available Sentinels to reach the majority and authorize a "
            "failover\r\n");
  m.quorum = 1;
  EXPECT_EQ(Run({"SENTINEL", "CKQUORUM", "mymaster"}),
            "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the majority and "
            "authorize a failover\r\n");
  m.quorum = 5;
  for (auto& [key, s] : m.sentinels) s->flags = kSriSentinel;
  EXPECT_EQ(Run({"SENTINEL", "CKQUORUM", "mymaster"}),
            "-NOQUORUM 3 usable Sentinels. Not enough available Sentinels to reach the specified quorum "
            "for this master\r\n");
  EXPECT_EQ(Run({"SENTINEL", "CKQUORUM", "nosuch"}), "-ERR No such master with that name\r\n");
}

TEST_F(SentinelFamilyTest, MonitorAndRemove) {
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "21001", "x"}), "-ERR Invalid quorum\r\n");
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "x", "1"}), "-ERR Invalid port\r\n");
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "21001", "0"}),
            "-ERR Quorum must be 1 or greater.\r\n");
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "notanip", "21001", "1"}),
            "-ERR Invalid IP address or hostname specified\r\n");
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "70000", "1"}), "-ERR Invalid port number.\r\n");
  EXPECT_EQ(io_.flushes, 0);
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "21001", "1"}), "+OK\r\n");
  EXPECT_EQ(io_.flushes, 1);
  ASSERT_NE(state_.FindMaster("m2"), nullptr);
  EXPECT_EQ(state_.FindMaster("m2")->quorum, 1);
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "m2", "127.0.0.1", "21001", "1"}), "-ERR Duplicate master name.\r\n");
  EXPECT_EQ(Run({"SENTINEL", "REMOVE", "nosuch"}), "-ERR No such master with that name\r\n");
  EXPECT_EQ(Run({"SENTINEL", "REMOVE", "m2"}), "+OK\r\n");
  EXPECT_EQ(io_.flushes, 2);
  EXPECT_EQ(state_.FindMaster("m2"), nullptr);
  ASSERT_GE(io_.events.size(), 2u);
  EXPECT_EQ(io_.events.front(), "+monitor master m2 127.0.0.1 21001 quorum 1");
  EXPECT_EQ(io_.events.back(), "-monitor master m2 127.0.0.1 21001");
}

TEST_F(SentinelFamilyTest, Reset) {
  AddDeployment();
  state_.AddMaster("other", "127.0.0.1", 22001, 1);
  EXPECT_EQ(Run({"SENTINEL", "RESET", "nosuch*"}), ":0\r\n");
  EXPECT_EQ(io_.flushes, 0);
  EXPECT_EQ(Run({"SENTINEL", "RESET", "my*"}), ":1\r\n");
  SentinelInstance* m = state_.FindMaster("mymaster");
  EXPECT_TRUE(m->slaves.empty());
  EXPECT_TRUE(m->sentinels.empty());
  EXPECT_EQ(m->flags, static_cast<uint32_t>(kSriMaster));
  EXPECT_EQ(io_.flushes, 1);
  EXPECT_EQ(io_.events.back(), "+reset-master master mymaster 127.0.0.1 21001");
  EXPECT_EQ(Run({"SENTINEL", "RESET", "*"}), ":2\r\n");
  EXPECT_EQ(Run({"SENTINEL", "RESET", "MY*"}), ":0\r\n");  // case-sensitive, as Redis
}

TEST_F(SentinelFamilyTest, Failover) {
  SentinelInstance& m = AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "FAILOVER", "nosuch"}), "-ERR No such master with that name\r\n");
  m.flags |= kSriFailoverInProgress;
  EXPECT_EQ(Run({"SENTINEL", "FAILOVER", "mymaster"}), "-INPROG Failover already in progress\r\n");
  m.flags = kSriMaster;
  m.slaves.clear();
  EXPECT_EQ(Run({"SENTINEL", "FAILOVER", "mymaster"}), "-NOGOODSLAVE No suitable replica to promote\r\n");
}

TEST_F(SentinelFamilyTest, Set) {
  SentinelInstance& m = AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "SET", "nosuch", "quorum", "2"}), "-ERR No such master with that name\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "quorum", "x"}),
            "-ERR Invalid argument 'x' for SENTINEL SET 'quorum'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "quorum", "0"}),
            "-ERR Invalid argument '0' for SENTINEL SET 'quorum'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "foo", "1"}),
            "-ERR Unknown option or number of arguments for SENTINEL SET 'foo'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "quorum"}),
            "-ERR wrong number of arguments for 'sentinel|set' command\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"}),
            "-ERR Reconfiguration of scripts path is denied for security reasons. Check the "
            "deny-scripts-reconfig configuration directive in your Sentinel configuration\r\n");
  EXPECT_EQ(io_.flushes, 0);
  EXPECT_EQ(Run({"SENTINEL",
                 "SET",
                 "mymaster",
                 "quorum",
                 "3",
                 "down-after-milliseconds",
                 "1000",
                 "failover-timeout",
                 "9000",
                 "parallel-syncs",
                 "2",
                 "auth-pass",
                 "pw",
                 "auth-user",
                 "bob",
                 "rename-command",
                 "CONFIG",
                 "XCONFIG",
                 "master-reboot-down-after-period",
                 "0"}),
            "+OK\r\n");
  EXPECT_EQ(io_.flushes, 1);
  EXPECT_EQ(m.quorum, 3);
  EXPECT_EQ(m.down_after_ms, 1000);
  EXPECT_EQ(m.slaves.begin()->second->down_after_ms, 1000);
  EXPECT_EQ(m.failover_timeout_ms, 9000);
  EXPECT_EQ(m.parallel_syncs, 2);
  EXPECT_EQ(m.auth_pass, "pw");
  EXPECT_EQ(m.auth_user, "bob");
  EXPECT_EQ(MappedCommand(state_, "mymaster", "config"), "XCONFIG");
  EXPECT_NE(std::find(io_.events.begin(), io_.events.end(),
                      "+set master mymaster 127.0.0.1 21001 auth-pass ******"),
            io_.events.end());
  // New credentials: the master's and replicas' links are dropped.
  EXPECT_NE(std::find(io_.closed.begin(), io_.closed.end(), "mymaster"), io_.closed.end());
  // Options before a bad one stay applied and are flushed.
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "quorum", "2", "parallel-syncs"}),
            "-ERR Unknown option or number of arguments for SENTINEL SET 'parallel-syncs'\r\n");
  EXPECT_EQ(m.quorum, 2);
  EXPECT_EQ(io_.flushes, 2);
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "rename-command", "CONFIG", ""}),
            "-ERR Invalid argument '' for SENTINEL SET 'rename-command'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "master-reboot-down-after-period", "-1"}),
            "-ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'\r\n");
  // Scripts, once allowed: checked, stored, shown in the config.
  state_.config().deny_scripts_reconfig = false;
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "client-reconfig-script", "/nonexistent"}),
            "-ERR Client reconfiguration script seems non existing or non executable\r\n");
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"}), "+OK\r\n");
  std::vector<std::string> lines = state_.ConfigLines();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "sentinel notification-script mymaster /bin/true"),
            lines.end());
  // Renaming a command to itself removes the mapping.
  EXPECT_EQ(Run({"SENTINEL", "SET", "mymaster", "rename-command", "config", "config"}), "+OK\r\n");
  EXPECT_EQ(MappedCommand(state_, "mymaster", "CONFIG"), "CONFIG");
}

TEST_F(SentinelFamilyTest, ConfigGetSet) {
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "GET", "*"}), "*12\r\n" + Pairs({{"resolve-hostnames", "no"},
                                                                        {"announce-hostnames", "no"},
                                                                        {"announce-ip", ""},
                                                                        {"announce-port", "0"},
                                                                        {"sentinel-user", ""},
                                                                        {"sentinel-pass", ""}}));
  EXPECT_EQ(Run3({"SENTINEL", "CONFIG", "GET", "ANNOUNCE-IP"}), "%1\r\n" + Pairs({{"announce-ip", ""}}));
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "GET", "nothing"}), "*0\r\n");
  const std::string only = "-ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.\r\n";
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "GET"}), only);
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "GET", "a", "b"}), only);
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "FOO", "a"}), only);
  EXPECT_EQ(Run({"SENTINEL", "CONFIG"}), "-ERR wrong number of arguments for 'sentinel|config' command\r\n");
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "SET", "announce-port", "70000"}),
            "-ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"}),
            "-ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "SET", "foo", "1"}),
            "-ERR Invalid argument 'foo' to SENTINEL CONFIG SET\r\n");
  EXPECT_EQ(io_.flushes, 0);
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"announce-ip", "10.0.0.1"},
                                                                             {"announce-port", "26380"},
                                                                             {"resolve-hostnames", "YES"},
                                                                             {"announce-hostnames", "yes"},
                                                                             {"sentinel-user", "alice"},
                                                                             {"sentinel-pass", "pw"}})
    EXPECT_EQ(Run({"SENTINEL", "CONFIG", "SET", k, v}), "+OK\r\n") << k;
  EXPECT_EQ(io_.flushes, 6);
  const SentinelConfig& c = state_.config();
  EXPECT_EQ(c.announce_ip, "10.0.0.1");
  EXPECT_EQ(c.announce_port, 26380);
  EXPECT_TRUE(c.resolve_hostnames && c.announce_hostnames);
  EXPECT_EQ(c.sentinel_user, "alice");
  EXPECT_EQ(c.sentinel_pass, "pw");
  EXPECT_EQ(Run({"SENTINEL", "CONFIG", "GET", "announce-*"}), "*6\r\n" + Pairs({{"announce-hostnames", "yes"},
                                                                                {"announce-ip", "10.0.0.1"},
                                                                                {"announce-port", "26380"}}));
}

TEST_F(SentinelFamilyTest, InfoCache) {
  AddDeployment();
  std::string want = "*2\r\n" + B("mymaster") + "*2\r\n" + "*2\r\n:2523\r\n" +
                     B("# Server\r\nrun_id:" + kMasterRunId + "\r\n") + "*2\r\n:7549\r\n" +
                     B("# Server\r\nrun_id:" + kReplicaRunId + "\r\n");
  EXPECT_EQ(Run({"SENTINEL", "INFO-CACHE", "mymaster"}), want);
  EXPECT_EQ(Run({"SENTINEL", "INFO-CACHE", "mymaster", "nosuch", "mymaster"}), want);
  EXPECT_EQ(Run({"SENTINEL", "INFO-CACHE", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Run({"SENTINEL", "INFO-CACHE"}),
            "-ERR wrong number of arguments for 'sentinel|info-cache' command\r\n");
  state_.AddMaster("fresh", "127.0.0.1", 22001, 1);
  EXPECT_EQ(Run3({"SENTINEL", "INFO-CACHE", "fresh"}), "*2\r\n" + B("fresh") + "*1\r\n*2\r\n:0\r\n_\r\n");
}

TEST_F(SentinelFamilyTest, SmallSubcommands) {
  EXPECT_EQ(Run({"SENTINEL", "MYID"}), B(kMyId));
  EXPECT_EQ(Run({"SENTINEL", "MYID", "x"}), "-ERR wrong number of arguments for 'sentinel|myid' command\r\n");
  EXPECT_EQ(Run({"SENTINEL", "PENDING-SCRIPTS"}), "*0\r\n");
  EXPECT_EQ(Run({"SENTINEL", "FLUSHCONFIG"}), "+OK\r\n");
  EXPECT_EQ(io_.flushes, 1);
  EXPECT_EQ(Run({"SENTINEL"}), "-ERR wrong number of arguments for 'sentinel' command\r\n");
  EXPECT_EQ(Run({"SENTINEL", "FOO"}), "-ERR unknown subcommand 'FOO'. Try SENTINEL HELP.\r\n");
  std::string help = Run({"SENTINEL", "HELP"});
  // Troupe's own wording (docs/DESIGN-NOTES.md), Redis's layout.
  EXPECT_EQ(help.substr(0, help.find("\r\n") + 2 + 68),
            "*47\r\n+SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
  EXPECT_EQ(help.substr(help.size() - 30), "+HELP\r\n+    Print this help.\r\n");
}

TEST_F(SentinelFamilyTest, SimulateFailureAndInfo) {
  AddDeployment();
  EXPECT_EQ(Run({"SENTINEL", "SIMULATE-FAILURE", "help"}),
            "*2\r\n" + B("crash-after-election") + B("crash-after-promotion"));
  EXPECT_EQ(Run({"SENTINEL", "SIMULATE-FAILURE", "CRASH-AFTER-ELECTION", "crash-after-promotion"}),
            "+OK\r\n");
  EXPECT_EQ(SentinelExtrasOf(state_).simulate_failure_flags,
            static_cast<uint32_t>(kSimFailureCrashAfterElection | kSimFailureCrashAfterPromotion));
  std::string section =
      "# Sentinel\r\nsentinel_masters:1\r\nsentinel_tilt:0\r\nsentinel_tilt_since_seconds:-1\r\n"
      "sentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:3\r\n"
      "master0:name=mymaster,status=ok,address=127.0.0.1:21001,slaves=1,sentinels=3\r\n";
  EXPECT_EQ(Run({"INFO", "sentinel"}), B(section));
  EXPECT_EQ(Run3({"INFO", "SENTINEL"}), B(section));  // a bulk string, not verbatim, as redis-sentinel
  // An unknown mode keeps the flags set before it.
  EXPECT_EQ(Run({"SENTINEL", "SIMULATE-FAILURE", "crash-after-election", "foo"}),
            "-ERR Unknown failure simulation specified\r\n");
  EXPECT_EQ(SentinelExtrasOf(state_).simulate_failure_flags,
            static_cast<uint32_t>(kSimFailureCrashAfterElection));
  state_.FindMaster("mymaster")->flags |= kSriSDown;
  EXPECT_NE(Run({"INFO", "sentinel"}).find("status=sdown"), std::string::npos);
  state_.FindMaster("mymaster")->flags |= kSriODown;
  EXPECT_NE(Run({"INFO", "sentinel"}).find("status=odown"), std::string::npos);
}

TEST_F(SentinelFamilyTest, Debug) {
  std::string list = Run({"SENTINEL", "DEBUG"});
  EXPECT_EQ(list.substr(0, 5), "*26\r\n");
  EXPECT_NE(list.find(Pairs({{"INFO-PERIOD", "10000"}, {"PING-PERIOD", "1000"}})), std::string::npos);
  EXPECT_NE(list.find(Pairs({{"SCRIPT-RETRY-DELAY", "30000"}})), std::string::npos);
  EXPECT_EQ(Run3({"SENTINEL", "DEBUG"}).substr(0, 5), "%13\r\n");
  EXPECT_EQ(Run({"SENTINEL", "DEBUG", "foo", "1"}),
            "-ERR Unknown option or number of arguments for SENTINEL DEBUG 'foo'\r\n");
  EXPECT_EQ(Run({"SENTINEL", "DEBUG", "info-period", "x"}),
            "-ERR Invalid argument 'x' for SENTINEL DEBUG 'info-period'\r\n");
}

TEST_F(SentinelFamilyTest, InfoShowsOnlySentinelSections) {
  std::string all = Run({"INFO"});
  std::vector<std::string> titles;
  for (size_t at = all.find("# "); at != std::string::npos; at = all.find("\r\n# ", at + 1))
    titles.push_back(
        all.substr(all[at] == '#' ? at : at + 2, all.find("\r\n", at + 2) - (all[at] == '#' ? at : at + 2)));
  EXPECT_EQ(titles, (std::vector<std::string>{"# Server", "# Clients", "# Stats", "# CPU", "# Sentinel"}));
  EXPECT_EQ(Run({"INFO", "everything"}).substr(0, 1), "$");
  EXPECT_EQ(Run({"INFO", "memory"}), "$0\r\n\r\n");
  EXPECT_NE(Run({"INFO", "server"}).find("redis_mode:sentinel\r\n"), std::string::npos);
}

TEST_F(SentinelFamilyTest, CommandTableInSentinelMode) {
  // Only the sentinel commands exist: SENTINEL is listed, GET is not.
  EXPECT_EQ(Run({"GET", "x"}), "-ERR unknown command 'GET', with args beginning with: 'x' \r\n");
  std::string info = Run({"COMMAND", "INFO", "sentinel", "get"});
  EXPECT_EQ(info.substr(0, 21), "*2\r\n*10\r\n$8\r\nsentinel");
  EXPECT_NE(info.find("*1\r\n+admin\r\n"), std::string::npos);
  EXPECT_EQ(info.substr(info.size() - 5), "$-1\r\n");
  size_t count = 0;
  for (const auto& c : CommandTable::Instance().all()) count += (c->flags & kCmdSentinel) != 0;
  EXPECT_EQ(Run({"COMMAND", "COUNT"}), ":" + std::to_string(count) + "\r\n");
  std::string list = Run({"COMMAND", "LIST"});
  EXPECT_NE(list.find(B("sentinel|get-master-addr-by-name")), std::string::npos);
  EXPECT_EQ(list.find(B("get")), std::string::npos);
}

TEST(SentinelServerMode, SentinelIsUnknown) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"SENTINEL", "MASTERS"}),
            "-ERR unknown command 'SENTINEL', with args beginning with: 'MASTERS' \r\n");
  EXPECT_EQ(h.Run({"COMMAND", "INFO", "sentinel"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"COMMAND", "DOCS", "sentinel"}), "*0\r\n");
  size_t count = 0;
  for (const auto& c : CommandTable::Instance().all()) count += (c->flags & kCmdOnlySentinel) == 0;
  EXPECT_EQ(h.Run({"COMMAND", "COUNT"}), ":" + std::to_string(count) + "\r\n");
}

TEST(SentinelServerMode, NoStateWired) {
  CommandHarness h;
  h.server().config().set_sentinel_mode(true);
  EXPECT_EQ(h.Run({"SENTINEL", "MASTERS"}), "-ERR Sentinel state is not available\r\n");
  EXPECT_NE(h.Run({"INFO", "sentinel"}).find("sentinel_masters:0\r\n"), std::string::npos);
}

}  // namespace
}  // namespace troupe
