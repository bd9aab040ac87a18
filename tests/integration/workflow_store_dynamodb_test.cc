// The workflow store on DynamoDB Local: the WorkflowStore suite, the request count of every
// operation (counted with the client's RequestCounters: these are the numbers
// docs/table-layout.md and workflow_store.h document), and the item shapes docs/table-layout.md
// shows.
//
// Needs DYNAFLOW_TEST_DYNAMODB_ENDPOINT (infra/dynamodb-local.sh start); fails without it.
// DYNAFLOW_STORE_ITEMS_TABLE=<name> keeps the table of ItemShapes.EveryKind (with one run of
// every item kind) after the test, for `aws dynamodb get-item/query` to print its items.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "dynaflow/store/table/dynamodb_table.h"
#include "dynaflow/store/table/provisioning.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/fake_clock.h"
#include "tests/support/shared_dynamodb_table.h"
#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::store {
namespace {

using std::chrono::seconds;

const test::SharedDynamoDbTable& Shared() { return test::SharedSeedTable(); }

std::shared_ptr<table::Table> OpenShared(const table::TableOptions& table_options) {
  table::DynamoDbTableOptions options;
  options.table = table_options;
  options.verify_layout = false;  // verified once when created
  return test::OpenSharedSeedTable(options);
}

DYNAFLOW_INSTANTIATE_WORKFLOW_STORE_SUITE(DynamoDb,
                                          ::dynaflow::test::StoreBackend{"dynamodb", OpenShared});

// ---------------------------------------------------------------- request counts

class WorkflowStoreRequestCountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table::TableOptions to;
    to.clock = &clock_;
    table_ = OpenShared(to);
    ASSERT_NE(table_, nullptr);
    client_ = Shared().client;
    prefix_ = "C" + std::to_string(Random::Real()->Next64()) + "/";
    store_ = MakeStore(1);
  }

  std::unique_ptr<WorkflowStore> MakeStore(int shards) {
    WorkflowStoreOptions o;
    o.key_prefix = prefix_;
    o.clock = &clock_;
    o.gsi2_shards = shards;
    auto s = WorkflowStore::Create(table_, o);
    EXPECT_OK(s);
    return std::move(s).value();
  }

  // DynamoDB requests (HTTP attempts) sent while `fn` runs, and which operations they were.
  template <class Fn>
  int64_t Requests(Fn&& fn, std::map<std::string, int64_t>* by_op = nullptr) {
    auto before = client_->counters().Snapshot();
    int64_t total = client_->counters().TotalAttempts();
    const double units = table_->stats().write_units;
    fn();
    last_wru_ = table_->stats().write_units - units;
    int64_t n = client_->counters().TotalAttempts() - total;
    if (by_op) {
      by_op->clear();
      for (const auto& [op, stats] : client_->counters().Snapshot()) {
        int64_t d = stats.attempts - (before.count(op) ? before[op].attempts : 0);
        if (d) (*by_op)[op] = d;
      }
    }
    return n;
  }
  // Write request units DynamoDB Local reported for the last Requests() call (table and index
  // writes: the table asks for ReturnConsumedCapacity INDEXES).
  double last_wru_ = 0;

  test::FakeClock clock_;
  std::shared_ptr<table::Table> table_;
  std::shared_ptr<dynamodb::Client> client_;
  std::string prefix_;
  std::unique_ptr<WorkflowStore> store_;
};

using Ops = std::map<std::string, int64_t>;

NewRun Owned(const std::string& workflow_id, const std::string& owner) {
  NewRun nr;
  nr.workflow_id = workflow_id;
  nr.owner = owner;
  return nr;
}

// A 1 KB output that zstd cannot shrink (what a step returning 1 KB of real data costs).
std::string KilobyteOutput(uint32_t seed) { return test::PayloadBytes(1000, seed); }

