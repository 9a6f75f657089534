// Tests of the list type: ListValue (actors/shard/types/list_value.h) against
// a std::deque model under seeded random operations and every node-size
// setting, and the list commands (list_family.cc) through CommandHarness:
// replies in RESP2 and RESP3, error texts, key deletion when a list
// empties, and the blocking commands' replies where a client cannot block.
#include "actors/shard/types/list_value.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

std::vector<std::string> Contents(const ListValue& l) {
  std::vector<std::string> out;
  l.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

void ExpectSame(const ListValue& l, const std::deque<std::string>& model) {
  ASSERT_EQ(l.CheckConsistency(), "");
  ASSERT_EQ(l.size(), model.size());
  std::vector<std::string> want(model.begin(), model.end());
  ASSERT_EQ(Contents(l), want);
}

TEST(ListValue, PushPopBothEnds) {
  ListValue l;
  EXPECT_TRUE(l.empty());
  l.PushBack("b");
  l.PushFront("a");
  l.PushBack("c");
  EXPECT_EQ(l.size(), 3u);
  EXPECT_EQ(l.Front(), "a");
  EXPECT_EQ(l.Back(), "c");
  EXPECT_EQ(l.At(1), "b");
  l.PopFront();
  EXPECT_EQ(l.Front(), "b");
  l.PopBack();
  EXPECT_EQ(l.Back(), "b");
  l.PopBack();
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.node_count(), 0u);
  EXPECT_STREQ(l.Encoding(), "quicklist");
}

TEST(ListValue, EmptyAndLargeElements) {
  ListValue l;
  std::string big(100000, 'x');
  std::string mid(200, 'y');  // a two-byte length varint
  l.PushBack("");
  l.PushBack(big);
  l.PushFront(mid);
  l.PushFront("");
  ASSERT_EQ(l.CheckConsistency(), "");
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"", mid, "", big}));
  EXPECT_EQ(l.Back(), big);
  l.PopBack();
  EXPECT_EQ(l.Back(), "");
  ASSERT_EQ(l.CheckConsistency(), "");
}

TEST(ListValue, NodesStayWithinTheirLimit) {
  for (int64_t fill : {-1, -2, -5, 1, 3, 128}) {
    SCOPED_TRACE(fill);
    ListValue l(fill);
    for (int i = 0; i < 5000; ++i) {
      if (i % 2)
        l.PushBack("element-" + std::to_string(i));
      else
        l.PushFront("element-" + std::to_string(i));
    }
    ASSERT_EQ(l.CheckConsistency(), "");
    EXPECT_GT(l.node_count(), 1u);
    if (fill > 0) EXPECT_GE(l.node_count(), 5000u / static_cast<size_t>(fill));
  }
}

TEST(ListValue, CursorWalksBothWays) {
  ListValue l(2);  // two elements per node: many node boundaries
  for (int i = 0; i < 9; ++i) l.PushBack(std::to_string(i));
  std::string forward, backward;
  for (auto c = l.CursorAt(0); c.valid(); c.Next()) forward += c.value();
  for (auto c = l.CursorAt(8); c.valid(); c.Prev()) backward += c.value();
  EXPECT_EQ(forward, "012345678");
  EXPECT_EQ(backward, "876543210");
  EXPECT_FALSE(l.CursorAt(9).valid());
  std::string mid;
  l.ForRange(3, 6, [&](std::string_view v) { mid += v; });
  EXPECT_EQ(mid, "3456");
}

TEST(ListValue, RemoveCountsFromEitherEnd) {
  ListValue l(3);
  for (const char* v : {"a", "b", "a", "c", "a", "a", "d", "a"}) l.PushBack(v);
  EXPECT_EQ(l.Remove("a", 2), 2u);
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"b", "c", "a", "a", "d", "a"}));
  EXPECT_EQ(l.Remove("a", -2), 2u);
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"b", "c", "a", "d"}));
  EXPECT_EQ(l.Remove("zz", 0), 0u);
  EXPECT_EQ(l.Remove("a", 0), 1u);
  EXPECT_EQ(l.Remove("b", INT64_MIN), 1u);
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"c", "d"}));
  ASSERT_EQ(l.CheckConsistency(), "");
}

