// Engine: the entry point. Holds the workflow store over one table, the registry of workflow
// definitions this process can execute, and the metrics; starts, queries, cancels and retries
// runs; makes Workers.
//
//   auto engine = Engine::Open({.table = table}).value();
//   engine->Register(order_saga);
//   auto worker = engine->NewWorker({.threads = 8}).value();
//   worker->Start();
//   auto started = engine->Start(order_saga, Order{...}, {.business_key = "order-42"});
//
// Any process may start and query runs; only workers execute them. When this Engine has a
// running Worker that knows the workflow, Start creates the run already leased to it and hands
// it over in memory: no poll, no claim (a run then costs 1 + N store requests for N steps).
//
// Errors are Status values, never exceptions. Thread-safety: every method may be called
// concurrently. Workers keep what they need alive, so they may outlive the Engine.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "dynaflow/engine/codec.h"
#include "dynaflow/engine/metrics.h"
#include "dynaflow/engine/schedule.h"
#include "dynaflow/engine/worker.h"
#include "dynaflow/engine/workflow.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace spdlog {
class logger;
}

namespace dynaflow::engine {

namespace internal {
struct EngineCore;
}

struct EngineOptions {
  // The table everything is stored in (memory, SQLite or DynamoDB backend). Required.
  std::shared_ptr<table::Table> table;
  // Options of the workflow store over `table` (key prefix, shards, inline input size, ...).
  // Its clock is replaced by `clock` below when left null.
  store::WorkflowStoreOptions store;
  // Time source for timestamps, leases, sleeps, deadlines and (when not the real clock) retry
  // backoff waits, which then go through clock->SleepFor so a fake clock records them instead
  // of blocking. Not owned; must outlive the Engine, its Workers and any step code a
  // Worker::Stop abandoned (see there). Null: Clock::Real().
  Clock* clock = nullptr;
  // Randomness for retry jitter. Not owned; must outlive the Engine and its Workers.
  // Null: Random::Real().
  Random* random = nullptr;
  // Logger for the engine's messages (and parent of the step loggers). Null: spdlog's default.
  std::shared_ptr<spdlog::logger> logger;
  // A finished run's result (its last step's output) is copied into the run item when at most
  // this big, so GetResult needs no second read. Default 4 KB.
  size_t inline_result_max_bytes = 4096;
};

struct StartOptions {
  // The run id; empty (the default): the store generates a unique, time-ordered one.
  std::string run_id;
  // Optional business (idempotency / correlation) key, unique per workflow id.
  std::string business_key;
  // What Start does when the run id or business key is taken already:
  //   kReturnExisting (default): returns the run that holds it (created = false), whatever its
  //     status, input or version: the input given is ignored. Makes Start idempotent.
  //   kFail: returns kAlreadyExists.
  enum class OnConflict { kReturnExisting, kFail };
  OnConflict on_conflict = OnConflict::kReturnExisting;
  std::map<std::string, std::string> tags;
  // How long the run's items are kept after it finished (0: forever). Default 7 days.
  std::chrono::seconds retention{std::chrono::hours(24 * 7)};
  // Delayed start: no worker takes the run before `start_at`. Default: now.
  std::optional<TimePoint> start_at;
  // Per-run deadline: once passed, no new step attempt starts; the run fails with kTimeout
  // (and compensates). Attempts are bounded by it as by an attempt timeout.
  std::optional<TimePoint> deadline;
};

struct StartResult {
  std::string run_id;
  bool created = true;  // false: an existing run was returned (OnConflict::kReturnExisting)
};

struct SendEventOptions {
  // Identifies the event for idempotency: a second send with the same id (to the same run and
  // name) is accepted and writes nothing. Empty: a new unique id. 1..128 bytes, no '#'.
  std::string event_id;
};

struct RetryOptions {
  // Deadline of the new run (the failed run's deadline is not carried over). Default: none.
  std::optional<TimePoint> deadline;
  // false (default): a run gets at most one retry; retrying it again returns that retry
  // (created = false). true: a further, deliberate copy (a fork), made even when a retry
  // exists; it takes neither the original's business key nor its Run::retried_by.
  bool fork = false;
};

class Engine {
 public:
  // Errors: kInvalidArgument (no table, bad store options).
  static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes `workflow` executable by this engine's workers. Registering the same definition
  // twice is OK. Errors: kInvalidArgument (empty workflow), kAlreadyExists (another definition
  // with this id and version).
  Status Register(const Workflow& workflow);