TEST_F(WorkflowStoreRequestCountTest, RunLifecycleCostsTheDocumentedRequestsAndUnits) {
  Ops ops;
  Result<::dynaflow::Run> run = Status::Internal("unset");
  NewRun nr;
  nr.workflow_id = "orders";
  nr.input = "{\"order\":42}";
  // The run item is written to the table, GSI1 and GSI2: 3 WRU.
  EXPECT_EQ(Requests([&] { run = store_->CreateRun(nr); }, &ops), 1);
  ASSERT_OK(run);
  EXPECT_EQ(ops, (Ops{{"PutItem", 1}}));
  EXPECT_EQ(last_wru_, 3);

  // With a business key: one transaction of the run and the key item (2 WRU per KB per item,
  // index writes included).
  nr.business_key = "order-42";
  Result<::dynaflow::Run> keyed = Status::Internal("unset");
  EXPECT_EQ(Requests([&] { keyed = store_->CreateRun(nr); }, &ops), 1);
  ASSERT_OK(keyed);
  EXPECT_EQ(ops, (Ops{{"TransactWriteItems", 1}}));
  EXPECT_EQ(last_wru_, 8);
  std::string holder;
  EXPECT_EQ(Requests([&] { EXPECT_FALSE(store_->CreateRun(nr, &holder).ok()); }), 2);
  EXPECT_EQ(holder, keyed->run_id);

  // A claim moves the run's GSI2 key: table 1 + GSI1 1 + GSI2 2 (delete + put).
  Result<::dynaflow::Run> claimed = Status::Internal("unset");
  EXPECT_EQ(Requests([&] { claimed = store_->ClaimRun(run->run_id, "w1", seconds(30)); }, &ops), 1);
  ASSERT_OK(claimed);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 1}}));
  EXPECT_EQ(last_wru_, 4);
  Fence fence{run->run_id, "w1", claimed->lease.epoch};

  // The target: one request and at most 2 WRU per step with a 1 KB output, no index write.
  for (int i = 0; i < 5; ++i) {
    StepRecord step;
    step.step_id = "step" + std::to_string(i);
    step.output = KilobyteOutput(i);
    EXPECT_EQ(Requests([&] { EXPECT_OK(store_->RecordStep(fence, step)); }, &ops), 1);
    EXPECT_EQ(ops, (Ops{{"PutItem", 1}}));
    EXPECT_EQ(last_wru_, 2);
  }
  // A small output: 1 WRU.
  StepRecord small;
  small.step_id = "small";
  small.output = "{\"ok\":true}";
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->RecordStep(fence, small)); }), 1);
  EXPECT_EQ(last_wru_, 1);
  // A step record with a run change is a transaction (run update + step put).
  StepRecord marked;
  marked.step_id = "marked";
  RunChange change;
  change.cursor_step = "phase";
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->RecordStep(fence, marked, change)); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"TransactWriteItems", 1}}));
  EXPECT_EQ(last_wru_, 8);
  // A lease renewal at the same instant leaves the expiry (GSI2's sort key) where it was:
  // table 1 + GSI1 1 + GSI2 1.
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->ExtendLease(fence, seconds(30))); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 1}}));
  EXPECT_EQ(last_wru_, 3);
  // A real renewal, a heartbeat later, moves the GSI2 sort key: a delete and a put there, 4.
  clock_.Advance(seconds(10));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->ExtendLease(fence, seconds(30))); }), 1);
  EXPECT_EQ(last_wru_, 4);
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->UpdateRun(fence, change)); }), 1);
  // State: a check of the run item and the state put, in one transaction (no index write).
  // DynamoDB Local reports the put's 2 WRU; DynamoDB also bills the check (2 more).
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->PutState(run->run_id, "k", "v")); }, &ops), 2);
  EXPECT_EQ(ops, (Ops{{"BatchGetItem", 1}, {"TransactWriteItems", 1}}));
  EXPECT_EQ(last_wru_, 2);
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->CompareAndSwapState(run->run_id, "k", "w", 1)); }), 1);
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->GetState(run->run_id, "k")); }), 1);
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->ListState(run->run_id)); }), 1);

  // Finishing a run with 7 steps and a state item: one UpdateItem of the run item alone.
  Result<::dynaflow::Run> done = Status::Internal("unset");
  EXPECT_EQ(Requests([&] { done = store_->FinishRun(fence, {}); }, &ops), 1);
  ASSERT_OK(done);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 1}}));
  EXPECT_EQ(last_wru_, 4);

  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->GetRun(run->run_id)); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"GetItem", 1}}));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->GetOutput(run->run_id, "step1")); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"BatchGetItem", 1}}));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->LoadRun(run->run_id, false)); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"Query", 1}}));
  // Outputs sit in their step items: the same single Query.
  EXPECT_EQ(
      Requests([&] { EXPECT_EQ(store_->LoadRun(run->run_id, true)->outputs.size(), 6u); }, &ops),
      1);
  EXPECT_EQ(ops, (Ops{{"Query", 1}}));
}

