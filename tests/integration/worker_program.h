// The worker program of the multi-process integration tests (see multiprocess_support.h, whose
// DYNAFLOW_MULTIPROCESS_TEST_MAIN runs WorkerMain when the test binary is started as
// `<binary> --dynaflow-test-worker <flags>`):
//
//   --sqlite PATH | --dynamodb TABLE   the store (DynamoDB Local: DYNAFLOW_TEST_DYNAMODB_ENDPOINT)
//   --dir DIR            where it writes exec-<pid>.log, report-<pid>.log, metrics-<pid>.txt
//   --steps N            registers workflows "chain-N" (steps s01..sNN) and "code-loop-N"
//                        (CodeLoopWorkflow), default 10; "waiter" (w01, event "go", w02) and
//                        "parent" (p01, child "waiter", p02) always
//   --threads N --lease-ms N --poll-ms N --step-ms-min N --step-ms-max N
//   --block-step NAME    that step waits, once inside, until the process received SIGCONT
//   --schedule-poll-ms N how often the worker fires due schedules (default 1000)
//
// Every step execution appends "<runId> <stepId> <attempt> <pid> <seq> <startMicros>" to
// exec-<pid>.log (O_APPEND, one write(2) per line, so a SIGKILL never leaves half a line
// behind a complete one) BEFORE doing its work, and returns "<pid>/<seq>" as its output: the
// recorded output names exactly which execution was recorded. report-<pid>.log gets "ready"
// once the worker runs; once the --block-step step blocked, one line per table write
// ("write <op> <status> <startMonotonicMicros>", MonotonicMicros() taken before the write, so
// a test that stopped the process knows which writes began after it was continued), and after
// a SIGCONT the blocked step's heartbeat result ("heartbeat <status>", "cancelled 0|1"). SIGTERM
// stops the worker gracefully; it then writes its engine counters to metrics-<pid>.txt
// ("<name> <value>" lines) and exits 0.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "dynaflow/engine/durable.h"
#include "dynaflow/engine/engine.h"
#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/dynamodb_local.h"

namespace dynaflow::mptest {

inline constexpr char kWorkerFlag[] = "--dynaflow-test-worker";

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CLOCK_MONOTONIC in microseconds: one clock for every process of the host, so a test can
// order a worker's writes against a moment of its own (when it saw the worker stopped).
inline int64_t MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline std::string StepName(int i) {
  char buf[16];  // "s" + up to 11 characters of an int + NUL
  std::snprintf(buf, sizeof(buf), "s%02d", i);
  return buf;
}

// Appends whole lines to a file with O_APPEND, one write(2) per line. Thread-safe.
class LineLog {
 public:
  LineLog() = default;
  explicit LineLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {}
  ~LineLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  LineLog(const LineLog&) = delete;
  LineLog& operator=(const LineLog&) = delete;
  bool ok() const { return fd_ >= 0; }
  void Append(std::string line) {
    if (fd_ < 0) return;
    line.push_back('\n');
    ssize_t n = ::write(fd_, line.data(), line.size());
    (void)n;
  }

 private:
  int fd_ = -1;
};

// ---- the worker program ---------------------------------------------------------------------

struct WorkerFlags {
  std::string sqlite_path;
  std::string dynamodb_table;
  std::string dir;
  int steps = 10;
  int threads = 4;
  int lease_ms = 1000;
  int poll_ms = 10;
  int step_ms_min = 0;
  int step_ms_max = 0;
  std::string block_step;
  int schedule_poll_ms = 1000;
};

// Set by the SIGCONT handler: the process was stopped and continued.
inline std::atomic<bool> g_resumed{false};
// Set when the --block-step step blocked: from then on AuditTable reports every write.
inline std::atomic<bool> g_blocked{false};

// A Table that forwards every call and, once the --block-step step blocked, reports each
// write's outcome and start time to `report`. (A write is reported whether it began before or
// after a SIGCONT: the handler may run after other threads resumed, so only the start time
// tells a test which writes a continued process made.)
class AuditTable final : public table::Table {
 public:
  AuditTable(std::shared_ptr<table::Table> base, LineLog* report)
      : base_(std::move(base)), report_(report) {}
  Result<Item> Get(const table::Key& key) override { return base_->Get(key); }
  Status Put(const Item& item, const table::WriteOptions& o) override {
    return Noted("put", [&] { return base_->Put(item, o); });
  }
  Result<Item> Update(const table::Key& key, const table::Update& u,
                      const table::WriteOptions& o) override {
    return Noted("update", [&] { return base_->Update(key, u, o); });
  }
  Status Delete(const table::Key& key, const table::WriteOptions& o) override {
    return Noted("delete", [&] { return base_->Delete(key, o); });
  }
  Status TransactWrite(std::span<const table::WriteOp> ops,
                       table::TransactionFailure* failure) override {
    return Noted("transact", [&] { return base_->TransactWrite(ops, failure); });
  }
  Result<std::vector<std::optional<Item>>> BatchGet(std::span<const table::Key> keys) override {
    return base_->BatchGet(keys);
  }
  Status BatchDelete(std::span<const table::Key> keys) override {
    return Noted("batch-delete", [&] { return base_->BatchDelete(keys); });
  }
  Result<table::QueryPage> Query(const table::QueryRequest& r) override { return base_->Query(r); }
  table::TableStats stats() const override { return base_->stats(); }
  std::string name() const override { return base_->name(); }

