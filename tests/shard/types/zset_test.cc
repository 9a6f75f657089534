// Tests of the sorted-set type: ZSetValue (actors/shard/types/zset_value.h)
// in both encodings against a std::map model under seeded random operations,
// its conversions and score encoding, the range parsers' Redis quirks; the
// sorted-set commands (zset_family.cc) through CommandHarness, RESP2 and
// RESP3 replies and error texts; and the RDB codec (rdb_zset.cc): round
// trips, a payload captured from redis-server 7.0.15 (DUMP, listpack type
// 17, LZF-compressed), a hand-made ziplist (type 12) and corrupt input.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/persistence/rdb_collections.h"
#include "actors/shard/types/zset_value.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

using Pairs = std::vector<std::pair<std::string, double>>;

Pairs All(const ZSetValue& z) {
  Pairs out;
  z.ForEach([&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return true;
  });
  return out;
}

struct Deleter {
  void operator()(ZSetValue* z) const { delete z; }
};
using ZPtr = std::unique_ptr<ZSetValue, Deleter>;

// A value plus the Add wrapper that keeps the pointer current.
struct Holder {
  ZSetValue* z;
  ZSetLimits limits;
  ~Holder() { delete z; }
  uint32_t Add(const std::string& m, double s, uint32_t flags = 0, double* out = nullptr) {
    double unused;
    return ZSetValue::Add(&z, m, s, flags, out ? out : &unused, limits);
  }
};

// ---------------------------------------------------------------- ranges

TEST(ZSetRanges, ScoreRangeParsingFollowsRedis) {
  ZScoreRange r;
  ASSERT_TRUE(ParseZScoreRange("(1.5", "+inf", &r));
  EXPECT_EQ(r.min, 1.5);
  EXPECT_TRUE(r.minex);
  EXPECT_TRUE(std::isinf(r.max));
  EXPECT_FALSE(r.maxex);
  // strtod over the text: "(" and "" are 0, leading blanks and hex pass.
  ASSERT_TRUE(ParseZScoreRange("(", "", &r));
  EXPECT_EQ(r.min, 0);
  EXPECT_TRUE(r.minex);
  EXPECT_EQ(r.max, 0);
  ASSERT_TRUE(ParseZScoreRange(" 1", "0x10", &r));
  EXPECT_EQ(r.min, 1);
  EXPECT_EQ(r.max, 16);
  ASSERT_TRUE(ParseZScoreRange("-inf", "1e400", &r));
  EXPECT_TRUE(std::isinf(r.max));
  for (const char* bad : {"1 ", "abc", "(abc", "nan", "(nan", "((1", "[1", "1.5.5"})
    EXPECT_FALSE(ParseZScoreRange(bad, "1", &r)) << bad;
  ASSERT_TRUE(ParseZScoreRange("2", "1", &r));
  EXPECT_TRUE(r.Empty());
  ASSERT_TRUE(ParseZScoreRange("(1", "1", &r));
  EXPECT_TRUE(r.Empty());
  ASSERT_TRUE(ParseZScoreRange("1", "1", &r));
  EXPECT_FALSE(r.Empty());
}

TEST(ZSetRanges, LexRangeParsingFollowsRedis) {
  ZLexRange r;
  ASSERT_TRUE(ParseZLexRange("-", "+", &r));
  EXPECT_TRUE(r.AboveMin(""));
  EXPECT_TRUE(r.BelowMax("\xff\xff"));
  ASSERT_TRUE(ParseZLexRange("[b", "(d", &r));
  EXPECT_FALSE(r.AboveMin("a"));
  EXPECT_TRUE(r.AboveMin("b"));
  EXPECT_TRUE(r.BelowMax("c"));
  EXPECT_FALSE(r.BelowMax("d"));
  ASSERT_TRUE(ParseZLexRange("[", "(", &r));  // the empty string, inclusive / exclusive
  EXPECT_TRUE(r.AboveMin(""));
  EXPECT_TRUE(r.Empty());
  for (const char* bad : {"a", "+a", "-x", "", "]a"}) EXPECT_FALSE(ParseZLexRange(bad, "+", &r));
  ASSERT_TRUE(ParseZLexRange("+", "-", &r));
  EXPECT_TRUE(r.Empty());
  ASSERT_TRUE(ParseZLexRange("-", "-", &r));
  EXPECT_TRUE(r.Empty());
  ASSERT_TRUE(ParseZLexRange("[a", "[a", &r));
  EXPECT_FALSE(r.Empty());
  ASSERT_TRUE(ParseZLexRange("[a", "(a", &r));
  EXPECT_TRUE(r.Empty());
}

