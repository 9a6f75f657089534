// Tests for SentinelState (actors/sentinel/sentinel_state.cc) driven on a
// ManualClock through a scripted SentinelIo: a tiny model of the tutorial's
// deployment (a master, two replicas, two other sentinels that always agree
// and vote for whoever asks) answers PING / INFO / is-master-down-by-addr /
// SLAVEOF the way the real instances do, and the events the state publishes
// are compared with redis-sentinel 7.0.15's (names, texts, order, timing).
// Regressions found by tests/e2e/test_sentinel.py are named after the bug.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "actors/common/clock.h"
#include "actors/sentinel/sentinel_state.h"

namespace troupe {
namespace {

const std::string kMyId = "39926a81905379db978f4e45c2e584f4422360ed";
const std::string kPeer1 = "04969b94da1b6d66e861e2a058ffea4e2081402d";
const std::string kPeer2 = "02d7904a42bcf394e4ac2340271de6c7b53ab01c";
constexpr int kMaster = 7001, kR1 = 7002, kR2 = 7003;

// One data node of the model.
struct Node {
  bool alive = true;
  bool master = false;
  int master_port = 0;
};

class ScriptedIo : public SentinelIo {
 public:
  struct Sent {
    SentinelInstance* ri;
    std::vector<std::string> argv;
    Reply done;
  };
  explicit ScriptedIo(SentinelState* state) : state_(state) {}
  void Command(SentinelInstance& ri, const std::vector<std::string>& argv, Reply done) override {
    sent.push_back({&ri, argv, std::move(done)});
  }
  // Links come up at once, except to a dead node.
  void EnsureLinks(SentinelInstance& ri) override {
    if (ri.link_connected) return;
    if (!ri.is_sentinel() && !nodes[ri.port].alive) return;
    state_->OnLinkUp(ri);
  }
  void CloseLinks(SentinelInstance& ri) override { ri.link_connected = false; }
  void Publish(const std::string& channel, const std::string& message) override {
    events.push_back(channel + (message.empty() ? "" : " " + message));
  }
  void FlushConfig() override {}

  // Answers everything sent since the last call, as the model would.
  void AnswerAll() {
    std::vector<Sent> batch;
    batch.swap(sent);
    for (Sent& s : batch) {
      log.push_back(s.ri->addr() + " " + s.argv[0] + (s.argv.size() > 1 ? " " + s.argv[1] : ""));
      if (!s.ri->is_sentinel() && !nodes[s.ri->port].alive) continue;  // never answered
      s.done(true, Answer(*s.ri, s.argv));
    }
  }

  std::map<int, Node> nodes;
  std::vector<Sent> sent;
  std::vector<std::string> events;
  std::vector<std::string> log;  // "ip:port COMMAND arg1" of everything sent

