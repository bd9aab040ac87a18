// Per-run and per-attempt state that StepContext reads. Held by shared_ptr so a timed-out
// attempt still running on its own thread keeps what it uses alive.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dynaflow/engine/internal/definition.h"
#include "dynaflow/engine/internal/run_control.h"
#include "dynaflow/model/clock.h"
#include "dynaflow/store/workflow/workflow_store.h"

namespace dynaflow::engine::internal {

struct RunShared {
  std::string run_id;
  std::string workflow_id;
  int32_t workflow_version = 1;
  std::optional<TimePoint> deadline;
  std::shared_ptr<const WorkflowDef> def;
  std::shared_ptr<store::WorkflowStore> store;
  std::shared_ptr<RunControl> control;
  std::shared_ptr<spdlog::logger> logger;
  Clock* clock = nullptr;

  // Recorded COMPLETED outputs by step name (payloads), for StepContext::Output.
  mutable std::mutex outputs_mu;
  std::map<std::string, std::string, std::less<>> outputs;

  void SetOutput(const std::string& step, std::string payload) {
    std::lock_guard<std::mutex> lock(outputs_mu);
    outputs[step] = std::move(payload);
  }
};

struct AttemptShared {
  std::string step_name;
  int attempt = 1;
  std::atomic<bool> timed_out{false};

  std::mutex mu;
  std::optional<TimePoint> sleep_until;  // set by StepContext::SleepUntil
};

}  // namespace dynaflow::engine::internal
