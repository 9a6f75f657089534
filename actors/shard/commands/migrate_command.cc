// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key ...]
//
// Moves keys to another server the way Redis 7.0 does: each key is sent as
// RESTORE (RESTORE-ASKING in cluster mode, so the target accepts it for a
// slot it is importing) with its DUMP payload and remaining TTL, pipelined
// after an optional AUTH and a SELECT; keys the target accepted are then
// deleted here (not with COPY) and propagated as one DEL. Like Redis's,
// the exchange is synchronous: the command runs on the multiplexer thread
// and blocks it for at most `timeout` ms per step (connect, write, read),
// which is what makes a key's move atomic for other clients.
// `redis-cli --cluster reshard / rebalance / add-node` move slots with it.
//
// Runs inline in the client session; talks to the target over a plain
// socket (net/tcp_connect.h) and reads its replies with RespReplyParser.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"
#include "actors/persistence/dump_payload.h"
#include "actors/shard/commands/command_table.h"
#include "actors/shard/keyspace/keyspace.h"
#include "actors/shard/propagation/propagation.h"
#include "net/resp_reply_parser.h"
#include "net/tcp_connect.h"

namespace troupe {
namespace {

constexpr int64_t kDefaultTimeoutMs = 1000;
// Replies read at most this many bytes in all (RESTORE answers +OK or a
// short error per key).
constexpr size_t kMaxReplyBytes = 16u << 20;

// Closes the socket when the command ends.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

// Writes all of `data` within the deadline (per wait).
bool WriteAll(int fd, std::string_view data, int64_t timeout_ms) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_ms)) <= 0) return false;
  }
  return true;
}

// Reads `count` replies within the deadline (per wait).
bool ReadReplies(int fd, size_t count, int64_t timeout_ms, std::vector<RespReply>* out) {
  std::string in;
  size_t pos = 0;
  char buf[16384];
  while (out->size() < count) {
    RespReply r;
    size_t consumed = 0;
    auto outcome = RespReplyParser::Parse(in.data() + pos, in.size() - pos, &consumed, &r);
    if (outcome == RespReplyParser::Outcome::kReply) {
      pos += consumed;
      out->push_back(std::move(r));
      continue;
    }
    if (outcome == RespReplyParser::Outcome::kError || in.size() > kMaxReplyBytes) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout_ms)) <= 0) return false;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
  }
  return true;
}

