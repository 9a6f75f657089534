// Tests of the hash type: FieldTable and HashValue
// (actors/shard/types/hash_value.h) against a std::map model under seeded
// random operations in both encodings and their conversions; the hash
// commands (hash_family.cc) through CommandHarness: replies in RESP2 and
// RESP3, error texts, key deletion when a hash empties, encodings; and the
// RDB codec (rdb_hash.cc): round trips, payloads captured from
// redis-server 7.0.15 (DUMP), older encodings and corrupt input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/hash_value.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

std::map<std::string, std::string> Contents(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

// ------------------------------------------------------------- FieldTable

TEST(FieldTable, SetFindEraseAndValueGrowth) {
  FieldTable t;
  EXPECT_TRUE(t.Set("a", "1"));
  EXPECT_TRUE(t.Set("", ""));
  EXPECT_FALSE(t.Set("a", std::string(300, 'x')));  // outgrows its node
  ASSERT_NE(t.Find("a"), nullptr);
  EXPECT_EQ(t.Find("a")->value(), std::string(300, 'x'));
  EXPECT_FALSE(t.Set("a", "2"));  // shrinks in place
  EXPECT_EQ(t.Find("a")->value(), "2");
  ASSERT_NE(t.Find(""), nullptr);
  EXPECT_EQ(t.Find("b"), nullptr);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_FALSE(t.Erase("a"));
  EXPECT_EQ(t.size(), 1u);
}

TEST(FieldTable, GrowsAndShrinksWithItsContents) {
  FieldTable t;
  for (int i = 0; i < 1000; ++i) t.InsertNew("k" + std::to_string(i), "v");
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_GE(t.bucket_count(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_NE(t.Find("k" + std::to_string(i)), nullptr);
  for (int i = 0; i < 995; ++i) ASSERT_TRUE(t.Erase("k" + std::to_string(i)));
  EXPECT_LE(t.bucket_count(), 16u);
  for (int i = 995; i < 1000; ++i) ASSERT_NE(t.Find("k" + std::to_string(i)), nullptr);
}

TEST(FieldTable, RandomReachesEveryKey) {
  FieldTable t;
  for (int i = 0; i < 20; ++i) t.InsertNew(std::to_string(i), "");
  std::mt19937_64 rng(7);
  std::set<std::string> seen;
  for (int i = 0; i < 2000 && seen.size() < 20; ++i) seen.emplace(t.Random(rng)->key());
  EXPECT_EQ(seen.size(), 20u);
}

TEST(FieldTable, ScanReturnsEveryKeyAcrossResizes) {
  FieldTable t;
  for (int i = 0; i < 100; ++i) t.InsertNew("a" + std::to_string(i), "");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, [&](const FieldTable::Node* n) { seen.emplace(n->key()); });
    // Grow the table mid-scan: keys present all along must still be seen.
    if (++calls == 5)
      for (int i = 0; i < 400; ++i) t.InsertNew("b" + std::to_string(i), "");
  } while (cursor != 0 && calls < 100000);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen.count("a" + std::to_string(i)), 1u) << i;
}

TEST(FieldTable, CloneIsDeep) {
  FieldTable t;
  t.Set("f", "v");
  std::unique_ptr<FieldTable> c(t.Clone());
  t.Set("f", "changed");
  EXPECT_EQ(c->Find("f")->value(), "v");
  EXPECT_GT(c->MemoryUsage(), 0u);
}

// -------------------------------------------------------------- HashValue

