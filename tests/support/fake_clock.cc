#include "tests/support/fake_clock.h"

#include <algorithm>
#include <cmath>

namespace dynaflow::test {

FakeClock::FakeClock(TimePoint start)
    : now_(start), steady_(std::chrono::steady_clock::time_point(std::chrono::hours(1000))) {}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

std::chrono::steady_clock::time_point FakeClock::SteadyNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return steady_;
}

void FakeClock::SleepFor(std::chrono::nanoseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(d);
  if (d.count() > 0) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(d);
    steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
}

void FakeClock::Advance(std::chrono::nanoseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  if (d.count() <= 0) return;
  now_ += std::chrono::duration_cast<TimePoint::duration>(d);
  steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

void FakeClock::SetNow(TimePoint t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

std::vector<std::chrono::nanoseconds> FakeClock::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

std::chrono::nanoseconds FakeClock::total_slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::chrono::nanoseconds total{0};
  for (auto d : sleeps_) total += d;
  return total;
}

void FakeClock::ClearSleeps() {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.clear();
}

namespace {

double ClampUnit(double v) {
  if (!(v >= 0.0)) return 0.0;  // also NaN
  return std::min(v, std::nextafter(1.0, 0.0));
}

}  // namespace

FakeRandom::FakeRandom(double value) : values_{ClampUnit(value)} {}

FakeRandom::FakeRandom(std::vector<double> sequence) { Set(std::move(sequence)); }

void FakeRandom::Set(std::vector<double> values) {
  std::lock_guard<std::mutex> lock(mu_);
  if (values.empty()) values.push_back(0.5);
  for (double& v : values) v = ClampUnit(v);
  values_ = std::move(values);
  next_ = 0;
}

double FakeRandom::Uniform01() {
  std::lock_guard<std::mutex> lock(mu_);
  ++uniform_calls_;
  double v = values_[std::min(next_, values_.size() - 1)];
  if (next_ < values_.size()) ++next_;
  return v;
}

uint64_t FakeRandom::Next64() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t z = (counter_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int FakeRandom::uniform_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uniform_calls_;
}

}  // namespace dynaflow::test
