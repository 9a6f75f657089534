// Tests of actors/cluster/slot_math: CRC16/XMODEM and KeySlot against the
// values redis-server 7.0.15 answers to CLUSTER KEYSLOT.
#include "actors/cluster/slot_math.h"

#include <gtest/gtest.h>

#include <string>

namespace troupe {
namespace {

TEST(Crc16, XmodemCheckValue) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(KeySlot, RedisVectors) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("a"), 15495);  // the tutorial's "MOVED 15495"
  EXPECT_EQ(KeySlot("hello world"), 15332);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(KeySlot, HashTags) {
  EXPECT_EQ(KeySlot("{user1000}.following"), 3443);
  EXPECT_EQ(KeySlot("{user1000}.followers"), 3443);
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("{a}"), KeySlot("a"));
  // An empty tag hashes the whole key.
  EXPECT_EQ(KeySlot("{}foo"), 9500);
  EXPECT_EQ(KeySlot("foo{}{bar}"), 8363);
  EXPECT_EQ(KeySlot("key:{}"), 11982);
  // The tag ends at the first '}' after the first '{'.
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), 4015);
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
}

TEST(KeySlot, BinarySafeAndInRange) {
  std::string key("a\0b", 3);
  EXPECT_EQ(KeySlot(key), Crc16(key) & 16383);
  for (int i = 0; i < 1000; ++i) {
    int s = KeySlot("key:" + std::to_string(i));
    EXPECT_GE(s, 0);
    EXPECT_LT(s, kClusterSlots);
  }
}

}  // namespace
}  // namespace troupe
