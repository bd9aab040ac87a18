// EngineCore: what an Engine and its Workers share (held by shared_ptr, so workers may outlive
// the Engine object). Thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dynaflow/engine/engine.h"
#include "dynaflow/engine/internal/counters.h"
#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/schedule_store.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine::internal {

class WorkerImpl;

struct EngineCore {
  Clock* clock = nullptr;
  Random* random = nullptr;
  size_t inline_result_max_bytes = 4096;
  std::shared_ptr<table::Table> table;
  std::shared_ptr<store::WorkflowStore> store;
  std::shared_ptr<store::ScheduleStore> schedules;  // over `table` and `store`
  std::shared_ptr<Counters> counters = std::make_shared<Counters>();
  std::shared_ptr<spdlog::logger> logger;

  // The definition of (id, version), or null.
  std::shared_ptr<const WorkflowDef> Find(const std::string& id, int32_t version) const;
  Status Register(const Workflow& workflow);

  // Local workers that are running (for hand-overs and cancel signals).
  void AddWorker(const std::shared_ptr<WorkerImpl>& worker);
  void RemoveWorker(const WorkerImpl* worker);
  // The running worker with the fewest held runs that accepts a hand-over, or null.
  std::shared_ptr<WorkerImpl> PickWorker();
  void SignalCancel(const std::string& run_id);
  // True while a local worker has `run_id` queued or executing.
  bool HeldLocally(const std::string& run_id);
  // Asks every local worker to poll now (new due work).
  void NudgeWorkers();

  // Terminal runs written by local workers (the last 4096), for WaitForRun.
  void NoteFinished(const Run& run);
  // What follows a run's end, whoever ended it: NoteFinished, the parent's wake-up (a child
  // run). Errors are logged.
  void OnRunFinished(const Run& run);
  // Engine::Cancel (see there), the run's children included. Errors: kNotFound,
  // kConditionFailed (already finished).
  Status Cancel(const std::string& run_id);
  // Engine::FireDueSchedules (dynaflow/engine/internal/schedule_firing.cc).
  Result<int> FireDueSchedules(int limit);
  // Call with done_mu held.
  std::optional<Run> FindFinished(const std::string& run_id);
  std::mutex done_mu;
  std::condition_variable done_cv;

 private:
  Status CancelOne(const std::string& run_id);
  mutable std::mutex registry_mu_;
  std::map<std::pair<std::string, int32_t>, Workflow> workflows_;
  std::vector<std::shared_ptr<WorkerImpl>> LiveWorkers();
  std::mutex workers_mu_;
  std::vector<std::weak_ptr<WorkerImpl>> workers_;
  std::map<std::string, Run> finished_;  // guarded by done_mu
  std::deque<std::string> finished_order_;
};

}  // namespace dynaflow::engine::internal