TEST(HashValue, ListpackBasics) {
  HashValue h;
  HashLimits lim;
  EXPECT_STREQ(h.Encoding(), "listpack");
  EXPECT_TRUE(h.Set("f1", "v1", lim));
  EXPECT_TRUE(h.Set("f2", "", lim));
  EXPECT_FALSE(h.Set("f1", std::string(60, 'x'), lim));  // value grows in the middle
  EXPECT_EQ(h.size(), 2u);
  std::string_view v;
  ASSERT_TRUE(h.Get("f1", &v));
  EXPECT_EQ(v, std::string(60, 'x'));
  ASSERT_TRUE(h.Get("f2", &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(h.Contains("f3"));
  EXPECT_TRUE(h.Delete("f1"));
  EXPECT_FALSE(h.Delete("f1"));
  EXPECT_EQ(Contents(h), (std::map<std::string, std::string>{{"f2", ""}}));
  EXPECT_TRUE(h.Delete("f2"));
  EXPECT_EQ(h.size(), 0u);
  EXPECT_STREQ(h.Encoding(), "listpack");
}

TEST(HashValue, ConvertsOnLongFieldOrValue) {
  HashLimits lim{512, 8};
  HashValue a, b;
  a.Set("f", "12345678", lim);
  EXPECT_TRUE(a.listpack());
  a.Set("f", "123456789", lim);
  EXPECT_FALSE(a.listpack());
  EXPECT_STREQ(a.Encoding(), "hashtable");
  b.Set("123456789", "v", lim);
  EXPECT_FALSE(b.listpack());
  std::string_view v;
  ASSERT_TRUE(a.Get("f", &v));
  EXPECT_EQ(v, "123456789");
}

TEST(HashValue, ConvertsPastMaxEntriesAndNeverBack) {
  HashLimits lim{3, 64};
  HashValue h;
  for (int i = 0; i < 3; ++i) h.Set("f" + std::to_string(i), "v", lim);
  EXPECT_TRUE(h.listpack());
  h.Set("f3", "v", lim);
  EXPECT_FALSE(h.listpack());
  for (int i = 0; i < 4; ++i) h.Delete("f" + std::to_string(i));
  EXPECT_EQ(h.size(), 0u);
  EXPECT_STREQ(h.Encoding(), "hashtable");
}

TEST(HashValue, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  for (HashLimits lim : {HashLimits{512, 64}, HashLimits{8, 16}, HashLimits{0, 0}}) {
    HashValue h;
    std::map<std::string, std::string> model;
    for (int step = 0; step < 3000; ++step) {
      std::string f = "f" + std::to_string(rng() % 40);
      if (rng() % 7 == 0) f = std::string(rng() % 150, 'F');  // 1- and 2-byte varints
      std::string v(rng() % 200, static_cast<char>('a' + rng() % 26));
      switch (rng() % 4) {
        case 0:
        case 1:
          ASSERT_EQ(h.Set(f, v, lim), model.count(f) == 0);
          model[f] = v;
          break;
        case 2: ASSERT_EQ(h.Delete(f), model.erase(f) == 1); break;
        default: {
          std::string_view got;
          bool found = h.Get(f, &got);
          ASSERT_EQ(found, model.count(f) == 1);
          if (found) {
            ASSERT_EQ(got, model[f]);
          }
        }
      }
      ASSERT_EQ(h.size(), model.size());
    }
    EXPECT_EQ(Contents(h), model);
    std::unique_ptr<Collection> copy(h.Clone());
    EXPECT_EQ(Contents(static_cast<HashValue&>(*copy)), model);
    EXPECT_GT(h.MemoryUsage(), 0u);
  }
}

TEST(HashValue, SampleDistinctAndRandomField) {
  std::mt19937_64 rng(1);
  for (HashLimits lim : {HashLimits{512, 64}, HashLimits{0, 64}}) {
    HashValue h;
    for (int i = 0; i < 30; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), lim);
    for (size_t count : {1u, 5u, 9u, 20u, 29u}) {
      std::set<std::string> got;
      h.SampleDistinct(rng, count, [&](std::string_view f, std::string_view v) {
        EXPECT_EQ("v" + std::string(f.substr(1)), v);
        got.emplace(f);
      });
      EXPECT_EQ(got.size(), count);
    }
    auto fv = h.RandomField(rng);
    EXPECT_EQ("v" + std::string(fv.first.substr(1)), fv.second);
  }
}

TEST(HashValue, ScanOfAListpackIsOneCall) {
  HashValue h;
  HashLimits lim;
  for (int i = 0; i < 50; ++i) h.Set(std::to_string(i), "v", lim);
  size_t n = 0;
  EXPECT_EQ(h.Scan(0, 1, [&](std::string_view, std::string_view) { ++n; }), 0u);
  EXPECT_EQ(n, 50u);
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

TEST(HashCommands, SetGetAndFriends) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a", "10", "c", "3"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(h.Run({"HMSET", "h", "a"}), "-ERR wrong number of arguments for 'hmset' command\r\n");
  EXPECT_EQ(h.Run({"HMSET", "h", "d", "4"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"HSETNX", "h", "a", "x"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HSETNX", "h", "e", "5"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "a"}), Bulk("10"));
  EXPECT_EQ(h.Run({"HGET", "h", "zz"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"HGET", "nokey", "a"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"HMGET", "h", "a", "zz", "b"}), "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.Run({"HMGET", "nokey", "a"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"HLEN", "h"}), ":5\r\n");
  EXPECT_EQ(h.Run({"HLEN", "nokey"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HSTRLEN", "h", "a"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HSTRLEN", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HEXISTS", "h", "b"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HEXISTS", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HKEYS", "h"}), Bulks({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(h.Run({"HVALS", "h"}), Bulks({"10", "2", "3", "4", "5"}));
  EXPECT_EQ(h.Run({"HGETALL", "h"}), Bulks({"a", "10", "b", "2", "c", "3", "d", "4", "e", "5"}));
  EXPECT_EQ(h.Run({"HKEYS", "nokey"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "nokey"}), "*0\r\n");
  EXPECT_EQ(h.Run({"TYPE", "h"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "h"}), Bulk("listpack"));
}

TEST(HashCommands, Resp3Shapes) {
  CommandHarness h;
  h.client().protocol = 3;
  h.Run({"HSET", "h", "a", "1"});
  EXPECT_EQ(h.Run({"HGETALL", "h"}), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "nokey"}), "%0\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "x"}), "_\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "5", "WITHVALUES"}), "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "nokey"}), "_\r\n");
}

TEST(HashCommands, DeleteRemovesTheEmptiedKey) {
  CommandHarness h;
  h.Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(h.Run({"HDEL", "h", "a", "zz", "a"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HDEL", "nokey", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"HDEL", "h", "b", "c"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "h"}), ":0\r\n");
}

TEST(HashCommands, WrongTypeChangesNothing) {
  CommandHarness h;
  h.Run({"SET", "s", "v"});
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"HSET", "s", "a", "1"},
                                                               {"HSETNX", "s", "a", "1"},
                                                               {"HGET", "s", "a"},
                                                               {"HMGET", "s", "a"},
                                                               {"HMSET", "s", "a", "1"},
                                                               {"HDEL", "s", "a"},
                                                               {"HEXISTS", "s", "a"},
                                                               {"HLEN", "s"},
                                                               {"HSTRLEN", "s", "a"},
                                                               {"HKEYS", "s"},
                                                               {"HVALS", "s"},
                                                               {"HGETALL", "s"},
                                                               {"HINCRBY", "s", "a", "1"},
                                                               {"HINCRBYFLOAT", "s", "a", "1"},
                                                               {"HRANDFIELD", "s"},
                                                               {"HRANDFIELD", "s", "0"},
                                                               {"HSCAN", "s", "0"}}) {
    SCOPED_TRACE(cmd[0]);
    EXPECT_EQ(h.Run(cmd), kWrongType);
  }
  EXPECT_EQ(h.Run({"GET", "s"}), Bulk("v"));
}

TEST(HashCommands, IncrBy) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "5"}), ":5\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "-7"}), ":-2\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "x"}), "-ERR value is not an integer or out of range\r\n");
  h.Run({"HSET", "h", "s", "abc", "big", "9223372036854775807", "f", "1.5"});
  EXPECT_EQ(h.Run({"HINCRBY", "h", "s", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "f", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "big", "1"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "big"}), Bulk("9223372036854775807"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "0.25"}), Bulk("1.75"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "n", "3.0"}), Bulk("1"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "new", "1e3"}), Bulk("1000"));
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "s", "1"}), "-ERR hash value is not a float\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
  // A long field converts the hash before it is added (as Redis's hashTypeSet).
  EXPECT_EQ(h.Run({"HINCRBY", "h", std::string(65, 'x'), "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "h"}), Bulk("hashtable"));
  // A failed increment of a new key leaves no key behind.
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "nokey", "f", "nan"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "nokey"}), ":0\r\n");
}

