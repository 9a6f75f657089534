// Tests for pub/sub: the PubSubRegistry (subscriptions, fan-out, frames
// formatted once per protocol), `notify-keyspace-events` parsing, and the
// commands and keyspace notifications through Dispatch on a CommandHarness
// with the registry installed (InstallPubSub), frames captured from
// ClientState::push.
#include "actors/shard/pubsub/pubsub_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "actors/node/config.h"
#include "actors/shard/pubsub/keyspace_events.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

using Kind = PubSubRegistry::Kind;

// A client whose pushed frames are collected.
struct TestClient {
  explicit TestClient(uint64_t id, int protocol = 2) {
    state.id = id;
    state.protocol = protocol;
    state.authenticated = true;
    state.push = [this](std::string frame) { frames.push_back(std::move(frame)); };
  }
  ClientState state;
  std::vector<std::string> frames;
};

// ---- PubSubRegistry -------------------------------------------------------

TEST(PubSubRegistry, SubscribeCountsAndDuplicates) {
  PubSubRegistry reg;
  TestClient a(1);
  EXPECT_TRUE(reg.empty());
  EXPECT_TRUE(reg.Subscribe(&a.state, Kind::kChannel, "news"));
  EXPECT_FALSE(reg.Subscribe(&a.state, Kind::kChannel, "news"));
  EXPECT_TRUE(reg.Subscribe(&a.state, Kind::kPattern, "n*"));
  EXPECT_TRUE(reg.Subscribe(&a.state, Kind::kShard, "news"));
  EXPECT_EQ(a.state.pubsub_channels, 1u);
  EXPECT_EQ(a.state.pubsub_patterns, 1u);
  EXPECT_EQ(a.state.pubsub_shard_channels, 1u);
  EXPECT_TRUE(a.state.subscribed());
  EXPECT_EQ(reg.channel_count(), 1u);
  EXPECT_EQ(reg.pattern_count(), 1u);
  EXPECT_EQ(reg.shard_channel_count(), 1u);
  EXPECT_FALSE(reg.Unsubscribe(&a.state, Kind::kChannel, "other"));
  EXPECT_TRUE(reg.Unsubscribe(&a.state, Kind::kChannel, "news"));
  EXPECT_EQ(reg.channel_count(), 0u);
  EXPECT_EQ(reg.NumSub(Kind::kShard, "news"), 1u);  // the shard space is separate
  reg.RemoveClient(&a.state);
  EXPECT_TRUE(reg.empty());
  EXPECT_FALSE(a.state.subscribed());
}

TEST(PubSubRegistry, PublishReachesChannelAndPatternSubscribers) {
  PubSubRegistry reg;
  TestClient a(1), b(2), c(3, /*protocol=*/3);
  reg.Subscribe(&a.state, Kind::kChannel, "ch");
  reg.Subscribe(&a.state, Kind::kPattern, "c?");
  reg.Subscribe(&b.state, Kind::kPattern, "c?");
  reg.Subscribe(&c.state, Kind::kChannel, "ch");
  // a counts twice (channel and pattern), as Redis counts receivers.
  EXPECT_EQ(reg.Publish("ch", "hi"), 4u);
  const std::string message = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
  const std::string pmessage = "*4\r\n$8\r\npmessage\r\n$2\r\nc?\r\n$2\r\nch\r\n$2\r\nhi\r\n";
  EXPECT_EQ(a.frames, (std::vector<std::string>{message, pmessage}));
  EXPECT_EQ(b.frames, (std::vector<std::string>{pmessage}));
  EXPECT_EQ(c.frames, (std::vector<std::string>{">" + message.substr(1)}));
  EXPECT_EQ(reg.Publish("nobody", "x"), 0u);
  EXPECT_EQ(reg.Publish("cx", "y"), 2u);  // the pattern only
  EXPECT_EQ(reg.PublishShard("ch", "z"), 0u);  // shard subscribers only
}

TEST(PubSubRegistry, ShardMessagesAndUniquePatternCount) {
  PubSubRegistry reg;
  TestClient a(1), b(2);
  reg.Subscribe(&a.state, Kind::kShard, "s");
  reg.Subscribe(&a.state, Kind::kPattern, "*");
  reg.Subscribe(&b.state, Kind::kPattern, "*");
  EXPECT_EQ(reg.pattern_count(), 1u);  // unique patterns (PUBSUB NUMPAT in 7.0)
  EXPECT_EQ(reg.PublishShard("s", "v"), 1u);
  EXPECT_EQ(a.frames.back(), "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nv\r\n");
  EXPECT_EQ(b.frames.size(), 0u);  // patterns never see shard messages
}

