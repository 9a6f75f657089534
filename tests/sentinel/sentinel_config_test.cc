// Tests for the sentinel configuration (actors/sentinel/sentinel_config.cc):
// `sentinel ...` lines read through Config in sentinel mode into a
// SentinelState, Redis 7.0.15's fatal error for every bad line (texts taken
// from redis-sentinel 7.0.15 run on the same files), the three loading
// passes, and ConfigLines() in the order Redis's rewrite writes them.
#include "actors/sentinel/sentinel_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/common/clock.h"
#include "actors/node/config.h"
#include "actors/sentinel/sentinel_extras.h"
#include "actors/sentinel/sentinel_state.h"

namespace troupe {
namespace {

const std::string kId1 = "04969b94da1b6d66e861e2a058ffea4e2081402d";
const std::string kId2 = "02d7904a42bcf394e4ac2340271de6c7b53ab01c";
const std::string kId3 = "39926a81905379db978f4e45c2e584f4422360ed";

class SentinelConfigTest : public ::testing::Test {
 protected:
  // Loads `text` as sentinel.conf into a fresh state.
  Status Load(const std::string& text) {
    state_ = std::make_unique<SentinelState>(&clock_, 1);
    auto config = Config::FromText(text, "", true);
    if (!config.ok()) return config.status();
    return LoadSentinelConfig(config->raw_directives(), state_.get());
  }
  // The reason line (the last line) of a fatal report.
  static std::string Reason(const Status& s) { return s.message().substr(s.message().rfind('\n') + 1); }
  // "Reading the configuration file, at line N".
  static int Line(const Status& s) {
    const std::string key = "at line ";
    size_t at = s.message().find(key);
    return at == std::string::npos ? -1 : std::stoi(s.message().substr(at + key.size()));
  }

  ManualClock clock_;
  std::unique_ptr<SentinelState> state_;
};

const char kMonitor[] = "sentinel monitor mymaster 127.0.0.1 21001 2\n";

TEST_F(SentinelConfigTest, LoadsTheTutorialConfig) {
  ASSERT_TRUE(Load("port 27001\n"
                   "sentinel announce-ip 127.0.0.1\n"
                   "sentinel monitor mymaster 127.0.0.1 7001 2\n"
                   "sentinel down-after-milliseconds mymaster 5000\n"
                   "sentinel failover-timeout mymaster 60000\n")
                  .ok());
  SentinelInstance* m = state_->FindMaster("mymaster");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->host, "127.0.0.1");
  EXPECT_EQ(m->port, 7001);
  EXPECT_EQ(m->quorum, 2);
  EXPECT_EQ(m->down_after_ms, 5000);
  EXPECT_EQ(m->failover_timeout_ms, 60000);
  EXPECT_EQ(m->parallel_syncs, 1);
  EXPECT_EQ(state_->config().announce_ip, "127.0.0.1");
}

TEST_F(SentinelConfigTest, LoadsEveryDirective) {
  ASSERT_TRUE(Load(std::string("sentinel myid ") + kId1 + "\n" + kMonitor +
                   "sentinel down-after-milliseconds mymaster 5000\n"
                   "sentinel failover-timeout mymaster 60000\n"
                   "sentinel parallel-syncs mymaster 3\n"
                   "sentinel auth-pass mymaster secret\n"
                   "sentinel auth-user mymaster bob\n"
                   "sentinel config-epoch mymaster 7\n"
                   "sentinel leader-epoch mymaster 6\n"
                   "sentinel known-replica mymaster 127.0.0.1 21002\n"
                   "sentinel known-slave mymaster 127.0.0.1 21003\n"
                   "sentinel known-sentinel mymaster 127.0.0.1 21102 " +
                   kId2 + "\n" +
                   "sentinel known-sentinel mymaster 127.0.0.1 21109\n"  // old form: ignored
                   "sentinel rename-command mymaster CONFIG XCONFIG\n"
                   "sentinel master-reboot-down-after-period mymaster 5\n"
                   "sentinel notification-script mymaster /bin/true\n"
                   "sentinel client-reconfig-script mymaster /bin/true\n"
                   "sentinel current-epoch 5\n"
                   "sentinel announce-port 21101\n"
                   "sentinel deny-scripts-reconfig no\n"
                   "sentinel sentinel-user alice\n"
                   "sentinel sentinel-pass pw\n"
                   "sentinel resolve-hostnames yes\n"
                   "sentinel announce-hostnames yes\n")
                  .ok());
  const SentinelConfig& c = state_->config();
  EXPECT_EQ(c.myid, kId1);
  EXPECT_EQ(c.current_epoch, 7);  // raised by config-epoch 7
  EXPECT_EQ(c.announce_port, 21101);
  EXPECT_FALSE(c.deny_scripts_reconfig);
  EXPECT_EQ(c.sentinel_user, "alice");
  EXPECT_EQ(c.sentinel_pass, "pw");
  EXPECT_TRUE(c.resolve_hostnames);
  EXPECT_TRUE(c.announce_hostnames);
  SentinelInstance* m = state_->FindMaster("mymaster");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->parallel_syncs, 3);
  EXPECT_EQ(m->auth_pass, "secret");
  EXPECT_EQ(m->auth_user, "bob");
  EXPECT_EQ(m->config_epoch, 7);
  EXPECT_EQ(m->leader_epoch, 6);
  ASSERT_EQ(m->slaves.size(), 2u);
  for (const auto& [key, s] : m->slaves) EXPECT_EQ(s->down_after_ms, 5000) << key;
  ASSERT_EQ(m->sentinels.size(), 1u);
  EXPECT_EQ(m->sentinels.begin()->second->runid, kId2);
  const SentinelMasterExtras& x = SentinelExtrasOf(*state_).masters.at("mymaster");
  EXPECT_EQ(x.notification_script, "/bin/true");
  EXPECT_EQ(x.client_reconfig_script, "/bin/true");
  EXPECT_EQ(x.master_reboot_down_after_period_ms, 5);
  EXPECT_EQ(MappedCommand(*state_, "mymaster", "config"), "XCONFIG");
  EXPECT_EQ(MappedCommand(*state_, "mymaster", "INFO"), "INFO");
}

