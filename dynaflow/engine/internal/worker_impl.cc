#include "dynaflow/engine/internal/worker_impl.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "dynaflow/engine/internal/run_executor.h"

namespace dynaflow::engine::internal {

namespace {
constexpr size_t kMaxUnknownRemembered = 100000;
constexpr int kMaxPollLimit = 100;

std::string DefaultOwnerId(Random* random) {
  char host[HOST_NAME_MAX + 1] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}-{}-{:08x}", host[0] ? host : "host", static_cast<long>(getpid()),
                     static_cast<uint32_t>(random->Next64()));
}

// Now + grace on the steady clock; SteadyTime::max() (no limit) when that does not fit.
SteadyTime GraceDeadline(Duration grace) {
  const SteadyTime now = std::chrono::steady_clock::now();
  if (grace >= std::chrono::duration_cast<Duration>(SteadyTime::max() - now)) {
    return SteadyTime::max();
  }
  return now + grace;
}
}  // namespace

Result<WorkerOptions> WorkerImpl::ResolveOptions(WorkerOptions o) {
  if (o.threads < 1) return Status::InvalidArgument("worker threads must be >= 1");
  if (o.lease_duration < Duration(50)) {
    return Status::InvalidArgument("lease_duration must be >= 50 ms");
  }
  if (o.heartbeat_interval.count() == 0) o.heartbeat_interval = o.lease_duration / 3;
  if (o.heartbeat_interval.count() <= 0 || o.heartbeat_interval >= o.lease_duration) {
    return Status::InvalidArgument("heartbeat_interval must be positive and below the lease");
  }
  if (o.poll_interval.count() <= 0) return Status::InvalidArgument("poll_interval must be > 0");
  if (o.max_poll_interval < o.poll_interval) {
    return Status::InvalidArgument("max_poll_interval must be >= poll_interval");
  }
  if (o.max_branch_threads < 1) return Status::InvalidArgument("max_branch_threads must be >= 1");
  if (o.handoff_backlog < 0) o.handoff_backlog = o.threads;
  if (o.shutdown_grace.count() < 0) return Status::InvalidArgument("shutdown_grace must be >= 0");
  if (o.schedule_poll_interval.count() < 0) {
    return Status::InvalidArgument("schedule_poll_interval must be >= 0");
  }
  return o;
}

WorkerImpl::WorkerImpl(std::shared_ptr<EngineCore> core, WorkerOptions options)
    : core_(std::move(core)), options_([&] {
        if (options.owner_id.empty()) options.owner_id = DefaultOwnerId(core_->random);
        return std::move(options);
      }()) {}

WorkerImpl::~WorkerImpl() { Stop(); }

Status WorkerImpl::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kNew) {
      return Status::InvalidArgument("worker " + options_.owner_id + " was started already");
    }
    state_ = State::kRunning;
    busy_.assign(static_cast<size_t>(options_.threads), false);
  }
  // Executors keep this object alive: Stop may leave one running inside an abandoned attempt.
  for (int i = 0; i < options_.threads; ++i) {
    executor_exits_.push_back(std::make_shared<ThreadExit>());
    executors_.push_back(StartTrackedThread(executor_exits_.back(), [self = shared_from_this(), i] {
      self->ExecutorLoop(static_cast<size_t>(i));
    }));
  }
  heartbeater_ = std::thread([this] { HeartbeatLoop(); });
  poller_ = std::thread([this] { PollerLoop(); });
  core_->AddWorker(shared_from_this());
  core_->logger->info("worker {} started: {} threads, lease {} ms, shutdown grace {} ms",
                      options_.owner_id, options_.threads, options_.lease_duration.count(),
                      options_.shutdown_grace.count());
  return Status::OK();
}