// ---------------------------------------------------------------- ZSetValue

TEST(ZSetValue, ListpackKeepsOrderAndConvertsAtTheLimits) {
  Holder h{ZSetValue::Create(ZSetLimits{}, 1), ZSetLimits{4, 8}};
  EXPECT_STREQ(h.z->Encoding(), "listpack");
  EXPECT_EQ(h.Add("b", 2), kZAddAdded);
  EXPECT_EQ(h.Add("a", 2), kZAddAdded);
  EXPECT_EQ(h.Add("c", 1), kZAddAdded);
  EXPECT_EQ(h.Add("c", 1), 0u);  // same score: neither added nor updated
  EXPECT_EQ(h.Add("c", 3), kZAddUpdated);
  EXPECT_EQ(All(*h.z), (Pairs{{"a", 2}, {"b", 2}, {"c", 3}}));
  EXPECT_EQ(h.Add("d", 0), kZAddAdded);
  EXPECT_STREQ(h.z->Encoding(), "listpack");
  EXPECT_EQ(h.Add("e", 0), kZAddAdded);  // 5 > 4 entries
  EXPECT_STREQ(h.z->Encoding(), "skiplist");
  EXPECT_EQ(All(*h.z), (Pairs{{"d", 0}, {"e", 0}, {"a", 2}, {"b", 2}, {"c", 3}}));

  Holder long_member{ZSetValue::Create(ZSetLimits{}, 1), ZSetLimits{4, 8}};
  long_member.Add("short", 1);
  long_member.Add("123456789", 1);  // 9 > 8 bytes
  EXPECT_STREQ(long_member.z->Encoding(), "skiplist");
  // ZADD's creation rule looks at the first member only.
  ZPtr first_long(ZSetValue::Create(ZSetLimits{128, 8}, 9));
  EXPECT_STREQ(first_long->Encoding(), "skiplist");
  ZPtr no_listpack(ZSetValue::Create(ZSetLimits{0, 64}, 1));
  EXPECT_STREQ(no_listpack->Encoding(), "skiplist");
}

TEST(ZSetValue, AddFlagsFollowZAdd) {
  for (bool listpack : {true, false}) {
    Holder h{listpack ? ZSetValue::CreateListpack() : ZSetValue::CreateSkiplist(), ZSetLimits{}};
    double out = 0;
    EXPECT_EQ(h.Add("m", 5, kZAddXx), kZAddNop);
    EXPECT_EQ(h.Add("m", 5, kZAddNx, &out), kZAddAdded);
    EXPECT_EQ(out, 5);
    EXPECT_EQ(h.Add("m", 7, kZAddNx), kZAddNop);
    EXPECT_EQ(h.Add("m", 4, kZAddGt), kZAddNop);
    EXPECT_EQ(h.Add("m", 6, kZAddGt, &out), kZAddUpdated);
    EXPECT_EQ(h.Add("m", 6, kZAddLt), kZAddNop);
    EXPECT_EQ(h.Add("m", 2, kZAddIncr | kZAddXx, &out), kZAddUpdated);
    EXPECT_EQ(out, 8);
    EXPECT_EQ(h.Add("m", -1, kZAddIncr | kZAddGt), kZAddNop);
    EXPECT_EQ(h.Add("m", INFINITY, kZAddIncr, &out), kZAddUpdated);
    EXPECT_EQ(h.Add("m", -INFINITY, kZAddIncr), kZAddNan);
    double s;
    ASSERT_TRUE(h.z->Score("m", &s));
    EXPECT_TRUE(std::isinf(s) && s > 0);
    EXPECT_EQ(h.Add("n", 3, kZAddIncr | kZAddGt, &out), kZAddAdded);  // GT never blocks adds
    EXPECT_EQ(out, 3);
  }
}