 private:
  // Runs `write` (a Status or a Result) and reports it once the block step blocked.
  template <class F>
  std::invoke_result_t<F&> Noted(const char* op, F write) {
    const int64_t start = MonotonicMicros();
    auto r = write();
    if (g_blocked.load()) {
      const Status s = StatusOfWrite(r);
      report_->Append(std::string("write ") + op + " " + (s.ok() ? "OK" : s.ToString()) + " " +
                      std::to_string(start));
    }
    return r;
  }
  static Status StatusOfWrite(const Status& s) { return s; }
  static Status StatusOfWrite(const Result<Item>& r) { return r.status(); }
  std::shared_ptr<table::Table> base_;
  LineLog* report_;
};

// What the chain workflow's steps do (shared by every step of the worker process).
struct StepEnv {
  LineLog* exec_log = nullptr;
  LineLog* report = nullptr;
  int step_ms_min = 0;
  int step_ms_max = 0;
  std::string block_step;
  std::atomic<int64_t> seq{0};
  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};

  int StepMillis() {
    if (step_ms_max <= step_ms_min) return step_ms_min;
    std::lock_guard<std::mutex> lock(mu);
    return std::uniform_int_distribution<int>(step_ms_min, step_ms_max)(rng);
  }
};

// A string -> string step body that logs each execution to env->exec_log (and honours
// --step-ms-* and --block-step).
inline auto LoggedStepBody(StepEnv* env) {
  return [env](engine::StepContext& ctx, const std::string&) -> Result<std::string> {
    const int64_t seq = ++env->seq;
    const long pid = static_cast<long>(::getpid());
    env->exec_log->Append(ctx.run_id() + " " + ctx.step_name() + " " +
                          std::to_string(ctx.attempt()) + " " + std::to_string(pid) + " " +
                          std::to_string(seq) + " " + std::to_string(NowMicros()));
    int ms = env->StepMillis();
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    if (!env->block_step.empty() && ctx.step_name() == env->block_step) {
      g_blocked.store(true);
      env->report->Append("blocked " + ctx.run_id() + " " + ctx.step_name());
      while (!g_resumed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      Status hb = ctx.Heartbeat();
      env->report->Append("heartbeat " + (hb.ok() ? std::string("OK") : hb.ToString()));
      env->report->Append(std::string("cancelled ") + (ctx.cancelled() ? "1" : "0"));
    }
    return std::to_string(pid) + "/" + std::to_string(seq);
  };
}

inline engine::StepOptions QuickRetries() {
  engine::StepOptions o;
  o.retry.initial_backoff = Duration(5);
  return o;
}

// "chain-N": N steps s01..sNN, each string -> string (the run input is a string too).
inline Result<engine::Workflow> ChainWorkflow(int steps, StepEnv* env) {
  engine::WorkflowBuilder b("chain-" + std::to_string(steps), 1);
  for (int i = 1; i <= steps; ++i) {
    b.Step<std::string, std::string>(StepName(i), LoggedStepBody(env), QuickRetries());
  }
  return b.Build();
}

// "waiter": w01, then waits (parked) up to 10 minutes for event "go", then w02.
inline Result<engine::Workflow> WaiterWorkflow(StepEnv* env) {
  return engine::WorkflowBuilder("waiter", 1)
      .Step<std::string, std::string>("w01", LoggedStepBody(env), QuickRetries())
      .AwaitEvent<std::string>("go", std::chrono::minutes(10))
      .Step<std::string, std::string>("w02", LoggedStepBody(env), QuickRetries())
      .Build();
}

// "parent": p01, then a "waiter" child run (the parent is parked until it ends), then p02.
inline Result<engine::Workflow> ParentWorkflow(const engine::Workflow& waiter, StepEnv* env) {
  return engine::WorkflowBuilder("parent", 1)
      .Step<std::string, std::string>("p01", LoggedStepBody(env), QuickRetries())
      .Child("sub", waiter, std::chrono::seconds(5))
      .Step<std::string, std::string>("p02", LoggedStepBody(env), QuickRetries())
      .Build();
}

// "code-loop-N", a code workflow (string -> string): N steps "line" in a loop (line, line@2,
// ...), a Map "pack" over kCodeLoopItems items (pack[0], ...), the event "go" (1 h timeout), and
// the step "ship"; every step body is LoggedStepBody's.
inline constexpr int kCodeLoopItems = 4;
inline Result<engine::Workflow> CodeLoopWorkflow(int steps, StepEnv* env) {
  auto body = LoggedStepBody(env);
  auto step = [body](engine::StepContext& s) { return body(s, std::string()); };
  return engine::DurableWorkflow<std::string, std::string>(
      "code-loop-" + std::to_string(steps), 1,
      [step, steps](engine::WorkflowContext& ctx, const std::string&) -> Result<std::string> {
        for (int i = 0; i < steps; ++i) {
          DYNAFLOW_RETURN_IF_ERROR(ctx.Step("line", step, QuickRetries()).status());
        }
        std::vector<int> items(kCodeLoopItems);
        engine::MapOptions mo;
        mo.max_concurrency = 2;
        mo.step = QuickRetries();
        DYNAFLOW_RETURN_IF_ERROR(
            ctx.Map(
                   "pack", items, [step](engine::StepContext& s, const int&) { return step(s); },
                   mo)
                .status());
        DYNAFLOW_RETURN_IF_ERROR(ctx.AwaitEvent<std::string>("go", std::chrono::hours(1)).status());
        return ctx.Step("ship", step, QuickRetries());
      });
}

inline void OnSigcont(int) { g_resumed.store(true); }

inline void WriteMetrics(const std::string& path, const engine::EngineMetrics& m) {
  std::ofstream out(path);
  out << engine::CounterLines(m) << "store_requests " << m.store.requests << "\n";
}

inline int WorkerMain(int argc, char** argv) {
  WorkerFlags f;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--sqlite")
      f.sqlite_path = v;
    else if (k == "--dynamodb")
      f.dynamodb_table = v;
    else if (k == "--dir")
      f.dir = v;
    else if (k == "--steps")
      f.steps = std::stoi(v);
    else if (k == "--threads")
      f.threads = std::stoi(v);
    else if (k == "--lease-ms")
      f.lease_ms = std::stoi(v);
    else if (k == "--poll-ms")
      f.poll_ms = std::stoi(v);
    else if (k == "--step-ms-min")
      f.step_ms_min = std::stoi(v);
    else if (k == "--step-ms-max")
      f.step_ms_max = std::stoi(v);
    else if (k == "--block-step")
      f.block_step = v;
    else if (k == "--schedule-poll-ms")
      f.schedule_poll_ms = std::stoi(v);
    else {
      std::fprintf(stderr, "worker: unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  // SIGTERM / SIGINT are taken with sigwait below; block them before any thread exists.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  struct sigaction sa {};
  sa.sa_handler = OnSigcont;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGCONT, &sa, nullptr);

  const std::string pid = std::to_string(static_cast<long>(::getpid()));
  LineLog exec_log(f.dir + "/exec-" + pid + ".log");
  LineLog report(f.dir + "/report-" + pid + ".log");
  if (!exec_log.ok() || !report.ok()) {
    std::fprintf(stderr, "worker: cannot write into %s\n", f.dir.c_str());
    return 2;
  }
  std::shared_ptr<table::Table> base;
  if (!f.sqlite_path.empty()) {
    auto t = table::OpenSqliteTable(f.sqlite_path);
    if (!t.ok()) {
      std::fprintf(stderr, "worker: %s\n", t.error().ToString().c_str());
      return 2;
    }
    base = std::move(t).value();
  } else {
    std::shared_ptr<dynamodb::Client> client = test::NewDynamoDbLocalClient();
    if (!client) return 2;
    auto t = table::OpenDynamoDbTable(client, f.dynamodb_table);
    if (!t.ok()) {
      std::fprintf(stderr, "worker: %s\n", t.error().ToString().c_str());
      return 2;
    }
    base = std::move(t).value();
  }
  engine::EngineOptions eo;
  eo.table = std::make_shared<AuditTable>(base, &report);
  auto engine = engine::Engine::Open(eo);
  if (!engine.ok()) return 2;
  StepEnv env;
  env.exec_log = &exec_log;
  env.report = &report;
  env.step_ms_min = f.step_ms_min;
  env.step_ms_max = f.step_ms_max;
  env.block_step = f.block_step;
  auto wf = ChainWorkflow(f.steps, &env);
  if (!wf.ok() || !(*engine)->Register(*wf).ok()) return 2;
  auto waiter = WaiterWorkflow(&env);
  if (!waiter.ok() || !(*engine)->Register(*waiter).ok()) return 2;
  auto parent = ParentWorkflow(*waiter, &env);
  if (!parent.ok() || !(*engine)->Register(*parent).ok()) return 2;
  auto code = CodeLoopWorkflow(f.steps, &env);
  if (!code.ok() || !(*engine)->Register(*code).ok()) return 2;
  engine::WorkerOptions wo;
  wo.threads = f.threads;
  wo.lease_duration = Duration(f.lease_ms);
  wo.poll_interval = Duration(f.poll_ms);
  wo.max_poll_interval = Duration(f.poll_ms * 5);
  wo.schedule_poll_interval = Duration(f.schedule_poll_ms);
  auto worker = (*engine)->NewWorker(wo);
  if (!worker.ok() || !(*worker)->Start().ok()) return 2;
  report.Append("ready");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*worker)->Stop();
  WriteMetrics(f.dir + "/metrics-" + pid + ".txt", (*engine)->metrics());
  return 0;
}

}  // namespace dynaflow::mptest