  // Starts a run of `workflow` (registered here or not: any worker that knows it executes it).
  // Errors: kInvalidArgument (In is not the workflow's input type, bad options; a run id,
  // business key or tag that is not valid UTF-8, named: "business key is not valid UTF-8
  // (byte 6)"), kAlreadyExists (OnConflict::kFail), and the store's errors.
  template <Encodable In>
  Result<StartResult> Start(const Workflow& workflow, const In& input,
                            const StartOptions& options = {}) {
    DYNAFLOW_RETURN_IF_ERROR(workflow.CheckInput(typeid(In)));
    return StartEncoded(workflow.id(), workflow.version(), Codec<In>::Encode(input), options);
  }
  // Start with an input payload already encoded by the workflow's input codec.
  Result<StartResult> StartEncoded(const std::string& workflow_id, int32_t version,
                                   std::string input_payload, const StartOptions& options = {});

  // The run with its recorded steps (in step id order) and, when `with_outputs`, their output
  // payloads. Errors: kNotFound.
  Result<store::RunDetails> GetRun(const std::string& run_id, bool with_outputs = true);

  // The result of a COMPLETED run (its last step's output) decoded as T. Errors: kNotFound,
  // kConditionFailed (the run is not COMPLETED: message names its status), kSerialization.
  template <Encodable T>
  Result<T> GetResult(const std::string& run_id) {
    auto payload = GetResultEncoded(run_id);
    if (!payload.ok()) return payload.error();
    return Codec<T>::Decode(*payload);
  }
  Result<std::string> GetResultEncoded(const std::string& run_id);

  // Waits until the run is terminal and returns it. Runs finished by this engine's workers are
  // seen at once; otherwise the store is read every `store_poll_interval`.
  // Errors: kTimeout, kNotFound.
  Result<Run> WaitForRun(const std::string& run_id, Duration timeout,
                         Duration store_poll_interval = Duration(200));

  // Paginated listings (see store::ListRunsRequest; pass next_cursor back for the next page).
  Result<store::RunPage> ListRunsByWorkflow(const store::ListRunsRequest& request);
  Result<store::RunPage> ListRunsByStatus(const store::ListRunsRequest& request);

  // Cancels a run. Its holder sees it at once when in this process, else on its next write or
  // heartbeat: ctx.cancelled() turns true for the running step, no further step starts, the
  // compensations of completed steps run (in reverse order), and the run ends CANCELLED (a
  // step that completes anyway is recorded, and compensated). A run nobody holds that has not
  // started (no recorded step) is finished CANCELLED at once; one that has (asleep, handed
  // back, abandoned) is flagged and handed to the workers due now, which compensate and finish
  // it. Costs 2-5 store requests.
  // Errors: kNotFound, kConditionFailed (already finished).
  Status Cancel(const std::string& run_id);

  // Sends the event `name` with `payload` to a run that is not finished; an AwaitEvent node of
  // that name consumes it (one node per event, in the order sent; an event sent before the run
  // waits is kept until a node consumes it). When the run is parked waiting for this name it is
  // made due now and any worker resumes it. Costs 2 store requests (a transaction that checks
  // the run and creates the event item, and the conditional wake-up of the run item).
  // Errors: kNotFound (unknown run), kConditionFailed (the run is finished: message names its
  // status), kInvalidArgument (bad name / event id), kLimitExceeded (payload), the store's.
  template <Encodable T>
  Result<store::SentEvent> SendEvent(const std::string& run_id, const std::string& name,
                                     const T& payload, const SendEventOptions& options = {}) {
    return SendEventEncoded(run_id, name, Codec<T>::Encode(payload), options);
  }
  Result<store::SentEvent> SendEventEncoded(const std::string& run_id, const std::string& name,
                                            std::string payload,
                                            const SendEventOptions& options = {});
  // The same, to the run holding `business_key` of `workflow_id` (+1 GetItem). Errors: as
  // SendEvent; kNotFound when no run holds the key.
  template <Encodable T>
  Result<store::SentEvent> SendEventByKey(const std::string& workflow_id,
                                          const std::string& business_key, const std::string& name,
                                          const T& payload, const SendEventOptions& options = {}) {
    auto run_id = store().FindRunIdByBusinessKey(workflow_id, business_key);
    if (!run_id.ok()) return run_id.error();
    return SendEventEncoded(*run_id, name, Codec<T>::Encode(payload), options);
  }