TEST(ListValue, CloneIsDeep) {
  ListValue l;
  for (int i = 0; i < 3000; ++i) l.PushBack(std::to_string(i));
  std::unique_ptr<Collection> copy(l.Clone());
  auto* c = static_cast<ListValue*>(copy.get());
  l.PopFront();
  l.Set(0, "changed");
  EXPECT_EQ(c->size(), 3000u);
  EXPECT_EQ(c->Front(), "0");
  EXPECT_EQ(c->At(1), "1");
  EXPECT_EQ(c->CheckConsistency(), "");
  EXPECT_GT(c->MemoryUsage(), 3000u);
}

TEST(ListValue, MemoryIsGivenBackAsTheListDrains) {
  ListValue l;
  for (int i = 0; i < 100000; ++i) l.PushBack("xxxxxxxxxx");
  size_t full = l.MemoryUsage();
  EXPECT_LT(full, 100000u * 20);  // compact: ~12 bytes per element plus nodes
  for (int i = 0; i < 99990; ++i) l.PopFront();
  EXPECT_LT(l.MemoryUsage(), 2048u);
  ASSERT_EQ(l.CheckConsistency(), "");
}

// Seeded random operations against a std::deque model.
TEST(ListValue, RandomOperationsMatchAModel) {
  for (int64_t fill : {-2, -1, 2, 5}) {
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      SCOPED_TRACE("fill " + std::to_string(fill) + " seed " + std::to_string(seed));
      std::mt19937 rng(seed);
      ListValue l(fill);
      std::deque<std::string> model;
      auto value = [&]() {
        int kind = rng() % 10;
        size_t len = kind < 6 ? rng() % 8 : kind < 9 ? rng() % 300 : rng() % 20000;
        return std::string(len, static_cast<char>('a' + rng() % 4));
      };
      for (int step = 0; step < 3000; ++step) {
        int op = rng() % 12;
        size_t n = model.size();
        switch (op) {
          case 0:
          case 1: {
            std::string v = value();
            l.PushFront(v);
            model.push_front(v);
            break;
          }
          case 2:
          case 3: {
            std::string v = value();
            l.PushBack(v);
            model.push_back(v);
            break;
          }
          case 4:
            if (n) {
              ASSERT_EQ(l.Front(), model.front());
              l.PopFront();
              model.pop_front();
            }
            break;
          case 5:
            if (n) {
              ASSERT_EQ(l.Back(), model.back());
              l.PopBack();
              model.pop_back();
            }
            break;
          case 6:
            if (n) {
              size_t i = rng() % n;
              std::string v = value();
              l.Set(i, v);
              model[i] = v;
            }
            break;
          case 7:
            if (n) {
              size_t i = rng() % n;
              bool after = rng() % 2;
              std::string v = value();
              l.InsertAt(i, v, after);
              model.insert(model.begin() + static_cast<long>(i + after), v);
            }
            break;
          case 8:
            if (n) {
              size_t i = rng() % n;
              size_t c = rng() % (n - i + 1);
              l.Erase(i, c);
              model.erase(model.begin() + static_cast<long>(i),
                          model.begin() + static_cast<long>(i + c));
            }
            break;
          case 9: {
            if (!n) break;
            std::string v = model[rng() % n];
            int64_t count = static_cast<int64_t>(rng() % 5) - 2;
            size_t removed = 0;
            if (count >= 0) {
              for (auto it = model.begin(); it != model.end();) {
                if (*it == v && (count == 0 || removed < static_cast<size_t>(count))) {
                  it = model.erase(it);
                  ++removed;
                } else {
                  ++it;
                }
              }
            } else {
              for (size_t i = model.size(); i-- > 0;) {
                if (model[i] == v && removed < static_cast<size_t>(-count)) {
                  model.erase(model.begin() + static_cast<long>(i));
                  ++removed;
                }
              }
            }
            ASSERT_EQ(l.Remove(v, count), removed);
            break;
          }
          case 10:
            if (n) {
              size_t i = rng() % n;
              ASSERT_EQ(l.At(i), model[i]);
            }
            break;
          case 11:
            if (n > 20 && rng() % 4 == 0) {  // drain a lot at once now and then
              size_t c = rng() % n;
              l.Erase(0, c);
              model.erase(model.begin(), model.begin() + static_cast<long>(c));
            }
            break;
        }
        if (step % 100 == 0) ASSERT_NO_FATAL_FAILURE(ExpectSame(l, model));
      }
      ASSERT_NO_FATAL_FAILURE(ExpectSame(l, model));
    }
  }
}