TEST_F(WorkflowStoreRequestCountTest, FinishVariantsAreOneRequest) {
  NewRun nr;
  nr.workflow_id = "orders";
  nr.business_key = "b";
  nr.owner = "w1";
  auto run = store_->CreateRun(nr);
  ASSERT_OK(run);
  Fence fence{run->run_id, "w1", run->lease.epoch};
  StepRecord step;
  step.step_id = "only";
  step.output = "x";
  ASSERT_OK(store_->RecordStep(fence, step));
  Ops ops;
  // State written by another store (another process) does not disturb the owner's finish.
  auto other = MakeStore(1);
  ASSERT_OK(other->CompareAndSwapState(run->run_id, "k", "v", 0));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->FinishRun(fence, {})); }, &ops), 1);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 1}}));
  EXPECT_NE(FindAttribute(*table_->Get({prefix_ + "RUN#" + run->run_id, "STATE#k"}), "ttl"),
            nullptr);
  // The last step and the finish together: one UpdateItem (the step rides in the run item);
  // with a 1 KB output that is also the result, its bytes are stored once.
  auto last = store_->CreateRun(Owned("w", "w1"));
  ASSERT_OK(last);
  step.output = KilobyteOutput(7);
  RunFinish finish;
  finish.result = step.output;
  EXPECT_EQ(Requests(
                [&] {
                  EXPECT_OK(store_->RecordStepAndFinish({last->run_id, "w1", 1}, step, finish));
                },
                &ops),
            1);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 1}}));
  EXPECT_LE(last_wru_, 7);
  std::cout << "last step + finish with a 1 KB output/result: " << last_wru_ << " WRU\n";
  EXPECT_EQ(*store_->GetOutput(last->run_id, "only"), *step.output);
}

TEST_F(WorkflowStoreRequestCountTest, ChunksColdStoresAndFanOutCostWhatIsDocumented) {
  // 1 MB payloads (incompressible): INPUT head plus 2 extra chunks of 350 KB; an output in 3
  // chunk items named by its step item.
  NewRun nr;
  nr.workflow_id = "big";
  nr.owner = "w1";
  nr.input = test::PayloadBytes(1024 * 1024, 1);
  Result<::dynaflow::Run> run = Status::Internal("unset");
  Ops ops;
  EXPECT_EQ(Requests([&] { run = store_->CreateRun(nr); }, &ops), 3);
  ASSERT_OK(run);
  EXPECT_EQ(ops, (Ops{{"PutItem", 2}, {"TransactWriteItems", 1}}));
  Fence fence{run->run_id, "w1", run->lease.epoch};
  StepRecord step;
  step.step_id = "big";
  step.output = nr.input;
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->RecordStep(fence, step)); }, &ops), 4);
  EXPECT_EQ(ops, (Ops{{"PutItem", 4}}));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->GetOutput(run->run_id, "big")); }, &ops), 2);
  EXPECT_EQ(ops, (Ops{{"BatchGetItem", 2}}));
  // A compressible 1 MB output is stored compressed, in its step item.
  step.step_id = "text";
  step.output = std::string(1024 * 1024, 'a');
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->RecordStep(fence, step)); }, &ops), 1);
  EXPECT_EQ(last_wru_, 1);
  EXPECT_EQ(*store_->GetOutput(run->run_id, "text"), *step.output);

  // A store that does not know the run reads it first.
  auto cold = MakeStore(1);
  step.step_id = "cold";
  step.output.reset();
  EXPECT_EQ(Requests([&] { EXPECT_OK(cold->RecordStep(fence, step)); }, &ops), 2);
  EXPECT_EQ(ops, (Ops{{"GetItem", 1}, {"PutItem", 1}}));
  // ... and a run-level write of a store whose known version is stale pays one failed attempt.
  EXPECT_OK(cold->ExtendLease(fence, seconds(30)));
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->ExtendLease(fence, seconds(30))); }, &ops), 2);
  EXPECT_EQ(ops, (Ops{{"UpdateItem", 2}}));

  // Fan-out: FindDueRuns reads 4 statuses x shards; a status page reads every shard.
  auto sharded = MakeStore(4);
  EXPECT_EQ(Requests([&] { EXPECT_OK(sharded->FindDueRuns(10)); }, &ops), 16);
  EXPECT_EQ(ops, (Ops{{"Query", 16}}));
  // The rotating scan workers poll with: an empty scan looks at every status; a new run is
  // then found by the PENDING shards alone.
  DueScan scan;
  EXPECT_EQ(Requests([&] { EXPECT_TRUE(sharded->FindDueRuns(10, scan)->empty()); }), 16);
  NewRun fresh;
  fresh.workflow_id = "fresh";
  ASSERT_OK(sharded->CreateRun(fresh));
  EXPECT_EQ(Requests([&] { EXPECT_EQ(sharded->FindDueRuns(10, scan)->size(), 1u); }, &ops), 4);
  EXPECT_EQ(ops, (Ops{{"Query", 4}}));
  ListRunsRequest req;
  req.status = RunStatus::kRunning;
  EXPECT_EQ(Requests([&] { EXPECT_OK(sharded->ListRunsByStatus(req)); }), 4);
  EXPECT_EQ(Requests([&] { EXPECT_OK(sharded->CountRunsByStatus(RunStatus::kRunning)); }), 4);
  req.workflow_id = "big";
  req.status.reset();
  EXPECT_EQ(Requests([&] { EXPECT_OK(store_->ListRunsByWorkflow(req)); }), 1);
  // Cancel: a read and a write.
  EXPECT_EQ(Requests([&] { EXPECT_OK(cold->RequestCancel(run->run_id)); }, &ops), 2);
  EXPECT_EQ(ops, (Ops{{"GetItem", 1}, {"UpdateItem", 1}}));
}

