// EngineCore: cancelling runs (and their children) and what follows the end of a run.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/internal/engine_core.h"

namespace dynaflow::engine::internal {

Status EngineCore::CancelOne(const std::string& run_id) {
  auto& store = *this->store;
  DYNAFLOW_ASSIGN_OR_RETURN(Run run, store.GetRun(run_id));
  if (IsTerminal(run.status)) {
    return Status::ConditionFailed("run " + run_id + " is already " +
                                   std::string(RunStatusName(run.status)));
  }
  const bool idle = run.lease.owner.empty() || run.lease.expires_at <= clock->Now();
  if (idle && (run.lease.epoch > 0 || !run.cursor_step.empty())) {
    // Nobody holds it but it may have made progress (someone held it): the store alone would
    // finish it CANCELLED without compensating. Hold it for a moment, flag it, and hand it back due
    // now: the next worker to claim it sees the flag and compensates.
    std::string owner = fmt::format("dynaflow-cancel-{:016x}", random->Next64());
    auto held = store.ClaimRun(run_id, owner, Duration(30000), run.version);
    if (held.ok()) {
      store::Fence fence{run_id, owner, held->lease.epoch};
      auto flagged = store.RequestCancel(run_id);
      store::RunChange back;
      back.status =
          held->status == RunStatus::kCompensating ? RunStatus::kCompensating : RunStatus::kPending;
      back.due_at = clock->Now();
      Status released = store.ReleaseRun(fence, back);
      if (!flagged.ok()) return flagged.error();
      if (!released.ok()) {
        logger->warn(
            "run {}: cancel flagged; hand-back failed ({}), it waits for the "
            "lease to expire",
            run_id, released.ToString());
      }
      NudgeWorkers();
      return Status::OK();
    }
    if (!held.error().Is(StatusCode::kConditionFailed)) return held.error();
    // Someone claimed it meanwhile: flag it for them below.
  }
  auto r = store.RequestCancel(run_id);
  if (!r.ok()) return r.error();
  if (IsTerminal(r->status)) {
    OnRunFinished(*r);  // finished CANCELLED at once (nothing had run)
  } else {
    SignalCancel(run_id);
  }
  return Status::OK();
}

Status EngineCore::Cancel(const std::string& run_id) {
  Status s = CancelOne(run_id);
  if (!s.ok()) return s;
  // Its running children: one Query for the links, then each child as a run of its own
  // (recursively, their children too). The parent's worker also does this when it handles the
  // cancel, for a child it started after this listing.
  auto children = store->ListChildren(run_id);
  if (!children.ok()) {
    logger->warn("run {}: cancelled, but listing its children failed: {}", run_id,
                 children.error().ToString());
    return Status::OK();
  }
  for (const auto& child : *children) {
    Status c = Cancel(child.run_id);
    if (!c.ok() && !c.Is(StatusCode::kConditionFailed) && !c.Is(StatusCode::kNotFound)) {
      logger->warn("run {}: cancelling its child {} failed: {}", run_id, child.run_id,
                   c.ToString());
    }
  }
  return Status::OK();
}

void EngineCore::OnRunFinished(const Run& run) {
  NoteFinished(run);
  if (!run.parent_run_id.empty()) {
    auto woke = store->WakeRun(run.parent_run_id, store::ChildWaitKey(run.run_id));
    if (!woke.ok()) {
      logger->warn("run {}: waking its parent {} failed ({}); the parent looks again later",
                   run.run_id, run.parent_run_id, woke.error().ToString());
    } else if (*woke) {
      NudgeWorkers();
    }
  }
}

}  // namespace dynaflow::engine::internal
