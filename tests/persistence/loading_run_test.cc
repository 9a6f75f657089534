// Tests for LoadingRun (a load as the server sees it) and what a load under
// way means to commands: slices bounded by loading-process-events-interval-
// bytes, the loading flag and INFO persistence's loading_* fields, -LOADING
// for commands without the `loading` flag (and a MULTI flagged by it), the
// end of the load, and a failed load. Also DEBUG POPULATE. Commands run
// through CommandTable::Dispatch on a virtual clock (CommandHarness).
#include "actors/persistence/loading_run.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "actors/persistence/rdb.h"
#include "actors/persistence/rdb_loader.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/troupe_loading_run_" + std::to_string(getpid()) + "_" + name;
}

// `n` keys with 40-byte values that do not compress (about 50 bytes each).
std::string SaveStrings(ManualClock& clock, const std::string& name, int n) {
  Keyspace ks(16, &clock);
  uint32_t x = 12345;
  for (int i = 0; i < n; ++i) {
    std::string value(40, ' ');
    for (char& c : value) c = static_cast<char>('!' + ((x = x * 1103515245 + 12345) >> 16) % 90);
    ks.db(0).SetString("key:" + std::to_string(i), value);
  }
  std::string path = TempPath(name);
  EXPECT_TRUE(SaveRdb(ks, path, RdbSaveInfo{clock.UnixMs(), 1 << 20}).ok());
  return path;
}

std::unique_ptr<DatasetLoader> OpenRdb(const std::string& path, Keyspace* ks) {
  auto loader = RdbLoader::Open(path, ks);
  EXPECT_TRUE(loader.ok());
  return std::move(*loader);
}

TEST(LoadingRun, SlicesAreBoundedAndCommandsGetLoadingMeanwhile) {
  CommandHarness h("loading-process-events-interval-bytes 1024\n");
  std::string path = SaveStrings(h.clock(), "slices.rdb", 2000);
  LoadingRun run(OpenRdb(path, &h.keyspace()), &h.server(), LoadingRun::Purpose::kStartup);
  EXPECT_TRUE(h.server().loading);
  EXPECT_GT(h.server().loading_total_bytes, 2000u * 40);

  Result<bool> first = run.RunSlice();
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(*first);
  // A slice ends once 1 KB was read (within one step of keys).
  EXPECT_GE(h.server().loading_loaded_bytes, 1024u);
  EXPECT_LT(h.server().loading_loaded_bytes, 1024u + LoadingRun::kKeysPerStep * 64);
  EXPECT_EQ(h.server().loading_rdb_used_mem, 1u << 20);

  // Commands flagged `loading` run; the others are refused.
  EXPECT_EQ(h.Run({"echo", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"ping"}), "-LOADING Redis is loading the dataset in memory\r\n");  // as Redis 7.0
  EXPECT_EQ(h.Run({"get", "key:1"}), "-LOADING Redis is loading the dataset in memory\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), "-LOADING Redis is loading the dataset in memory\r\n");
  EXPECT_EQ(h.Run({"set", "x", "1"}), "-LOADING Redis is loading the dataset in memory\r\n");
  std::string info = h.Run({"info", "persistence"});
  EXPECT_NE(info.find("loading:1\r\n"), std::string::npos);
  for (const char* field : {"loading_start_time:", "loading_total_bytes:", "loading_rdb_used_mem:1048576",
                            "loading_loaded_bytes:", "loading_loaded_perc:", "loading_eta_seconds:1"})
    EXPECT_NE(info.find(field), std::string::npos) << field;
  EXPECT_NE(h.Run({"config", "get", "port"}).find("port"), std::string::npos);
  // A refused command inside MULTI makes EXEC fail, as in Redis.
  EXPECT_EQ(h.Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "key:1"}), "-LOADING Redis is loading the dataset in memory\r\n");
  EXPECT_EQ(h.Run({"exec"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");

  int slices = 1;
  for (; slices < 10000; ++slices) {
    uint64_t before = h.server().loading_loaded_bytes;
    Result<bool> done = run.RunSlice();
    ASSERT_TRUE(done.ok()) << done.status().message();
    if (*done) break;
    EXPECT_GE(h.server().loading_loaded_bytes - before, 1024u);
  }
  EXPECT_GT(slices, 10);
  EXPECT_FALSE(h.server().loading);
  EXPECT_EQ(run.stats().keys_loaded, 2000u);
  EXPECT_EQ(h.server().rdb_last_load_keys_loaded, 2000u);
  EXPECT_EQ(h.Run({"dbsize"}), ":2000\r\n");
  EXPECT_EQ(h.keyspace().dirty, 0u);
  info = h.Run({"info", "persistence"});
  EXPECT_NE(info.find("loading:0\r\n"), std::string::npos);
  EXPECT_EQ(info.find("loading_total_bytes"), std::string::npos);
  std::remove(path.c_str());
}

TEST(LoadingRun, FailureClearsTheFlagAndNamesFileAndOffset) {
  CommandHarness h;
  std::string path = SaveStrings(h.clock(), "fail.rdb", 500);
  {
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data.substr(0, data.size() - 100);
  }
  LoadingRun run(OpenRdb(path, &h.keyspace()), &h.server(), LoadingRun::Purpose::kStartup);
  Status s = run.RunToEnd();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Bad RDB file " + path + " at offset "), std::string::npos) << s.message();
  EXPECT_FALSE(h.server().loading);
  std::remove(path.c_str());
}

TEST(LoadingRun, DestroyingAnUnfinishedRunClearsTheFlag) {
  CommandHarness h("loading-process-events-interval-bytes 1024\n");
  std::string path = SaveStrings(h.clock(), "abandon.rdb", 500);
  {
    LoadingRun run(OpenRdb(path, &h.keyspace()), &h.server(), LoadingRun::Purpose::kStartup);
    ASSERT_TRUE(run.RunSlice().ok());
    EXPECT_TRUE(h.server().loading);
  }
  EXPECT_FALSE(h.server().loading);
  std::remove(path.c_str());
}

TEST(DebugPopulate, CreatesKeysAsRedisDoes) {
  CommandHarness h("enable-debug-command yes\n");
  EXPECT_EQ(h.Run({"set", "key:1", "mine"}), "+OK\r\n");
  uint64_t dirty = h.keyspace().dirty;
  EXPECT_EQ(h.Run({"debug", "populate", "3"}), "+OK\r\n");
  EXPECT_EQ(h.keyspace().dirty, dirty);  // not counted as changes
  EXPECT_EQ(h.Run({"get", "key:0"}), "$7\r\nvalue:0\r\n");
  EXPECT_EQ(h.Run({"get", "key:1"}), "$4\r\nmine\r\n");  // existing keys are kept
  EXPECT_EQ(h.Run({"debug", "populate", "2", "p", "10"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "p:1"}), std::string("$10\r\nvalue:1\0\0\0\r\n", 17));
  EXPECT_EQ(h.Run({"debug", "populate", "2", "q", "3"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "q:1"}), "$3\r\nval\r\n");
  EXPECT_EQ(h.Run({"debug", "populate", "0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), ":7\r\n");
  EXPECT_EQ(h.Run({"debug", "populate", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"debug", "populate", "x"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"debug", "populate", "1", "k", "-5"}),
            "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(h.Run({"debug", "populate", "1", "k", "1", "x"}),
            "-ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP.\r\n");
}

TEST(DebugReload, RefusesUnknownOptions) {
  CommandHarness h("enable-debug-command yes\n");
  EXPECT_EQ(h.Run({"debug", "reload", "fast"}),
            "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n");
}

}  // namespace
}  // namespace troupe