TEST(HashCommands, RandFieldCountsAndErrors) {
  CommandHarness h;
  h.Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "nokey", "3"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "nokey"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "1", "FOO"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "1", "WITHVALUES", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"}),
            "-ERR value is out of range\r\n");
  // Whole hash, in RESP2 field/value pairs flattened.
  std::string all = h.Run({"HRANDFIELD", "h", "3", "WITHVALUES"});
  EXPECT_EQ(all.substr(0, 4), "*6\r\n");
  for (const char* f : {"a", "b", "c"}) EXPECT_NE(all.find(Bulk(f)), std::string::npos);
  // Negative counts repeat; positive ones below the size are distinct.
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-10"}).substr(0, 5), "*10\r\n");
  for (int i = 0; i < 50; ++i) {
    std::string two = h.Run({"HRANDFIELD", "h", "2"});
    ASSERT_EQ(two.substr(0, 4), "*2\r\n");
    ASSERT_NE(two.substr(4, 7), two.substr(11, 7));
  }
}

TEST(HashCommands, ScanListpackAndHashtable) {
  CommandHarness h("hash-max-listpack-entries 16");
  h.Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(h.Run({"HSCAN", "h", "0"}), "*2\r\n$1\r\n0\r\n" + Bulks({"a", "1", "b", "2"}));
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "MATCH", "b", "COUNT", "1"}),
            "*2\r\n$1\r\n0\r\n" + Bulks({"b", "2"}));
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "TYPE", "string"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "h", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "nokey", "0", "COUNT", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  for (int i = 0; i < 200; ++i) h.Run({"HSET", "big", "f" + std::to_string(i), "v"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "big"}), Bulk("hashtable"));
  std::set<std::string> seen;
  std::string cursor = "0";
  for (int calls = 0; calls < 1000; ++calls) {
    std::string reply = h.Run({"HSCAN", "big", cursor, "COUNT", "7"});
    // *2 $n cursor *m (field value)...
    size_t p = reply.find("\r\n", 4);  // after "$n"
    size_t q = reply.find("\r\n", p + 2);
    cursor = reply.substr(p + 2, q - p - 2);
    size_t pos = reply.find('*', q);
    pos = reply.find("\r\n", pos) + 2;
    bool field = true;
    while (pos < reply.size()) {
      size_t e = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, e - pos - 1));
      if (field) seen.insert(reply.substr(e + 2, len));
      field = !field;
      pos = e + 2 + len + 2;
    }
    if (cursor == "0") break;
  }
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(seen.size(), 200u);
}