TEST_F(SentinelConfigTest, OptionNamesAreCaseInsensitive) {
  ASSERT_TRUE(Load("sentinel MONITOR m 127.0.0.1 6379 2\nsentinel Down-After-Milliseconds m 100\n").ok());
  EXPECT_EQ(state_->FindMaster("m")->down_after_ms, 100);
}

TEST_F(SentinelConfigTest, EpochsOnlyGrow) {
  ASSERT_TRUE(Load(std::string(kMonitor) + "sentinel current-epoch 9\nsentinel current-epoch 4\n").ok());
  EXPECT_EQ(state_->config().current_epoch, 9);
}

// The lines a real redis-sentinel 7.0.15 wrote after discovering a replica
// and two other sentinels (run against a redis-server master + replica).
TEST_F(SentinelConfigTest, ConfigLinesInRedisOrder) {
  ASSERT_TRUE(Load(std::string("sentinel myid ") + kId3 + "\n" + kMonitor +
                   "sentinel down-after-milliseconds mymaster 5000\n"
                   "sentinel failover-timeout mymaster 60000\n"
                   "sentinel known-replica mymaster 127.0.0.1 21002\n"
                   "sentinel known-sentinel mymaster 127.0.0.1 21101 " +
                   kId1 + "\n" + "sentinel known-sentinel mymaster 127.0.0.1 21102 " + kId2 + "\n")
                  .ok());
  std::vector<std::string> want = {
      "sentinel myid " + kId3,
      "sentinel monitor mymaster 127.0.0.1 21001 2",
      "sentinel down-after-milliseconds mymaster 5000",
      "sentinel failover-timeout mymaster 60000",
      "sentinel config-epoch mymaster 0",
      "sentinel leader-epoch mymaster 0",
      "sentinel known-replica mymaster 127.0.0.1 21002",
      "sentinel known-sentinel mymaster 127.0.0.1 21101 " + kId1,
      "sentinel known-sentinel mymaster 127.0.0.1 21102 " + kId2,
      "sentinel current-epoch 0",
  };
  EXPECT_EQ(state_->ConfigLines(), want);
}

