// Tests for RdbLoader, the resumable RDB loader: stepping in bounded key
// counts gives the same dataset as one LoadRdb call, progress only grows,
// errors name the file and offset and are sticky, a bad checksum anywhere
// fails the load (unless checksums are off), and loading fires no keyspace
// observers and leaves the dirty counter alone. Virtual clock, temp files.
#include "actors/persistence/rdb_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "actors/persistence/crc64.h"
#include "actors/persistence/rdb.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/types/hash_value.h"
#include "actors/shard/types/list_value.h"

namespace troupe {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/troupe_rdb_loader_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// 1000 strings over two databases (some with a TTL, some already expired
// at load time) and one list: a file of a few tens of kilobytes.
std::string SaveSample(ManualClock& clock, const std::string& name) {
  Keyspace ks(4, &clock);
  for (int i = 0; i < 1000; ++i) {
    int64_t ttl = i % 10 == 0 ? clock.UnixMs() + 60000 : i % 97 == 0 ? clock.UnixMs() + 5 : -1;
    ks.db(i % 2).SetString("key:" + std::to_string(i), "value:" + std::to_string(i), ttl);
  }
  auto* list = new ListValue();
  for (int i = 0; i < 300; ++i) list->PushBack("item" + std::to_string(i));
  ks.db(3).AddCollection("list", ObjType::kList, list);
  std::string path = TempPath(name);
  EXPECT_TRUE(SaveRdb(ks, path, RdbSaveInfo{clock.UnixMs(), 12345}).ok());
  return path;
}

// The loader folds the CRC in step-sized pieces: any split must agree with
// one pass, and with the plain bitwise definition.
TEST(Crc64, PiecesAgreeWithOnePassAndTheBitwiseDefinition) {
  std::string data;
  uint32_t x = 7;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 24));
  uint64_t bitwise = 0;
  for (unsigned char c : data) {
    bitwise ^= c;
    for (int k = 0; k < 8; ++k) bitwise = (bitwise & 1) ? (bitwise >> 1) ^ 0x95ac9329ac4bc9b5ULL : bitwise >> 1;
  }
  EXPECT_EQ(Crc64(0, data.data(), data.size()), bitwise);
  for (size_t cut : {0, 1, 3, 7, 8, 9, 15, 64, 333, 999, 1000}) {
    uint64_t crc = Crc64(0, data.data(), cut);
    EXPECT_EQ(Crc64(crc, data.data() + cut, data.size() - cut), bitwise) << cut;
  }
}

TEST(RdbLoader, SteppingGivesTheSameDatasetAsOneLoad) {
  ManualClock clock;
  std::string path = SaveSample(clock, "step.rdb");
  clock.AdvanceMs(100);  // the 5 ms TTLs pass before the load

  Keyspace whole(4, &clock);
  RdbLoadStats whole_stats;
  ASSERT_TRUE(LoadRdb(path, &whole, false, &whole_stats).ok());

  Keyspace stepped(4, &clock);
  auto loader = RdbLoader::Open(path, &stepped);
  ASSERT_TRUE(loader.ok()) << loader.status().message();
  RdbLoader& l = **loader;
  EXPECT_EQ(l.bytes_total(), ReadAll(path).size());
  EXPECT_EQ(l.bytes_loaded(), 0u);
  EXPECT_STREQ(l.format_name(), "RDB");
  uint64_t last_bytes = 0, last_keys = 0;
  int steps = 0;
  for (; steps < 1000; ++steps) {
    Result<bool> done = l.Step(7);
    ASSERT_TRUE(done.ok()) << done.status().message();
    uint64_t keys = l.stats().keys_loaded + l.stats().keys_expired;
    EXPECT_LE(keys - last_keys, 7u);
    EXPECT_GE(l.bytes_loaded(), last_bytes);
    last_bytes = l.bytes_loaded();
    last_keys = keys;
    if (*done) break;
  }
  // 1001 keys, 7 per step: 143 full steps, then the one that meets EOF.
  EXPECT_EQ(steps, 143);
  EXPECT_EQ(l.bytes_loaded(), l.bytes_total());
  EXPECT_EQ(l.stats().keys_loaded, whole_stats.keys_loaded);
  EXPECT_EQ(l.stats().keys_expired, whole_stats.keys_expired);
  EXPECT_GT(l.stats().keys_expired, 0u);
  EXPECT_EQ(l.stats().rdb_version, 10);
  EXPECT_EQ(l.stats().used_mem, 12345);
  EXPECT_FALSE(l.stats().redis_ver.empty());
  for (int db = 0; db < 4; ++db) EXPECT_EQ(stepped.db(db).size(), whole.db(db).size()) << db;
  stepped.UpdateTime();
  EXPECT_EQ(stepped.db(1).LookupRead("key:999")->str(), "value:999");
  EXPECT_EQ(stepped.db(0).LookupRead("key:10")->expire_ms(), clock.UnixMs() - 100 + 60000);
  EXPECT_EQ(stepped.db(3).LookupRead("list")->type(), ObjType::kList);
  // Finished: further steps do nothing and say so.
  Result<bool> again = l.Step(7);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again);
  std::remove(path.c_str());
}