 private:
  std::vector<std::string> Answer(SentinelInstance& ri, const std::vector<std::string>& argv) {
    const std::string& cmd = argv[0];
    if (cmd == "PING") return {"PONG"};
    if (cmd == "INFO") return {Info(ri.port)};
    if (cmd == "SENTINEL") return {"1", argv[5], argv[4]};  // down, and my vote goes to the asker
    if (cmd == "SLAVEOF") {
      Node& n = nodes[ri.port];
      n.master = argv[1] == "NO";
      n.master_port = n.master ? 0 : std::stoi(argv[2]);
    }
    return {"OK"};
  }
  std::string Info(int port) {
    const Node& n = nodes[port];
    std::string out = "# Server\r\nrun_id:" + std::string(39, 'a') + std::to_string(port % 10) + "\r\n";
    if (n.master) {
      out += "role:master\r\n";
      int i = 0;
      for (auto& [p, other] : nodes)
        if (other.alive && !other.master && other.master_port == port)
          out += "slave" + std::to_string(i++) + ":ip=127.0.0.1,port=" + std::to_string(p) +
                 ",state=online,offset=100,lag=0\r\n";
    } else {
      out += "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:" + std::to_string(n.master_port) +
             "\r\nmaster_link_status:" + (nodes[n.master_port].alive ? "up" : "down") +
             "\r\nslave_priority:100\r\nslave_repl_offset:100\r\n";
    }
    return out;
  }
  SentinelState* state_;
};

class SentinelStateTest : public ::testing::Test {
 protected:
  SentinelStateTest() : state_(&clock_, 7), io_(&state_) {
    state_.config().myid = kMyId;
    state_.set_io(&io_);
    io_.nodes[kMaster] = {true, true, 0};
    io_.nodes[kR1] = {true, false, kMaster};
    io_.nodes[kR2] = {true, false, kMaster};
    master_ = *state_.AddMaster("mymaster", "127.0.0.1", kMaster, 2);
    master_->down_after_ms = 5000;
    master_->failover_timeout_ms = 60000;
    state_.AddSentinel(*master_, "127.0.0.1", 27002, kPeer1);
    state_.AddSentinel(*master_, "127.0.0.1", 27003, kPeer2);
  }
  // One 100 ms timer tick, then every reply.
  void Step() {
    clock_.AdvanceMs(100);
    state_.Tick();
    io_.AnswerAll();
  }
  // Steps until `event` was published (bounded); the time it took.
  int64_t StepUntil(const std::string& event, int max_steps = 300) {
    int64_t start = clock_.UnixMs();
    for (int i = 0; i < max_steps; ++i) {
      if (Published(event)) return clock_.UnixMs() - start;
      Step();
    }
    ADD_FAILURE() << "no " << event << " within " << max_steps << " ticks";
    return -1;
  }
  bool Published(const std::string& prefix) const {
    return std::any_of(io_.events.begin(), io_.events.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  }
  void KillMaster() {
    io_.nodes[kMaster].alive = false;
    state_.OnLinkDown(*master_);
  }

  ManualClock clock_;
  SentinelState state_;
  ScriptedIo io_;
  SentinelInstance* master_;
};

TEST_F(SentinelStateTest, DiscoversReplicasAndNamesSentinelsByRunId) {
  StepUntil("+slave slave 127.0.0.1:7003");
  EXPECT_TRUE(Published("+slave slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7001"));
  // Redis 7 names a sentinel by its run ID in events (and SENTINEL SENTINELS).
  std::string hello = "127.0.0.1,27004," + std::string(40, 'c') + ",0,mymaster,127.0.0.1,7001,0";
  state_.OnHello(hello);
  EXPECT_TRUE(Published("+sentinel sentinel " + std::string(40, 'c') + " 127.0.0.1 27004 @ mymaster 127.0.0.1 7001"));
}

TEST_F(SentinelStateTest, VoteForLeaderEventHasNoInstancePrefix) {
  int down = 0;
  std::string leader;
  int64_t epoch = 0;
  state_.IsMasterDownByAddr("127.0.0.1", kMaster, 1, kPeer1, &down, &leader, &epoch);
  EXPECT_EQ(leader, kPeer1);
  EXPECT_EQ(epoch, 1);
  // As redis-sentinel: "+vote-for-leader <runid> <epoch>", no "master mymaster ...".
  EXPECT_NE(std::find(io_.events.begin(), io_.events.end(), "+vote-for-leader " + kPeer1 + " 1"),
            io_.events.end());
  EXPECT_NE(std::find(io_.events.begin(), io_.events.end(), "+new-epoch 1"), io_.events.end());
}

// Regression: a master whose link dropped was declared down after
// down-after counted from its last PONG (up to a PING period before the
// drop), so SDOWN came as early as 4 s after kill -9 with down-after 5000.
TEST_F(SentinelStateTest, SdownDeclaredBeforeDownAfterWhenLinkDrops) {
  StepUntil("+slave slave 127.0.0.1:7003");
  // Kill it when its last PONG is at least 0.5 s old (PINGs go every ~1 s).
  for (int i = 0; i < 30 && clock_.UnixMs() - master_->last_avail_time_ms < 500; ++i) Step();
  ASSERT_GE(clock_.UnixMs() - master_->last_avail_time_ms, 500);
  KillMaster();
  int64_t waited = StepUntil("+sdown master mymaster 127.0.0.1 7001");
  EXPECT_GE(waited, 5000);
  EXPECT_LE(waited, 5200);
}

TEST_F(SentinelStateTest, FailoverEventsInTheTutorialsOrder) {
  StepUntil("+slave slave 127.0.0.1:7003");
  for (int i = 0; i < 20; ++i) Step();
  size_t before = io_.events.size();
  KillMaster();
  StepUntil("+switch-master");
  std::vector<std::string> words;
  for (size_t i = before; i < io_.events.size(); ++i) {
    std::string w = io_.events[i].substr(0, io_.events[i].find(' '));
    if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
  }
  std::vector<std::string> want = {"+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader",
                                   "+elected-leader", "+failover-state-select-slave", "+selected-slave",
                                   "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
                                   "-role-change", "+promoted-slave", "+failover-state-reconf-slaves",
                                   "+slave-reconf-sent", "+slave-reconf-inprog", "+slave-reconf-done",
                                   "-odown", "+failover-end", "+switch-master", "+slave"};
  EXPECT_EQ(words, want);
  // The promoted replica reports role:master while known as a replica:
  // "-role-change" (Redis's verbose-level event).
  EXPECT_TRUE(Published("-role-change slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7001 "
                        "new reported role is master"));
  EXPECT_EQ(master_->port, kR1);
}

// Redis's sentinelForceHelloUpdateForMaster: once the replica reports its
// promotion, the next tick publishes a hello through every replica that
// names the new master, so the other sentinels switch at once.
TEST_F(SentinelStateTest, HelloRightAfterPromotion) {
  StepUntil("+slave slave 127.0.0.1:7003");
  for (int i = 0; i < 20; ++i) Step();
  KillMaster();
  StepUntil("+promoted-slave");
  io_.log.clear();
  Step();
  int hellos = 0;
  for (const std::string& line : io_.log)
    if (line.find(" PUBLISH __sentinel__:hello") != std::string::npos) ++hellos;
  EXPECT_EQ(hellos, 2);  // both replicas (the dead master has no link)
}

}  // namespace
}  // namespace troupe