TEST(ZSetValue, ScoresRoundTripThroughTheListpack) {
  const double scores[] = {0, 1, 239, 240, -1, -128, -129, 32767, 32768, -32769, 2147483647.0,
                           2147483648.0, -2147483648.0, -2147483649.0, 0.1, 1e300, -1e-300,
                           4.9e-324, INFINITY, -INFINITY, 9007199254740993.0};
  Holder h{ZSetValue::CreateListpack(), ZSetLimits{}};
  int i = 0;
  for (double s : scores) h.Add("m" + std::to_string(i++), s);
  ASSERT_TRUE(h.z->is_listpack());
  i = 0;
  for (double s : scores) {
    double got;
    ASSERT_TRUE(h.z->Score("m" + std::to_string(i++), &got));
    EXPECT_EQ(got, s);
  }
  // -0 loses its sign in a listpack (Redis stores it as the integer 0) but
  // not in a skiplist.
  Holder lp{ZSetValue::CreateListpack(), ZSetLimits{}};
  lp.Add("z", -0.0);
  double got;
  ASSERT_TRUE(lp.z->Score("z", &got));
  EXPECT_FALSE(std::signbit(got));
  Holder sl{ZSetValue::CreateSkiplist(), ZSetLimits{}};
  sl.Add("z", -0.0);
  ASSERT_TRUE(sl.z->Score("z", &got));
  EXPECT_TRUE(std::signbit(got));
}

TEST(ZSetValue, SmallSetIsOneCompactAllocation) {
  // The memory benchmark's shape: 10 members "member:N" with scores 0..9.
  size_t reserve = 0;
  for (int i = 0; i < 10; ++i)
    reserve += ZSetValue::EntryBytes("member:" + std::to_string(i), i);
  Holder h{ZSetValue::Create(ZSetLimits{}, 8, reserve), ZSetLimits{}};
  for (int i = 0; i < 10; ++i) h.Add("member:" + std::to_string(i), i);
  EXPECT_EQ(reserve, 100u);
  EXPECT_LE(h.z->MemoryUsage(), 120u);
  EXPECT_LE(malloc_usable_size(h.z), 120u);
}

// The reference: a map and its (score, member) order.
struct Model {
  std::map<std::string, double> scores;
  std::vector<std::pair<double, std::string>> Sorted() const {
    std::vector<std::pair<double, std::string>> v;
    for (const auto& [m, s] : scores) v.emplace_back(s, m);
    std::sort(v.begin(), v.end());
    return v;
  }
};

Pairs Visit(const ZSetValue& z, const std::function<void(ZSetValue::Visitor)>& run) {
  Pairs out;
  run([&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return true;
  });
  (void)z;
  return out;
}

