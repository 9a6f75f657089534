// Tests for the command table and the command families through Dispatch:
// central arity/unknown-command checks, authentication, and the semantics
// and error texts of string, key and server commands on a virtual clock.
#include <gtest/gtest.h>

#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

TEST(CommandTable, UnknownCommandAndArity) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"foo", "a", "b"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(h.Run({"get"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"GET", "a", "b"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"config", "nope"}), "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(h.Run({"config", "get"}),
            "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_EQ(h.Run({"object"}), "-ERR wrong number of arguments for 'object' command\r\n");
}

TEST(CommandTable, KeyPositions) {
  auto& t = CommandTable::Instance();
  std::vector<std::string_view> mset = {"mset", "a", "1", "b", "2"};
  EXPECT_EQ(t.Find("MSET")->KeyPositions(mset), (std::vector<size_t>{1, 3}));
  std::vector<std::string_view> bitop = {"bitop", "and", "d", "s1", "s2"};
  EXPECT_EQ(t.Find("bitop")->KeyPositions(bitop), (std::vector<size_t>{2, 3, 4}));
}

TEST(CommandTable, MovableKeysFromKeynumSpecs) {
  auto& t = CommandTable::Instance();
  std::vector<std::string_view> zus = {"zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"};
  EXPECT_EQ(t.Find("zunionstore")->KeyPositions(zus), (std::vector<size_t>{1, 3, 4}));
  std::vector<std::string_view> blmpop = {"blmpop", "0", "2", "x", "y", "LEFT"};
  EXPECT_EQ(t.Find("blmpop")->KeyPositions(blmpop), (std::vector<size_t>{3, 4}));
  std::vector<std::string_view> bad = {"lmpop", "99", "x", "LEFT"};  // count past the end: bounded
  EXPECT_EQ(t.Find("lmpop")->KeyPositions(bad), (std::vector<size_t>{2, 3}));
}

