// RunExecutor: parallel groups. Branches run concurrently on the run's thread plus up to
// max_branch_threads - 1 helper threads. Each branch retries on its own; once one fails for
// good the others finish their current attempt without retrying, and no new branch starts.
// Records of one group are serialized, so the branch recorded last can tell it is last and,
// when the group ends the workflow, finish the run in the same write.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <system_error>
#include <thread>

#include "dynaflow/engine/internal/run_executor.h"

namespace dynaflow::engine::internal {

// The shared state of one parallel group while its branches run.
struct RunExecutor::ParallelGroup {
  ParallelGroup(size_t node_index, std::vector<size_t> branches)
      : node(node_index), todo(std::move(branches)), unrecorded(todo.size()) {}

  const size_t node;               // index of the parallel node
  const std::vector<size_t> todo;  // branches to run (not recorded yet)
  std::mutex mu;                   // guards everything below; held while a branch records
  size_t unrecorded;
  std::vector<std::pair<std::string, Attempts>> failures;
  std::vector<NodeOutcome> outcomes;
  std::vector<Attempts> interrupts;
  bool not_started = false;
  std::atomic<size_t> next{0};
  std::atomic<bool> abort{false};
};

RunExecutor::NodeOutcome RunExecutor::RunParallelNode(size_t i) {
  std::vector<std::pair<std::string, Attempts>> failed;
  std::vector<size_t> todo = UnrecordedBranches(def_->nodes[i], failed);
  if (!failed.empty()) {
    NodeOutcome result;
    result.kind = NodeOutcome::kFailed;
    result.failures = std::move(failed);
    return result;
  }
  ParallelGroup group(i, std::move(todo));
  RunBranches(group);
  return GroupOutcome(group);
}

std::vector<size_t> RunExecutor::UnrecordedBranches(
    const Node& node, std::vector<std::pair<std::string, Attempts>>& failed) {
  std::vector<size_t> todo;
  for (size_t b = 0; b < node.steps.size(); ++b) {
    auto st = RecordedStatus(node.steps[b].name);
    if (st == StepStatus::kFailed) {
      Attempts a;
      a.kind = Attempts::kFailed;
      a.already_recorded = true;
      std::lock_guard<std::mutex> lock(mu_);
      a.error = Status::Internal(recorded_[node.steps[b].name].error);
      failed.push_back({node.steps[b].name, a});
    } else if (st != StepStatus::kCompleted && st != StepStatus::kSkipped) {
      todo.push_back(b);
    }
  }
  return todo;
}

void RunExecutor::RunBranches(ParallelGroup& group) {
  size_t helpers = std::min<size_t>(group.todo.size(), std::max(1, env_.max_branch_threads)) - 1;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < helpers; ++t) {
    try {
      threads.emplace_back([this, &group] { TakeBranches(group); });
    } catch (const std::system_error& e) {
      env_.logger->warn("run {}: cannot start a branch thread ({}); running fewer at once",
                        run_.run_id, e.what());
      break;
    }
  }
  TakeBranches(group);
  for (auto& t : threads) t.join();
}

void RunExecutor::TakeBranches(ParallelGroup& group) {
  for (;;) {
    size_t k = group.next.fetch_add(1);
    if (k >= group.todo.size()) return;
    bool halt = group.abort.load() || control_->lost() || control_->cancel_requested() ||
                (env_.stopping && env_.stopping->load());
    if (halt) {
      std::lock_guard<std::mutex> lock(group.mu);
      group.not_started = true;
      continue;
    }
    RunBranch(group, group.todo[k]);
  }
}

void RunExecutor::RunBranch(ParallelGroup& group, size_t b) {
  const Node& node = def_->nodes[group.node];
  const bool last_node = group.node + 1 == def_->nodes.size();
  Attempts a = AttemptStep(group.node, b, &group.abort);
  std::lock_guard<std::mutex> lock(group.mu);
  if (a.kind == Attempts::kFailed) {
    group.abort.store(true);
    group.failures.push_back({node.steps[b].name, a});
    return;
  }
  if (a.kind == Attempts::kInterrupted) {
    group.interrupts.push_back(a);
    return;
  }
  bool last = last_node && group.unrecorded == 1 && group.failures.empty() &&
              group.interrupts.empty() && !group.not_started;
  NodeOutcome o = Record(node.steps[b], a, last);
  if (o.kind == NodeOutcome::kDone || o.kind == NodeOutcome::kFinished) --group.unrecorded;
  if (o.kind == NodeOutcome::kFailed) {
    group.abort.store(true);
    for (auto& f : o.failures) group.failures.push_back(std::move(f));
    return;
  }
  group.outcomes.push_back(std::move(o));
}

RunExecutor::NodeOutcome RunExecutor::GroupOutcome(ParallelGroup& group) {
  for (auto& o : group.outcomes) {
    if (o.kind == NodeOutcome::kFinished) return std::move(o);
  }
  NodeOutcome result;
  result.failures = std::move(group.failures);
  auto has = [&](Stop stop) {
    for (const auto& o : group.outcomes) {
      if (o.kind == NodeOutcome::kInterrupted && o.stop == stop) return true;
    }
    for (const auto& a : group.interrupts) {
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
  for (const auto& a : group.interrupts) {
    if (a.stop == Stop::kSleep && a.sleep_until && (!wake || *a.sleep_until < *wake)) {
      wake = a.sleep_until;
    }
  }
  if (wake) {
    result.sleep_until = wake;
    return interrupt(Stop::kSleep);
  }
  if (group.not_started) return interrupt(Stop::kWorkerStop);
  result.kind = NodeOutcome::kDone;
  return result;
}

}  // namespace dynaflow::engine::internal
