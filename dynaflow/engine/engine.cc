#include "dynaflow/engine/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/internal/engine_core.h"
#include "dynaflow/engine/internal/phases.h"
#include "dynaflow/engine/internal/worker_impl.h"

namespace dynaflow::engine {

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (!options.table) return Status::InvalidArgument("EngineOptions::table is required");
  auto core = std::make_shared<internal::EngineCore>();
  core->clock = options.clock ? options.clock : Clock::Real();
  core->random = options.random ? options.random : Random::Real();
  core->inline_result_max_bytes = options.inline_result_max_bytes;
  core->table = options.table;
  core->logger = options.logger ? options.logger : spdlog::default_logger();
  if (options.store.clock == nullptr) options.store.clock = core->clock;
  auto store = store::WorkflowStore::Create(options.table, options.store);
  if (!store.ok()) return store.error();
  core->store = std::shared_ptr<store::WorkflowStore>(std::move(store).value());
  auto schedules = store::ScheduleStore::Create(options.table, core->store.get(),
                                                options.store.key_prefix, core->clock);
  if (!schedules.ok()) return schedules.error();
  core->schedules = std::shared_ptr<store::ScheduleStore>(std::move(schedules).value());
  return std::unique_ptr<Engine>(new Engine(std::move(core)));
}

Engine::Engine(std::shared_ptr<internal::EngineCore> core) : core_(std::move(core)) {}
Engine::~Engine() = default;

Status Engine::Register(const Workflow& workflow) { return core_->Register(workflow); }

store::WorkflowStore& Engine::store() { return *core_->store; }

Result<StartResult> Engine::StartEncoded(const std::string& workflow_id, int32_t version,
                                         std::string input_payload, const StartOptions& options) {
  store::NewRun nr;
  nr.run_id = options.run_id;
  nr.workflow_id = workflow_id;
  nr.workflow_version = version;
  nr.business_key = options.business_key;
  nr.tags = options.tags;
  nr.input = std::move(input_payload);
  nr.start_at = options.start_at;
  nr.deadline = options.deadline;
  nr.retention = options.retention;
  const bool delayed = options.start_at && *options.start_at > core_->clock->Now();
  std::shared_ptr<const internal::WorkflowDef> def = core_->Find(workflow_id, version);
  std::shared_ptr<internal::WorkerImpl> worker;
  if (def && !delayed) worker = core_->PickWorker();
  if (worker) {
    nr.owner = worker->owner();
    nr.lease_duration = worker->lease();
  }
  std::string existing;
  auto created = core_->store->CreateRun(nr, &existing);
  if (!created.ok()) {
    if (created.error().Is(StatusCode::kAlreadyExists) &&
        options.on_conflict == StartOptions::OnConflict::kReturnExisting && !existing.empty()) {
      return StartResult{existing, false};
    }
    return created.error();
  }
  internal::Counters::Inc(core_->counters->runs_started);
  const Run& run = *created;
  if (worker) {
    if (worker->Adopt(run, def, std::move(nr.input))) {
      internal::Counters::Inc(core_->counters->runs_handed_over);
    } else {  // the worker stopped meanwhile: give the run to whoever polls
      store::Fence fence{run.run_id, run.lease.owner, run.lease.epoch};
      Status s = core_->store->ReleaseRun(fence);
      if (!s.ok()) {
        core_->logger->warn(
            "run {}: hand-over failed and release failed ({}); it waits for "
            "its lease to expire",
            run.run_id, s.ToString());
      }
    }
  }
  return StartResult{run.run_id, true};
}

Result<store::RunDetails> Engine::GetRun(const std::string& run_id, bool with_outputs) {
  return core_->store->LoadRun(run_id, with_outputs);
}

Result<std::string> Engine::GetResultEncoded(const std::string& run_id) {
  DYNAFLOW_ASSIGN_OR_RETURN(Run run, core_->store->GetRun(run_id));
  if (run.status != RunStatus::kCompleted) {
    return Status::ConditionFailed("run " + run_id + " is " +
                                   std::string(RunStatusName(run.status)) + ", not COMPLETED");
  }
  if (run.result) return *run.result;
  auto def = core_->Find(run.workflow_id, run.workflow_version);
  if (!def || internal::ResultStep(*def).empty()) {
    return Status::NotFound("run " + run_id + " has no inline result and its workflow " +
                            run.workflow_id + " v" + std::to_string(run.workflow_version) +
                            " is not registered here with a final step");
  }
  return core_->store->GetOutput(run_id, internal::ResultStep(*def));
}

namespace {
// How soon WaitForRun looks again at a run the store shows finished while a local worker still
// holds it (its notification is on the way, or the worker is dropping a lost run).
constexpr Duration kHeldRecheck{10};
}  // namespace

Result<Run> Engine::WaitForRun(const std::string& run_id, Duration timeout,
                               Duration store_poll_interval) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + timeout;
  auto next_read = SteadyClock::now() + store_poll_interval;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(core_->done_mu);
      if (auto run = core_->FindFinished(run_id)) return *run;
      core_->done_cv.wait_until(lock, std::min(deadline, next_read),
                                [&] { return core_->FindFinished(run_id).has_value(); });
      if (auto run = core_->FindFinished(run_id)) return *run;
    }
    auto now = SteadyClock::now();
    if (now >= next_read) {
      DYNAFLOW_ASSIGN_OR_RETURN(Run run, core_->store->GetRun(run_id));
      // A run a local worker still holds is answered by its own finish notification, which
      // follows every counter its finish updates; the store answers for everyone else's runs.
      const bool held = IsTerminal(run.status) && core_->HeldLocally(run_id);
      if (IsTerminal(run.status) && !held) return run;
      next_read = SteadyClock::now() +
                  (held ? std::min(store_poll_interval, kHeldRecheck) : store_poll_interval);
    }
    if (now >= deadline) {
      return Status::Timeout("run " + run_id + " did not finish within " +
                             std::to_string(timeout.count()) + " ms");
    }
  }
}

Result<store::RunPage> Engine::ListRunsByWorkflow(const store::ListRunsRequest& request) {
  return core_->store->ListRunsByWorkflow(request);
}

Result<store::RunPage> Engine::ListRunsByStatus(const store::ListRunsRequest& request) {
  return core_->store->ListRunsByStatus(request);
}

Status Engine::Cancel(const std::string& run_id) { return core_->Cancel(run_id); }

Result<store::SentEvent> Engine::SendEventEncoded(const std::string& run_id,
                                                  const std::string& name, std::string payload,
                                                  const SendEventOptions& options) {
  store::NewEvent e;
  e.run_id = run_id;
  e.name = name;
  e.event_id = options.event_id;
  e.payload = std::move(payload);
  DYNAFLOW_ASSIGN_OR_RETURN(store::SentEvent sent, core_->store->SendEvent(e));
  if (sent.woke) core_->NudgeWorkers();
  return sent;
}

Result<std::unique_ptr<Worker>> Engine::NewWorker(WorkerOptions options) {
  DYNAFLOW_ASSIGN_OR_RETURN(WorkerOptions resolved,
                            internal::WorkerImpl::ResolveOptions(std::move(options)));
  auto impl = std::make_shared<internal::WorkerImpl>(core_, std::move(resolved));
  return std::make_unique<Worker>(std::move(impl));
}

EngineMetrics Engine::metrics() const {
  EngineMetrics m = core_->counters->Snapshot();
  m.store = core_->table->stats();
  return m;
}

}  // namespace dynaflow::engine