TEST(HashCommands, EncodingFollowsTheConfig) {
  CommandHarness h("hash-max-listpack-entries 2\nhash-max-listpack-value 4");
  h.Run({"HSET", "a", "f1", "v", "f2", "v"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "a"}), Bulk("listpack"));
  h.Run({"HSET", "a", "f3", "v"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "a"}), Bulk("hashtable"));
  h.Run({"HSET", "b", "f", "12345"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "b"}), Bulk("hashtable"));
  // HSETNX on an existing field converts nothing, whatever the value.
  h.Run({"HSET", "c", "f", "v"});
  EXPECT_EQ(h.Run({"HSETNX", "c", "f", "123456789"}), ":0\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "c"}), Bulk("listpack"));
  EXPECT_EQ(h.Run({"COPY", "a", "a2"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "a2"}).substr(0, 4), "*6\r\n");
}

// --------------------------------------------------------------------- RDB

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::map<std::string, std::string> LoadHash(uint8_t type, const std::string& payload,
                                            std::string* error, std::string* encoding = nullptr) {
  RdbIn in(payload, "test.rdb");
  Collection* c = nullptr;
  Status st = LoadHashValue(type, in, &c);
  if (!st.ok()) {
    *error = st.message();
    return {};
  }
  std::unique_ptr<HashValue> h(static_cast<HashValue*>(c));
  if (encoding) *encoding = h->Encoding();
  return Contents(*h);
}

