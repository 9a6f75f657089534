// Tests for Dict: lookups across growth and shrinking, and the SCAN
// guarantee (every element present for the whole scan is returned).
#include "actors/shard/keyspace/dict.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace troupe {
namespace {

Entry* Make(const std::string& key) {
  return entry::NewString(key, static_cast<uint32_t>(HashKey(key)), "v", -1, 1, 0);
}

TEST(Dict, InsertFindUnlinkAcrossResizes) {
  Dict d;
  for (int i = 0; i < 5000; ++i) d.Insert(Make("k" + std::to_string(i)));
  EXPECT_EQ(d.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_NE(d.Find(k, static_cast<uint32_t>(HashKey(k))), nullptr) << k;
  }
  for (int i = 0; i < 4990; ++i) {
    std::string k = "k" + std::to_string(i);
    entry::Free(d.Unlink(d.FindLink(k, static_cast<uint32_t>(HashKey(k)))));
  }
  d.ShrinkIfSparse();
  EXPECT_EQ(d.size(), 10u);
  EXPECT_LE(d.bucket_count(), 16u);
  std::string last = "k4999";
  EXPECT_NE(d.Find(last, static_cast<uint32_t>(HashKey(last))), nullptr);
}

TEST(Dict, ScanReturnsEveryStableElementWhileGrowing) {
  Dict d;
  for (int i = 0; i < 100; ++i) d.Insert(Make("stable" + std::to_string(i)));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0, steps = 0;
  do {
    cursor = d.Scan(cursor, [&](const Entry* e) { seen.insert(std::string(e->key())); });
    // Grow the table (several doublings) during the first steps.
    if (steps < 40)
      for (int j = 0; j < 50; ++j) d.Insert(Make("new" + std::to_string(added++)));
    ASSERT_LT(++steps, 100000);
  } while (cursor != 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count("stable" + std::to_string(i))) << i;
}

TEST(Dict, RandomFindsOnlyMembers) {
  Dict d;
  std::mt19937_64 rng(7);
  EXPECT_EQ(d.Random(rng), nullptr);
  for (int i = 0; i < 50; ++i) d.Insert(Make("r" + std::to_string(i)));
  for (int i = 0; i < 200; ++i) {
    Entry* e = d.Random(rng);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key().substr(0, 1), "r");
  }
}

}  // namespace
}  // namespace troupe
