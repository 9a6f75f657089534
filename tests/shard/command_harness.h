// CommandHarness: runs commands through CommandTable::Dispatch against a
// real Keyspace on a ManualClock, without sockets or CAF, and returns the
// raw RESP reply. Shared by the command tests.
#pragma once

#include <string>
#include <vector>

#include "actors/common/clock.h"
#include "actors/node/config.h"
#include "actors/node/server_context.h"
#include "actors/shard/blocking/blocking_registry.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/transaction/watch_registry.h"
#include "actors/shard/keyspace/keyspace.h"

namespace troupe {

class CommandHarness {
 public:
  explicit CommandHarness(const std::string& config_text = "")
      : config_(MakeConfig(config_text)), server_(&config_, &clock_), keyspace_(16, &clock_) {
    client_.id = 1;
    client_.addr = "127.0.0.1:50000";
    client_.authenticated = config_.options().requirepass.empty();
    server_.blocking = &blocking_;
    server_.watches = &watches_;
    keyspace_.on_key_changed = [this](int db, std::string_view key) {
      blocking_.KeyChanged(db, key);
      watches_.KeyChanged(db, key);
    };
  }

  // Runs a command as `client` (default: the harness's own client).
  std::string RunAs(ClientState& client, const std::vector<std::string>& args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    std::vector<char> out;
    RespWriter writer(&out, client.protocol);
    keyspace_.UpdateTime();
    CommandContext ctx{argv, writer, client, keyspace_, server_};
    CommandTable::Instance().Dispatch(ctx);
    return std::string(out.begin(), out.end());
  }

  std::string Run(const std::vector<std::string>& args) { return RunAs(client_, args); }

  ManualClock& clock() { return clock_; }
  Keyspace& keyspace() { return keyspace_; }
  ClientState& client() { return client_; }
  ServerContext& server() { return server_; }

 private:
  static Config MakeConfig(const std::string& text) {
    auto c = Config::FromText(text, "");
    if (!c.ok()) throw std::runtime_error(c.status().message());
    return std::move(*c);
  }

  ManualClock clock_;
  Config config_;
  ServerContext server_;
  Keyspace keyspace_;
  ClientState client_;
  BlockingRegistry blocking_;
  WatchRegistry watches_;
};

}  // namespace troupe