TEST(CommandTable, RequirePass) {
  CommandHarness h("requirepass secret\n");
  EXPECT_EQ(h.Run({"get", "a"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(h.Run({"auth", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(h.Run({"auth", "secret"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "a"}), "$-1\r\n");
}

TEST(StringFamily, SetOptions) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"set", "k", "v", "NX"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "NX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "XX", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "EX", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "EX", "10", "PX", "5"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"set", "k", "w", "EX", "10"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ttl", "k"}), ":10\r\n");
  EXPECT_EQ(h.Run({"set", "k", "x", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ttl", "k"}), ":10\r\n");
  EXPECT_EQ(h.Run({"set", "k", "y"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ttl", "k"}), ":-1\r\n");
}

TEST(StringFamily, ExpiryOnVirtualClock) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"set", "k", "v", "PX", "1500"}), "+OK\r\n");
  h.clock().AdvanceMs(1499);
  EXPECT_EQ(h.Run({"get", "k"}), "$1\r\nv\r\n");
  h.clock().AdvanceMs(1);
  EXPECT_EQ(h.Run({"get", "k"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"pttl", "k"}), ":-2\r\n");
}

TEST(StringFamily, Counters) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"incr", "n"}), ":1\r\n");
  EXPECT_EQ(h.Run({"incrby", "n", "41"}), ":42\r\n");
  EXPECT_EQ(h.Run({"decrby", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  EXPECT_EQ(h.Run({"set", "n", "9223372036854775807"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"incr", "n"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(h.Run({"get", "n"}), "$19\r\n9223372036854775807\r\n");
  EXPECT_EQ(h.Run({"set", "f", "10.5"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(h.Run({"set", "s", "abc"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"incr", "s"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"object", "encoding", "f"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(h.Run({"set", "i", "123"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"object", "encoding", "i"}), "$3\r\nint\r\n");
  EXPECT_EQ(h.Run({"append", "i", "4"}), ":4\r\n");
  EXPECT_EQ(h.Run({"object", "encoding", "i"}), "$3\r\nraw\r\n");
}

TEST(StringFamily, RangesAndBits) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"setrange", "r", "5", "hi"}), ":7\r\n");
  EXPECT_EQ(h.Run({"get", "r"}), std::string("$7\r\n\0\0\0\0\0hi\r\n", 13));
  EXPECT_EQ(h.Run({"getrange", "r", "-2", "-1"}), "$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"setbit", "b", "7", "1"}), ":0\r\n");
  EXPECT_EQ(h.Run({"get", "b"}), "$1\r\n\x01\r\n");
  EXPECT_EQ(h.Run({"bitcount", "b"}), ":1\r\n");
  EXPECT_EQ(h.Run({"bitpos", "b", "1"}), ":7\r\n");
  EXPECT_EQ(h.Run({"bitfield", "bf", "SET", "u8", "0", "255", "INCRBY", "u8", "0", "1"}),
            "*2\r\n:0\r\n:0\r\n");
  EXPECT_EQ(h.Run({"bitfield", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "256"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"bitfield", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "200"}), "*1\r\n:127\r\n");
  EXPECT_EQ(h.Run({"lcs", "x", "y"}), "$0\r\n\r\n");
  h.Run({"mset", "x", "ohmytext", "y", "mynewtext"});
  EXPECT_EQ(h.Run({"lcs", "x", "y"}), "$6\r\nmytext\r\n");
  EXPECT_EQ(h.Run({"lcs", "x", "y", "LEN"}), ":6\r\n");
}

TEST(KeyFamily, ExpireFlagsAndRename) {
  CommandHarness h;
  h.Run({"set", "k", "v"});
  EXPECT_EQ(h.Run({"expire", "k", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(h.Run({"expire", "k", "100", "NX"}), ":1\r\n");
  EXPECT_EQ(h.Run({"expire", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(h.Run({"expire", "k", "50", "LT"}), ":1\r\n");
  EXPECT_EQ(h.Run({"expire", "k", "50", "NX", "GT"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(h.Run({"rename", "k", "k2"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"ttl", "k2"}), ":50\r\n");
  EXPECT_EQ(h.Run({"rename", "nokey", "x"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"expire", "k2", "-1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"exists", "k2"}), ":0\r\n");
  EXPECT_EQ(h.Run({"type", "k2"}), "+none\r\n");
}

TEST(KeyFamily, ScanVisitsEverything) {
  CommandHarness h;
  for (int i = 0; i < 300; ++i) h.Run({"set", "key:" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  for (int guard = 0; guard < 1000; ++guard) {
    std::vector<std::string_view> argv;
    std::string reply = h.Run({"scan", cursor, "COUNT", "7"});
    // Parse "*2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<l>\r\n<key>\r\n)*"
    size_t p = reply.find("\r\n", 4) + 2;
    size_t e = reply.find("\r\n", p);
    cursor = reply.substr(p, e - p);
    p = reply.find("\r\n", e + 2) + 2;
    while (p < reply.size()) {
      size_t len_end = reply.find("\r\n", p);
      size_t len = std::stoul(reply.substr(p + 1, len_end - p - 1));
      seen.insert(reply.substr(len_end + 2, len));
      p = len_end + 2 + len + 2;
    }
    if (cursor == "0") break;
  }
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(seen.size(), 300u);
}

TEST(ServerFamily, SelectSwapFlush) {
  CommandHarness h;
  h.Run({"set", "a", "1"});
  EXPECT_EQ(h.Run({"select", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"swapdb", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), ":0\r\n");
  EXPECT_EQ(h.Run({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), ":1\r\n");
  EXPECT_EQ(h.Run({"flushall", "bogus"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"flushall", "async"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), ":0\r\n");
}

TEST(ConnectionFamily, HelloSwitchesProtocol) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"hello", "4"}), "-NOPROTO unsupported protocol version\r\n");
  std::string reply = h.Run({"hello", "3"});
  EXPECT_EQ(reply.substr(0, 4), "%7\r\n");
  EXPECT_EQ(h.client().protocol, 3);
  EXPECT_EQ(h.Run({"get", "missing"}), "_\r\n");
}

}  // namespace
}  // namespace troupe