TEST(RdbLoader, ZeroKeysMakesNoProgressPastTheHeader) {
  ManualClock clock;
  std::string path = SaveSample(clock, "zero.rdb");
  Keyspace ks(4, &clock);
  auto loader = RdbLoader::Open(path, &ks);
  ASSERT_TRUE(loader.ok());
  Result<bool> done = (*loader)->Step(0);
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
  EXPECT_EQ((*loader)->stats().keys_loaded, 0u);
  EXPECT_EQ(ks.TotalKeys(), 0u);
  std::remove(path.c_str());
}

TEST(RdbLoader, LoadingFiresNoObserversAndKeepsDirty) {
  ManualClock clock;
  std::string path = SaveSample(clock, "quiet.rdb");
  Keyspace ks(4, &clock);
  int events = 0;
  ks.on_key_changed = [&](int, std::string_view) { ++events; };
  ks.on_key_added = [&](int, std::string_view) { ++events; };
  ks.dirty = 42;
  auto loader = RdbLoader::Open(path, &ks);
  ASSERT_TRUE(loader.ok());
  for (int i = 0; i < 1000; ++i) {
    Result<bool> done = (*loader)->Step(100);
    ASSERT_TRUE(done.ok());
    if (*done) break;
  }
  EXPECT_EQ(events, 0);
  EXPECT_EQ(ks.dirty, 42u);
  EXPECT_GT(ks.TotalKeys(), 0u);
  // The observers are back after the load.
  ks.db(0).SetString("after", "x");
  EXPECT_EQ(events, 2);
  std::remove(path.c_str());
}

TEST(RdbLoader, TruncationFailsMidLoadNamingFileAndOffsetAndSticks) {
  ManualClock clock;
  std::string path = SaveSample(clock, "cut.rdb");
  std::string good = ReadAll(path);
  size_t cut = good.size() / 2;
  WriteAll(path, good.substr(0, cut));
  Keyspace ks(4, &clock);
  auto loader = RdbLoader::Open(path, &ks);
  ASSERT_TRUE(loader.ok());
  Status error;
  int steps = 0;
  for (; steps < 1000; ++steps) {
    Result<bool> done = (*loader)->Step(10);
    if (!done.ok()) {
      error = done.status();
      break;
    }
    ASSERT_FALSE(*done) << "a truncated file must never finish";
  }
  EXPECT_GT(steps, 10);  // some steps succeeded before the end was reached
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.message().find("Bad RDB file " + path + " at offset "), std::string::npos)
      << error.message();
  EXPECT_NE(error.message().find("unexpected end of file"), std::string::npos);
  Result<bool> again = (*loader)->Step(10);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), error.message());
  std::remove(path.c_str());
}

TEST(RdbLoader, ChecksumIsVerifiedAcrossStepsUnlessDisabled) {
  ManualClock clock;
  std::string path = SaveSample(clock, "crc.rdb");
  std::string data = ReadAll(path);
  // Flip a letter inside an early string value: still parseable, wrong CRC.
  size_t at = data.find("value:3");
  ASSERT_NE(at, std::string::npos);
  data[at] = 'V';
  WriteAll(path, data);
  auto run = [&](bool verify) {
    Keyspace ks(4, &clock);
    RdbLoadOptions options;
    options.verify_checksum = verify;
    auto loader = RdbLoader::Open(path, &ks, options);
    EXPECT_TRUE(loader.ok());
    for (int i = 0; i < 1000; ++i) {
      Result<bool> done = (*loader)->Step(50);
      if (!done.ok()) return done.status();
      if (*done) return Status::Ok();
    }
    return Status::Error("did not finish");
  };
  Status checked = run(true);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.message().find("Wrong RDB checksum in " + path), std::string::npos);
  EXPECT_TRUE(run(false).ok());
  std::remove(path.c_str());
}

TEST(RdbLoader, OpenErrorsAndBadHeaders) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  auto missing = RdbLoader::Open(TempPath("missing.rdb"), &ks);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("Can't open"), std::string::npos);

  std::string empty = TempPath("empty.rdb");
  WriteAll(empty, "");
  auto loader = RdbLoader::Open(empty, &ks);
  ASSERT_TRUE(loader.ok());
  EXPECT_EQ((*loader)->bytes_total(), 0u);
  Result<bool> done = (*loader)->Step(10);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.status().message().find("Wrong signature"), std::string::npos);

  WriteAll(empty, "REDIS0099");
  auto future = RdbLoader::Open(empty, &ks);
  ASSERT_TRUE(future.ok());
  Result<bool> v = (*future)->Step(10);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("Can't handle RDB format version 99"), std::string::npos);
  std::remove(empty.c_str());
}

}  // namespace
}  // namespace troupe
