// Tests of the set type: SetValue (actors/shard/types/set_value.h) and its
// intset (Redis's exact layout, upgrades 16 -> 32 -> 64 bits) and hashtable
// encodings against a std::set model under seeded random operations; the set
// commands (set_family.cc) through CommandHarness: replies in RESP2 and
// RESP3, error texts, algebra and STORE forms, SPOP/SRANDMEMBER count rules,
// SSCAN; and the RDB codec (rdb_set.cc): round trips, payloads captured from
// redis-server 7.0.15 (DUMP) and corrupt intsets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/set_value.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

std::set<std::string> Members(const SetValue& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace(m); });
  return out;
}

// ---------------------------------------------------------------- SetValue

TEST(SetValue, IntsetUpgradesAndStaysSorted) {
  SetValue s;
  SetLimits lim;
  EXPECT_STREQ(s.Encoding(), "intset");
  EXPECT_TRUE(s.Add("5", lim));
  EXPECT_TRUE(s.Add("-3", lim));
  EXPECT_FALSE(s.Add("5", lim));
  EXPECT_EQ(s.IntsetBlob().substr(0, 4), std::string("\x02\x00\x00\x00", 4));
  EXPECT_TRUE(s.Add("70000", lim));  // 32-bit
  EXPECT_EQ(s.IntsetBlob().substr(0, 4), std::string("\x04\x00\x00\x00", 4));
  EXPECT_TRUE(s.Add("-9223372036854775808", lim));  // 64-bit, prepended
  EXPECT_TRUE(s.Add("9223372036854775807", lim));
  EXPECT_EQ(s.IntsetBlob().size(), 8u + 5 * 8);
  std::vector<std::string> order;
  s.ForEach([&](std::string_view m) { order.emplace_back(m); });
  EXPECT_EQ(order, (std::vector<std::string>{"-9223372036854775808", "-3", "5", "70000",
                                             "9223372036854775807"}));
  EXPECT_TRUE(s.Contains("70000"));
  EXPECT_FALSE(s.Contains("70001"));
  EXPECT_FALSE(s.Contains("+5"));
  EXPECT_FALSE(s.Contains("99999999999"));  // beyond the members' width
  EXPECT_TRUE(s.Remove("-3"));
  EXPECT_FALSE(s.Remove("-3"));
  EXPECT_FALSE(s.Remove("abc"));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_STREQ(s.Encoding(), "intset");
}

TEST(SetValue, NonIntegersAndSizeConvertToHashtable) {
  SetLimits lim{3};
  std::unique_ptr<SetValue> a(SetValue::ForMember("1"));
  EXPECT_TRUE(a->is_intset());
  for (const char* m : {"1", "2", "3"}) a->Add(m, lim);
  EXPECT_TRUE(a->is_intset());
  a->Add("4", lim);
  EXPECT_FALSE(a->is_intset());
  std::unique_ptr<SetValue> b(SetValue::ForMember("x"));
  EXPECT_STREQ(b->Encoding(), "hashtable");
  // Not integers in Redis's strict sense.
  for (const char* m : {"007", "-0", "+1", " 1", "1.0", "9223372036854775808"}) {
    SetValue c;
    c.Add(m, SetLimits{});
    EXPECT_FALSE(c.is_intset()) << m;
    EXPECT_TRUE(c.Contains(m)) << m;
  }
}

TEST(SetValue, ReencodeMakesAnIntsetOfIntegerMembers) {
  SetValue s;
  SetLimits lim;
  for (const char* m : {"a", "1", "-70000"}) s.Add(m, lim);
  s.Reencode(lim);
  EXPECT_STREQ(s.Encoding(), "hashtable");
  s.Remove("a");
  s.Reencode(SetLimits{1});
  EXPECT_STREQ(s.Encoding(), "hashtable");  // over the limit
  s.Reencode(lim);
  EXPECT_STREQ(s.Encoding(), "intset");
  EXPECT_EQ(Members(s), (std::set<std::string>{"-70000", "1"}));
}

