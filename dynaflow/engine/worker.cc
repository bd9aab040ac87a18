#include "dynaflow/engine/worker.h"

#include "dynaflow/engine/internal/abandoned_threads.h"
#include "dynaflow/engine/internal/worker_impl.h"

namespace dynaflow::engine {

Worker::Worker(std::shared_ptr<internal::WorkerImpl> impl) : impl_(std::move(impl)) {}
Worker::~Worker() { impl_->Stop(); }
Status Worker::Start() { return impl_->Start(); }
void Worker::Stop() { impl_->Stop(); }
const std::string& Worker::owner_id() const { return impl_->owner(); }
size_t Worker::active_runs() const { return impl_->active_runs(); }

bool WaitForAbandonedSteps(Duration timeout) { return internal::WaitForAbandonedThreads(timeout); }

}  // namespace dynaflow::engine
