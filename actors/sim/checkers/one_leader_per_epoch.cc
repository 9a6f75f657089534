// Invariant: one leader per epoch. Every +elected-leader a sentinel
// publishes is recorded with the epoch it won (its master's failover_epoch);
// two different sentinels winning the same epoch is a violation (the
// election's majority rule, sentinel.c sentinelGetLeader, is broken — e.g.
// a sentinel voting twice in one epoch, SentinelState::test_vote_twice).
//
// Who talks to it: the scenario (events, after every step). Single-threaded.
#include <map>
#include <string>

#include "actors/sim/sim_world.h"

namespace troupe {
namespace {

class OneLeaderPerEpoch final : public SimChecker {
 public:
  const char* name() const override { return "one-leader-per-epoch"; }

  void OnSentinelEvent(SimWorld& world, SimSentinel& s, const std::string& type, const std::string& text) override {
    if (type != "+elected-leader") return;
    SentinelInstance* m = s.state().FindMaster("mymaster");
    if (m == nullptr) return;
    int64_t epoch = m->failover_epoch;
    ++elections_;
    auto [it, inserted] = leaders_.emplace(epoch, s.name());
    if (!inserted && it->second != s.name() && pending_.ok())
      pending_ = Status::Error("epoch " + std::to_string(epoch) + " has two leaders: " + it->second + " and " +
                               s.name() + " both published +elected-leader");
  }

  Status AfterStep(SimWorld&) override { return pending_; }

  std::string Summary() const override {
    return std::to_string(elections_) + " elections won in " + std::to_string(leaders_.size()) + " epochs";
  }

 private:
  std::map<int64_t, std::string> leaders_;  // epoch -> the sentinel that won it
  uint64_t elections_ = 0;
  Status pending_;
};

}  // namespace

std::unique_ptr<SimChecker> MakeOneLeaderPerEpochChecker() { return std::make_unique<OneLeaderPerEpoch>(); }

}  // namespace troupe
