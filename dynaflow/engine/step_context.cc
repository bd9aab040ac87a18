#include "dynaflow/engine/step_context.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dynaflow/engine/internal/run_shared.h"
#include "dynaflow/model/type_name.h"

namespace dynaflow::engine {

StepContext::StepContext(std::shared_ptr<internal::RunShared> run,
                         std::shared_ptr<internal::AttemptShared> attempt)
    : run_(std::move(run)), attempt_(std::move(attempt)) {}

StepContext::~StepContext() = default;

const std::string& StepContext::run_id() const { return run_->run_id; }
const std::string& StepContext::workflow_id() const { return run_->workflow_id; }
int32_t StepContext::workflow_version() const { return run_->workflow_version; }
const std::string& StepContext::step_name() const { return attempt_->step_name; }
int StepContext::attempt() const { return attempt_->attempt; }
const std::string& StepContext::worker_id() const { return run_->control->owner(); }
std::string StepContext::idempotency_key() const {
  return run_->run_id + "/" + attempt_->step_name;
}
TimePoint StepContext::now() const { return run_->clock->Now(); }
std::optional<TimePoint> StepContext::deadline() const { return run_->deadline; }

bool StepContext::cancelled() const {
  return attempt_->timed_out.load() || run_->control->cancel_requested() || run_->control->lost();
}

Status StepContext::Heartbeat() {
  if (attempt_->timed_out.load()) return Status::Cancelled("attempt timed out");
  return run_->control->Heartbeat(/*force=*/false);
}

Status StepContext::SleepUntil(TimePoint wake) {
  if (run_->clock->Now() >= wake) return Status::OK();
  std::lock_guard<std::mutex> lock(attempt_->mu);
  attempt_->sleep_until = wake;
  return Status::Cancelled(fmt::format("sleeping until {} ms since epoch", ToUnixMillis(wake)));
}

Result<std::string> StepContext::OutputEncoded(std::string_view step,
                                               const std::type_info& expected) const {
  const internal::StepDef* def = run_->def->FindStep(step);
  if (def == nullptr) {
    return Status::NotFound("workflow " + run_->workflow_id + " has no step \"" +
                            std::string(step) + "\" with an output");
  }
  if (expected != typeid(void) && std::type_index(expected) != def->out.type) {
    return Status::InvalidArgument("step \"" + std::string(step) + "\" returns " +
                                   def->out.type_name + ", not " + TypeName(expected));
  }
  std::lock_guard<std::mutex> lock(run_->outputs_mu);
  auto it = run_->outputs.find(step);
  if (it == run_->outputs.end()) {
    return Status::NotFound("step \"" + std::string(step) + "\" has no recorded output in run " +
                            run_->run_id);
  }
  return it->second;
}

Result<StateEntry> StepContext::GetState(const std::string& key) {
  return run_->store->GetState(run_->run_id, key);
}
Result<int64_t> StepContext::PutState(const std::string& key, const std::string& value) {
  return run_->store->PutState(run_->run_id, key, value);
}
Result<int64_t> StepContext::CompareAndSwapState(const std::string& key, const std::string& value,
                                                 int64_t expected_version) {
  return run_->store->CompareAndSwapState(run_->run_id, key, value, expected_version);
}

spdlog::logger& StepContext::logger() {
  if (!logger_) {
    logger_ = run_->logger->clone(
        fmt::format("dynaflow run={} step={}", run_->run_id, attempt_->step_name));
  }
  return *logger_;
}

}  // namespace dynaflow::engine
