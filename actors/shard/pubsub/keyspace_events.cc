// Implementation of InstallPubSub and the keyspace-notification publisher
// (see keyspace_events.h).
#include "actors/shard/pubsub/keyspace_events.h"

#include "actors/node/server_context.h"
#include "actors/shard/commands/command.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/pubsub/pubsub_registry.h"

namespace troupe {
namespace {

// The K and E bits of notify-keyspace-events (Redis's NOTIFY_KEYSPACE and
// NOTIFY_KEYEVENT); the class bits are NotifyClass (command.h).
constexpr uint32_t kKeyspaceChannel = 1u << 0;
constexpr uint32_t kKeyeventChannel = 1u << 1;

std::string ChannelPrefix(const char* space, int db) {
  std::string s = "__";
  s += space;
  s += '@';
  s += std::to_string(db);
  s += "__:";
  return s;
}

}  // namespace

std::string KeyspaceChannel(int db, std::string_view key) {
  std::string s = ChannelPrefix("keyspace", db);
  s.append(key.data(), key.size());
  return s;
}

std::string KeyeventChannel(int db, std::string_view event) {
  std::string s = ChannelPrefix("keyevent", db);
  s.append(event.data(), event.size());
  return s;
}

void InstallPubSub(PubSubRegistry* registry, ServerContext* server, Keyspace* keyspace) {
  server->pubsub = registry;
  server->on_client_closed.push_back([registry](ClientState& c) { registry->RemoveClient(&c); });
  server->on_client_reset.push_back([registry](ClientState& c) { registry->RemoveClient(&c); });

  // The setting, now and after every CONFIG SET.
  server->notify_keyspace_events = server->options().notify_keyspace_events;
  server->config().OnChange("notify-keyspace-events", [server](const ServerOptions& o) {
    server->notify_keyspace_events = o.notify_keyspace_events;
  });

  server->notify = [registry, server](uint32_t klass, std::string_view event, std::string_view key,
                                      int db) {
    uint32_t flags = server->notify_keyspace_events;
    if ((flags & klass) == 0 || registry->empty()) return;  // nobody could hear it
    if (flags & kKeyspaceChannel) registry->Publish(KeyspaceChannel(db, key), event);
    if (flags & kKeyeventChannel) registry->Publish(KeyeventChannel(db, event), key);
  };

  // Events Database raises itself.
  auto source = [server](uint32_t klass, const char* event) {
    return [server, klass, event](int db, std::string_view key) {
      if ((server->notify_keyspace_events & klass) != 0 && server->notify)
        server->notify(klass, event, key, db);
    };
  };
  keyspace->on_key_expired = source(kNotifyExpired, "expired");
  keyspace->on_key_added = source(kNotifyNew, "new");
  keyspace->on_key_missed = source(kNotifyKeyMiss, "keymiss");
}

}  // namespace troupe
