// The deterministic scheduler (see sim_loop.h).
#include "actors/sim/sim_loop.h"

#include <cmath>
#include <iterator>

namespace troupe {

int64_t SimLoop::Uniform(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(rng_() % span);
}

bool SimLoop::Chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return UnitDraw(rng_) < p;
}

int64_t SimLoop::ExponentialWait(int64_t mean_ms) {
  double u = UnitDraw(rng_);
  return 1 + static_cast<int64_t>(-static_cast<double>(mean_ms) * std::log(1.0 - u));
}

void SimLoop::RepeatAtRandom(int64_t mean_ms, std::vector<std::function<void()>> kinds,
                             std::function<bool()> stopped) {
  if (kinds.empty()) return;
  int64_t wait = ExponentialWait(mean_ms);
  After(wait, [this, mean_ms, kinds = std::move(kinds), stopped = std::move(stopped)]() mutable {
    if (stopped()) return;
    kinds[rng_() % kinds.size()]();
    RepeatAtRandom(mean_ms, std::move(kinds), std::move(stopped));
  });
}

void SimLoop::At(int64_t at_ms, std::function<void()> fn) {
  if (at_ms < now_ms_) at_ms = now_ms_;
  events_.emplace(std::make_pair(at_ms, seq_++), std::move(fn));
}

bool SimLoop::Step() {
  if (events_.empty()) return false;
  auto first = events_.begin();
  int64_t due = first->first.first;
  // How many are due at that same time: the generator picks one of them.
  size_t ready = 0;
  for (auto it = first; it != events_.end() && it->first.first == due && ready < 1024; ++it) ++ready;
  auto pick = first;
  if (ready > 1) std::advance(pick, static_cast<long>(rng_() % ready));
  std::function<void()> fn = std::move(pick->second);
  events_.erase(pick);
  now_ms_ = due;
  ++steps_;
  fn();
  return true;
}

}  // namespace troupe
