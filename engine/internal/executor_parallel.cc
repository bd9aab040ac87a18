// RunExecutor: parallel groups. Branches run concurrently on the run's thread plus up to
// max_branch_threads - 1 helper threads. Each branch retries on its own; once one fails for
// good the others finish their current attempt without retrying, and no new branch starts.
// Records of one group are serialized, so the branch recorded last can tell it is last and,
// when the group ends the workflow, finish the run in the same write.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include "engine/internal/run_executor.h"

namespace dynaflow::engine::internal {

RunExecutor::NodeOutcome RunExecutor::RunParallelNode(size_t i) {
  const Node& node = def_->nodes[i];
  const bool last_node = i + 1 == def_->nodes.size();
  NodeOutcome result;
  std::vector<size_t> todo;
  for (size_t b = 0; b < node.steps.size(); ++b) {
    auto st = RecordedStatus(node.steps[b].name);
    if (st == StepStatus::kFailed) {
      Attempts a;
      a.kind = Attempts::kFailed;
      a.already_recorded = true;
      std::lock_guard<std::mutex> lock(mu_);
      a.error = Status::Internal(recorded_[node.steps[b].name].error);
      result.failures.push_back({node.steps[b].name, a});
    } else if (st != StepStatus::kCompleted && st != StepStatus::kSkipped) {
      todo.push_back(b);
    }
  }
  if (!result.failures.empty()) {
    result.kind = NodeOutcome::kFailed;
    return result;
  }

  std::mutex group_mu;  // guards everything below; held while a branch records
  size_t unrecorded = todo.size();
  std::vector<NodeOutcome> outcomes;
  std::vector<Attempts> interrupts;
  bool not_started = false;
  std::atomic<size_t> next{0};
  std::atomic<bool> abort{false};

  auto run_branch = [&](size_t b) {
    Attempts a = AttemptStep(i, b, &abort);
    std::lock_guard<std::mutex> lock(group_mu);
    if (a.kind == Attempts::kFailed) {
      abort.store(true);
      result.failures.push_back({node.steps[b].name, a});
      return;
    }
    if (a.kind == Attempts::kInterrupted) {
      interrupts.push_back(a);
      return;
    }
    bool last = last_node && unrecorded == 1 && result.failures.empty() && interrupts.empty() &&
                !not_started;
    NodeOutcome o = Record(node.steps[b], a, last);
    if (o.kind == NodeOutcome::kDone || o.kind == NodeOutcome::kFinished) --unrecorded;
    if (o.kind == NodeOutcome::kFailed) {
      abort.store(true);
      for (auto& f : o.failures) result.failures.push_back(std::move(f));
      return;
    }
    outcomes.push_back(std::move(o));
  };
  auto loop = [&] {
    for (;;) {
      size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      bool halt = abort.load() || control_->lost() || control_->cancel_requested() ||
                  (env_.stopping && env_.stopping->load());
      if (halt) {
        std::lock_guard<std::mutex> lock(group_mu);
        not_started = true;
        continue;
      }
      run_branch(todo[k]);
    }
  };
  size_t helpers = std::min<size_t>(todo.size(), std::max(1, env_.max_branch_threads)) - 1;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < helpers; ++t) {
    try {
      threads.emplace_back(loop);
    } catch (const std::system_error& e) {
      env_.logger->warn("run {}: cannot start a branch thread ({}); running fewer at once",
                        run_.run_id, e.what());
      break;
    }
  }
  loop();
  for (auto& t : threads) t.join();

  for (auto& o : outcomes) {
    if (o.kind == NodeOutcome::kFinished) return std::move(o);
  }
  auto has = [&](Stop stop) {
    for (const auto& o : outcomes) {
      if (o.kind == NodeOutcome::kInterrupted && o.stop == stop) return true;
    }
    for (const auto& a : interrupts) {
      if (a.stop == stop) return true;
    }
    return false;
  };
  auto interrupt = [&](Stop stop) {
    result.kind = NodeOutcome::kInterrupted;
    result.stop = stop;
    return result;
  };
  if (has(Stop::kLost)) return interrupt(Stop::kLost);
  if (!result.failures.empty()) {
    result.kind = NodeOutcome::kFailed;
    return result;
  }
  for (Stop stop : {Stop::kResync, Stop::kCancel, Stop::kStoreError, Stop::kWorkerStop}) {
    if (has(stop)) return interrupt(stop);
  }
  std::optional<TimePoint> wake;
  for (const auto& a : interrupts) {
    if (a.stop == Stop::kSleep && a.sleep_until && (!wake || *a.sleep_until < *wake)) {
      wake = a.sleep_until;
    }
  }
  if (wake) {
    result.sleep_until = wake;
    return interrupt(Stop::kSleep);
  }
  if (not_started) return interrupt(Stop::kWorkerStop);
  result.kind = NodeOutcome::kDone;
  return result;
}

}  // namespace dynaflow::engine::internal
