// Tests for Database/Keyspace: string storage, TTLs, lazy expiry and the
// active expiry cycle on a virtual clock.
#include "actors/shard/keyspace/keyspace.h"

#include "actors/cluster/slot_math.h"

#include <gtest/gtest.h>

#include <string>

namespace troupe {
namespace {

TEST(Keyspace, SetGetOverwriteInPlace) {
  ManualClock clock;
  Keyspace ks(2, &clock);
  Database& db = ks.db(0);
  db.SetString("k", "hello");
  ASSERT_NE(db.LookupRead("k"), nullptr);
  EXPECT_EQ(db.LookupRead("k")->str(), "hello");
  db.SetString("k", "bye");
  EXPECT_EQ(db.LookupRead("k")->str(), "bye");
  db.SetString("k", std::string(1000, 'x'));
  EXPECT_EQ(db.LookupRead("k")->str().size(), 1000u);
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(ks.db(1).size(), 0u);
}

TEST(Keyspace, LazyExpiryOnVirtualClock) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  Database& db = ks.db(0);
  db.SetString("k", "v", clock.UnixMs() + 1000);
  EXPECT_EQ(db.volatile_count(), 1u);
  clock.AdvanceMs(999);
  ks.UpdateTime();
  EXPECT_NE(db.LookupRead("k"), nullptr);
  clock.AdvanceMs(1);
  ks.UpdateTime();
  EXPECT_EQ(db.LookupRead("k"), nullptr);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.volatile_count(), 0u);
  EXPECT_EQ(ks.stats().expired_keys, 1u);
}

TEST(Keyspace, ActiveExpiryReclaimsUnreadKeys) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  Database& db = ks.db(0);
  for (int i = 0; i < 1000; ++i) db.SetString("t" + std::to_string(i), "v", clock.UnixMs() + 100);
  for (int i = 0; i < 1000; ++i) db.SetString("p" + std::to_string(i), "v");
  clock.AdvanceMs(200);
  ks.ActiveExpireCycle(1'000'000);
  EXPECT_EQ(db.size(), 1000u);
  EXPECT_EQ(db.volatile_count(), 0u);
  EXPECT_EQ(ks.stats().expired_keys, 1000u);
}

TEST(Keyspace, ClusterModeCountsKeysPerSlot) {
  ManualClock clock;
  Keyspace ks(2, &clock);
  Database& db = ks.db(0);
  db.SetString("before", "v");  // counted when tracking starts
  db.TrackSlots();
  const int tag = KeySlot("{user}");
  EXPECT_EQ(db.KeysInSlot(KeySlot("before")), 1u);
  for (int i = 0; i < 100; ++i) db.SetString("{user}:" + std::to_string(i), "v");
  db.SetString("{user}:0", "overwrite");  // same key: no change
  EXPECT_EQ(db.KeysInSlot(tag), 100u);
  EXPECT_TRUE(db.Delete("{user}:1"));
  Entry* moved = db.Detach("{user}:2");
  EXPECT_EQ(db.KeysInSlot(tag), 98u);
  db.AttachRenamed(moved, "elsewhere");
  EXPECT_EQ(db.KeysInSlot(KeySlot("elsewhere")), 1u);
  // Expiry, lazy and active.
  db.SetString("{user}:ttl1", "v", clock.UnixMs() + 10);
  db.SetString("{user}:ttl2", "v", clock.UnixMs() + 10);
  EXPECT_EQ(db.KeysInSlot(tag), 100u);
  clock.AdvanceMs(20);
  ks.UpdateTime();
  EXPECT_EQ(db.LookupRead("{user}:ttl1"), nullptr);
  ks.ActiveExpireCycle(1'000'000);
  EXPECT_EQ(db.KeysInSlot(tag), 98u);
  // SWAPDB carries the counts; FLUSHALL clears them.
  ks.Swap(0, 1);
  EXPECT_EQ(ks.db(1).KeysInSlot(tag), 98u);
  EXPECT_FALSE(ks.db(0).tracks_slots());
  ks.Swap(0, 1);
  ks.FlushAll();
  EXPECT_EQ(ks.db(0).KeysInSlot(tag), 0u);
  EXPECT_TRUE(ks.db(0).tracks_slots());
}

TEST(Keyspace, ReplicasHideButKeepExpiredKeys) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  ks.set_is_replica(true);
  Database& db = ks.db(0);
  db.SetString("k", "v", clock.UnixMs() + 10);
  clock.AdvanceMs(20);
  ks.UpdateTime();
  EXPECT_EQ(db.LookupRead("k"), nullptr);
  EXPECT_EQ(db.size(), 1u);
}

TEST(Keyspace, ExpireAndPersistKeepValue) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  Database& db = ks.db(0);
  db.SetString("k", "value");
  ASSERT_TRUE(db.SetExpire("k", clock.UnixMs() + 5000));
  EXPECT_EQ(db.LookupRead("k")->expire_ms(), clock.UnixMs() + 5000);
  EXPECT_EQ(db.LookupRead("k")->str(), "value");
  ASSERT_TRUE(db.Persist("k"));
  EXPECT_EQ(db.LookupRead("k")->expire_ms(), -1);
  EXPECT_FALSE(db.Persist("k"));
}

TEST(Keyspace, RenameAndSwap) {
  ManualClock clock;
  Keyspace ks(2, &clock);
  ks.db(0).SetString("a", "1", clock.UnixMs() + 100000);
  ks.db(0).AttachRenamed(ks.db(0).Detach("a"), "b");
  ASSERT_NE(ks.db(0).LookupRead("b"), nullptr);
  EXPECT_EQ(ks.db(0).LookupRead("b")->expire_ms(), clock.UnixMs() + 100000);
  EXPECT_EQ(ks.db(0).volatile_count(), 1u);
  ks.Swap(0, 1);
  EXPECT_EQ(ks.db(0).size(), 0u);
  EXPECT_NE(ks.db(1).LookupRead("b"), nullptr);
}

// While a BGSAVE child shares the pages, a read must not write the entry
// (its access stamp): that would copy the page.
TEST(Keyspace, ReadsLeaveAccessStampsAloneWhileAForkChildRuns) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  ks.UpdateTime();
  ks.db(0).SetString("k", "v");
  uint32_t stamp = ks.db(0).Peek("k")->lru();
  clock.AdvanceMs(10000);
  ks.UpdateTime();
  ks.fork_child_active = true;
  ASSERT_NE(ks.db(0).LookupRead("k"), nullptr);
  EXPECT_EQ(ks.db(0).Peek("k")->lru(), stamp);
  ks.fork_child_active = false;
  ASSERT_NE(ks.db(0).LookupRead("k"), nullptr);
  EXPECT_NE(ks.db(0).Peek("k")->lru(), stamp);
}

}  // namespace
}  // namespace troupe
