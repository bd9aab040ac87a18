// ScheduleStore: persisted schedules (a workflow, an input, a cron expression) and the
// exactly-once firing of their ticks, over the same table as the WorkflowStore. It knows items
// and conditions only; what a tick is (cron, time zones, overlap and catch-up rules) is the
// engine's (dynaflow/engine/schedule.h). docs/workflows.md, "Schedules", shows the items and costs.
//
// Items (<prefix> = the WorkflowStore's key prefix):
//   schedule   PK <prefix>SCHEDULE#<id>  SK SCHEDULE
//              GSI2 <prefix>SCHEDULES / <dueMs13>#<id>: due = the buffered tick when one is held,
//              else nextFireAt; a paused schedule sorts last (9999999999999#<id>). So the due
//              schedules are one Query and ListSchedules is the same partition, paged.
//   run link   PK <prefix>SCHEDULE#<id>  SK RUN#<fireMs13>   -> runId (written with the run,
//              expires with the run's items), so a schedule's runs are one Query.
// A tick's run has the deterministic id <id>@<fireMs13>.
//
// Firing (Fire): ONE TransactWriteItems of the schedule's update, conditional on the version
// read (so of all workers that read the schedule due, exactly one advances it), the run's put
// (WorkflowStore::CreateRun with NewRun::with / links) and the run link. Either all of it lands
// or none: a tick is fired at most once, and it is fired as long as some worker gets to it.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynaflow/model/clock.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::store {

// What a tick does while the schedule's previous run is not finished.
enum class OverlapPolicy {
  kSkip,       // the tick is dropped
  kAllow,      // the tick fires anyway (runs overlap)
  kBufferOne,  // the first such tick is held and fires when the previous run finishes; more
               // ticks while one is held are dropped
};
std::string_view OverlapPolicyName(OverlapPolicy p);  // "SKIP", "ALLOW", "BUFFER_ONE"
Result<OverlapPolicy> ParseOverlapPolicy(std::string_view name);

struct Schedule {
  std::string schedule_id;  // 1..100 bytes, no '#' (run ids are <id>@<fireMs13>)
  std::string workflow_id;
  int32_t workflow_version = 1;
  std::string input;  // the payload every run gets (stored compressed above 512 B; <= 64 KB)
  std::string cron;
  std::string time_zone;  // "" = UTC
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  std::chrono::seconds catch_up_window{60};
  std::chrono::seconds run_retention{std::chrono::hours(24 * 7)};
  bool paused = false;
  TimePoint next_fire_at{};           // the next regular tick not yet handled
  std::optional<TimePoint> buffered;  // a tick held back (kBufferOne)
  std::string last_run_id;            // the run of the last fired tick
  std::optional<TimePoint> last_fire_at;
  int64_t fired = 0;    // ticks fired (runs created)
  int64_t skipped = 0;  // ticks dropped (overlap, catch-up window)
  int64_t version = 0;  // bumped by every write
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct SchedulePage {
  std::vector<Schedule> schedules;
  std::string next_cursor;  // empty when done
};

struct ScheduledRun {
  std::string run_id;
  TimePoint fire_at{};
};

// The next state of a schedule after handling a tick (Fire, Advance).
struct ScheduleAdvance {
  TimePoint next_fire_at{};
  std::optional<TimePoint> buffered;
  int64_t skipped = 0;  // ticks dropped by this step (added to Schedule::skipped)
};

class ScheduleStore {
 public:
  // `runs` must be the WorkflowStore over the same table and key prefix (`key_prefix`); not
  // owned, must outlive this store. Errors: kInvalidArgument.
  static Result<std::unique_ptr<ScheduleStore>> Create(std::shared_ptr<table::Table> table,
                                                       WorkflowStore* runs, std::string key_prefix,
                                                       Clock* clock = nullptr);
  virtual ~ScheduleStore() = default;

  // Creates the schedule (version 1, created/updated now). Errors: kAlreadyExists,
  // kInvalidArgument (ids, empty cron), kLimitExceeded (input).
  virtual Result<Schedule> Create(const Schedule& schedule) = 0;
  // Errors: kNotFound.
  virtual Result<Schedule> Get(const std::string& schedule_id) = 0;
  // All schedules, due first (paused last); one GSI2 Query per page (eventually consistent on
  // DynamoDB). limit 1..1000. Errors: kInvalidArgument (limit, foreign cursor).
  virtual Result<SchedulePage> List(int limit, const std::string& cursor) = 0;
  // Sets paused (and, when given, next_fire_at; buffered is cleared), conditional on
  // `expected_version` (-1: any). Errors: kNotFound, kConditionFailed (version moved).
  virtual Result<Schedule> SetPaused(const std::string& schedule_id, bool paused,
                                     std::optional<TimePoint> next_fire_at,
                                     int64_t expected_version = -1) = 0;
  // Deletes the schedule item (its run links expire with their runs). Errors: kNotFound.
  virtual Status Delete(const std::string& schedule_id) = 0;

  // Schedules due at `now` (not paused, due time <= now), oldest due first, at most `limit`;
  // one GSI2 Query.
  virtual Result<std::vector<Schedule>> FindDue(int limit) = 0;
  // Fires tick `fire_at` of `read` (the schedule as read: its version is the condition) and
  // moves it to `next`: one TransactWriteItems (schedule update + run put + run link). Returns
  // the schedule as written. Errors: kConditionFailed (the schedule moved on or is gone:
  // someone else handled it; nothing was written), kAlreadyExists (a run with the tick's id
  // exists already, e.g. of a deleted schedule of the same id; nothing was written), the
  // store's.
  virtual Result<Schedule> Fire(const Schedule& read, TimePoint fire_at,
                                const ScheduleAdvance& next) = 0;
  // Moves the schedule to `next` without a run (a dropped tick, a held tick): one conditional
  // UpdateItem. Errors: kConditionFailed (moved on or gone).
  virtual Result<Schedule> Advance(const Schedule& read, const ScheduleAdvance& next) = 0;
  // The schedule's runs, newest tick first, at most `limit` (1..1000); one strongly consistent
  // Query.
  virtual Result<std::vector<ScheduledRun>> ListRuns(const std::string& schedule_id, int limit) = 0;

  // The run id of tick `fire_at`: <schedule_id>@<fireMs13>.
  static std::string RunIdOf(const std::string& schedule_id, TimePoint fire_at);
};

}  // namespace dynaflow::store
