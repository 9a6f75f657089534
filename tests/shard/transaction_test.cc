// Tests for MULTI/EXEC/DISCARD/WATCH through Dispatch (two clients on one
// keyspace) and for the BlockingRegistry's serving order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/shard/blocking/blocking_registry.h"
#include "tests/shard/command_harness.h"

namespace troupe {
namespace {

TEST(Transactions, QueueExecAndRuntimeErrorsDoNotRollBack) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"set", "a", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"incr", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"set", "b", "y"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"exec"}),
            "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  EXPECT_EQ(h.Run({"get", "b"}), "$1\r\ny\r\n");
}

TEST(Transactions, QueuedRejectionAbortsExec) {
  CommandHarness h;
  h.Run({"multi"});
  EXPECT_EQ(h.Run({"set", "a"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(h.Run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(h.Run({"exists", "a"}), ":0\r\n");
  h.Run({"multi"});
  EXPECT_EQ(h.Run({"save"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(h.Run({"discard"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"discard"}), "-ERR DISCARD without MULTI\r\n");
}

TEST(Transactions, WatchIsInvalidatedByAnotherClientsWrite) {
  CommandHarness h;
  ClientState other;
  other.id = 2;
  other.authenticated = true;
  EXPECT_EQ(h.Run({"watch", "k"}), "+OK\r\n");
  EXPECT_EQ(h.RunAs(other, {"set", "k", "theirs"}), "+OK\r\n");
  h.Run({"multi"});
  h.Run({"set", "k", "mine"});
  EXPECT_EQ(h.Run({"exec"}), "*-1\r\n");
  EXPECT_EQ(h.Run({"get", "k"}), "$6\r\ntheirs\r\n");
  // A fresh WATCH with no interference succeeds.
  h.Run({"watch", "k"});
  h.Run({"multi"});
  h.Run({"set", "k", "mine"});
  EXPECT_EQ(h.Run({"exec"}), "*1\r\n+OK\r\n");
}

TEST(Transactions, WatchedKeyExpiringFailsExec) {
  CommandHarness h;
  h.Run({"set", "k", "v", "PX", "100"});
  h.Run({"watch", "k"});
  h.clock().AdvanceMs(200);
  h.Run({"multi"});
  h.Run({"ping"});
  EXPECT_EQ(h.Run({"exec"}), "*-1\r\n");
}

TEST(Transactions, SwapDbInvalidatesWatchersOfBothDatabases) {
  CommandHarness h;
  ClientState other;
  other.id = 2;
  other.authenticated = true;
  other.db = 1;
  h.RunAs(other, {"set", "k", "in-db1"});
  h.Run({"watch", "k"});  // db 0, where k does not exist yet
  h.RunAs(other, {"swapdb", "0", "1"});
  h.Run({"multi"});
  h.Run({"get", "k"});
  EXPECT_EQ(h.Run({"exec"}), "*-1\r\n");
}

TEST(BlockingRegistry, ServesOldestFirstAndKeepsPlaceOnReblock) {
  BlockingRegistry reg;
  std::vector<int> served;
  int items = 0;
  BlockedClient a, b, c;
  auto make = [&](BlockedClient& bc, int id) {
    bc.client_id = static_cast<uint64_t>(id);
    bc.keys = {"q"};
    bc.retry = [&, id] {
      if (items == 0) return false;  // nothing there: stays parked
      --items;
      served.push_back(id);
      return true;
    };
    reg.Block(&bc);
  };
  make(a, 1);
  make(b, 2);
  make(c, 3);
  EXPECT_EQ(reg.blocked_clients(), 3u);
  items = 2;
  reg.KeyChanged(0, "q");
  reg.ServeReadyKeys();
  EXPECT_EQ(served, (std::vector<int>{1, 2}));
  EXPECT_FALSE(a.active);
  EXPECT_TRUE(c.active);
  reg.KeyChanged(0, "other");  // no one waits there: nothing happens
  reg.ServeReadyKeys();
  items = 1;
  reg.KeyChanged(0, "q");
  reg.ServeReadyKeys();
  EXPECT_EQ(served, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(reg.blocked_clients(), 0u);
}

}  // namespace
}  // namespace troupe