TEST(PubSubRegistry, FramesAreFormattedOncePerProtocol) {
  PubSubRegistry reg;
  std::vector<const std::string*> seen2, seen3;
  reg.set_deliver([&](ClientState& c, const std::string& frame) {
    (c.protocol == 3 ? seen3 : seen2).push_back(&frame);
  });
  std::vector<std::unique_ptr<TestClient>> clients;
  for (uint64_t i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<TestClient>(i + 1, i % 2 ? 3 : 2));
    reg.Subscribe(&clients.back()->state, Kind::kChannel, "many");
  }
  EXPECT_EQ(reg.Publish("many", "payload"), 50u);
  ASSERT_EQ(seen2.size(), 25u);
  ASSERT_EQ(seen3.size(), 25u);
  EXPECT_TRUE(std::all_of(seen2.begin(), seen2.end(), [&](auto* p) { return p == seen2[0]; }));
  EXPECT_TRUE(std::all_of(seen3.begin(), seen3.end(), [&](auto* p) { return p == seen3[0]; }));
}

TEST(PubSubRegistry, PatternsKeepSubscriptionOrderAndRemoveClientCleansUp) {
  PubSubRegistry reg;
  TestClient a(1), b(2);
  for (const char* p : {"z*", "a*", "m*"}) reg.Subscribe(&a.state, Kind::kPattern, p);
  reg.Subscribe(&b.state, Kind::kPattern, "a*");
  EXPECT_EQ(reg.SubscriptionsOf(&a.state, Kind::kPattern),
            (std::vector<std::string>{"z*", "a*", "m*"}));
  reg.RemoveClient(&a.state);
  EXPECT_EQ(a.state.pubsub_patterns, 0u);
  EXPECT_EQ(reg.pattern_count(), 1u);
  EXPECT_EQ(reg.Publish("abc", "x"), 1u);
  EXPECT_EQ(a.frames.size(), 0u);
}

TEST(PubSubRegistry, ActiveChannelsFilterByGlob) {
  PubSubRegistry reg;
  TestClient a(1);
  for (const char* ch : {"news.sport", "news.art", "weather"})
    reg.Subscribe(&a.state, Kind::kChannel, ch);
  auto all = reg.ActiveChannels(Kind::kChannel, "", true);
  EXPECT_EQ(all.size(), 3u);
  auto news = reg.ActiveChannels(Kind::kChannel, "news.*", false);
  std::sort(news.begin(), news.end());
  EXPECT_EQ(news, (std::vector<std::string>{"news.art", "news.sport"}));
  EXPECT_TRUE(reg.ActiveChannels(Kind::kShard, "", true).empty());
}

// ---- notify-keyspace-events parsing ----------------------------------------

uint32_t ParseEvents(const std::string& value) {
  auto c = Config::FromText("notify-keyspace-events \"" + value + "\"\n", "");
  EXPECT_TRUE(c.ok()) << value;
  return c.ok() ? c->options().notify_keyspace_events : 0xFFFFFFFF;
}

TEST(NotifyKeyspaceEvents, ParsesRedisClassLetters) {
  EXPECT_EQ(ParseEvents(""), 0u);
  EXPECT_EQ(ParseEvents("K"), 1u);
  EXPECT_EQ(ParseEvents("E"), 2u);
  EXPECT_EQ(ParseEvents("Kg"), 1u | kNotifyGeneric);
  EXPECT_EQ(ParseEvents("E$lshz"), 2u | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                                       kNotifyZSet);
  EXPECT_EQ(ParseEvents("Kxetmn"), 1u | kNotifyExpired | kNotifyEvicted | kNotifyStream |
                                       kNotifyKeyMiss | kNotifyNew);
  // A = g$lshzxetd: everything but m (key miss) and n (new key).
  uint32_t a = ParseEvents("A");
  EXPECT_EQ(a & (kNotifyKeyMiss | kNotifyNew), 0u);
  EXPECT_EQ(a & (kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                 kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream),
            kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash | kNotifyZSet |
                kNotifyExpired | kNotifyEvicted | kNotifyStream);
  EXPECT_EQ(ParseEvents("KEA"), a | 3u);
}

