// CodeRun: Map / All fan-out. The group's branches take consecutive positions; each branch is
// a step of its own ("<group id>[<index>]", kind "map") recorded as it finishes, so a replay
// returns the recorded branches and executes only the missing ones. The branches'
// compensations are registered once the group ended (also when it stopped: a cancel), in the
// order the branches completed.
#include <algorithm>
#include <atomic>
#include <thread>

#include "dynaflow/engine/internal/code_run.h"

namespace dynaflow::engine::internal {

Result<std::vector<Value>> CodeRun::Fan(const std::string& name, std::vector<CodeCall> branches,
                                        int max_concurrency) {
  if (stopped()) return stop_status_;
  DYNAFLOW_ASSIGN_OR_RETURN(std::string base, NextId(name));
  const size_t n = branches.size();
  const int64_t pos0 = next_pos_;
  next_pos_ += static_cast<int64_t>(n);
  std::vector<std::string> ids(n);
  std::vector<std::optional<Value>> values(n);
  std::vector<Status> errors(n);
  std::vector<size_t> todo;
  std::vector<std::pair<TimePoint, size_t>> replayed;  // (recorded finish, index)
  for (size_t i = 0; i < n; ++i) {
    ids[i] = base + "[" + std::to_string(i) + "]";
    branches[i].kind = "map";
    switch (MatchAt(pos0 + static_cast<int64_t>(i), ids[i], "map")) {
      case Match::kMismatch:
        return stop_status_;
      case Match::kRecorded: {
        Result<Value> v = Replayed(ids[i], branches[i].out);
        if (stopped()) return stop_status_;
        if (v.ok()) {
          values[i] = std::move(*v);
          std::lock_guard<std::mutex> lock(mu_);
          replayed.emplace_back(records_.at(ids[i]).finished_at, i);
        } else {
          errors[i] = v.error();
        }
        break;
      }
      case Match::kNew:
        todo.push_back(i);
        break;
    }
  }
  // The recorded branches completed before the ones run now.
  std::stable_sort(replayed.begin(), replayed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [finished, i] : replayed) Register(ids[i], branches[i], *values[i]);
  if (!todo.empty()) {
    if (!BeginNew()) return stop_status_;
    std::vector<size_t> completed;
    RunBranches(ids, pos0, branches, todo, max_concurrency, values, errors, completed);
    for (size_t i : completed) Register(ids[i], branches[i], *values[i]);
    if (stopped()) return stop_status_;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!errors[i].ok()) return errors[i];
  }
  std::vector<Value> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    // A branch not run (a failed branch halted the group) has neither: unreachable here.
    if (!values[i]) return Status::Internal("branch \"" + ids[i] + "\" has no result");
    out.push_back(std::move(*values[i]));
  }
  return out;
}

void CodeRun::RunBranches(const std::vector<std::string>& ids, int64_t pos0,
                          std::vector<CodeCall>& branches, const std::vector<size_t>& todo,
                          int max_concurrency, std::vector<std::optional<Value>>& values,
                          std::vector<Status>& errors, std::vector<size_t>& completed) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> finishes{0};
  std::vector<std::pair<size_t, size_t>> done;  // (finish ticket, index) of recorded branches
  std::atomic<bool> halt{false};
  std::mutex results_mu;
  auto take = [&] {
    for (;;) {
      if (halt.load()) return;
      const size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      const size_t i = todo[k];
      RunExecutor::Attempts a =
          ex_->RunAttempts(ids[i], branches[i].options.retry, branches[i].options.attempt_timeout,
                           /*compensation=*/false, &halt, branches[i].body);
      // Taken when the branch finished, ahead of its record's write: a branch that finished
      // after another branch's record reached the store gets the later ticket.
      const size_t ticket = finishes.fetch_add(1);
      Result<Value> r =
          Completed(ids[i], pos0 + static_cast<int64_t>(i), branches[i], a, /*defer=*/false);
      std::lock_guard<std::mutex> lock(results_mu);
      if (r.ok()) {
        values[i] = std::move(*r);
        done.emplace_back(ticket, i);
      } else {
        errors[i] = r.error();
        halt.store(true);
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1, max_concurrency), todo.size());
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(take);
  take();
  for (auto& t : helpers) t.join();
  std::sort(done.begin(), done.end());
  completed.clear();
  for (const auto& [ticket, i] : done) completed.push_back(i);
}

}  // namespace dynaflow::engine::internal