// ---------------------------------------------------------------------------
// Commands

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

std::string Bulks(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& s : items) out += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  return out;
}

TEST(ListCommands, PushRangeAndLength) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(h.Run({"LPUSH", "l", "x", "y"}), ":5\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Bulks({"y", "x", "a", "b", "c"}));
  EXPECT_EQ(h.Run({"LRANGE", "l", "-2", "100"}), Bulks({"b", "c"}));
  EXPECT_EQ(h.Run({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "nokey", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "x", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"LLEN", "l"}), ":5\r\n");
  EXPECT_EQ(h.Run({"LLEN", "nokey"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LPUSHX", "nokey", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"RPUSHX", "l", "z"}), ":6\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "l"}), "$9\r\nquicklist\r\n");
  EXPECT_EQ(h.Run({"TYPE", "l"}), "+list\r\n");
}

TEST(ListCommands, WrongTypeChangesNothing) {
  CommandHarness h;
  h.Run({"SET", "s", "v"});
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"LPUSH", "s", "a"}, {"RPUSHX", "s", "a"}, {"LPOP", "s"}, {"LLEN", "s"},
           {"LRANGE", "s", "0", "1"}, {"LINDEX", "s", "0"}, {"LSET", "s", "0", "x"},
           {"LINSERT", "s", "BEFORE", "a", "b"}, {"LREM", "s", "0", "a"}, {"LTRIM", "s", "0", "1"},
           {"LPOS", "s", "a"}, {"LMOVE", "s", "d", "LEFT", "LEFT"}, {"BLPOP", "s", "0"},
           {"LMPOP", "1", "s", "LEFT"}}) {
    SCOPED_TRACE(cmd[0]);
    EXPECT_EQ(h.Run(cmd), kWrongType);
  }
  EXPECT_EQ(h.Run({"GET", "s"}), "$1\r\nv\r\n");
}

TEST(ListCommands, PopsWithCountsAndDeletion) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c", "d"});
  EXPECT_EQ(h.Run({"LPOP", "l"}), "$1\r\na\r\n");
  EXPECT_EQ(h.Run({"RPOP", "l", "2"}), Bulks({"d", "c"}));
  EXPECT_EQ(h.Run({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "1", "2"}), "-ERR wrong number of arguments for 'lpop' command\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "10"}), Bulks({"b"}));
  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "0"}), "*-1\r\n");
  h.client().protocol = 3;
  EXPECT_EQ(h.Run({"LPOP", "l"}), "_\r\n");
  EXPECT_EQ(h.Run({"LPOP", "l", "2"}), "_\r\n");
}

TEST(ListCommands, IndexSetInsert) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(h.Run({"LINDEX", "l", "-1"}), "$1\r\nc\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "l", "3"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LINDEX", "nokey", "x"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LSET", "l", "1", "B"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"LSET", "l", "5", "B"}), "-ERR index out of range\r\n");
  EXPECT_EQ(h.Run({"LSET", "nokey", "0", "B"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "l", "before", "B", "x"}), ":4\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "l", "AFTER", "c", "y"}), ":5\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "l", "AFTER", "zz", "y"}), ":-1\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "l", "middle", "c", "y"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LINSERT", "nokey", "before", "c", "y"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Bulks({"a", "x", "B", "c", "y"}));
}

