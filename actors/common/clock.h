// Clock: the time source every protocol and keyspace component reads
// (DESIGN §3 "Time"). Servers use SystemClock; tests and the simulator use
// ManualClock (virtual time). Unix milliseconds drive TTLs, TIME, LASTSAVE
// and files; monotonic microseconds drive timeouts and latencies.
// Thread contract: a Clock is read on the thread that owns its user.
#pragma once

#include <cstdint>

namespace troupe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual int64_t UnixMs() const = 0;
  // Wall-clock time in microseconds since the Unix epoch.
  virtual int64_t UnixUs() const = 0;
  // Monotonic time in microseconds (arbitrary origin).
  virtual int64_t MonotonicUs() const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  int64_t UnixMs() const override;
  int64_t UnixUs() const override;
  int64_t MonotonicUs() const override;
  // A process-wide instance.
  static SystemClock& Instance();
};

// A clock that moves only when told to; for tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_ms = 1'700'000'000'000LL) : unix_us_(unix_ms * 1000) {}
  int64_t UnixMs() const override { return unix_us_ / 1000; }
  int64_t UnixUs() const override { return unix_us_; }
  int64_t MonotonicUs() const override { return mono_us_; }
  // Moves both clocks forward.
  void AdvanceMs(int64_t ms) {
    unix_us_ += ms * 1000;
    mono_us_ += ms * 1000;
  }
  // Moves only the wall clock (a clock jump); may go backwards.
  void JumpWallMs(int64_t ms) { unix_us_ += ms * 1000; }

 private:
  int64_t unix_us_;
  int64_t mono_us_ = 0;
};

}  // namespace troupe