void WorkerImpl::Stop() {
  std::vector<std::shared_ptr<RunControl>> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == State::kNew) state_ = State::kStopped;
    if (state_ != State::kRunning) return;
    state_ = State::kStopping;
    stopping_.store(true);
    for (auto& [id, control] : active_) held.push_back(control);
  }
  const SteadyTime deadline = GraceDeadline(options_.shutdown_grace);
  core_->RemoveWorker(this);
  work_cv_.notify_all();
  poll_cv_.notify_all();
  for (auto& control : held) control->Wake();  // cuts retry backoff waits short
  poller_.join();

  // Executors hand queued runs back and finish the runs they are in (RunExecutor stops at the
  // next node boundary or retry wait); wait for them until the grace passes.
  bool late = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto all_out = [&] { return executors_exited_ == static_cast<int>(executors_.size()); };
    if (deadline == SteadyTime::max()) {
      exit_cv_.wait(lock, all_out);
    } else {
      exit_cv_.wait_until(lock, deadline, all_out);
    }
    late = !all_out();
  }
  std::vector<size_t> busy;  // executors inside a run when the grace passed
  if (late) AbandonInFlight(&busy);
  for (size_t i = 0; i < executors_.size(); ++i) {
    if (std::find(busy.begin(), busy.end(), i) != busy.end()) {
      executor_exits_[i]->MarkAbandoned();
      executors_[i].detach();  // inside an abandoned attempt: holds its own reference to us
    } else {
      executors_[i].join();  // idle: returns at once (the queue is empty, the state stopping)
    }
  }
  size_t abandoned = abandoned_.JoinUntil(deadline);
  if (abandoned > 0) {
    core_->logger->warn(
        "worker {}: {} timed-out step attempts still running after the shutdown "
        "grace of {} ms; not waiting for them",
        options_.owner_id, abandoned, options_.shutdown_grace.count());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    hb_stop_ = true;
  }
  hb_cv_.notify_all();
  heartbeater_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_.clear();
    state_ = State::kStopped;
  }
  core_->logger->info("worker {} stopped", options_.owner_id);
}

void WorkerImpl::AbandonInFlight(std::vector<size_t>* busy_executors) {
  std::deque<Task> unstarted;
  std::vector<std::shared_ptr<RunControl>> in_flight;
  {
    std::lock_guard<std::mutex> lock(mu_);
    unstarted.swap(queue_);  // idle executors find nothing left to do and return
    busy_executors->clear();
    for (size_t i = 0; i < busy_.size(); ++i) {
      if (busy_[i]) busy_executors->push_back(i);
    }
    for (auto& [id, control] : active_) {
      bool queued = std::any_of(unstarted.begin(), unstarted.end(),
                                [&](const Task& t) { return t.run.run_id == id; });
      if (!queued) in_flight.push_back(control);
    }
  }
  for (auto& control : in_flight) {
    if (control->done()) continue;  // finished or handed back just now
    RunChange change;
    change.due_at = core_->clock->Now();  // RUNNING -> PENDING, COMPENSATING stays
    Status s;
    bool held = control->Abandon(
        [&](const store::Fence& f) { return core_->store->ReleaseRun(f, change); }, &s);
    if (!held) continue;  // finished, handed back or lost meanwhile
    Counters::Inc(core_->counters->runs_abandoned);
    if (s.ok()) {
      Counters::Inc(core_->counters->runs_released);
      core_->logger->warn(
          "worker {}: run {} handed back with a step attempt still running after "
          "the shutdown grace of {} ms; the attempt is abandoned",
          options_.owner_id, control->run_id(), options_.shutdown_grace.count());
    } else {
      core_->logger->warn(
          "worker {}: abandoned run {} (step attempt still running after the "
          "shutdown grace) but could not hand it back: {}; its lease will expire",
          options_.owner_id, control->run_id(), s.ToString());
    }
  }
  for (const Task& task : unstarted) ReleaseUnstarted(task);
}

size_t WorkerImpl::active_runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.size();
}

