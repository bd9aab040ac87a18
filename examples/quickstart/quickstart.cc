// The README's first program: a three-step order saga run once on an embedded SQLite file.
//
//   quickstart [FILE]   (default: quickstart.db in the working directory)
//
// Exit status: 0 when the run ended COMPLETED, 1 otherwise (the error is printed).
#include <cstdio>
#include <string>

// README example begins
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/sqlite_table.h"

using namespace dynaflow;
using namespace dynaflow::engine;

// Each step gets the previous step's output; what it returns is recorded exactly once.
Result<std::string> Reserve(StepContext&, const int64_t& order) {
  return "reservation-" + std::to_string(order);
}
Result<std::string> Charge(StepContext& ctx, const std::string& reservation) {
  return "payment-" + ctx.idempotency_key() + "-" + reservation;  // key: safe to send twice
}
Result<std::string> Ship(StepContext&, const std::string& payment) { return "parcel-" + payment; }
void Release(StepContext&, const int64_t&, const std::string&) {}     // undoes Reserve
void Refund(StepContext&, const std::string&, const std::string&) {}  // undoes Charge

Status RunOneOrder(const std::string& path) {
  Result<Workflow> saga =
      WorkflowBuilder("order-saga", 1)
          .Step(MakeStep<int64_t, std::string>("reserve", Reserve).Compensate(Release))
          .Step(MakeStep<std::string, std::string>("charge", Charge).Compensate(Refund))
          .Step(MakeStep<std::string, std::string>("ship", Ship))
          .Build();
  if (!saga.ok()) return saga.error();
  Result<std::unique_ptr<table::Table>> table = table::OpenSqliteTable(path);  // or DynamoDB
  if (!table.ok()) return table.error();
  EngineOptions options;
  options.table = std::move(table).value();
  Result<std::unique_ptr<Engine>> engine = Engine::Open(std::move(options));
  if (!engine.ok()) return engine.error();
  if (Status s = (*engine)->Register(*saga); !s.ok()) return s;
  WorkerOptions worker_options;
  worker_options.threads = 4;
  Result<std::unique_ptr<Worker>> worker = (*engine)->NewWorker(worker_options);
  if (!worker.ok()) return worker.error();
  if (Status s = (*worker)->Start(); !s.ok()) return s;

  StartOptions start;
  start.business_key = "order-42";  // a second Start with this key returns the same run
  Result<StartResult> run = (*engine)->Start(*saga, int64_t{42}, start);
  if (!run.ok()) return run.error();
  Result<Run> done = (*engine)->WaitForRun(run->run_id, std::chrono::seconds(30));
  if (!done.ok()) return done.error();
  std::printf("run %s: %s\n", run->run_id.c_str(),
              std::string(RunStatusName(done->status)).c_str());
  return done->status == RunStatus::kCompleted ? Status::OK() : Status::Internal(done->error);
}
// README example ends

int main(int argc, char** argv) {
  Status s = RunOneOrder(argc > 1 ? argv[1] : "quickstart.db");
  if (!s.ok()) std::fprintf(stderr, "quickstart: %s\n", s.ToString().c_str());
  return s.ok() ? 0 : 1;
}