TEST_F(SentinelConfigTest, ConfigLinesWithEveryOption) {
  ASSERT_TRUE(Load(std::string("sentinel myid ") + kId1 + "\n" + kMonitor +
                   "sentinel parallel-syncs mymaster 2\n"
                   "sentinel auth-pass mymaster secret\n"
                   "sentinel auth-user mymaster bob\n"
                   "sentinel master-reboot-down-after-period mymaster 5\n"
                   "sentinel rename-command mymaster CONFIG XCONFIG\n"
                   "sentinel notification-script mymaster /bin/true\n"
                   "sentinel client-reconfig-script mymaster /bin/true\n"
                   "sentinel announce-ip \"10.0.0.1\"\n"
                   "sentinel announce-port 26380\n"
                   "sentinel sentinel-user alice\n"
                   "sentinel sentinel-pass pw\n"
                   "sentinel deny-scripts-reconfig no\n"
                   "sentinel resolve-hostnames yes\n"
                   "sentinel announce-hostnames yes\n")
                  .ok());
  std::vector<std::string> want = {
      "sentinel myid " + kId1,
      "sentinel deny-scripts-reconfig no",
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      "sentinel monitor mymaster 127.0.0.1 21001 2",
      "sentinel parallel-syncs mymaster 2",
      "sentinel notification-script mymaster /bin/true",
      "sentinel client-reconfig-script mymaster /bin/true",
      "sentinel auth-pass mymaster secret",
      "sentinel auth-user mymaster bob",
      "sentinel master-reboot-down-after-period mymaster 5",
      "sentinel config-epoch mymaster 0",
      "sentinel leader-epoch mymaster 0",
      "sentinel rename-command mymaster CONFIG XCONFIG",
      "sentinel current-epoch 0",
      "sentinel announce-ip \"10.0.0.1\"",
      "sentinel announce-port 26380",
      "sentinel sentinel-user alice",
      "sentinel sentinel-pass pw",
  };
  EXPECT_EQ(state_->ConfigLines(), want);
}

TEST_F(SentinelConfigTest, RoundTrip) {
  std::string text = std::string("sentinel myid ") + kId1 + "\n" + kMonitor +
                     "sentinel monitor other 127.0.0.1 22001 1\n"
                     "sentinel down-after-milliseconds mymaster 5000\n"
                     "sentinel parallel-syncs other 4\n"
                     "sentinel auth-pass other pw\n"
                     "sentinel config-epoch mymaster 3\n"
                     "sentinel leader-epoch mymaster 3\n"
                     "sentinel known-replica mymaster 127.0.0.1 21002\n"
                     "sentinel known-replica other 127.0.0.1 22002\n"
                     "sentinel known-sentinel mymaster 127.0.0.1 21102 " +
                     kId2 + "\n" +
                     "sentinel rename-command other SLAVEOF XSLAVEOF\n"
                     "sentinel current-epoch 3\n"
                     "sentinel announce-ip \"a \\\"b\\\"\\n\"\n";
  ASSERT_TRUE(Load(text).ok());
  std::vector<std::string> first = state_->ConfigLines();
  std::string rewritten;
  for (const std::string& line : first) rewritten += line + "\n";
  ASSERT_TRUE(Load(rewritten).ok()) << rewritten;
  EXPECT_EQ(state_->ConfigLines(), first);
  EXPECT_EQ(state_->config().announce_ip, "a \"b\"\n");
  EXPECT_EQ(state_->FindMaster("other")->parallel_syncs, 4);
}

TEST_F(SentinelConfigTest, QuoteReprEscapes) {
  EXPECT_EQ(QuoteRepr("1.2.3.4"), "\"1.2.3.4\"");
  EXPECT_EQ(QuoteRepr("a\"b\\c\n\r\t\a\b\x01"), "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\"");
}

TEST_F(SentinelConfigTest, PromotedReplicaIsWrittenAsTheMaster) {
  ASSERT_TRUE(Load(std::string(kMonitor) + "sentinel known-replica mymaster 127.0.0.1 21002\n").ok());
  SentinelInstance* m = state_->FindMaster("mymaster");
  SentinelInstance* r = m->slaves.begin()->second.get();
  m->flags |= kSriFailoverInProgress;
  m->promoted_slave = r;
  m->failover_state = FailoverState::kReconfSlaves;
  std::vector<std::string> lines = state_->ConfigLines();
  EXPECT_EQ(lines[0], "sentinel monitor mymaster 127.0.0.1 21002 2");
  EXPECT_EQ(lines[3], "sentinel known-replica mymaster 127.0.0.1 21001");
  // Before reconf_slaves the old address is still the master's.
  m->failover_state = FailoverState::kWaitPromotion;
  EXPECT_EQ(state_->ConfigLines()[0], "sentinel monitor mymaster 127.0.0.1 21001 2");
}