bool WorkerImpl::WantsHandoff() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ == State::kRunning &&
         static_cast<int>(queue_.size()) < std::max(1, options_.handoff_backlog);
}

std::shared_ptr<RunControl> WorkerImpl::NewControl(const Run& run) {
  return std::make_shared<RunControl>(core_->store, core_->clock, core_->counters, run,
                                      options_.lease_duration, options_.heartbeat_interval);
}

bool WorkerImpl::Adopt(const Run& run, std::shared_ptr<const WorkflowDef> def, std::string input) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kRunning) return false;
    auto control = NewControl(run);
    active_[run.run_id] = control;
    queue_.push_back(Task{run, std::move(input), std::move(def), std::move(control)});
  }
  work_cv_.notify_one();
  return true;
}

void WorkerImpl::SignalCancel(const std::string& run_id) {
  std::shared_ptr<RunControl> control;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(run_id);
    if (it == active_.end()) return;
    control = it->second;
  }
  control->SetCancelRequested();
}

bool WorkerImpl::Holds(const std::string& run_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.count(run_id) != 0;
}

void WorkerImpl::Nudge() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nudged_ = true;
  }
  poll_cv_.notify_all();
}

void WorkerImpl::ExecutorLoop(size_t index) {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || state_ != State::kRunning; });
      if (queue_.empty()) {
        ++executors_exited_;
        exit_cv_.notify_all();
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      busy_[index] = true;
    }
    std::string run_id = task.run.run_id;
    if (stopping_.load()) {
      ReleaseUnstarted(task);
    } else {
      Execute(std::move(task));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_.erase(run_id);
      busy_[index] = false;
    }
  }
}

void WorkerImpl::ReleaseUnstarted(const Task& task) {
  RunChange change;
  change.status =
      task.run.status == RunStatus::kCompensating ? RunStatus::kCompensating : RunStatus::kPending;
  change.due_at = core_->clock->Now();
  Status s = task.control->WriteStatus(
      [&](const store::Fence& f) { return core_->store->ReleaseRun(f, change); });
  task.control->MarkDone();
  if (s.ok()) {
    Counters::Inc(core_->counters->runs_released);
  } else {
    core_->logger->warn("worker {}: could not hand run {} back: {}", options_.owner_id,
                        task.run.run_id, s.ToString());
  }
}

void WorkerImpl::Execute(Task task) {
  ExecutorEnv env;
  env.store = core_->store;
  env.clock = core_->clock;
  env.random = core_->random;
  env.counters = core_->counters;
  env.logger = core_->logger;
  env.stopping = &stopping_;
  env.max_branch_threads = options_.max_branch_threads;
  env.inline_result_max_bytes = core_->inline_result_max_bytes;
  env.abandoned = &abandoned_;
  std::weak_ptr<EngineCore> weak = core_;
  env.nudge = [weak] {
    if (auto core = weak.lock()) core->NudgeWorkers();
  };
  env.cancel_run = [weak](const std::string& id) {
    auto core = weak.lock();
    return core ? core->Cancel(id) : Status::Cancelled("engine gone");
  };
  RunExecutor executor(std::move(env), std::move(task.def), std::move(task.control),
                       std::move(task.run), std::move(task.input));
  ExecResult r = executor.Execute();
  if (r.outcome == ExecOutcome::kFinished && r.final_run) core_->OnRunFinished(*r.final_run);
}