TEST(ListCommands, RemTrimPos) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "a", "b", "a", "c", "a"});
  EXPECT_EQ(h.Run({"LPOS", "l", "a"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "a", "RANK", "-1"}), ":4\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "a", "COUNT", "0"}), "*3\r\n:0\r\n:2\r\n:4\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "a", "RANK", "2", "MAXLEN", "2"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "a", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list\r\n");
  EXPECT_EQ(h.Run({"LPOS", "l", "a", "COUNT", "-1"}), "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(h.Run({"LPOS", "nokey", "a", "COUNT", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"LREM", "l", "-2", "a"}), ":2\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Bulks({"a", "b", "c"}));
  EXPECT_EQ(h.Run({"LTRIM", "l", "1", "-1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "l", "0", "-1"}), Bulks({"b", "c"}));
  EXPECT_EQ(h.Run({"LTRIM", "l", "5", "10"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "l"}), ":0\r\n");
}

TEST(ListCommands, MoveAndMultiPop) {
  CommandHarness h;
  h.Run({"RPUSH", "src", "a", "b"});
  EXPECT_EQ(h.Run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}), "$1\r\na\r\n");
  EXPECT_EQ(h.Run({"RPOPLPUSH", "src", "dst"}), "$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "src"}), ":0\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "dst", "0", "-1"}), Bulks({"b", "a"}));
  EXPECT_EQ(h.Run({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}), "$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "dst", "0", "-1"}), Bulks({"a", "b"}));
  EXPECT_EQ(h.Run({"LMOVE", "nokey", "dst", "LEFT", "RIGHT"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"LMOVE", "dst", "x", "UP", "RIGHT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "5"}),
            "*2\r\n$3\r\ndst\r\n" + Bulks({"b", "a"}));
  EXPECT_EQ(h.Run({"LMPOP", "1", "dst", "LEFT"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "0", "dst", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "2", "dst", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"LMPOP", "1", "dst", "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
}

// Without a connection no client can block: the timeout replies, at once.
TEST(ListCommands, BlockingCommandsReplyTheTimeoutWhenTheyCannotBlock) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"BLPOP", "a", "b", "0"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"BRPOPLPUSH", "a", "b", "0"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"BLMPOP", "0", "1", "a", "LEFT"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"BLPOP", "a", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(h.Run({"BLPOP", "a", "x"}), "-ERR timeout is not a float or out of range\r\n");
  h.Run({"RPUSH", "b", "1", "2"});
  EXPECT_EQ(h.Run({"BRPOP", "a", "b", "0"}), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.Run({"BLMPOP", "1", "1", "b", "LEFT", "COUNT", "3"}),
            "*2\r\n$1\r\nb\r\n" + Bulks({"1"}));
  h.client().protocol = 3;
  EXPECT_EQ(h.Run({"BLPOP", "a", "0"}), "_\r\n");
  EXPECT_EQ(h.Run({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}), "_\r\n");
}

TEST(ListCommands, NodeSizeFollowsTheConfig) {
  CommandHarness h("list-max-listpack-size 4\n");
  std::vector<std::string> push = {"RPUSH", "l"};
  for (int i = 0; i < 100; ++i) push.push_back(std::to_string(i));
  EXPECT_EQ(h.Run(push), ":100\r\n");
  Entry* e = h.keyspace().db(0).Peek("l");
  ASSERT_NE(e, nullptr);
  auto* l = static_cast<ListValue*>(e->collection());
  EXPECT_EQ(l->node_count(), 25u);
  EXPECT_EQ(l->CheckConsistency(), "");
}


// SORT over lists (sort_family.cc), through the command table.
TEST(SortCommands, NumericAlphaByGetStore) {
  CommandHarness h;
  h.Run({"RPUSH", "l", "3", "1", "2", "10"});
  EXPECT_EQ(h.Run({"SORT", "l"}), Bulks({"1", "2", "3", "10"}));
  EXPECT_EQ(h.Run({"SORT", "l", "ALPHA", "DESC"}), Bulks({"3", "2", "10", "1"}));
  EXPECT_EQ(h.Run({"SORT", "l", "LIMIT", "1", "2"}), Bulks({"2", "3"}));
  h.Run({"MSET", "w_1", "4", "w_2", "3", "w_3", "2"});  // w_10 missing: 0
  EXPECT_EQ(h.Run({"SORT", "l", "BY", "w_*"}), Bulks({"10", "3", "2", "1"}));
  EXPECT_EQ(h.Run({"SORT", "l", "BY", "nosort", "DESC"}), Bulks({"10", "2", "1", "3"}));
  EXPECT_EQ(h.Run({"SORT", "l", "GET", "w_*", "LIMIT", "0", "2"}), "*2\r\n$1\r\n4\r\n$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "GET", "#", "GET", "w_*", "STORE", "out"}), ":8\r\n");
  EXPECT_EQ(h.Run({"LRANGE", "out", "0", "-1"}), Bulks({"1", "4", "2", "3", "3", "2", "10", ""}));
  EXPECT_EQ(h.Run({"SORT", "nokey", "STORE", "out"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "out"}), ":0\r\n");
  h.Run({"RPUSH", "bad", "x"});
  EXPECT_EQ(h.Run({"SORT", "bad"}), "-ERR One or more scores can't be converted into double\r\n");
  EXPECT_EQ(h.Run({"SORT", "l", "LIMIT", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SORT_RO", "l", "STORE", "x"}), "-ERR syntax error\r\n");
  h.Run({"SET", "s", "v"});
  EXPECT_EQ(h.Run({"SORT", "s"}), kWrongType);
}

// ---------------------------------------------------------------------------
// RDB loading of the encodings older (and current) Redis versions write,
// from hand-made blobs. (Round trips with real servers: tests/e2e.)

std::string RdbLen(size_t n) {
  std::string out;
  if (n < 64) {
    out.push_back(static_cast<char>(n));
  } else if (n < 16384) {
    out.push_back(static_cast<char>(0x40 | (n >> 8)));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  return out;
}
std::string RdbStr(const std::string& s) { return RdbLen(s.size()) + s; }
std::string LE(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A ziplist holding `items` (integers where they parse, as Redis does).
std::string Ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prev = 0;
  for (const auto& item : items) {
    std::string e = prev < 254 ? std::string(1, static_cast<char>(prev)) : "\xFE" + LE(prev, 4);
    int64_t v;
    if (ParseInt64(item, &v)) {
      if (v >= 0 && v <= 12) e.push_back(static_cast<char>(0xF1 + v));
      else if (v >= INT8_MIN && v <= INT8_MAX) e += "\xFE" + LE(static_cast<uint64_t>(v), 1);
      else if (v >= INT16_MIN && v <= INT16_MAX) e += "\xC0" + LE(static_cast<uint64_t>(v), 2);
      else if (v >= -(1 << 23) && v < (1 << 23)) e += "\xF0" + LE(static_cast<uint64_t>(v), 3);
      else if (v >= INT32_MIN && v <= INT32_MAX) e += "\xD0" + LE(static_cast<uint64_t>(v), 4);
      else e += "\xE0" + LE(static_cast<uint64_t>(v), 8);
    } else if (item.size() < 64) {
      e += static_cast<char>(item.size()) + item;
    } else if (item.size() < 16384) {
      e += std::string{static_cast<char>(0x40 | (item.size() >> 8)),
                       static_cast<char>(item.size() & 0xFF)} + item;
    } else {
      e += "\x80" + std::string{static_cast<char>(item.size() >> 24), static_cast<char>(item.size() >> 16),
                                static_cast<char>(item.size() >> 8), static_cast<char>(item.size())} + item;
    }
    prev = e.size();
    body += e;
  }
  std::string zl = LE(0, 4) + LE(0, 4) + LE(items.size(), 2) + body + "\xFF";
  std::string size = LE(zl.size(), 4);
  zl.replace(0, 4, size);
  return zl;
}

// A listpack holding `items`.
std::string Listpack(const std::vector<std::string>& items) {
  std::string body;
  for (const auto& item : items) {
    std::string e;
    int64_t v;
    if (ParseInt64(item, &v)) {
      if (v >= 0 && v <= 127) e.push_back(static_cast<char>(v));
      else if (v >= -4096 && v <= 4095)
        e = std::string{static_cast<char>(0xC0 | ((static_cast<uint64_t>(v) >> 8) & 0x1F)),
                        static_cast<char>(v & 0xFF)};
      else if (v >= INT16_MIN && v <= INT16_MAX) e = "\xF1" + LE(static_cast<uint64_t>(v), 2);
      else if (v >= -(1 << 23) && v < (1 << 23)) e = "\xF2" + LE(static_cast<uint64_t>(v), 3);
      else if (v >= INT32_MIN && v <= INT32_MAX) e = "\xF3" + LE(static_cast<uint64_t>(v), 4);
      else e = "\xF4" + LE(static_cast<uint64_t>(v), 8);
    } else if (item.size() < 64) {
      e = static_cast<char>(0x80 | item.size()) + item;
    } else if (item.size() < 4096) {
      e = std::string{static_cast<char>(0xE0 | (item.size() >> 8)),
                      static_cast<char>(item.size() & 0xFF)} + item;
    } else {
      e = "\xF0" + LE(item.size(), 4) + item;
    }
    size_t l = e.size();
    if (l < 128) {
      e.push_back(static_cast<char>(l));
    } else if (l < 16384) {
      e.push_back(static_cast<char>(l >> 7));
      e.push_back(static_cast<char>((l & 127) | 128));
    } else {
      e.push_back(static_cast<char>(l >> 14));
      e.push_back(static_cast<char>(((l >> 7) & 127) | 128));
      e.push_back(static_cast<char>((l & 127) | 128));
    }
    body += e;
  }
  std::string lp = LE(0, 4) + LE(items.size(), 2) + body + "\xFF";
  lp.replace(0, 4, LE(lp.size(), 4));
  return lp;
}

// Loads a payload of `type`; returns the elements, or the error text.
std::vector<std::string> LoadList(uint8_t type, const std::string& payload, std::string* error) {
  RdbIn in(payload, "test.rdb");
  Collection* c = nullptr;
  Status st = LoadListValue(type, in, &c);
  if (!st.ok()) {
    *error = st.message();
    return {};
  }
  std::unique_ptr<Collection> owned(c);
  auto* l = static_cast<ListValue*>(c);
  EXPECT_EQ(l->CheckConsistency(), "");
  return Contents(*l);
}

const std::vector<std::string> kRdbItems = {
    "", "a", "0", "12", "13", "-1", "127", "128", "-4096", "4095", "40000", "-40000", "8388607",
    "-8388608", "2147483647", "-2147483648", "2147483648", "9223372036854775807",
    "-9223372036854775808", "007", "1.5", std::string(63, 'x'), std::string(64, 'y'),
    std::string(5000, 'z'), std::string(20000, 'w')};

TEST(ListRdb, LoadsEveryListEncoding) {
  std::string error;
  std::string plain = RdbLen(kRdbItems.size());
  for (const auto& item : kRdbItems) plain += RdbStr(item);
  EXPECT_EQ(LoadList(1, plain, &error), kRdbItems) << error;
  EXPECT_EQ(LoadList(10, RdbStr(Ziplist(kRdbItems)), &error), kRdbItems) << error;
  std::vector<std::string> head(kRdbItems.begin(), kRdbItems.begin() + 10);
  std::vector<std::string> tail(kRdbItems.begin() + 10, kRdbItems.end());
  EXPECT_EQ(LoadList(14, RdbLen(2) + RdbStr(Ziplist(head)) + RdbStr(Ziplist(tail)), &error),
            kRdbItems) << error;
  // Quicklist 2: a packed node, a plain node, a packed node.
  std::string q2 = RdbLen(3) + RdbLen(2) + RdbStr(Listpack(head)) + RdbLen(1) +
                   RdbStr("plain element") + RdbLen(2) + RdbStr(Listpack(tail));
  std::vector<std::string> want = head;
  want.push_back("plain element");
  want.insert(want.end(), tail.begin(), tail.end());
  EXPECT_EQ(LoadList(18, q2, &error), want) << error;
}

TEST(ListRdb, RejectsCorruptBlobs) {
  std::string error;
  std::string zl = Ziplist({"a", "b", "300"});
  std::string cut = zl.substr(0, zl.size() - 3);
  cut.replace(0, 4, LE(cut.size(), 4));
  LoadList(10, RdbStr(cut), &error);
  EXPECT_NE(error, "");
  error.clear();
  std::string lp = Listpack({"abc", "1000"});
  lp[6] = static_cast<char>(0xF9);  // no such encoding
  LoadList(18, RdbLen(1) + RdbLen(2) + RdbStr(lp), &error);
  EXPECT_NE(error, "");
  error.clear();
  LoadList(18, RdbLen(1) + RdbLen(7) + RdbStr("x"), &error);  // unknown container
  EXPECT_NE(error, "");
  error.clear();
  LoadList(1, RdbLen(0), &error);  // Redis never writes an empty list
  EXPECT_NE(error, "");
  error.clear();
  LoadList(1, RdbLen(3) + RdbStr("a"), &error);  // cut short
  EXPECT_NE(error, "");
}

}  // namespace
}  // namespace troupe
