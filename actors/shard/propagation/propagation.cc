// Propagation batches (see propagation.h).
#include "actors/shard/propagation/propagation.h"

#include <algorithm>

namespace troupe {

void Propagation::AddSink(PropagationSink* sink) {
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
}

void Propagation::RemoveSink(PropagationSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Propagation::End() {
  if (depth_ > 0) --depth_;
  if (depth_ == 0 && !pending_.empty()) Flush();
}

void Propagation::Add(int db, std::vector<std::string> argv, uint32_t targets) {
  if (sinks_.empty()) return;
  pending_.push_back(PropagationSink::Op{db, targets, std::move(argv)});
  if (depth_ == 0) Flush();
}

void Propagation::Add(int db, const std::vector<std::string_view>& argv, uint32_t targets) {
  if (sinks_.empty()) return;
  Add(db, std::vector<std::string>(argv.begin(), argv.end()), targets);
}

void Propagation::Flush() {
  std::vector<PropagationSink::Op> ops;
  ops.swap(pending_);
  bool transaction = ops.size() > 1;
  for (PropagationSink* sink : sinks_) sink->Feed(ops, transaction);
}

void AppendRespArray(std::string* out, const std::vector<std::string>& argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (const std::string& a : argv) {
    out->push_back('$');
    out->append(std::to_string(a.size()));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

void AppendCommand(std::string* out, int* selected_db, int db, const std::vector<std::string>& argv) {
  if (db != *selected_db) {
    AppendRespArray(out, {"SELECT", std::to_string(db)});
    *selected_db = db;
  }
  AppendRespArray(out, argv);
}

}  // namespace troupe