  // Retries a FAILED run from the step that failed, as a new run: same workflow, version and
  // input, tag "dynaflow.retry_of" = the failed run's id, and copies of the failed run's
  // COMPLETED and SKIPPED step records with their outputs (and of its COMPENSATED records when
  // a compensation had failed: the new run then resumes compensating). Those steps are not
  // executed again; execution resumes at the step (or compensation) that failed. The failed
  // run stays FAILED and names its retry (Run::retried_by); the business key, if any, moves to
  // the retry (FindRunByBusinessKey then returns the retry). Retry once: a run is retried at
  // most once whoever asks and however often (engine, CLI, dashboard, concurrent callers); a
  // second call returns the existing retry with created = false (RetryOptions::fork makes a
  // further copy on purpose). Costs 2 + (copied steps) store writes.
  // Errors: kNotFound, kConditionFailed (the run is not FAILED).
  Result<StartResult> RetryFailedRun(const std::string& run_id, const RetryOptions& options = {});

  // Schedules (dynaflow/engine/schedule.h). Creates a schedule starting runs of `workflow` with
  // `input` at every tick of options.cron. One PutItem. Errors: kInvalidArgument (In is not the
  // workflow's input type, bad cron or options), kNotFound (unknown time zone, named),
  // kAlreadyExists (the schedule id is taken), kLimitExceeded (input > 64 KB stored).
  template <Encodable In>
  Result<Schedule> CreateSchedule(const Workflow& workflow, const In& input,
                                  const ScheduleOptions& options) {
    DYNAFLOW_RETURN_IF_ERROR(workflow.CheckInput(typeid(In)));
    return CreateScheduleEncoded(workflow.id(), workflow.version(), Codec<In>::Encode(input),
                                 options);
  }
  Result<Schedule> CreateScheduleEncoded(const std::string& workflow_id, int32_t version,
                                         std::string input_payload, const ScheduleOptions& options);
  // Errors: kNotFound.
  Result<Schedule> GetSchedule(const std::string& schedule_id);
  // All schedules, due first and paused last, `limit` (1..1000) per page; pass next_cursor
  // back for the next page. One Query per page.
  Result<store::SchedulePage> ListSchedules(int limit = 100, const std::string& cursor = "");
  // Pause: no tick fires until ResumeSchedule, which continues with the first tick after now.
  // 1 GetItem + 1 UpdateItem each. Errors: kNotFound, kConditionFailed (changed meanwhile:
  // retry).
  Result<Schedule> PauseSchedule(const std::string& schedule_id);
  Result<Schedule> ResumeSchedule(const std::string& schedule_id);
  // Deletes the schedule (its runs stay; their links expire with them). Errors: kNotFound.
  Status DeleteSchedule(const std::string& schedule_id);
  // The runs the schedule started, newest tick first (one Query).
  Result<std::vector<store::ScheduledRun>> ListScheduleRuns(const std::string& schedule_id,
                                                            int limit = 100);
  // Handles the due schedules (at most `limit`) now: what workers do every
  // WorkerOptions::schedule_poll_interval. Returns the number of runs started. For tools and
  // tests (a fake clock drives ticks through it). Errors: the store's.
  Result<int> FireDueSchedules(int limit = 100);

  // A new, not yet started worker executing this engine's registered workflows.
  // Errors: kInvalidArgument (bad options).
  Result<std::unique_ptr<Worker>> NewWorker(WorkerOptions options = {});

  EngineMetrics metrics() const;
  // Advanced escape hatch: the store under this engine, for tools and tests that read or repair
  // records directly. Stable API; valid as long as the Engine. Writes through it bypass the
  // engine's checks (leases, state transitions), so prefer the Engine methods.
  store::WorkflowStore& store();

 private:
  explicit Engine(std::shared_ptr<internal::EngineCore> core);
  std::shared_ptr<internal::EngineCore> core_;
};

}  // namespace dynaflow::engine