TEST(SetValue, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(3);
  for (SetLimits lim : {SetLimits{512}, SetLimits{16}, SetLimits{0}}) {
    SetValue s;
    std::set<std::string> model;
    for (int step = 0; step < 4000; ++step) {
      std::string m;
      switch (rng() % 4) {
        case 0: m = std::to_string(static_cast<int64_t>(rng() % 200) - 100); break;
        case 1: m = std::to_string(static_cast<int64_t>(rng())); break;  // wide
        case 2: m = std::to_string(static_cast<int32_t>(rng())); break;
        default:
          m = rng() % 20 == 0 ? "m" + std::to_string(rng() % 10) : std::to_string(rng() % 50);
      }
      if (rng() % 3 == 0) {
        ASSERT_EQ(s.Remove(m), model.erase(m) == 1) << m;
      } else {
        ASSERT_EQ(s.Add(m, lim), model.insert(m).second) << m;
      }
      ASSERT_EQ(s.size(), model.size());
      ASSERT_EQ(s.Contains(m), model.count(m) == 1);
    }
    EXPECT_EQ(Members(s), model);
    std::unique_ptr<Collection> copy(s.Clone());
    EXPECT_EQ(Members(static_cast<SetValue&>(*copy)), model);
    EXPECT_GT(s.MemoryUsage(), 0u);
  }
}

TEST(SetValue, SamplingAndPopping) {
  std::mt19937_64 rng(9);
  for (bool ints : {true, false}) {
    SetValue s;
    std::set<std::string> all;
    for (int i = 0; i < 60; ++i) {
      std::string m = ints ? std::to_string(i * 7) : "m" + std::to_string(i);
      s.Add(m, SetLimits{});
      all.insert(m);
    }
    for (size_t count : {1u, 10u, 19u, 21u, 59u}) {
      std::set<std::string> got;
      s.SampleDistinct(rng, count, [&](std::string_view m) { got.emplace(m); });
      EXPECT_EQ(got.size(), count);
      for (const auto& m : got) EXPECT_EQ(all.count(m), 1u);
    }
    std::string scratch;
    EXPECT_EQ(all.count(std::string(s.RandomMember(rng, &scratch))), 1u);
    std::set<std::string> popped;
    s.PopRandom(rng, 25, [&](std::string_view m) { popped.emplace(m); });
    EXPECT_EQ(popped.size(), 25u);
    EXPECT_EQ(s.size(), 35u);
    for (const auto& m : popped) EXPECT_FALSE(s.Contains(m));
    s.PopRandom(rng, 35, [](std::string_view) {});
    EXPECT_EQ(s.size(), 0u);
  }
}

// ---------------------------------------------------------------- Commands

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Bulks(const std::vector<std::string>& items, char head = '*') {
  std::string out = head + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += Bulk(i);
  return out;
}

// The bulks of a flat array reply, as a set (the order is the server's).
std::multiset<std::string> ReplyItems(const std::string& reply) {
  std::multiset<std::string> out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size()) {
    size_t e = reply.find("\r\n", pos);
    size_t len = std::stoul(reply.substr(pos + 1, e - pos - 1));
    out.insert(reply.substr(e + 2, len));
    pos = e + 2 + len + 2;
  }
  return out;
}