TEST(ZSetValue, BothEncodingsMatchAModel) {
  std::mt19937_64 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  for (int round = 0; round < 20; ++round) {
    ZSetLimits big{100000, 1000};
    Holder lp{ZSetValue::CreateListpack(), big};
    Holder sl{ZSetValue::CreateSkiplist(), big};
    Model model;
    for (int step = 0; step < 400; ++step) {
      std::string m = "m" + std::to_string(pick(60));
      double s = pick(4) == 0 ? pick(10) / 4.0 : pick(20);
      int op = pick(10);
      if (op < 5) {
        double a, b;
        uint32_t ra = lp.Add(m, s, 0, &a), rb = sl.Add(m, s, 0, &b);
        ASSERT_EQ(ra, rb);
        model.scores[m] = s;
      } else if (op == 5) {
        bool was = model.scores.erase(m) > 0;
        ASSERT_EQ(lp.z->Remove(m), was);
        ASSERT_EQ(sl.z->Remove(m), was);
      } else if (op == 6 && !model.scores.empty()) {
        size_t n = model.scores.size();
        size_t a = static_cast<size_t>(pick(static_cast<int>(n)));
        size_t b = a + static_cast<size_t>(pick(static_cast<int>(n - a)));
        auto sorted = model.Sorted();
        for (size_t i = a; i <= b; ++i) model.scores.erase(sorted[i].second);
        ASSERT_EQ(lp.z->RemoveRanks(a, b), b - a + 1);
        ASSERT_EQ(sl.z->RemoveRanks(a, b), b - a + 1);
      } else if (op == 7) {
        ZScoreRange r{static_cast<double>(pick(20)), static_cast<double>(pick(20)), pick(2) == 0,
                      pick(2) == 0};
        size_t expect = 0;
        for (auto it = model.scores.begin(); it != model.scores.end();)
          if (r.AboveMin(it->second) && r.BelowMax(it->second)) {
            it = model.scores.erase(it);
            ++expect;
          } else {
            ++it;
          }
        ASSERT_EQ(lp.z->RemoveScoreRange(r), expect);
        ASSERT_EQ(sl.z->RemoveScoreRange(r), expect);
      } else if (op == 8 && !model.scores.empty()) {
        bool highest = pick(2) == 0;
        auto sorted = model.Sorted();
        auto want = highest ? sorted.back() : sorted.front();
        std::string ma, mb;
        double sa, sb;
        ASSERT_TRUE(lp.z->PopEnd(highest, &ma, &sa));
        ASSERT_TRUE(sl.z->PopEnd(highest, &mb, &sb));
        EXPECT_EQ(ma, want.second);
        EXPECT_EQ(mb, want.second);
        EXPECT_EQ(sa, want.first);
        model.scores.erase(want.second);
      }
      // Full comparison.
      auto sorted = model.Sorted();
      Pairs expect;
      for (const auto& [sc, mm] : sorted) expect.emplace_back(mm, sc);
      ASSERT_EQ(All(*lp.z), expect) << "round " << round << " step " << step;
      ASSERT_EQ(All(*sl.z), expect) << "round " << round << " step " << step;
      ASSERT_EQ(lp.z->size(), sorted.size());
      ASSERT_EQ(sl.z->size(), sorted.size());
      if (step % 10 != 0 || sorted.empty()) continue;
      for (size_t i = 0; i < sorted.size(); ++i) {
        ASSERT_EQ(lp.z->Rank(sorted[i].second), static_cast<int64_t>(i));
        ASSERT_EQ(sl.z->Rank(sorted[i].second), static_cast<int64_t>(i));
      }
      EXPECT_EQ(sl.z->Rank("nope"), -1);
      // Rank ranges in both directions.
      size_t a = static_cast<size_t>(pick(static_cast<int>(sorted.size())));
      size_t b = a + static_cast<size_t>(pick(static_cast<int>(sorted.size() - a)));
      for (bool rev : {false, true}) {
        Pairs want;
        for (size_t i = a; i <= b; ++i) {
          const auto& e = rev ? sorted[sorted.size() - 1 - i] : sorted[i];
          want.emplace_back(e.second, e.first);
        }
        EXPECT_EQ(Visit(*lp.z, [&](ZSetValue::Visitor f) { lp.z->VisitRanks(a, b, rev, f); }),
                  want);
        EXPECT_EQ(Visit(*sl.z, [&](ZSetValue::Visitor f) { sl.z->VisitRanks(a, b, rev, f); }),
                  want);
      }
      // Score ranges with offset and limit.
      ZScoreRange r{static_cast<double>(pick(20)), static_cast<double>(pick(20)), pick(2) == 0,
                    pick(2) == 0};
      int64_t offset = pick(4) - 1, limit = pick(6) - 1;
      for (bool rev : {false, true}) {
        Pairs in_range;
        for (const auto& [sc, mm] : sorted)
          if (r.AboveMin(sc) && r.BelowMax(sc)) in_range.emplace_back(mm, sc);
        if (rev) std::reverse(in_range.begin(), in_range.end());
        Pairs want;
        if (offset >= 0)
          for (size_t i = static_cast<size_t>(offset);
               i < in_range.size() && (limit < 0 || want.size() < static_cast<size_t>(limit)); ++i)
            want.push_back(in_range[i]);
        EXPECT_EQ(Visit(*lp.z, [&](ZSetValue::Visitor f) {
                    lp.z->VisitScoreRange(r, rev, offset, limit, f);
                  }),
                  want);
        EXPECT_EQ(Visit(*sl.z, [&](ZSetValue::Visitor f) {
                    sl.z->VisitScoreRange(r, rev, offset, limit, f);
                  }),
                  want);
        if (!rev) {
          EXPECT_EQ(lp.z->CountScoreRange(r), in_range.size());
          EXPECT_EQ(sl.z->CountScoreRange(r), in_range.size());
        }
      }
    }
  }
}

TEST(ZSetValue, LexRangesOnEqualScores) {
  for (bool listpack : {true, false}) {
    Holder h{listpack ? ZSetValue::CreateListpack() : ZSetValue::CreateSkiplist(),
             ZSetLimits{100000, 1000}};
    for (const char* m : {"a", "b", "c", "d", "e", "f", "g", "aa", ""}) h.Add(m, 0);
    ZLexRange r;
    ASSERT_TRUE(ParseZLexRange("[aa", "(d", &r));
    EXPECT_EQ(Visit(*h.z, [&](ZSetValue::Visitor f) { h.z->VisitLexRange(r, false, 0, -1, f); }),
              (Pairs{{"aa", 0}, {"b", 0}, {"c", 0}}));
    EXPECT_EQ(Visit(*h.z, [&](ZSetValue::Visitor f) { h.z->VisitLexRange(r, true, 1, 1, f); }),
              (Pairs{{"b", 0}}));
    EXPECT_EQ(h.z->CountLexRange(r), 3u);
    ASSERT_TRUE(ParseZLexRange("-", "+", &r));
    EXPECT_EQ(h.z->CountLexRange(r), 9u);
    ASSERT_TRUE(ParseZLexRange("(f", "[zzz", &r));
    EXPECT_EQ(h.z->RemoveLexRange(r), 1u);
    EXPECT_EQ(h.z->size(), 8u);
  }
}

