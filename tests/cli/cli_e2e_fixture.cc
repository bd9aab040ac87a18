#include "tests/cli/cli_e2e_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/sqlite_table.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {

using namespace std::chrono_literals;

std::atomic<bool> CliEndToEnd::flaky_fails{true};

namespace {

engine::StepOptions NoRetries() {
  engine::StepOptions o;
  o.retry = engine::RetryPolicy::None();
  return o;
}

// Steps take a little time, as real ones do: records of different steps then have distinct
// start times, which is how `runs show` orders them.
void Work() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

Result<int> Pass(engine::StepContext&, const int& id) {
  Work();
  return id;
}

Status Undo(engine::StepContext&, const int&, const int&) {
  Work();
  return Status::OK();
}

}  // namespace

void CliEndToEnd::SetUp() {
  if (GetParam() == CliBackend::kSqlite) {
    const std::string path = dir_ + "/store.db";
    auto t = table::OpenSqliteTable(path);
    ASSERT_OK(t);
    table_ = std::move(t).value();
    store_flags_ = {"--store.type=sqlite", "--store.path=" + path};
  } else {
    const std::string endpoint = DynamoDbLocalEndpoint();
    ASSERT_FALSE(endpoint.empty());
    ddb_ = NewDynamoDbLocalClient();
    ASSERT_NE(ddb_, nullptr);
    ddb_table_ = UniqueTableName("cli");
    ASSERT_TRUE(CreateSeedLayoutTable(*ddb_, ddb_table_));
    auto t = table::OpenDynamoDbTable(ddb_, ddb_table_);
    ASSERT_OK(t);
    table_ = std::move(t).value();
    // DynamoDB Local keeps tables per access key: the binary uses the tests' key.
    store_flags_ = {"--store.type=dynamodb",
                    "--store.table=" + ddb_table_,
                    "--store.aws-endpoint-url=" + endpoint,
                    "--store.aws-region=us-east-1",
                    "--store.aws-access-key-id=dynaflowtest",
                    "--store.aws-secret-access-key=dynaflowtestsecret"};
  }
  engine::EngineOptions eo;
  eo.table = table_;
  auto engine = engine::Engine::Open(eo);
  ASSERT_OK(engine);
  engine_ = std::move(engine).value();

  auto charge = [](engine::StepContext&, const int& id) -> Result<int> {
    Work();
    if (id % 7 == 0) {
      return Status::PermissionDenied("payment declined for order " + std::to_string(id));
    }
    return id;
  };
  auto ship = [](engine::StepContext&, const int& id) -> Result<int> {
    Work();
    if (id % 13 == 0) {
      return Status::InvalidArgument("address of order " + std::to_string(id) + " is not served");
    }
    return id * 10;
  };
  auto order =
      engine::WorkflowBuilder("order", 1)
          .Step(engine::MakeStep<int, int>("reserve", Pass).Compensate(Undo).Options(NoRetries()))
          .Step(engine::MakeStep<int, int>("charge", charge).Compensate(Undo).Options(NoRetries()))
          .Step(engine::MakeStep<int, int>("ship", ship).Options(NoRetries()))
          .Build();
  ASSERT_OK(order);
  order_ = *order;
  auto flaky =
      engine::WorkflowBuilder("flaky", 1)
          .Step(engine::MakeStep<int, int>("call",
                                           [](engine::StepContext&, const int& v) -> Result<int> {
                                             if (flaky_fails.load())
                                               return Status::Unavailable("service down");
                                             return v + 1;
                                           })
                    .Options(NoRetries()))
          .Build();
  ASSERT_OK(flaky);
  flaky_ = *flaky;
  flaky_fails = true;
  auto approval =
      engine::WorkflowBuilder("approval", 1)
          .Step(engine::MakeStep<int, int>("prepare", Pass).Compensate(Undo).Options(NoRetries()))
          .AwaitEvent<int>("approved", std::chrono::hours(1))
          .Step<int, int>("book", [](engine::StepContext&, const int& v) { return v + 1; })
          .Build();
  ASSERT_OK(approval);
  approval_ = *approval;
  ASSERT_OK(engine_->Register(order_));
  ASSERT_OK(engine_->Register(flaky_));
  ASSERT_OK(engine_->Register(approval_));
  StartWorker();
}

void CliEndToEnd::StartWorker() {
  engine::WorkerOptions wo;
  wo.threads = 4;
  wo.poll_interval = 20ms;
  wo.max_poll_interval = 50ms;
  auto worker = engine_->NewWorker(wo);
  ASSERT_OK(worker);
  worker_ = std::move(worker).value();
  ASSERT_OK(worker_->Start());
}

void CliEndToEnd::TearDown() {
  if (worker_) worker_->Stop();
  worker_.reset();
  engine_.reset();
  table_.reset();
  if (ddb_ && !ddb_table_.empty()) {
    dynamodb::DeleteTableRequest req;
    req.table_name = ddb_table_;
    (void)ddb_->DeleteTable(req);
  }
}

CliResult CliEndToEnd::Cli(std::vector<std::string> args) {
  std::vector<std::string> all = store_flags_;
  all.insert(all.end(), args.begin(), args.end());
  return RunCli(all);
}

std::vector<std::string> CliEndToEnd::StartOrders(int first, int last) {
  std::vector<std::string> ids;
  for (int id = first; id <= last; ++id) {
    engine::StartOptions o;
    o.business_key = "order-" + std::to_string(id);
    o.tags["batch"] = id % 2 ? "odd" : "even";
    auto started = engine_->Start(order_, id, o);
    EXPECT_OK(started);
    if (!started.ok()) return ids;
    ids.push_back(started->run_id);
  }
  for (const auto& id : ids) Finish(id);
  return ids;
}

RunStatus CliEndToEnd::Finish(const std::string& run_id) {
  auto run = engine_->WaitForRun(run_id, 60s, 20ms);
  EXPECT_OK(run);
  return run.ok() ? run->status : RunStatus::kPending;
}

std::string CliEndToEnd::StartApproval(const std::string& key) {
  engine::StartOptions o;
  o.business_key = key;
  auto started = engine_->Start(approval_, 7, o);
  EXPECT_OK(started);
  if (!started.ok()) return "";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto run = engine_->store().GetRun(started->run_id);
    if (run.ok() && run->status == RunStatus::kSleeping &&
        run->waiting_for == store::EventWaitKey("approved")) {
      return started->run_id;
    }
    std::this_thread::sleep_for(5ms);  // polling until the condition holds
  }
  ADD_FAILURE() << "run " << started->run_id << " never waited for its event";
  return started->run_id;
}

rapidjson::Document CliEndToEnd::Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

std::vector<rapidjson::Document> CliEndToEnd::ParseLines(const std::string& text) {
  std::vector<rapidjson::Document> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out.push_back(Parse(line));
  return out;
}

}  // namespace dynaflow::test
