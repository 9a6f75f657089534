// SimLoop: the deterministic scheduler of troupe-sim. Virtual time in
// milliseconds; events are kept ordered by (due time, sequence number).
// Step() runs one event: the earliest due time is found, and when several
// events are due at that same time the seeded generator picks which one
// runs (the others stay queued and compete again at the next step), so the
// seed decides every interleaving. When nothing else is due, time jumps to
// the next event. Nothing here reads the machine's clock.
//
// This is an equivalent of CAF's test_coordinator for plain (non-actor)
// protocol code (DESIGN §5; see docs/SIMULATION.md for why).
//
// SimClock: a node's Clock — a fixed Unix base + the loop's virtual time +
// that node's clock jump (wall clock only; the monotonic clock never jumps).
//
// Who talks to it: every simulated component schedules on it; the scenario
// drives Step(). Threading: single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>
#include <map>
#include <random>
#include <utility>

#include "actors/common/clock.h"

namespace troupe {

class SimLoop {
 public:
  explicit SimLoop(uint64_t seed) : rng_(seed) {}

  int64_t now_ms() const { return now_ms_; }
  // The run's generator: every random choice of the simulator is drawn here.
  std::mt19937_64& rng() { return rng_; }
  // Uniform integer in [lo, hi].
  int64_t Uniform(int64_t lo, int64_t hi);
  // True with probability p.
  bool Chance(double p);
  // A double in [0, 1) from 53 random bits of `rng`: the same on every machine.
  static double UnitDraw(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
  }
  // An exponentially distributed wait of mean `mean_ms`, at least 1 ms.
  int64_t ExponentialWait(int64_t mean_ms);
  // The fault schedule of a scenario: after each exponential wait of mean
  // `mean_ms`, one of `kinds`, picked by the generator, runs — until
  // `stopped()` is true when the next one is due.
  void RepeatAtRandom(int64_t mean_ms, std::vector<std::function<void()>> kinds, std::function<bool()> stopped);

  // Schedules `fn` at virtual time `at_ms` (clamped to now).
  void At(int64_t at_ms, std::function<void()> fn);
  void After(int64_t delay_ms, std::function<void()> fn) { At(now_ms_ + delay_ms, std::move(fn)); }

  // Runs one event; false when none is queued.
  bool Step();
  uint64_t steps() const { return steps_; }
  size_t queued() const { return events_.size(); }
  // The due time of the next event (or -1 when none).
  int64_t NextDueMs() const { return events_.empty() ? -1 : events_.begin()->first.first; }

 private:
  std::mt19937_64 rng_;
  int64_t now_ms_ = 0;
  uint64_t seq_ = 0;
  uint64_t steps_ = 0;
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> events_;
};

class SimClock final : public Clock {
 public:
  static constexpr int64_t kBaseUnixMs = 1'700'000'000'000LL;
  explicit SimClock(const SimLoop* loop) : loop_(loop) {}
  int64_t UnixMs() const override { return kBaseUnixMs + loop_->now_ms() + jump_ms_; }
  int64_t UnixUs() const override { return UnixMs() * 1000; }
  int64_t MonotonicUs() const override { return loop_->now_ms() * 1000; }
  // A clock jump (NTP step, VM pause): moves the wall clock, may go back.
  void Jump(int64_t ms) { jump_ms_ += ms; }
  int64_t jump_ms() const { return jump_ms_; }

 private:
  const SimLoop* loop_;
  int64_t jump_ms_ = 0;
};

}  // namespace troupe
