#include "dynaflow/store/capacity/workload.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dynaflow::capacity {

namespace {

// Incompressible bytes (xorshift32), so stored sizes equal payload sizes.
std::string Bytes(size_t n, uint32_t* state) {
  std::string out(n, '\0');
  for (char& c : out) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

constexpr char kOwner[] = "capacity-worker";
constexpr std::chrono::milliseconds kLease{30000};

}  // namespace

Status ValidateWorkload(const Workload& w) {
  if (!(w.runs_per_second > 0)) return Status::InvalidArgument("runs per second must be > 0");
  if (w.steps_per_run < 1 || w.steps_per_run > 1000) {
    return Status::InvalidArgument("steps per run must be 1..1000");
  }
  if (w.input_bytes > 10 * 1024 * 1024 || w.output_bytes > 10 * 1024 * 1024) {
    return Status::InvalidArgument("payload sizes must be at most 10 MB");
  }
  if (w.step_duration.count() < 0) return Status::InvalidArgument("step duration is negative");
  if (w.heartbeat.count() <= 0) return Status::InvalidArgument("heartbeat must be positive");
  if (!w.handover && !(w.polls_per_second > 0)) {
    return Status::InvalidArgument("polls per second must be > 0");
  }
  return Status::OK();
}

std::chrono::milliseconds RunDuration(const Workload& w) {
  return w.step_duration * w.steps_per_run;
}

int RenewalsPerRun(const Workload& w) {
  return static_cast<int>(RunDuration(w).count() / w.heartbeat.count());
}

int RunsPerPoll(const Workload& w) {
  double n = std::ceil(w.runs_per_second / w.polls_per_second);
  return static_cast<int>(std::clamp(n, 1.0, 1000.0));
}

Status DriveRuns(store::WorkflowStore& store, const Workload& w, int count, uint32_t seed) {
  DYNAFLOW_RETURN_IF_ERROR(ValidateWorkload(w));
  uint32_t state = seed == 0 ? 1 : seed;
  const int batch = w.handover ? 100 : RunsPerPoll(w);
  const int renewals = RenewalsPerRun(w);
  store::DueScan scan;
  for (int done = 0; done < count;) {
    const int n = std::min(batch, count - done);
    std::vector<store::Fence> fences;
    for (int i = 0; i < n; ++i) {
      store::NewRun nr;
      nr.workflow_id = w.workflow_id;
      nr.input = Bytes(w.input_bytes, &state);
      if (w.business_key)
        nr.business_key = "key-" + std::to_string(seed) + "-" + std::to_string(done + i);
      if (w.handover) nr.owner = kOwner;
      DYNAFLOW_ASSIGN_OR_RETURN(Run run, store.CreateRun(nr));
      if (w.handover) fences.push_back({run.run_id, kOwner, run.lease.epoch});
    }
    // Poll and claim until the batch is claimed (a poll returns at most `batch` runs).
    for (int polls = 0; !w.handover && static_cast<int>(fences.size()) < n; ++polls) {
      if (polls > 4 * n) return Status::Internal("the polls did not find the created runs");
      DYNAFLOW_ASSIGN_OR_RETURN(std::vector<Run> due, store.FindDueRuns(batch, scan));
      for (const Run& run : due) {
        DYNAFLOW_ASSIGN_OR_RETURN(Run claimed, store.ClaimRun(run.run_id, kOwner, kLease));
        fences.push_back({claimed.run_id, kOwner, claimed.lease.epoch});
      }
    }
    for (const store::Fence& fence : fences) {
      int renewed = 0;
      for (int s = 1; s < w.steps_per_run; ++s) {
        store::StepRecord step;
        step.step_id = "step-" + std::to_string(s);
        step.output = Bytes(w.output_bytes, &state);
        DYNAFLOW_RETURN_IF_ERROR(store.RecordStep(fence, step).status());
        // Renewals spread evenly over the run's steps.
        while (renewed < renewals * s / w.steps_per_run) {
          DYNAFLOW_RETURN_IF_ERROR(store.ExtendLease(fence, kLease).status());
          ++renewed;
        }
      }
      for (; renewed < renewals; ++renewed) {
        DYNAFLOW_RETURN_IF_ERROR(store.ExtendLease(fence, kLease).status());
      }
      store::StepRecord last;
      last.step_id = "step-" + std::to_string(w.steps_per_run);
      last.output = Bytes(w.output_bytes, &state);
      store::RunFinish finish;
      finish.result = last.output;
      DYNAFLOW_RETURN_IF_ERROR(store.RecordStepAndFinish(fence, last, finish).status());
    }
    done += n;
  }
  return Status::OK();
}

}  // namespace dynaflow::capacity