void MigrateCommand(CommandContext& ctx) {
  // Options after the fifth argument.
  bool copy = false, replace = false;
  std::string user, password;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    size_t more = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(opt, "COPY")) {
      copy = true;
    } else if (EqualsIgnoreCase(opt, "REPLACE")) {
      replace = true;
    } else if (EqualsIgnoreCase(opt, "AUTH") && more >= 1) {
      password = std::string(ctx.arg(++j));
    } else if (EqualsIgnoreCase(opt, "AUTH2") && more >= 2) {
      user = std::string(ctx.arg(++j));
      password = std::string(ctx.arg(++j));
    } else if (EqualsIgnoreCase(opt, "KEYS")) {
      if (!ctx.arg(3).empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
        return;
      }
      first_key = j + 1;
      num_keys = ctx.argc() - j - 1;
      break;
    } else {
      ctx.SyntaxError();
      return;
    }
  }
  int64_t port, dbid, timeout;
  if (!ctx.IntArg(2, &port) || !ctx.IntArg(4, &dbid) || !ctx.IntArg(5, &timeout)) return;
  if (timeout <= 0) timeout = kDefaultTimeoutMs;

  // The keys that exist here (a missing one is skipped; none: NOKEY).
  Database& db = ctx.keyspace.db(ctx.client.db);
  std::vector<std::string> keys;
  std::vector<const Entry*> entries;
  for (size_t i = first_key; i < first_key + num_keys && i < ctx.argc(); ++i) {
    const Entry* e = db.LookupRead(ctx.arg(i));
    if (e == nullptr) continue;
    keys.emplace_back(ctx.arg(i));
    entries.push_back(e);
  }
  if (keys.empty()) {
    ctx.PreventPropagation();
    ctx.reply.Simple("NOKEY");
    return;
  }

  // The request: [AUTH] SELECT, then one RESTORE per key.
  const bool cluster = ctx.server.cluster != nullptr;
  std::string request;
  size_t replies = 0;
  if (!password.empty()) {
    AppendRespArray(&request, user.empty() ? std::vector<std::string>{"AUTH", password}
                                           : std::vector<std::string>{"AUTH", user, password});
    ++replies;
  }
  AppendRespArray(&request, {"SELECT", std::to_string(dbid)});
  ++replies;
  int64_t now = ctx.keyspace.now_ms();
  for (size_t i = 0; i < keys.size(); ++i) {
    int64_t ttl = 0;
    if (entries[i]->has_expire()) ttl = std::max<int64_t>(1, entries[i]->expire_ms() - now);
    std::vector<std::string> argv{cluster ? "RESTORE-ASKING" : "RESTORE", keys[i], std::to_string(ttl),
                                  EncodeDumpPayload(*entries[i], ctx.server.options().rdbcompression)};
    if (replace) argv.emplace_back("REPLACE");
    AppendRespArray(&request, argv);
    ++replies;
  }

  Socket sock;
  std::string error;
  sock.fd = ConnectWithTimeout(std::string(ctx.arg(1)), static_cast<int>(port), timeout, &error);
  ctx.PreventPropagation();
  if (sock.fd < 0) {
    ctx.reply.Error("IOERR error or timeout connecting to the client");
    return;
  }
  if (!WriteAll(sock.fd, request, timeout)) {
    ctx.reply.Error("IOERR error or timeout writing to target instance");
    return;
  }
  std::vector<RespReply> answers;
  if (!ReadReplies(sock.fd, replies, timeout, &answers)) {
    ctx.reply.Error("IOERR error or timeout reading to target instance");
    return;
  }
  size_t at = 0;
  if (!password.empty() && !answers[at++].ok) {
    ctx.reply.Error("ERR Target instance replied with error: " +
                    (answers[0].elements.empty() ? std::string() : answers[0].elements[0]));
    return;
  }
  if (!answers[at++].ok) {
    ctx.reply.Error("ERR Target instance replied with error: " +
                    (answers[at - 1].elements.empty() ? std::string() : answers[at - 1].elements[0]));
    return;
  }
  // Keys the target took are deleted here (unless COPY); the first error
  // is reported, the keys it concerns stay.
  std::string first_error;
  std::vector<std::string> del{"DEL"};
  for (size_t i = 0; i < keys.size(); ++i, ++at) {
    if (!answers[at].ok) {
      if (first_error.empty()) first_error = answers[at].elements.empty() ? "" : answers[at].elements[0];
      continue;
    }
    if (copy) continue;
    if (db.Delete(keys[i])) {
      ctx.Notify(kNotifyGeneric, "del", keys[i]);
      del.push_back(keys[i]);
    }
  }
  if (del.size() > 1) ctx.PropagateAs(std::move(del));
  if (!first_error.empty()) {
    ctx.reply.Error("ERR Target instance replied with error: " + first_error);
    return;
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterMigrate(CommandTable& t) {
  // No key positions for routing (first key 0, not movable): MIGRATE runs
  // on the node it is sent to (the source of a slot), whatever its keys'
  // slot. COMMAND INFO still shows Redis's first key spec.
  t.Add(Cmd("migrate", -6, kCmdWrite, 0, 0, 0, MigrateCommand, "generic", "2.6.0",
            "Atomically transfer a key from a Redis instance to another one.", "@dangerous")
            .Specs({KeySpec{"RW access delete incomplete", 3, 0, 1, ""}})
            .Tips("nondeterministic_output"));
}

}  // namespace troupe