TEST(NotifyKeyspaceEvents, RejectsUnknownLettersAndShowsCanonicalForm) {
  auto bad = Config::FromText("notify-keyspace-events KEQ\n", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Invalid event class character"), std::string::npos);
  auto c = Config::FromText("notify-keyspace-events AKE\n", "");
  ASSERT_TRUE(c.ok());
  auto got = c->Get({"notify-keyspace-events"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "AKE");
}

// ---- Commands and notifications through Dispatch ----------------------------

class PubSubCommands : public ::testing::Test {
 protected:
  PubSubCommands() {
    InstallPubSub(&registry_, &h_.server(), &h_.keyspace());
    h_.client().push = [this](std::string frame) { own_.push_back(std::move(frame)); };
  }
  std::string Run(const std::vector<std::string>& args) { return h_.Run(args); }
  std::string RunAs(TestClient& c, const std::vector<std::string>& args) {
    return h_.RunAs(c.state, args);
  }

  CommandHarness h_;
  PubSubRegistry registry_;
  std::vector<std::string> own_;
};

TEST_F(PubSubCommands, SubscribeConfirmationsInBothProtocols) {
  EXPECT_EQ(Run({"subscribe", "a", "b", "a"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  EXPECT_EQ(Run({"psubscribe", "p*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  EXPECT_EQ(Run({"unsubscribe", "b", "zz"}),
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:2\r\n");
  EXPECT_EQ(Run({"punsubscribe"}), "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:1\r\n");
  EXPECT_EQ(Run({"unsubscribe"}), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  EXPECT_EQ(Run({"unsubscribe"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  h_.client().protocol = 3;
  EXPECT_EQ(Run({"ssubscribe", "s"}), ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
  EXPECT_EQ(Run({"sunsubscribe"}), ">3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n");
  EXPECT_EQ(Run({"sunsubscribe"}), ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubSubCommands, SubscribedResp2ClientMayOnlyManageSubscriptions) {
  Run({"subscribe", "a"});
  EXPECT_EQ(Run({"get", "k"}),
            "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context\r\n");
  EXPECT_EQ(Run({"pubsub", "numsub", "a"}).substr(0, 29), "-ERR Can't execute 'pubsub|nu");
  EXPECT_EQ(Run({"ping"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"psubscribe", "x"}).substr(0, 4), "*3\r\n");
  Run({"reset"});
  EXPECT_FALSE(h_.client().subscribed());
  EXPECT_EQ(registry_.channel_count(), 0u);
  EXPECT_EQ(registry_.pattern_count(), 0u);
  EXPECT_EQ(Run({"get", "k"}), "$-1\r\n");
  // RESP3 clients may run anything while subscribed.
  h_.client().protocol = 3;
  Run({"subscribe", "a"});
  EXPECT_EQ(Run({"get", "k"}), "_\r\n");
}

TEST_F(PubSubCommands, PublishCountsAndIntrospection) {
  TestClient a(2), b(3, 3);
  RunAs(a, {"subscribe", "news"});
  RunAs(b, {"psubscribe", "n*"});
  RunAs(a, {"ssubscribe", "sh"});
  EXPECT_EQ(Run({"publish", "news", "hello"}), ":2\r\n");
  EXPECT_EQ(a.frames.back(), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(b.frames.back(), ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(Run({"spublish", "sh", "x"}), ":1\r\n");
  EXPECT_EQ(Run({"pubsub", "numsub", "news", "none"}),
            "*4\r\n$4\r\nnews\r\n:1\r\n$4\r\nnone\r\n:0\r\n");
  EXPECT_EQ(Run({"pubsub", "numsub"}), "*0\r\n");
  EXPECT_EQ(Run({"pubsub", "numpat"}), ":1\r\n");
  EXPECT_EQ(Run({"pubsub", "channels"}), "*1\r\n$4\r\nnews\r\n");
  EXPECT_EQ(Run({"pubsub", "channels", "x*"}), "*0\r\n");
  EXPECT_EQ(Run({"pubsub", "shardchannels"}), "*1\r\n$2\r\nsh\r\n");
  EXPECT_EQ(Run({"pubsub", "shardnumsub", "sh"}), "*2\r\n$2\r\nsh\r\n:1\r\n");
  EXPECT_EQ(Run({"pubsub", "channels", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB "
            "HELP.\r\n");
  EXPECT_EQ(Run({"pubsub", "numpat", "x"}),
            "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  // Closing a connection drops its subscriptions.
  for (auto& hook : h_.server().on_client_closed) hook(a.state);
  EXPECT_EQ(Run({"publish", "news", "again"}), ":1\r\n");
  EXPECT_EQ(registry_.shard_channel_count(), 0u);
}

TEST_F(PubSubCommands, SsubscribeIsRefusedInsideATransaction) {
  Run({"multi"});
  Run({"ssubscribe", "s"});
  Run({"subscribe", "c"});
  EXPECT_EQ(Run({"exec"}),
            "*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
}

// A listener on every keyspace/keyevent channel: returns (channel, message)
// pairs of the pmessages it received since the last call.
class EventListener {
 public:
  explicit EventListener(CommandHarness& h) : client_(99, 2) {
    h.RunAs(client_.state, {"psubscribe", "__key*__:*"});
  }
  std::vector<std::pair<std::string, std::string>> Take() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& f : client_.frames) {
      // *4 $8 pmessage $n pattern $n channel $n message
      std::vector<std::string> parts;
      size_t pos = 0;
      while (pos < f.size()) {
        size_t end = f.find("\r\n", pos);
        parts.push_back(f.substr(pos, end - pos));
        pos = end + 2;
      }
      out.emplace_back(parts[6], parts[8]);
    }
    client_.frames.clear();
    return out;
  }

 private:
  TestClient client_;
};

using Events = std::vector<std::pair<std::string, std::string>>;

TEST_F(PubSubCommands, KeyspaceNotificationsFollowConfigSet) {
  EventListener listener(h_);
  Run({"set", "k", "v"});
  EXPECT_TRUE(listener.Take().empty());  // off by default
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "KEA"}), "+OK\r\n");
  Run({"set", "k", "v", "EX", "100"});
  EXPECT_EQ(listener.Take(), (Events{{"__keyspace@0__:k", "set"},
                                     {"__keyevent@0__:set", "k"},
                                     {"__keyspace@0__:k", "expire"},
                                     {"__keyevent@0__:expire", "k"}}));
  Run({"select", "3"});
  Run({"incrby", "n", "2"});
  Run({"del", "n", "missing"});
  EXPECT_EQ(listener.Take(), (Events{{"__keyspace@3__:n", "incrby"},
                                     {"__keyevent@3__:incrby", "n"},
                                     {"__keyspace@3__:n", "del"},
                                     {"__keyevent@3__:del", "n"}}));
  Run({"config", "set", "notify-keyspace-events", "Eg"});
  Run({"set", "s", "1"});  // a string event: class $ is off
  Run({"rename", "s", "t"});
  EXPECT_EQ(listener.Take(), (Events{{"__keyevent@3__:rename_from", "s"},
                                     {"__keyevent@3__:rename_to", "t"}}));
  Run({"config", "set", "notify-keyspace-events", ""});
  Run({"del", "t"});
  EXPECT_TRUE(listener.Take().empty());
}

TEST_F(PubSubCommands, ExpiredEventsFromLazyAndActiveExpiry) {
  EventListener listener(h_);
  Run({"config", "set", "notify-keyspace-events", "Ex"});
  Run({"set", "lazy", "v", "PX", "100"});
  Run({"set", "active", "v", "PX", "100"});
  EXPECT_TRUE(listener.Take().empty());
  h_.clock().AdvanceMs(200);
  EXPECT_EQ(Run({"get", "lazy"}), "$-1\r\n");
  EXPECT_EQ(listener.Take(), (Events{{"__keyevent@0__:expired", "lazy"}}));
  h_.keyspace().ActiveExpireCycle(1'000'000);
  EXPECT_EQ(listener.Take(), (Events{{"__keyevent@0__:expired", "active"}}));
}

TEST_F(PubSubCommands, NewAndKeyMissEventsAreOptIn) {
  EventListener listener(h_);
  Run({"config", "set", "notify-keyspace-events", "KEA"});
  Run({"get", "nothing"});
  EXPECT_TRUE(listener.Take().empty());
  Run({"config", "set", "notify-keyspace-events", "Enm$"});
  Run({"get", "nothing"});
  Run({"append", "fresh", "x"});
  Run({"append", "fresh", "y"});
  EXPECT_EQ(listener.Take(), (Events{{"__keyevent@0__:keymiss", "nothing"},
                                     {"__keyevent@0__:new", "fresh"},
                                     {"__keyevent@0__:append", "fresh"},
                                     {"__keyevent@0__:append", "fresh"}}));
}

}  // namespace
}  // namespace troupe