TEST(ZSetValue, ListpackLexRangesOverMixedScoresAreRedis) {
  // Redis scans a listpack linearly: from the first member >= min, while
  // members are <= max (see the difftest notes on mixed scores).
  Holder h{ZSetValue::CreateListpack(), ZSetLimits{}};
  h.Add("c", 1);
  h.Add("a", 5);
  h.Add("b", 5);
  h.Add("d", 7);
  ZLexRange r;
  ASSERT_TRUE(ParseZLexRange("[b", "+", &r));
  EXPECT_EQ(h.z->CountLexRange(r), 4u);
  ASSERT_TRUE(ParseZLexRange("-", "[b", &r));
  EXPECT_EQ(h.z->CountLexRange(r), 0u);
  ASSERT_TRUE(ParseZLexRange("[b", "[c", &r));
  EXPECT_EQ(h.z->RemoveLexRange(r), 3u);
  EXPECT_EQ(All(*h.z), (Pairs{{"d", 7}}));
}

TEST(ZSetValue, SkiplistScanCoversEverythingAcrossResizes) {
  Holder h{ZSetValue::CreateSkiplist(), ZSetLimits{}};
  for (int i = 0; i < 1000; ++i) h.Add("m" + std::to_string(i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = h.z->Scan(cursor, 10, [&](std::string_view m, double) {
      seen.emplace(m);
      return true;
    });
    // Grow and shrink the table between calls.
    if (calls == 5)
      for (int i = 1000; i < 3000; ++i) h.Add("n" + std::to_string(i), i);
    if (calls == 50)
      for (int i = 1000; i < 3000; ++i) h.z->Remove("n" + std::to_string(i));
    ASSERT_LT(++calls, 100000);
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count("m" + std::to_string(i))) << i;
}

TEST(ZSetValue, FromItemsAndCompactIfSmallPickTheEncoding) {
  std::vector<ZItem> items;
  for (int i = 0; i < 5; ++i) items.push_back(ZItem{"m" + std::to_string(i), 5.0 - i});
  ZPtr small(ZSetValue::FromItems(items, ZSetLimits{}));
  EXPECT_STREQ(small->Encoding(), "listpack");
  EXPECT_EQ(All(*small).front(), (std::pair<std::string, double>{"m4", 1}));
  ZPtr tight(ZSetValue::FromItems(items, ZSetLimits{4, 64}));
  EXPECT_STREQ(tight->Encoding(), "skiplist");
  ZSetValue* z = ZSetValue::FromItems(items, ZSetLimits{4, 64});
  ZSetValue::CompactIfSmall(&z, ZSetLimits{});
  EXPECT_STREQ(z->Encoding(), "listpack");
  EXPECT_EQ(All(*z), All(*small));
  ZSetValue::ConvertToSkiplist(&z);
  EXPECT_STREQ(z->Encoding(), "skiplist");
  EXPECT_EQ(All(*z), All(*small));
  std::unique_ptr<Collection> copy(z->Clone());
  EXPECT_EQ(All(*static_cast<ZSetValue*>(copy.get())), All(*small));
  delete z;
}

// ---------------------------------------------------------------- commands

class ZSetCommands : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> args) { return h_.Run(args); }
  CommandHarness h_;
};