// ----------------------------------------------------------- item shapes (docs/table-layout.md)

std::set<std::string> Names(const Item& item) {
  std::set<std::string> names;
  for (const auto& [name, value] : item) names.insert(name);
  return names;
}

// The attributes of a run item in every status: its keys and index keys, what it is, and its
// bookkeeping.
const std::set<std::string> kRunItemCore = {
    "PK",    "SK",         "GSI1PK",           "GSI1SK",   "GSI2PK",    "GSI2SK",    "type",
    "runId", "workflowId", "workflowVersion",  "status",   "createdAt", "updatedAt", "dueAt",
    "epoch", "version",    "retentionSeconds", "itemsTtl", "writeId"};

// `base` and `more`.
std::set<std::string> WithAttributes(std::set<std::string> base,
                                     std::initializer_list<std::string> more) {
  base.insert(more);
  return base;
}

// One run of every item kind, on a real table with the seed keys (no prefix, one shard), with
// small chunks so a CHUNK item appears. Checks each kind's attributes are exactly the documented
// ones; docs/table-layout.md, "Real items", shows these very items as the AWS CLI prints them.
TEST(WorkflowStoreItemShapes, EveryKindHasTheDocumentedAttributes) {
  auto client = test::NewDynamoDbLocalClient();
  ASSERT_NE(client, nullptr);
  std::shared_ptr<dynamodb::Client> shared(std::move(client));
  const char* keep = std::getenv("DYNAFLOW_STORE_ITEMS_TABLE");
  const std::string name = keep && *keep ? keep : test::UniqueTableName("items");
  ASSERT_OK(table::EnsureSeedTable(*shared, name));
  auto opened = table::OpenDynamoDbTable(shared, name);
  ASSERT_OK(opened);
  std::shared_ptr<table::Table> tbl(std::move(opened).value());
  WorkflowStoreOptions o;
  o.inline_input_max_bytes = 0;  // show an INPUT item
  o.payload_chunk_bytes = 1024;  // and CHUNK items
  o.inline_output_max_bytes = 1024;
  o.compress_min_bytes = 0;  // (an output of dots would compress into its step item)
  ASSERT_OK_AND_ASSIGN(auto store, WorkflowStore::Create(tbl, o));
  WorkflowStore& s = *store;

  NewRun nr;
  nr.workflow_id = "order-fulfilment";
  nr.business_key = "order-1042";
  nr.tags = {{"region", "eu-west-1"}};
  nr.input = "{\"order\":1042,\"items\":[\"sku-1\",\"sku-7\"]}";
  auto run = s.CreateRun(nr);
  ASSERT_OK(run);
  ASSERT_OK_AND_ASSIGN(auto claimed, s.ClaimRun(run->run_id, "worker-a", seconds(30)));
  Fence fence{run->run_id, "worker-a", claimed.lease.epoch};
  StepRecord reserve;
  reserve.step_id = "reserve-stock";
  reserve.started_at = claimed.updated_at;
  reserve.finished_at = claimed.updated_at + std::chrono::milliseconds(42);
  reserve.output = "{\"reservation\":\"r-77\"}";
  RunChange next;
  next.cursor_step = "charge-card";
  ASSERT_OK(s.RecordStep(fence, reserve, next));
  StepRecord charge;
  charge.step_id = "charge-card";
  charge.started_at = reserve.finished_at;
  charge.finished_at = reserve.finished_at + std::chrono::milliseconds(310);
  charge.output = "{\"receipt\":\"" + std::string(1100, '.') + "\"}";  // 2 chunk items
  ASSERT_OK(s.RecordStep(fence, charge));
  ASSERT_OK(s.PutState(run->run_id, "attempts-left", "2"));

  // A second run, finished: the terminal run item with its ttl and inline result.
  NewRun second;
  second.workflow_id = "order-fulfilment";
  second.owner = "worker-b";
  second.retention = std::chrono::hours(24 * 7);
  ASSERT_OK_AND_ASSIGN(auto done, s.CreateRun(second));
  StepRecord ship;
  ship.step_id = "ship";
  ship.started_at = done.updated_at;
  ship.finished_at = done.updated_at + std::chrono::milliseconds(12);
  ship.output = "{\"shipped\":true}";
  ASSERT_OK(s.RecordStepAndFinish({done.run_id, "worker-b", 1}, ship,
                                  {RunStatus::kCompleted, std::string("{\"shipped\":true}"), ""}));

  const std::string pk = "RUN#" + run->run_id;
  std::map<std::string, std::set<std::string>> got;
  table::QueryRequest q;
  q.partition = pk;
  q.consistent = true;
  ASSERT_OK_AND_ASSIGN(auto page, tbl->Query(q));
  for (const Item& item : page.items) {
    got[*FindAttribute(item, "type")->AsS()].insert(*FindAttribute(item, "SK")->AsS());
    std::set<std::string> names = Names(item);
    std::string type = *FindAttribute(item, "type")->AsS();
    std::set<std::string> want;
    if (type == "RUN") {
      want = WithAttributes(kRunItemCore, {"businessKey", "tags", "leaseOwner", "leaseExpiresAt",
                                           "inputRef", "cursorStep"});
    } else if (type == "STEP") {
      want = {"PK",         "SK",           "type",      "runId",      "stepId",
              "status",     "attempt",      "startedAt", "finishedAt", "outputBytes",
              "fenceEpoch", "runCreatedAt", "outputRef", "ttl"};
      if (*FindAttribute(item, "outputRef")->AsS() == "0") want.insert("output");
    } else if (type == "INPUT") {
      want = {"PK", "SK", "type", "runId", "size", "chunks", "data", "ttl"};
    } else if (type == "CHUNK") {
      want = {"PK", "SK", "type", "data", "ttl"};
    } else if (type == "STATE") {
      want = {"PK",    "SK",      "type",      "runId", "key",
              "value", "version", "updatedAt", "ttl",   "writeId"};
    }
    EXPECT_EQ(names, want) << "item " << *FindAttribute(item, "SK")->AsS();
  }
  EXPECT_EQ(got["RUN"].size(), 1u);
  EXPECT_EQ(got["STEP"].size(), 2u);
  EXPECT_EQ(got["CHUNK"].size(), 2u);  // charge-card's output (the input fits its head)
  EXPECT_EQ(got["INPUT"].size(), 1u);
  EXPECT_EQ(got["STATE"].size(), 1u);
  auto bkey = tbl->Get({"BKEY#order-fulfilment#order-1042", "BKEY#order-fulfilment#order-1042"});
  ASSERT_OK(bkey);
  EXPECT_EQ(Names(*bkey), (std::set<std::string>{"PK", "SK", "type", "runId", "workflowId",
                                                 "businessKey", "createdAt", "ttl", "writeId"}));
  auto finished = tbl->Get({"RUN#" + done.run_id, "RUN#" + done.run_id});
  ASSERT_OK(finished);
  const std::set<std::string> finished_names =
      WithAttributes(kRunItemCore, {"finishedAt", "ttl", "resultRef", "finalStep"});
  EXPECT_EQ(Names(*finished), finished_names);
  const AttributeValue* final_step = FindAttribute(*finished, "finalStep");
  ASSERT_TRUE(final_step != nullptr && final_step->is_m());
  EXPECT_EQ(
      Names(*final_step->AsM()),
      (std::set<std::string>{"runId", "stepId", "status", "attempt", "startedAt", "finishedAt",
                             "outputBytes", "fenceEpoch", "runCreatedAt", "outputRef", "output"}));
  // inline_input_max_bytes = 0 puts the result in a RESULT item, with the run's ttl.
  auto result = tbl->Get({"RUN#" + done.run_id, "RESULT"});
  ASSERT_OK(result);
  EXPECT_EQ(Names(*result),
            (std::set<std::string>{"PK", "SK", "type", "runId", "size", "chunks", "data", "ttl"}));
  EXPECT_EQ(*FindAttribute(*result, "ttl"), *FindAttribute(*finished, "ttl"));
  if (keep && *keep) {
    std::printf("items table %s: run %s (running), run %s (finished)\n", name.c_str(),
                run->run_id.c_str(), done.run_id.c_str());
  } else {
    (void)shared->DeleteTable({name});
  }
}

}  // namespace
}  // namespace dynaflow::store
