// Tests for the RDB format code: CRC64 check value, LZF decoding, save/load
// round trips on a virtual clock, and refusal of truncated or corrupt files.
#include "actors/persistence/rdb.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "actors/persistence/crc64.h"
#include "actors/persistence/lzf.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/troupe_rdb_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

TEST(Crc64, RedisCheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

TEST(Lzf, LiteralsAndBackReferences) {
  // "abcabcabc": literal run "abc", then a back-reference of 6 bytes at distance 3.
  const unsigned char in[] = {0x02, 'a', 'b', 'c', (4 << 5) | 0x00, 0x02};
  char out[16];
  ASSERT_EQ(LzfDecompress(in, sizeof(in), out, 9), 9u);
  EXPECT_EQ(std::string(out, 9), "abcabcabc");
  EXPECT_EQ(LzfDecompress(in, sizeof(in), out, 5), 0u);  // does not fit
  const unsigned char bad[] = {(1 << 5), 0x10};           // reference before the start
  EXPECT_EQ(LzfDecompress(bad, sizeof(bad), out, 16), 0u);
}

TEST(Rdb, RoundTripKeepsValuesTtlsAndDatabases) {
  ManualClock clock;
  Keyspace ks(4, &clock);
  ks.db(0).SetString("plain", "value");
  ks.db(0).SetString("int", "-123456");
  ks.db(0).SetString("big", std::string(100000, 'z'));
  ks.db(0).SetString("ttl", "soon", clock.UnixMs() + 60000);
  ks.db(0).SetString("gone", "old", clock.UnixMs() + 10);
  ks.db(3).SetString("other", std::string("\0\x01\xff", 3));
  std::string path = TempPath("roundtrip.rdb");
  ASSERT_TRUE(SaveRdb(ks, path, RdbSaveInfo{clock.UnixMs(), 0}).ok());
  EXPECT_EQ(ReadAll(path).substr(0, 9), "REDIS0010");

  clock.AdvanceMs(100);  // "gone" expires before the load
  Keyspace loaded(4, &clock);
  RdbLoadStats stats;
  Status s = LoadRdb(path, &loaded, false, &stats);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(stats.keys_loaded, 5u);
  EXPECT_EQ(stats.keys_expired, 1u);
  loaded.UpdateTime();
  EXPECT_EQ(loaded.db(0).LookupRead("plain")->str(), "value");
  EXPECT_EQ(loaded.db(0).LookupRead("int")->str(), "-123456");
  EXPECT_EQ(loaded.db(0).LookupRead("big")->str().size(), 100000u);
  EXPECT_EQ(loaded.db(0).LookupRead("ttl")->expire_ms(), clock.UnixMs() - 100 + 60000);
  EXPECT_EQ(loaded.db(0).LookupRead("gone"), nullptr);
  EXPECT_EQ(loaded.db(3).LookupRead("other")->str(), std::string("\0\x01\xff", 3));
  std::remove(path.c_str());
}

TEST(Rdb, TruncatedAndCorruptFilesAreRefusedWithOffset) {
  ManualClock clock;
  Keyspace ks(1, &clock);
  ks.db(0).SetString("k", "v");
  std::string path = TempPath("bad.rdb");
  ASSERT_TRUE(SaveRdb(ks, path, RdbSaveInfo{clock.UnixMs(), 0}).ok());
  std::string good = ReadAll(path);
  // Every truncation point fails cleanly, never loading part of the data.
  for (size_t cut = 0; cut + 1 < good.size(); ++cut) {
    WriteAll(path, good.substr(0, cut));
    Keyspace target(1, &clock);
    RdbLoadStats stats;
    Status s = LoadRdb(path, &target, false, &stats);
    ASSERT_FALSE(s.ok()) << "cut at " << cut;
  }
  std::string corrupt = good;
  corrupt[corrupt.size() - 12] ^= 0x5A;  // flip a byte of the value: checksum mismatch
  WriteAll(path, corrupt);
  Keyspace target(1, &clock);
  RdbLoadStats stats;
  Status s = LoadRdb(path, &target, false, &stats);
  ASSERT_FALSE(s.ok());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace troupe