TEST_F(ZSetCommands, ZAddOptionsRepliesAndErrors) {
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2", "b"}), ":2\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "CH", "5", "a", "2", "b", "3", "c"}), ":2\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "XX", "9", "new"}), ":0\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "INCR", "1.5", "a"}), "$3\r\n6.5\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "NX", "INCR", "1", "a"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZINCRBY", "z", "0.5", "c"}), "$3\r\n3.5\r\n");
  EXPECT_EQ(Run({"ZADD", "nokey", "XX", "INCR", "1", "a"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "NX", "XX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "GT", "LT", "INCR", "1", "a", "2", "b"}),
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            "-ERR INCR option supports a single increment-element pair\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "nan", "b"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "inf", "i"}), ":1\r\n");
  EXPECT_EQ(Run({"ZINCRBY", "z", "-inf", "i"}),
            "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(Run({"SET", "s", "x"}), "+OK\r\n");
  EXPECT_EQ(Run({"ZADD", "s", "abc", "a"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"ZADD", "s", "1", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), "$3\r\n6.5\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "i"}), "$3\r\ninf\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "zz"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZMSCORE", "z", "b", "zz"}), "*2\r\n$1\r\n2\r\n$-1\r\n");
  EXPECT_EQ(Run({"ZCARD", "z"}), ":4\r\n");
  EXPECT_EQ(Run({"ZRANK", "z", "c"}), ":1\r\n");
  EXPECT_EQ(Run({"ZREVRANK", "z", "c"}), ":2\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), "$8\r\nlistpack\r\n");
}

TEST_F(ZSetCommands, ScoresUseSeventeenDigits) {
  Run({"ZADD", "z", "0.1", "a"});
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(Run({"ZINCRBY", "z", "0.2", "a"}), "$19\r\n0.30000000000000004\r\n");
  h_.client().protocol = 3;
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), ",0.30000000000000004\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "zz"}), "_\r\n");
}

TEST_F(ZSetCommands, RangesInResp2AndResp3) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "1", "WITHSCORES"}),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "(1", "3", "BYSCORE", "REV"}), "*0\r\n");  // REV swaps min/max
  EXPECT_EQ(Run({"ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "1", "5"}),
            "*1\r\n$1\r\nb\r\n");
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "[b", "+"}), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(Run({"ZREVRANGE", "z", "0", "0"}), "*1\r\n$1\r\nd\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
  EXPECT_EQ(Run({"ZRANGEBYSCORE", "z", "x", "1"}), "-ERR min or max is not a float\r\n");
  EXPECT_EQ(Run({"ZRANGEBYLEX", "z", "x", "+"}),
            "-ERR min or max not valid string range item\r\n");
  EXPECT_EQ(Run({"ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZCOUNT", "z", "(1", "+inf"}), ":3\r\n");
  EXPECT_EQ(Run({"ZLEXCOUNT", "z", "-", "(c"}), ":2\r\n");
  h_.client().protocol = 3;
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "0", "WITHSCORES"}), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
  EXPECT_EQ(Run({"ZRANGE", "nokey", "0", "-1"}), "*0\r\n");
}

TEST_F(ZSetCommands, RemovalsDeleteEmptyKeys) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(Run({"ZREM", "z", "a", "zz"}), ":1\r\n");
  EXPECT_EQ(Run({"ZREMRANGEBYRANK", "z", "-1", "-1"}), ":1\r\n");
  EXPECT_EQ(Run({"ZREMRANGEBYSCORE", "z", "(2", "3"}), ":1\r\n");
  EXPECT_EQ(Run({"ZREMRANGEBYLEX", "z", "-", "+"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"ZREMRANGEBYRANK", "z", "a", "1"}),
            "-ERR value is not an integer or out of range\r\n");
}

TEST_F(ZSetCommands, PopsAndBlockingPopsWithoutAConnection) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Run({"ZPOPMAX", "z", "5"}), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), "*0\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "-1"}), "-ERR value is out of range, must be positive\r\n");
  // No session: the blocking forms reply as Redis does inside MULTI.
  EXPECT_EQ(Run({"BZPOPMIN", "z", "0"}), "*-1\r\n");
  EXPECT_EQ(Run({"BZMPOP", "0", "1", "z", "MIN"}), "*-1\r\n");
  EXPECT_EQ(Run({"BZPOPMIN", "z", "-1"}), "-ERR timeout is negative\r\n");
  Run({"ZADD", "y", "5", "x", "6", "w"});
  EXPECT_EQ(Run({"BZPOPMAX", "z", "y", "0"}), "*3\r\n$1\r\ny\r\n$1\r\nw\r\n$1\r\n6\r\n");
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "y", "MIN", "COUNT", "9"}),
            "*2\r\n$1\r\ny\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n5\r\n");
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN"}), "*-1\r\n");
  EXPECT_EQ(Run({"ZMPOP", "0", "z", "MIN"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "MIN"}), "-ERR syntax error\r\n");
  h_.client().protocol = 3;
  Run({"ZADD", "y", "5", "x"});
  EXPECT_EQ(Run({"ZPOPMIN", "y", "1"}), "*1\r\n*2\r\n$1\r\nx\r\n,5\r\n");
}

