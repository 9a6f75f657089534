// Propagation: the stream of a write's effects, in Redis's command form —
// what the AOF appends and what replicas receive (Redis's propagate /
// alsoPropagate). Command handlers produce operations (a command as it was
// called, or what CommandContext::PropagateAs says instead: PXAT for a
// relative TTL, SREM for SPOP, LPOP for BLPOP, ...); the keyspace adds a DEL
// for every key removed because its TTL passed.
//
// One top-level call (a command, EXEC with its queued commands, a blocked
// client served later, an active-expiry cycle) is one batch: CommandTable
// ::Dispatch opens it with Begin() and closes it with End(); the batch goes to
// the sinks when the outermost End() comes, wrapped in MULTI ... EXEC when it
// holds more than one operation (as Redis 7.0 does), so replicas and the AOF
// apply it atomically.
//
// Sinks (the AOF writer, the replication feed) register themselves; each
// keeps its own selected database and adds SELECT where needed
// (AppendCommand). With no sink, every call is a cheap no-op.
//
// Threading: used only on the multiplexer thread (sessions, the shard's
// cron). No CAF header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

// Where an operation goes: PUBLISH goes to replicas only, as in Redis.
enum PropagateTarget : uint32_t {
  kPropagateAof = 1u << 0,
  kPropagateRepl = 1u << 1,
  kPropagateAll = kPropagateAof | kPropagateRepl,
};

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // One batch: operations in order, each with its database. `transaction`
  // is true when the batch must be wrapped in MULTI/EXEC.
  struct Op {
    int db = 0;
    uint32_t targets = kPropagateAll;
    std::vector<std::string> argv;
  };
  virtual void Feed(const std::vector<Op>& ops, bool transaction) = 0;
};

class Propagation {
 public:
  // True when somebody listens (an AOF or a replica); callers may skip
  // building operations otherwise.
  bool active() const { return !sinks_.empty(); }

  void AddSink(PropagationSink* sink);
  void RemoveSink(PropagationSink* sink);

  void Begin() { ++depth_; }
  void End();
  // Adds one operation to the current batch (or sends it now, as a batch of
  // its own, outside any call — e.g. the active expiry cycle).
  void Add(int db, std::vector<std::string> argv, uint32_t targets = kPropagateAll);
  void Add(int db, const std::vector<std::string_view>& argv, uint32_t targets = kPropagateAll);

 private:
  void Flush();

  std::vector<PropagationSink*> sinks_;
  std::vector<PropagationSink::Op> pending_;
  int depth_ = 0;
};

// Appends `argv` as a RESP array of bulk strings, preceded by SELECT when
// `db` differs from *selected_db (which it then updates).
void AppendCommand(std::string* out, int* selected_db, int db, const std::vector<std::string>& argv);
// Appends a RESP array of bulk strings.
void AppendRespArray(std::string* out, const std::vector<std::string>& argv);

}  // namespace troupe