void WorkerImpl::PollerLoop() {
  Duration wait = options_.poll_interval;
  for (;;) {
    int free = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (state_ != State::kRunning) return;
      free = options_.threads - static_cast<int>(active_.size());
    }
    const Duration schedules = options_.schedule_poll_interval;
    if (schedules.count() > 0 && std::chrono::steady_clock::now() >= next_schedule_poll_) {
      next_schedule_poll_ = std::chrono::steady_clock::now() + schedules;
      auto started = core_->FireDueSchedules(kMaxPollLimit);
      if (started.ok() && *started > 0) due_scan_ = store::DueScan{};  // PENDING first
      if (!started.ok()) {
        core_->logger->warn("worker {}: firing due schedules failed: {}", options_.owner_id,
                            started.error().ToString());
      }
    }
    if (free > 0) {
      int claimed = PollOnce(free);
      wait = claimed > 0 ? options_.poll_interval : std::min(options_.max_poll_interval, wait * 2);
    } else {
      wait = options_.poll_interval;
    }
    if (schedules.count() > 0) wait = std::min(wait, schedules);
    std::unique_lock<std::mutex> lock(mu_);
    poll_cv_.wait_for(lock, wait, [&] { return state_ != State::kRunning || nudged_; });
    if (nudged_) {
      nudged_ = false;
      wait = options_.poll_interval;
    }
  }
}

int WorkerImpl::PollOnce(int free) {
  int limit = std::clamp(free + unknown_last_poll_, 1, kMaxPollLimit);
  // One due status at a time (see WorkflowStore::FindDueRuns(limit, scan)): a poll that finds a
  // new run costs one Query per GSI2 shard.
  auto due = core_->store->FindDueRuns(limit, due_scan_);
  // Counted once its reads are done, so whoever sees the count sees all of the poll's queries.
  Counters::Inc(core_->counters->polls);
  if (!due.ok()) {
    core_->logger->warn("worker {}: polling for due runs failed: {}", options_.owner_id,
                        due.error().ToString());
    return 0;
  }
  int claimed = 0;
  int unknown = 0;
  for (const Run& run : *due) {
    if (claimed >= free || stopping_.load()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active_.count(run.run_id)) continue;
    }
    auto def = core_->Find(run.workflow_id, run.workflow_version);
    if (!def) {
      ++unknown;
      if (unknown_seen_.size() >= kMaxUnknownRemembered) unknown_seen_.clear();
      if (unknown_seen_.insert(run.run_id).second) {
        Counters::Inc(core_->counters->unknown_workflow_runs);
        core_->logger->warn("worker {}: leaving run {} alone: workflow {} v{} is not registered",
                            options_.owner_id, run.run_id, run.workflow_id, run.workflow_version);
      }
      continue;
    }
    auto held =
        core_->store->ClaimRun(run.run_id, options_.owner_id, options_.lease_duration, run.version);
    if (!held.ok()) {
      if (!held.error().Is(StatusCode::kConditionFailed) &&
          !held.error().Is(StatusCode::kNotFound)) {
        core_->logger->warn("worker {}: claiming run {} failed: {}", options_.owner_id, run.run_id,
                            held.error().ToString());
      }
      continue;
    }
    Counters::Inc(core_->counters->runs_claimed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto control = NewControl(*held);
      active_[run.run_id] = control;
      queue_.push_back(Task{*held, held->inline_input, std::move(def), std::move(control)});
    }
    work_cv_.notify_one();
    ++claimed;
  }
  unknown_last_poll_ = unknown;
  return claimed;
}

void WorkerImpl::HeartbeatLoop() {
  const Duration tick = std::clamp(options_.heartbeat_interval / 4, Duration(5), Duration(1000));
  for (;;) {
    std::vector<std::shared_ptr<RunControl>> held;
    {
      std::unique_lock<std::mutex> lock(mu_);
      hb_cv_.wait_for(lock, tick, [&] { return hb_stop_; });
      if (hb_stop_) return;
      for (auto& [id, control] : active_) held.push_back(control);
    }
    for (auto& control : held) {
      if (control->done()) continue;
      Status s = control->Heartbeat(/*force=*/false);
      if (!s.ok() && !s.Is(StatusCode::kCancelled)) {
        core_->logger->debug("worker {}: heartbeat of run {}: {}", options_.owner_id,
                             control->run_id(), s.ToString());
      }
    }
  }
}

}  // namespace dynaflow::engine::internal