std::string RdbLen(size_t n) {
  if (n < 64) return std::string(1, static_cast<char>(n));
  return std::string{static_cast<char>(0x40 | (n >> 8)), static_cast<char>(n & 0xFF)};
}
std::string RdbStr(const std::string& s) { return RdbLen(s.size()) + s; }
std::string Le(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

TEST(HashRdb, LoadsPayloadsOfRedis7) {
  std::string error, enc;
  // DUMP of: HSET hl a 1 b -2 c 300 d -5000 e 70000 f -9000000 g 3000000000
  //   h 9223372036854775807 i hello j <100 x> k "" 007 -0  (listpack, LZF)
  auto hl = LoadHash(16,
                     Unhex("c3406c40cc1fcc00000018008161020101816202dffe02816302c12c028164"
                           "02f178ec0381651602f270110104816602f3c0ab76ff05816702f4005ed0b2"
                           "2035060009816802f4ff8000117f098169028568656c6c6f06816a02e06478"
                           "e05a000f66816b0280018330303704822d3003ff"),
                     &error, &enc);
  EXPECT_EQ(error, "");
  std::map<std::string, std::string> want{{"a", "1"},          {"b", "-2"},
                                          {"c", "300"},        {"d", "-5000"},
                                          {"e", "70000"},      {"f", "-9000000"},
                                          {"g", "3000000000"}, {"h", "9223372036854775807"},
                                          {"i", "hello"},      {"j", std::string(100, 'x')},
                                          {"k", ""},           {"007", "-0"}};
  EXPECT_EQ(hl, want);
  EXPECT_EQ(enc, "listpack");  // as Redis: a long value does not convert a loaded listpack
  // DUMP of: HSET hh f1 v1 big <70 y> 12 34  (plain type 4, LZF value)
  auto hh = LoadHash(4, Unhex("03026631027631c00cc02203626967c3094046017979e03900017979"), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(hh, (std::map<std::string, std::string>{
                    {"f1", "v1"}, {"12", "34"}, {"big", std::string(70, 'y')}}));
}

TEST(HashRdb, LoadsOlderEncodings) {
  std::string error, enc;
  // Ziplist (type 13): a, 1, bb, 5000 (int16), c, 12 (4-bit immediate).
  std::string body;
  auto entry = [&](const std::string& enc_and_data) {
    body += std::string(1, '\0') + enc_and_data;  // prevlen is not checked
  };
  entry(
      "\x01"
      "a");
  entry(std::string("\xF2", 1));  // immediate 1
  entry(
      "\x02"
      "bb");
  entry(std::string("\xC0", 1) + Le(5000, 2));  // int16
  entry(
      "\x01"
      "c");
  entry(std::string("\xFD", 1));  // immediate 12
  std::string zl = Le(0, 4) + Le(0, 4) + Le(6, 2) + body + "\xFF";
  zl.replace(0, 4, Le(zl.size(), 4));
  auto got = LoadHash(13, RdbStr(zl), &error, &enc);
  EXPECT_EQ(error, "");
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"a", "1"}, {"bb", "5000"}, {"c", "12"}}));
  EXPECT_EQ(enc, "listpack");
  // Zipmap (type 9): zmlen, then <len>key<len><free>value<free bytes>, 0xFF.
  std::string zm(1, '\x02');
  zm += std::string(
      "\x01"
      "k"
      "\x02"
      "\x01"
      "vv"
      "x");
  zm += std::string(
      "\x02"
      "k2");
  zm += std::string(2, '\0');
  zm += "\xFF";
  got = LoadHash(9, RdbStr(zm), &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"k", "vv"}, {"k2", ""}}));
}

TEST(HashRdb, RejectsCorruptInput) {
  std::string error;
  LoadHash(4, RdbLen(2) + RdbStr("f") + RdbStr("1") + RdbStr("f") + RdbStr("2"), &error);
  EXPECT_NE(error.find("duplicate"), std::string::npos) << error;
  error.clear();
  LoadHash(4, RdbLen(0), &error);
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  error.clear();
  LoadHash(16, RdbStr(std::string("\x07\x00\x00\x00\x01\x00\x81", 7)),
           &error);  // truncated listpack
  EXPECT_NE(error, "");
  error.clear();
  LoadHash(4, RdbLen(3) + RdbStr("f"), &error);  // runs out of input
  EXPECT_NE(error, "");
}

TEST(HashRdb, SaveThenLoadRoundTrips) {
  for (HashLimits lim : {HashLimits{}, HashLimits{0, 64}}) {
    HashValue h;
    for (int i = 0; i < 40; ++i) h.Set("f" + std::to_string(i), std::to_string(i * 1000), lim);
    h.Set("", std::string(300, 'z'), HashLimits{});
    char path[] = "/tmp/troupe_hash_rdb_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    RdbOut out(fd);
    ASSERT_TRUE(SaveHashValue(out, "key", h));
    ASSERT_TRUE(out.Flush());
    close(fd);
    std::string data;
    FILE* f = std::fopen(path, "rb");
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) data.append(buf, n);
    std::fclose(f);
    std::remove(path);
    ASSERT_EQ(static_cast<uint8_t>(data[0]), 4);
    RdbIn in(data, "test.rdb");
    uint8_t type;
    std::string key;
    ASSERT_TRUE(in.Byte(&type) && in.String(&key));
    EXPECT_EQ(key, "key");
    Collection* c = nullptr;
    ASSERT_TRUE(LoadHashValue(type, in, &c).ok());
    std::unique_ptr<HashValue> back(static_cast<HashValue*>(c));
    EXPECT_EQ(Contents(*back), Contents(h));
    EXPECT_EQ(in.pos(), data.size());
  }
}

}  // namespace
}  // namespace troupe
