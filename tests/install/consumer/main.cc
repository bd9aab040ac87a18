// A program built against an installed dynaflow (tests/install/install_test.sh): one workflow
// of two steps, executed by a worker on the embedded SQLite store in the file argv[1].
//
// Prints "consumer: dynaflow <library version> (headers <header version>): run <id> COMPLETED:
// <result>" and exits 0 when the run completed with the expected result; 1 otherwise; 2 for
// bad arguments.
#include <dynaflow/engine/engine.h>
#include <dynaflow/model/version.h>
#include <dynaflow/store/table/sqlite_table.h>

#include <cctype>
#include <chrono>
#include <iostream>
#include <string>

namespace {

using dynaflow::Result;
using dynaflow::engine::StepContext;

Result<std::string> Greet(StepContext&, const std::string& name) { return "hello, " + name; }

std::string Shout(StepContext&, const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out + "!";
}

int Fail(const std::string& what, const dynaflow::Status& status) {
  std::cerr << "consumer: " << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dynaflow::engine;
  if (argc != 2) {
    std::cerr << "usage: consumer <sqlite file>\n";
    return 2;
  }
  auto workflow = WorkflowBuilder("greeting", 1)
                      .Step<std::string, std::string>("greet", Greet)
                      .Step<std::string, std::string>("shout", Shout)
                      .Build();
  if (!workflow.ok()) return Fail("building the workflow", workflow.status());
  auto table = dynaflow::table::OpenSqliteTable(argv[1]);
  if (!table.ok()) return Fail("opening the SQLite store", table.status());
  EngineOptions options;
  options.table = std::move(table).value();
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) return Fail("opening the engine", engine.status());
  if (auto s = (*engine)->Register(*workflow); !s.ok()) return Fail("registering", s);
  WorkerOptions worker_options;
  worker_options.threads = 2;
  auto worker = (*engine)->NewWorker(std::move(worker_options));
  if (!worker.ok()) return Fail("creating a worker", worker.status());
  if (auto s = (*worker)->Start(); !s.ok()) return Fail("starting the worker", s);

  auto started = (*engine)->Start(*workflow, std::string("installed dynaflow"));
  if (!started.ok()) return Fail("starting a run", started.status());
  auto run = (*engine)->WaitForRun(started->run_id, std::chrono::seconds(60));
  if (!run.ok()) return Fail("waiting for the run", run.status());
  auto result = (*engine)->GetResult<std::string>(started->run_id);
  if (!result.ok()) return Fail("reading the result", result.status());
  (*worker)->Stop();

  std::cout << "consumer: dynaflow " << dynaflow::Version() << " (headers " << DYNAFLOW_VERSION
            << "): run " << started->run_id << " " << dynaflow::RunStatusName(run->status) << ": "
            << *result << "\n";
  const bool ok =
      run->status == dynaflow::RunStatus::kCompleted && *result == "HELLO, INSTALLED DYNAFLOW!";
  return ok ? 0 : 1;
}
