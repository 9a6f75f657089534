// SystemClock: clock_gettime-backed implementation of Clock.
#include "actors/common/clock.h"

#include <time.h>

namespace troupe {
namespace {
int64_t Read(clockid_t id, int64_t divisor) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * (1'000'000'000LL / divisor) + ts.tv_nsec / divisor;
}
}  // namespace

int64_t SystemClock::UnixMs() const { return Read(CLOCK_REALTIME, 1'000'000); }
int64_t SystemClock::UnixUs() const { return Read(CLOCK_REALTIME, 1'000); }
int64_t SystemClock::MonotonicUs() const { return Read(CLOCK_MONOTONIC, 1'000); }

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace troupe
