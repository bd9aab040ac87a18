// The README's first program: an order saga written as a plain C++ function, run once on an
// embedded SQLite file.
//
//   quickstart [FILE]   (default: quickstart.db in the working directory)
//
// Exit status: 0 when the run ended COMPLETED, 1 otherwise (the error is printed).
#include <cstdio>
#include <string>
#include <vector>

// README example begins
#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/sqlite_table.h"

using namespace dynaflow;
using namespace dynaflow::engine;

using Items = std::vector<std::string>;  // the order's lines

// Every ctx call is checkpointed: a resumed run calls the function again, and each recorded
// step returns its recorded output instead of running again. A step's idempotency key is the
// same on every attempt and every worker: pass it to services with side effects.
Result<std::string> Fulfil(WorkflowContext& ctx, const Items& items) {
  std::vector<std::string> holds;
  for (const std::string& item : items) {  // a loop: one reservation per line
    DYNAFLOW_ASSIGN_OR_RETURN(
        std::string hold,
        ctx.Step("reserve", [item](StepContext&) { return "hold-" + item; })
            .Compensate([](StepContext&, const std::string&) { /* release the hold */ }));
    holds.push_back(hold);
  }
  DYNAFLOW_ASSIGN_OR_RETURN(
      std::string payment,
      ctx.Step("charge", [](StepContext& s) { return "payment-" + s.idempotency_key(); })
          .Compensate([](StepContext&, const std::string&) { /* refund */ }));
  if (holds.size() > 10) return Status::InvalidArgument("too many lines");  // compensates both
  return ctx.Step("ship", [payment](StepContext&) { return "parcel-" + payment; });
}

Status RunOneOrder(const std::string& path) {
  Result<Workflow> saga = DurableWorkflow<Items, std::string>("order-saga", 1, Fulfil);
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
  Result<StartResult> run = (*engine)->Start(*saga, Items{"book", "lamp"}, start);
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
