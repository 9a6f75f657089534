// Implementation of LoadingRun (see loading_run.h).
#include "actors/persistence/loading_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "actors/common/strings.h"
#include "actors/node/server_context.h"

namespace troupe {
namespace {

// A numeric directive's current value, or `fallback`.
int64_t NumericOption(ServerContext& server, const std::string& name, int64_t fallback) {
  for (const auto& [key, value] : server.config().Get({name})) {
    int64_t v;
    if (key == name && ParseInt64(value, &v)) return v;
  }
  return fallback;
}

}  // namespace

LoadingRun::LoadingRun(std::unique_ptr<DatasetLoader> loader, ServerContext* server, Purpose purpose)
    : loader_(std::move(loader)),
      server_(server),
      purpose_(purpose),
      start_us_(server->clock().MonotonicUs()),
      slice_bytes_(static_cast<uint64_t>(
          NumericOption(*server, "loading-process-events-interval-bytes", 2 << 20))),
      key_delay_us_(NumericOption(*server, "key-load-delay", 0)) {
  server_->loading = true;
  server_->loading_start_s = server_->clock().UnixMs() / 1000;
  server_->loading_total_bytes = loader_->bytes_total();
  server_->loading_loaded_bytes = 0;
  server_->loading_rdb_used_mem = 0;
}

LoadingRun::~LoadingRun() {
  if (active_) server_->loading = false;
}

double LoadingRun::elapsed_s() const {
  return static_cast<double>(server_->clock().MonotonicUs() - start_us_) / 1e6;
}

void LoadingRun::UpdateProgress() {
  const DatasetLoadStats& st = loader_->stats();
  server_->loading_loaded_bytes = loader_->bytes_loaded();
  server_->loading_rdb_used_mem = static_cast<uint64_t>(st.used_mem > 0 ? st.used_mem : 0);
  // Redis moves these while it loads, too.
  server_->rdb_last_load_keys_loaded = st.keys_loaded;
  server_->rdb_last_load_keys_expired = st.keys_expired;
}

// Redis logs the producer's aux fields as it meets them, before any key.
void LoadingRun::LogHeaderOnce() {
  if (header_logged_) return;
  header_logged_ = true;
  const DatasetLoadStats& st = loader_->stats();
  if (!st.redis_ver.empty()) spdlog::info("Loading RDB produced by version {}", st.redis_ver);
  if (st.ctime_s > 0) {
    int64_t age = server_->clock().UnixMs() / 1000 - st.ctime_s;
    spdlog::info("RDB age {} seconds", age < 0 ? 0 : age);
  }
  if (st.used_mem > 0)
    spdlog::info("RDB memory usage when created {:.2f} Mb",
                 static_cast<double>(st.used_mem) / (1024 * 1024));
}

void LoadingRun::KeyLoadDelay(uint64_t keys) {
  if (key_delay_us_ == 0 || keys == 0) return;
  int64_t us = 0;
  if (key_delay_us_ > 0) {
    us = key_delay_us_ * static_cast<int64_t>(keys);
  } else {
    for (uint64_t i = 0; i < keys; ++i)
      if (rng_() % static_cast<uint64_t>(-key_delay_us_) == 0) ++us;
  }
  // Sleeping here is the point: the option exists to make loads slow.
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
}

Result<bool> LoadingRun::RunSlice() {
  if (!active_) return Status::Error("ERR the load has already ended");
  int64_t slice_start_us = server_->clock().MonotonicUs();
  uint64_t slice_start_bytes = loader_->bytes_loaded();
  // With a key-load-delay, fewer keys per step keep each sleep within the
  // slice budget.
  size_t per_step = kKeysPerStep;
  if (key_delay_us_ > 0)
    per_step = static_cast<size_t>(std::clamp<int64_t>(kSliceBudgetUs / 4 / key_delay_us_, 1,
                                                       static_cast<int64_t>(kKeysPerStep)));
  for (;;) {
    const DatasetLoadStats& st = loader_->stats();
    uint64_t keys_before = st.keys_loaded + st.keys_expired;
    Result<bool> done = loader_->Step(per_step);
    if (!done.ok()) {
      End();
      return done;
    }
    LogHeaderOnce();
    UpdateProgress();
    if (*done) {
      Finish();
      return true;
    }
    KeyLoadDelay(st.keys_loaded + st.keys_expired - keys_before);
    if (loader_->bytes_loaded() - slice_start_bytes >= slice_bytes_ ||
        server_->clock().MonotonicUs() - slice_start_us >= kSliceBudgetUs)
      return false;
  }
}

Status LoadingRun::RunToEnd() {
  for (;;) {
    Result<bool> done = RunSlice();
    if (!done.ok()) return done.status();
    if (*done) return Status::Ok();
  }
}

void LoadingRun::Finish() {
  const DatasetLoadStats& st = loader_->stats();
  spdlog::info("Done loading {}, keys loaded: {}, keys expired: {}.", loader_->format_name(),
               st.keys_loaded, st.keys_expired);
  if (purpose_ == Purpose::kStartup) {
    bool aof = std::strcmp(loader_->format_name(), "AOF") == 0;
    spdlog::info("DB loaded from {}: {:.3f} seconds", aof ? "append only file" : "disk", elapsed_s());
    if (server_->on_startup_loaded) server_->on_startup_loaded(st);
  }
  End();
}

void LoadingRun::End() {
  active_ = false;
  server_->loading = false;
  final_stats_ = loader_->stats();
  loader_.reset();
}

}  // namespace troupe
