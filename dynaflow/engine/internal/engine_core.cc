#include "dynaflow/engine/internal/engine_core.h"

#include <algorithm>

#include "dynaflow/engine/internal/worker_impl.h"

namespace dynaflow::engine::internal {

namespace {
constexpr size_t kFinishedRemembered = 4096;
}

std::shared_ptr<const WorkflowDef> EngineCore::Find(const std::string& id, int32_t version) const {
  std::lock_guard<std::mutex> lock(registry_mu_);
  auto it = workflows_.find({id, version});
  if (it == workflows_.end()) return nullptr;
  return DefinitionOf(it->second);
}

Status EngineCore::Register(const Workflow& workflow) {
  if (!workflow.valid()) return Status::InvalidArgument("cannot register an empty workflow");
  std::lock_guard<std::mutex> lock(registry_mu_);
  auto key = std::make_pair(workflow.id(), workflow.version());
  auto it = workflows_.find(key);
  if (it != workflows_.end()) {
    if (DefinitionOf(it->second) == DefinitionOf(workflow)) return Status::OK();
    return Status::AlreadyExists("another definition of workflow " + workflow.id() + " v" +
                                 std::to_string(workflow.version()) + " is registered");
  }
  workflows_.emplace(std::move(key), workflow);
  return Status::OK();
}

void EngineCore::AddWorker(const std::shared_ptr<WorkerImpl>& worker) {
  std::lock_guard<std::mutex> lock(workers_mu_);
  workers_.push_back(worker);
}

void EngineCore::RemoveWorker(const WorkerImpl* worker) {
  std::lock_guard<std::mutex> lock(workers_mu_);
  workers_.erase(std::remove_if(workers_.begin(), workers_.end(),
                                [&](const std::weak_ptr<WorkerImpl>& w) {
                                  auto p = w.lock();
                                  return !p || p.get() == worker;
                                }),
                 workers_.end());
}

std::vector<std::shared_ptr<WorkerImpl>> EngineCore::LiveWorkers() {
  std::vector<std::shared_ptr<WorkerImpl>> live;
  std::lock_guard<std::mutex> lock(workers_mu_);
  for (auto& w : workers_) {
    if (auto p = w.lock()) live.push_back(std::move(p));
  }
  return live;
}

std::shared_ptr<WorkerImpl> EngineCore::PickWorker() {
  std::vector<std::shared_ptr<WorkerImpl>> live = LiveWorkers();
  std::shared_ptr<WorkerImpl> best;
  size_t best_load = 0;
  for (auto& w : live) {
    if (!w->WantsHandoff()) continue;
    size_t load = w->active_runs();
    if (!best || load < best_load) {
      best = w;
      best_load = load;
    }
  }
  return best;
}

void EngineCore::SignalCancel(const std::string& run_id) {
  for (auto& w : LiveWorkers()) w->SignalCancel(run_id);
}

bool EngineCore::HeldLocally(const std::string& run_id) {
  for (auto& w : LiveWorkers()) {
    if (w->Holds(run_id)) return true;
  }
  return false;
}

void EngineCore::NudgeWorkers() {
  for (auto& w : LiveWorkers()) w->Nudge();
}

void EngineCore::NoteFinished(const Run& run) {
  {
    std::lock_guard<std::mutex> lock(done_mu);
    if (finished_.insert_or_assign(run.run_id, run).second) {
      finished_order_.push_back(run.run_id);
    }
    while (finished_order_.size() > kFinishedRemembered) {
      finished_.erase(finished_order_.front());
      finished_order_.pop_front();
    }
  }
  done_cv.notify_all();
}

std::optional<Run> EngineCore::FindFinished(const std::string& run_id) {
  auto it = finished_.find(run_id);
  if (it == finished_.end()) return std::nullopt;
  return it->second;
}

}  // namespace dynaflow::engine::internal