TEST(SetCommands, AddRemoveAndQueries) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"SADD", "s", "3", "1", "2", "1"}), ":3\r\n");
  EXPECT_EQ(h.Run({"SMEMBERS", "s"}), Bulks({"1", "2", "3"}));  // intsets are sorted
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  EXPECT_EQ(h.Run({"SADD", "s", "a"}), ":1\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));
  EXPECT_EQ(h.Run({"SCARD", "s"}), ":4\r\n");
  EXPECT_EQ(h.Run({"SISMEMBER", "s", "a"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SISMEMBER", "s", "b"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SMISMEMBER", "s", "a", "b", "1"}), "*3\r\n:1\r\n:0\r\n:1\r\n");
  EXPECT_EQ(h.Run({"SMISMEMBER", "nokey", "a"}), "*1\r\n:0\r\n");
  EXPECT_EQ(h.Run({"SREM", "s", "a", "b", "1"}), ":2\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));  // never back
  EXPECT_EQ(h.Run({"SREM", "s", "2", "3"}), ":2\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "s"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SMEMBERS", "nokey"}), "*0\r\n");
  EXPECT_EQ(h.Run({"SCARD", "nokey"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SADD", "s"}), "-ERR wrong number of arguments for 'sadd' command\r\n");
}

TEST(SetCommands, Resp3Sets) {
  CommandHarness h;
  h.client().protocol = 3;
  h.Run({"SADD", "s", "1", "2"});
  EXPECT_EQ(h.Run({"SMEMBERS", "s"}), Bulks({"1", "2"}, '~'));
  EXPECT_EQ(h.Run({"SMEMBERS", "nokey"}), "~0\r\n");
  EXPECT_EQ(h.Run({"SINTER", "s", "nokey"}), "~0\r\n");
  EXPECT_EQ(h.Run({"SUNION", "s"}), Bulks({"1", "2"}, '~'));
  EXPECT_EQ(h.Run({"SPOP", "nokey", "2"}), "~0\r\n");
  EXPECT_EQ(h.Run({"SPOP", "s", "0"}), "~0\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "s", "10"}), Bulks({"1", "2"}));  // an array, as Redis
  EXPECT_EQ(h.Run({"SRANDMEMBER", "nokey"}), "_\r\n");
  EXPECT_EQ(h.Run({"SPOP", "s", "5"}), Bulks({"1", "2"}, '~'));
  EXPECT_EQ(h.Run({"EXISTS", "s"}), ":0\r\n");
}

TEST(SetCommands, WrongTypeChangesNothing) {
  CommandHarness h;
  h.Run({"SET", "str", "v"});
  h.Run({"SADD", "s", "a"});
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"SADD", "str", "a"},
                                                               {"SREM", "str", "a"},
                                                               {"SMEMBERS", "str"},
                                                               {"SISMEMBER", "str", "a"},
                                                               {"SMISMEMBER", "str", "a"},
                                                               {"SCARD", "str"},
                                                               {"SPOP", "str"},
                                                               {"SPOP", "str", "0"},
                                                               {"SRANDMEMBER", "str"},
                                                               {"SRANDMEMBER", "str", "0"},
                                                               {"SMOVE", "str", "s", "a"},
                                                               {"SMOVE", "s", "str", "a"},
                                                               {"SINTER", "nokey", "str"},
                                                               {"SINTERCARD", "2", "nokey", "str"},
                                                               {"SINTERSTORE", "d", "s", "str"},
                                                               {"SUNION", "s", "str"},
                                                               {"SUNIONSTORE", "d", "str"},
                                                               {"SDIFF", "nokey", "str"},
                                                               {"SDIFFSTORE", "d", "s", "str"},
                                                               {"SSCAN", "str", "0"}}) {
    SCOPED_TRACE(cmd[0]);
    EXPECT_EQ(h.Run(cmd), kWrongType);
  }
  EXPECT_EQ(h.Run({"GET", "str"}), Bulk("v"));
  EXPECT_EQ(h.Run({"SMEMBERS", "s"}), Bulks({"a"}));
  EXPECT_EQ(h.Run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SMOVE", "nokey", "str", "a"}), ":0\r\n");  // source checked first
}

TEST(SetCommands, Algebra) {
  CommandHarness h;
  h.Run({"SADD", "a", "1", "2", "3", "x"});
  h.Run({"SADD", "b", "2", "3", "4"});
  h.Run({"SADD", "c", "3", "x", "9"});
  EXPECT_EQ(ReplyItems(h.Run({"SINTER", "a", "b"})), (std::multiset<std::string>{"2", "3"}));
  EXPECT_EQ(ReplyItems(h.Run({"SINTER", "a", "b", "c"})), (std::multiset<std::string>{"3"}));
  EXPECT_EQ(h.Run({"SINTER", "a", "nokey"}), "*0\r\n");
  EXPECT_EQ(ReplyItems(h.Run({"SUNION", "b", "c", "nokey"})),
            (std::multiset<std::string>{"2", "3", "4", "x", "9"}));
  EXPECT_EQ(ReplyItems(h.Run({"SDIFF", "a", "b", "nokey"})),
            (std::multiset<std::string>{"1", "x"}));
  EXPECT_EQ(h.Run({"SDIFF", "a", "a"}), "*0\r\n");
  EXPECT_EQ(h.Run({"SDIFF", "nokey", "a"}), "*0\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "2", "a", "b"}), ":2\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}), ":2\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "1", "nokey"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "0", "a"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "x", "a"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "3", "a", "b"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "1", "a", "LIMIT", "-1"}), "-ERR LIMIT can't be negative\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "1", "a", "LIMIT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SINTERCARD", "1", "a", "FOO", "1"}), "-ERR syntax error\r\n");
  // STORE forms: results start as intsets, empty results delete the target.
  EXPECT_EQ(h.Run({"SINTERSTORE", "d", "a", "b"}), ":2\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "d"}), Bulk("intset"));
  EXPECT_EQ(h.Run({"SUNIONSTORE", "d", "a", "c"}), ":5\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "d"}), Bulk("hashtable"));
  EXPECT_EQ(h.Run({"SDIFFSTORE", "d", "d", "a"}), ":1\r\n");  // the target is also a source
  EXPECT_EQ(h.Run({"SMEMBERS", "d"}), Bulks({"9"}));
  h.Run({"SET", "str", "v"});
  EXPECT_EQ(h.Run({"SINTERSTORE", "str", "a", "nokey"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "str"}), ":0\r\n");
  h.Run({"SET", "str", "v"});
  EXPECT_EQ(h.Run({"SUNIONSTORE", "str", "b"}), ":3\r\n");  // overwrites any type
  EXPECT_EQ(h.Run({"TYPE", "str"}), "+set\r\n");
}

TEST(SetCommands, Move) {
  CommandHarness h;
  h.Run({"SADD", "a", "1", "x"});
  EXPECT_EQ(h.Run({"SMOVE", "a", "b", "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "b"}), Bulk("intset"));
  EXPECT_EQ(h.Run({"SMOVE", "a", "b", "1"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SMOVE", "a", "a", "x"}), ":1\r\n");
  EXPECT_EQ(h.Run({"SMOVE", "a", "a", "y"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SMOVE", "a", "b", "x"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(ReplyItems(h.Run({"SMEMBERS", "b"})), (std::multiset<std::string>{"1", "x"}));
  EXPECT_EQ(h.Run({"SMOVE", "nokey", "b", "x"}), ":0\r\n");
}

TEST(SetCommands, PopAndRandMemberCounts) {
  CommandHarness h;
  h.Run({"SADD", "s", "a", "b", "c", "d", "e"});
  EXPECT_EQ(h.Run({"SPOP", "s", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"SPOP", "s", "x"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"SPOP", "s", "1", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "s", "1", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "s", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "s", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "s", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"SRANDMEMBER", "nokey", "5"}), "*0\r\n");
  EXPECT_EQ(h.Run({"SPOP", "nokey"}), "$-1\r\n");
  EXPECT_EQ(ReplyItems(h.Run({"SRANDMEMBER", "s", "-20"})).size(), 20u);
  for (int i = 0; i < 30; ++i) {
    auto three = ReplyItems(h.Run({"SRANDMEMBER", "s", "3"}));
    ASSERT_EQ(std::set<std::string>(three.begin(), three.end()).size(), 3u);
  }
  auto two = ReplyItems(h.Run({"SPOP", "s", "2"}));
  EXPECT_EQ(std::set<std::string>(two.begin(), two.end()).size(), 2u);
  EXPECT_EQ(h.Run({"SCARD", "s"}), ":3\r\n");
  std::string one = h.Run({"SPOP", "s"});
  EXPECT_EQ(one[0], '$');
  EXPECT_EQ(h.Run({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(ReplyItems(h.Run({"SPOP", "s", "2"})).size(), 2u);
  EXPECT_EQ(h.Run({"EXISTS", "s"}), ":0\r\n");
}

TEST(SetCommands, SpopOfMostOfASetReencodesTheRest) {
  CommandHarness h;
  // Ten integers and one string: popping 10 leaves one member; when it is an
  // integer the rebuilt set is an intset (as Redis's SPOP case 3).
  bool saw_intset = false;
  for (int round = 0; round < 60 && !saw_intset; ++round) {
    h.Run({"DEL", "s"});
    h.Run({"SADD", "s", "x", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"});
    h.Run({"SPOP", "s", "10"});
    std::string enc = h.Run({"OBJECT", "ENCODING", "s"});
    std::string left = h.Run({"SMEMBERS", "s"});
    EXPECT_EQ(enc == Bulk("intset"), left != Bulks({"x"})) << left;
    saw_intset = enc == Bulk("intset");
  }
  EXPECT_TRUE(saw_intset);
}

TEST(SetCommands, ScanIntsetAndHashtable) {
  CommandHarness h;
  h.Run({"SADD", "i", "1", "2", "10"});
  EXPECT_EQ(h.Run({"SSCAN", "i", "0", "MATCH", "1*", "COUNT", "1"}),
            "*2\r\n$1\r\n0\r\n" + Bulks({"1", "10"}));
  EXPECT_EQ(h.Run({"SSCAN", "i", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SSCAN", "i", "-1"}), "*2\r\n$1\r\n0\r\n" + Bulks({"1", "2", "10"}));
  EXPECT_EQ(h.Run({"SSCAN", "nokey", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  for (int i = 0; i < 300; ++i) h.Run({"SADD", "big", "m" + std::to_string(i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  for (int calls = 0; calls < 1000; ++calls) {
    std::string reply = h.Run({"SSCAN", "big", cursor, "COUNT", "20"});
    size_t p = reply.find("\r\n", 4);
    size_t q = reply.find("\r\n", p + 2);
    cursor = reply.substr(p + 2, q - p - 2);
    auto items = ReplyItems(reply.substr(q + 2));
    seen.insert(items.begin(), items.end());
    if (cursor == "0") break;
  }
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(seen.size(), 300u);
}

TEST(SetCommands, IntsetLimitFollowsTheConfig) {
  CommandHarness h("set-max-intset-entries 2");
  h.Run({"SADD", "s", "1", "2"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  h.Run({"SADD", "s", "3"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));
  h.Run({"SUNIONSTORE", "d", "s"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "d"}), Bulk("hashtable"));
}

// --------------------------------------------------------------------- RDB

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::set<std::string> LoadSet(uint8_t type, const std::string& payload, std::string* error,
                              std::string* encoding = nullptr) {
  RdbIn in(payload, "test.rdb");
  Collection* c = nullptr;
  Status st = LoadSetValue(type, in, &c);
  if (!st.ok()) {
    *error = st.message();
    return {};
  }
  std::unique_ptr<SetValue> s(static_cast<SetValue*>(c));
  if (encoding) *encoding = s->Encoding();
  return Members(*s);
}

TEST(SetRdb, LoadsPayloadsOfRedis7) {
  std::string error, enc;
  // DUMP of SADD si16 5 -3 100 / SADD si64 1 -70000 9223372036854775807 /
  // SADD sh a 1 "" (redis-server 7.0.15).
  EXPECT_EQ(LoadSet(11, Unhex("0e0200000003000000fdff05006400"), &error, &enc),
            (std::set<std::string>{"-3", "5", "100"}));
  EXPECT_EQ(enc, "intset");
  EXPECT_EQ(LoadSet(11, Unhex("20080000000300000090eefeffffffffff0100000000000000ffffffffffffff7f"),
                    &error),
            (std::set<std::string>{"-70000", "1", "9223372036854775807"}));
  EXPECT_EQ(LoadSet(2, Unhex("0300c0010161"), &error, &enc), (std::set<std::string>{"", "1", "a"}));
  EXPECT_EQ(enc, "hashtable");
  EXPECT_EQ(error, "");
}

TEST(SetRdb, RejectsCorruptInput) {
  std::string error;
  std::string unsorted =
      std::string("\x02\x00\x00\x00\x02\x00\x00\x00", 8) + std::string("\x05\x00\x03\x00", 4);
  LoadSet(11, std::string(1, static_cast<char>(unsorted.size())) + unsorted, &error);
  EXPECT_NE(error.find("sorted"), std::string::npos) << error;
  error.clear();
  std::string bad_enc = std::string("\x03\x00\x00\x00\x00\x00\x00\x00", 8);
  LoadSet(11, std::string(1, static_cast<char>(bad_enc.size())) + bad_enc, &error);
  EXPECT_NE(error, "");
  error.clear();
  LoadSet(2,
          std::string("\x02\x01"
                      "a"
                      "\x01"
                      "a",
                      6),
          &error);
  EXPECT_NE(error.find("duplicate"), std::string::npos) << error;
  error.clear();
  LoadSet(20, std::string("\x01", 1), &error);
  EXPECT_NE(error, "");
}

TEST(SetRdb, SaveThenLoadRoundTrips) {
  for (bool ints : {true, false}) {
    SetValue s;
    for (int i = 0; i < 100; ++i)
      s.Add(ints ? std::to_string(i * 1000 - 7) : "m" + std::to_string(i), SetLimits{});
    char path[] = "/tmp/troupe_set_rdb_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    RdbOut out(fd);
    ASSERT_TRUE(SaveSetValue(out, "key", s));
    ASSERT_TRUE(out.Flush());
    close(fd);
    std::string data;
    FILE* f = std::fopen(path, "rb");
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) data.append(buf, n);
    std::fclose(f);
    std::remove(path);
    EXPECT_EQ(static_cast<uint8_t>(data[0]), ints ? 11 : 2);
    RdbIn in(data, "test.rdb");
    uint8_t type;
    std::string key;
    ASSERT_TRUE(in.Byte(&type) && in.String(&key));
    Collection* c = nullptr;
    ASSERT_TRUE(LoadSetValue(type, in, &c).ok());
    std::unique_ptr<SetValue> back(static_cast<SetValue*>(c));
    EXPECT_EQ(Members(*back), Members(s));
    EXPECT_STREQ(back->Encoding(), s.Encoding());
    EXPECT_EQ(in.pos(), data.size());
  }
}

}  // namespace
}  // namespace troupe