TEST_F(SentinelConfigTest, NonSentinelLinesAreIgnored) {
  ASSERT_TRUE(Load("port 26380\ndir /tmp\n").ok());
  EXPECT_TRUE(state_->masters().empty());
  EXPECT_EQ(state_->ConfigLines(), std::vector<std::string>{"sentinel current-epoch 0"});
}

TEST_F(SentinelConfigTest, FatalReportFormat) {
  Status s = Load("port 0\nsentinel monitor m 127.0.0.1 6379 0\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "Reading the configuration file, at line 2\n"
            ">>> 'sentinel monitor m 127.0.0.1 6379 0'\n"
            "Quorum must be 1 or greater.");
}

// Global options load first, then monitors, then the rest: a bad myid on
// line 3 is reported although line 2 is bad too.
TEST_F(SentinelConfigTest, PassesDecideWhichErrorIsReported) {
  Status s = Load("port 0\nsentinel down-after-milliseconds m 100\nsentinel myid abc\n");
  EXPECT_EQ(Line(s), 3);
  EXPECT_EQ(Reason(s), "Malformed Sentinel id in myid option.");
  // A master's settings may come before its monitor line.
  EXPECT_TRUE(Load("sentinel down-after-milliseconds m 100\nsentinel monitor m 127.0.0.1 6379 2\n").ok());
  EXPECT_EQ(state_->FindMaster("m")->down_after_ms, 100);
}

struct BadLine {
  std::string lines;  // after a `sentinel monitor m 127.0.0.1 6379 2` line
  std::string reason;
};

TEST_F(SentinelConfigTest, EveryErrorText) {
  const std::vector<BadLine> cases = {
      {"sentinel monitor x 127.0.0.1 6379 0", "Quorum must be 1 or greater."},
      {"sentinel monitor x 127.0.0.1 6379 x", "Quorum must be 1 or greater."},
      {"sentinel monitor x 127.0.0.1 6379", "Unrecognized sentinel configuration statement."},
      {"sentinel monitor x 127.0.0.1 70000 2", "Invalid port number."},
      {"sentinel monitor x notanip 6379 2", "Can't resolve instance hostname."},
      {"sentinel monitor m 127.0.0.1 6380 2", "Duplicate master name."},
      {"sentinel down-after-milliseconds nosuch 100", "No such master with specified name."},
      {"sentinel down-after-milliseconds m 0", "negative or zero time parameter."},
      {"sentinel failover-timeout m -5", "negative or zero time parameter."},
      {"sentinel parallel-syncs nosuch 1", "No such master with specified name."},
      {"sentinel notification-script m /nonexistent/script",
       "Notification script seems non existing or non executable."},
      {"sentinel client-reconfig-script m /nonexistent/script",
       "Client reconfiguration script seems non existing or non executable."},
      {"sentinel auth-pass nosuch pw", "No such master with specified name."},
      {"sentinel auth-user nosuch bob", "No such master with specified name."},
      {"sentinel myid abc", "Malformed Sentinel id in myid option."},
      {"sentinel config-epoch nosuch 5", "No such master with specified name."},
      {"sentinel leader-epoch nosuch 5", "No such master with specified name."},
      {"sentinel known-replica nosuch 127.0.0.1 6380", "No such master with specified name."},
      {"sentinel known-replica m notanip 1", "Can't resolve instance hostname."},
      {"sentinel known-replica m 127.0.0.1 6380\nsentinel known-replica m 127.0.0.1 6380",
       "Duplicate hostname and port for replica."},
      {"sentinel known-slave m 127.0.0.1 6380\nsentinel KNOWN-REPLICA m 127.0.0.1 6380",
       "Duplicate hostname and port for replica."},
      {"sentinel known-sentinel m 127.0.0.1 70000 aaaa", "Invalid port number."},
      {"sentinel known-sentinel m 127.0.0.1 26381 aaaa\nsentinel known-sentinel m 127.0.0.1 26382 aaaa",
       "Duplicate runid for sentinel."},
      {"sentinel known-sentinel nosuch 127.0.0.1 26381 aaaa", "No such master with specified name."},
      {"sentinel rename-command m config xconfig\nsentinel rename-command m CONFIG yconfig",
       "Same command renamed multiple times with rename-command."},
      {"sentinel rename-command nosuch a b", "No such master with specified name."},
      {"sentinel deny-scripts-reconfig maybe",
       "Please specify yes or no for the deny-scripts-reconfig options."},
      {"sentinel resolve-hostnames maybe", "Please specify yes or no for the resolve-hostnames option."},
      {"sentinel announce-hostnames maybe", "Please specify yes or no for the announce-hostnames option."},
      {"sentinel master-reboot-down-after-period m -1", "negative time parameter."},
      {"sentinel master-reboot-down-after-period nosuch 1", "No such master with specified name."},
      {"sentinel foo", "Unrecognized sentinel configuration statement."},
      {"sentinel current-epoch", "Unrecognized sentinel configuration statement."},
      {"sentinel announce-ip a b", "Unrecognized sentinel configuration statement."},
  };
  for (const BadLine& c : cases) {
    SCOPED_TRACE(c.lines);
    Status s = Load(std::string("sentinel monitor m 127.0.0.1 6379 2\n") + c.lines + "\n");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(Reason(s), c.reason);
    int lines = 1 + static_cast<int>(std::count(c.lines.begin(), c.lines.end(), '\n')) + 1;
    EXPECT_EQ(Line(s), lines);
  }
}