TEST_F(ZSetCommands, SetOperationsAndStores) {
  Run({"ZADD", "a", "1", "x", "2", "y"});
  Run({"ZADD", "b", "10", "y", "20", "z"});
  EXPECT_EQ(Run({"ZUNION", "2", "a", "b", "WITHSCORES"}),
            "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n20\r\n");
  EXPECT_EQ(Run({"ZINTER", "2", "a", "b", "WEIGHTS", "2", "1", "AGGREGATE", "MAX"}),
            "*1\r\n$1\r\ny\r\n");
  EXPECT_EQ(Run({"ZDIFF", "2", "a", "b"}), "*1\r\n$1\r\nx\r\n");
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b", "LIMIT", "5"}), ":1\r\n");
  EXPECT_EQ(Run({"ZUNIONSTORE", "dst", "2", "a", "b"}), ":3\r\n");
  EXPECT_EQ(Run({"ZRANGE", "dst", "0", "-1"}), "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
  EXPECT_EQ(Run({"ZINTERSTORE", "dst", "2", "a", "nokey"}), ":0\r\n");
  EXPECT_EQ(Run({"EXISTS", "dst"}), ":0\r\n");
  EXPECT_EQ(Run({"ZRANGESTORE", "dst", "b", "0", "0"}), ":1\r\n");
  EXPECT_EQ(Run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}), "*2\r\n$1\r\ny\r\n$2\r\n10\r\n");
  EXPECT_EQ(Run({"ZUNIONSTORE", "dst", "0", "a"}),
            "-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
  EXPECT_EQ(Run({"ZUNION", "1", "a", "WEIGHTS", "x"}), "-ERR weight value is not a float\r\n");
  EXPECT_EQ(Run({"ZINTERCARD", "1", "a", "LIMIT", "-1"}), "-ERR LIMIT can't be negative\r\n");
  // Sets count as scores of 1.
  Run({"SADD", "s", "x", "q"});
  EXPECT_EQ(Run({"ZUNION", "2", "a", "s", "WITHSCORES"}),
            "*6\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n2\r\n");
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"ZUNION", "2", "a", "str"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST_F(ZSetCommands, RandMemberAndScan) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  // A count beyond the size: the whole set, highest score first (Redis).
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "5"}), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n");
  std::string r = Run({"ZRANDMEMBER", "z", "-5", "WITHSCORES"});
  EXPECT_EQ(r.substr(0, 5), "*10\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "1", "WITHSCORE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(Run({"ZRANDMEMBER", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZSCAN", "z", "0", "MATCH", "b"}),
            "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"ZSCAN", "z", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"ZSCAN", "z", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
}

TEST_F(ZSetCommands, ConversionsFollowTheConfiguredLimits) {
  std::vector<std::string> args = {"ZADD", "z"};
  for (int i = 0; i < 129; ++i) {
    args.push_back(std::to_string(i));
    args.push_back("m" + std::to_string(i));
  }
  EXPECT_EQ(Run(args), ":129\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(Run({"ZRANGESTORE", "small", "z", "0", "9"}), ":10\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "small"}), "$8\r\nlistpack\r\n");
  EXPECT_EQ(Run({"ZADD", "w", "1", std::string(65, 'x')}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "w"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(Run({"ZRANK", "z", "m100"}), ":100\r\n");
  EXPECT_EQ(Run({"ZREVRANK", "z", "m100"}), ":28\r\n");
}

// ---------------------------------------------------------------- RDB codec

std::string SavePayload(const ZSetValue& z) {
  char path[] = "/tmp/zset_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  RdbOut out(fd);
  EXPECT_TRUE(SaveZSetValue(out, "key", z));
  EXPECT_TRUE(out.Flush());
  close(fd);
  std::string data;
  FILE* f = std::fopen(path, "rb");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  std::fclose(f);
  unlink(path);
  return data;
}

Status Load(uint8_t type, const std::string& payload, ZPtr* out) {
  RdbIn in(payload, "test.rdb");
  Collection* c = nullptr;
  Status st = LoadZSetValue(type, in, &c);
  out->reset(static_cast<ZSetValue*>(c));
  return st;
}

TEST(ZSetRdb, RoundTripsBothEncodings) {
  for (int n : {5, 300}) {
    Holder h{ZSetValue::CreateListpack(), ZSetLimits{}};
    for (int i = 0; i < n; ++i) h.Add("m" + std::to_string(i), i % 3 == 0 ? i / 7.0 : -i);
    h.Add("inf", INFINITY);
    std::string data = SavePayload(*h.z);
    RdbIn in(data, "test.rdb");
    uint8_t type;
    std::string key;
    ASSERT_TRUE(in.Byte(&type) && in.String(&key));
    EXPECT_EQ(type, 5);  // RDB_TYPE_ZSET_2
    EXPECT_EQ(key, "key");
    Collection* c = nullptr;
    ASSERT_TRUE(LoadZSetValue(type, in, &c).ok());
    ZPtr loaded(static_cast<ZSetValue*>(c));
    EXPECT_EQ(All(*loaded), All(*h.z));
    EXPECT_STREQ(loaded->Encoding(), n > 128 ? "skiplist" : "listpack");
  }
}

TEST(ZSetRdb, LoadsRedisListpackPayload) {
  // DUMP of ZADD dz 1 a 2.5 b -3 c 1e300 long-member-name -0 x from
  // redis-server 7.0.15 (type 17, the listpack LZF-compressed).
  const std::string payload(
      "\xc3\x40\x42\x40\x4a\x1f\x4a\x00\x00\x00\x0a\x00\x81\x63\x02\xdf\xfd\x02\x81\x78\x02\x00"
      "\x01\x81\x61\x02\x01\x01\x81\x62\x02\x83\x32\x2e\x35\x04\x90\x6c\x13\x6f\x6e\x67\x2d\x6d"
      "\x65\x6d\x62\x65\x72\x2d\x6e\x61\x6d\x65\x11\x97\x31\x2e\x30\xe0\x05\x00\x07\x31\x65\x2b"
      "\x33\x30\x30\x18\xff",
      71);
  ZPtr z;
  ASSERT_TRUE(Load(17, payload, &z).ok());
  EXPECT_EQ(All(*z), (Pairs{{"c", -3}, {"x", 0}, {"a", 1}, {"b", 2.5}, {"long-member-name", 1e300}}));
  EXPECT_STREQ(z->Encoding(), "listpack");
}

TEST(ZSetRdb, LoadsZiplistAndTextScores) {
  // A ziplist: "c" -300 (int16), "a" 1 (immediate), "bb" "2.5".
  std::string zl(
      "\x20\x00\x00\x00\x1a\x00\x00\x00\x06\x00"
      "\x00\x01"
      "c"
      "\x03\xc0\xd4\xfe"
      "\x04\x01"
      "a"
      "\x03\xf2"
      "\x02\x02"
      "bb"
      "\x04\x03"
      "2.5"
      "\xff",
      32);
  std::string payload = std::string(1, static_cast<char>(zl.size())) + zl;
  ZPtr z;
  ASSERT_TRUE(Load(12, payload, &z).ok()) << Load(12, payload, &z).message();
  EXPECT_EQ(All(*z), (Pairs{{"c", -300}, {"a", 1}, {"bb", 2.5}}));
  // RDB_TYPE_ZSET: scores as text, 254/255 for +inf/-inf.
  std::string text("\x03\x01p\x03"
                   "1.5"
                   "\x01q\xfe\x01r\xff",
                   13);
  ASSERT_TRUE(Load(3, text, &z).ok());
  EXPECT_EQ(All(*z), (Pairs{{"r", -INFINITY}, {"p", 1.5}, {"q", INFINITY}}));
}

TEST(ZSetRdb, RejectsCorruptInput) {
  ZPtr z;
  EXPECT_FALSE(Load(3, std::string("\x01\x01p\xfd", 4), &z).ok());                // NaN
  EXPECT_FALSE(Load(3, std::string("\x02\x01p\xfe\x01p\xfe", 7), &z).ok());        // duplicate
  EXPECT_FALSE(Load(5, std::string("\x00", 1), &z).ok());                          // empty
  EXPECT_FALSE(Load(5, std::string("\x02\x01p", 3), &z).ok());                     // truncated
  EXPECT_FALSE(Load(17, std::string("\x05\x01\x02\x03\x04\x05", 6), &z).ok());     // bad blob
  EXPECT_FALSE(Load(12, std::string("\x0b\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 12), &z)
                   .ok());  // ziplist without an end marker
}

}  // namespace
}  // namespace troupe