TEST_F(SentinelConfigTest, AcceptedLikeRedis) {
  // Redis checks only the length of myid, takes atoi() values, accepts an
  // unresolvable name when resolve-hostnames is on, and ignores
  // empty announce-ip / sentinel-user / sentinel-pass.
  ASSERT_TRUE(Load("sentinel myid zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n"
                   "sentinel resolve-hostnames yes\n"
                   "sentinel monitor m db.example.invalid 6379 2\n"
                   "sentinel parallel-syncs m -5\n"
                   "sentinel announce-port x\n"
                   "sentinel announce-ip \"\"\n"
                   "sentinel sentinel-user \"\"\n"
                   "sentinel down-after-milliseconds m 100abc\n")
                  .ok());
  EXPECT_EQ(state_->FindMaster("m")->host, "db.example.invalid");
  EXPECT_EQ(state_->FindMaster("m")->parallel_syncs, -5);
  EXPECT_EQ(state_->FindMaster("m")->down_after_ms, 100);
  EXPECT_EQ(state_->config().announce_port, 0);
  EXPECT_TRUE(state_->config().announce_ip.empty());
  EXPECT_TRUE(state_->config().sentinel_user.empty());
}

TEST_F(SentinelConfigTest, CheckInstanceAddress) {
  SentinelConfig c;
  EXPECT_TRUE(CheckInstanceAddress(c, "127.0.0.1", 0).ok());
  EXPECT_TRUE(CheckInstanceAddress(c, "::1", 65535).ok());
  EXPECT_EQ(CheckInstanceAddress(c, "127.0.0.1", 65536).message(), "Invalid port number.");
  EXPECT_EQ(CheckInstanceAddress(c, "127.0.0.1", -1).message(), "Invalid port number.");
  EXPECT_EQ(CheckInstanceAddress(c, "localhost", 1).message(), "Can't resolve instance hostname.");
  c.resolve_hostnames = true;
  EXPECT_TRUE(CheckInstanceAddress(c, "localhost", 1).ok());
}

TEST_F(SentinelConfigTest, ReloadForgetsPreviousExtras) {
  ASSERT_TRUE(Load(std::string(kMonitor) + "sentinel rename-command mymaster CONFIG X\n").ok());
  SentinelState& same = *state_;
  ASSERT_TRUE(LoadSentinelConfig({}, &same).ok());
  EXPECT_EQ(MappedCommand(same, "mymaster", "CONFIG"), "CONFIG");
}

}  // namespace
}  // namespace troupe
