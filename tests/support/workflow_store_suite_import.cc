// WorkflowStore suite, part 6: ImportRun writes an archived finished run back as it was.
#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using std::chrono::milliseconds;
using store::ArchivedRun;
using store::WorkflowStore;

namespace {

// A finished run of `store` with a chunked input, a chunked and an inline output, state, two
// events and a result, read back as an archive holds it.
ArchivedRun FinishedRun(WorkflowStore& store, FakeClock& clock, const ::dynaflow::Run& run,
                        const std::string& input) {
  store::Fence fence(run.run_id, run.lease.owner, run.lease.epoch);
  clock.Advance(milliseconds(5));
  EXPECT_OK(store.RecordStep(fence, Step("small", "{\"ok\":true}")).status());
  EXPECT_OK(store.RecordStep(fence, Step("large", PayloadBytes(9000, 3))).status());
  EXPECT_OK(store.PutState(run.run_id, "counter", "1").status());
  EXPECT_OK(store.PutState(run.run_id, "counter", "2").status());
  EXPECT_OK(store.SendEvent({run.run_id, "approved", "ev-1", "{\"by\":\"ann\"}"}).status());
  clock.Advance(milliseconds(7));
  EXPECT_OK(store.SendEvent({run.run_id, "approved", "ev-2", std::string("\x00\xff", 2)}).status());
  clock.Advance(milliseconds(11));
  EXPECT_OK(store.FinishRun(fence, Finish(RunStatus::kCompleted, "{\"total\":19.90}")).status());
  ArchivedRun a;
  auto details = store.LoadRun(run.run_id, /*with_outputs=*/true);
  EXPECT_OK(details);
  if (details.ok()) a.details = *details;
  EXPECT_EQ(a.details.input, input);
  auto got = store.GetRun(run.run_id);
  EXPECT_OK(got);
  if (got.ok()) a.result = got->result;
  auto events = store.ListEvents(run.run_id, "approved");
  EXPECT_OK(events);
  if (events.ok()) a.events = *events;
  return a;
}

void ExpectSameRun(const ::dynaflow::Run& want, const ::dynaflow::Run& got) {
  EXPECT_EQ(got.run_id, want.run_id);
  EXPECT_EQ(got.workflow_id, want.workflow_id);
  EXPECT_EQ(got.workflow_version, want.workflow_version);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.business_key, want.business_key);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.finished_at, want.finished_at);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.error, want.error);
  EXPECT_EQ(got.result, want.result);
  EXPECT_EQ(got.retried_by, want.retried_by);
  EXPECT_EQ(got.retention_seconds, 0);  // kept until deleted
}

TEST_P(WorkflowStoreTest, ImportRunWritesAnArchivedRunBackWhole) {
  auto source = MakeStore(SmallChunkOptions());
  const std::string input = PayloadBytes(10000, 9);  // INPUT and chunk items
  store::NewRun nr = Wf("orders", "order-7");
  nr.tags = {{"region", "eu"}};
  nr.input = input;
  nr.owner = "worker";
  ::dynaflow::Run run = MustCreate(*source, nr);
  const ArchivedRun a = FinishedRun(*source, clock_, run, input);
  ASSERT_EQ(a.details.steps.size(), 2u);
  ASSERT_EQ(a.events.size(), 2u);

  store::WorkflowStoreOptions o = SmallChunkOptions();
  o.key_prefix += "copy/";
  auto target = MakeStore(o);
  ASSERT_OK(target->ImportRun(a));

  auto back = target->LoadRun(run.run_id, /*with_outputs=*/true);
  ASSERT_OK(back);
  ExpectSameRun(a.details.run, back->run);
  EXPECT_EQ(back->input, input);
  EXPECT_EQ(back->outputs, a.details.outputs);
  ASSERT_EQ(back->steps.size(), a.details.steps.size());
  for (size_t i = 0; i < back->steps.size(); ++i) {
    EXPECT_EQ(back->steps[i].step_id, a.details.steps[i].step_id);
    EXPECT_EQ(back->steps[i].status, a.details.steps[i].status);
    EXPECT_EQ(back->steps[i].started_at, a.details.steps[i].started_at);
    EXPECT_EQ(back->steps[i].finished_at, a.details.steps[i].finished_at);
    EXPECT_EQ(back->steps[i].output_bytes, a.details.steps[i].output_bytes);
  }
  ASSERT_EQ(back->state.size(), 1u);
  EXPECT_EQ(back->state[0].value, "2");
  EXPECT_EQ(back->state[0].version, 2);
  auto events = target->ListEvents(run.run_id, "approved");
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*events)[i].event_id, a.events[i].event_id);
    EXPECT_EQ((*events)[i].sent_at, a.events[i].sent_at);
    EXPECT_EQ((*events)[i].payload, a.events[i].payload);
  }
  auto by_key = target->FindRunIdByBusinessKey("orders", "order-7");
  ASSERT_OK(by_key);
  EXPECT_EQ(*by_key, run.run_id);
  // Listed where a finished run is listed, and no item expires.
  store::ListRunsRequest list;
  list.status = RunStatus::kCompleted;
  auto page = target->ListRunsByStatus(list);
  ASSERT_OK(page);
  ASSERT_EQ(page->runs.size(), 1u);
  EXPECT_EQ(page->runs[0].run_id, run.run_id);
  for (const Item& item : RawPartition(o.key_prefix + "RUN#" + run.run_id)) {
    EXPECT_EQ(FindAttribute(item, table::kTtl), nullptr);
  }

  // A second import of the same id is refused and changes nothing.
  EXPECT_STATUS(target->ImportRun(a), StatusCode::kAlreadyExists);
  auto again = target->GetRun(run.run_id);
  ASSERT_OK(again);
  EXPECT_EQ(again->version, a.details.run.version);
}

TEST_P(WorkflowStoreTest, ImportRunRefusesUnfinishedRunsAndBadIds) {
  ::dynaflow::Run run = MustCreate(*store_, Wf("w"));
  ArchivedRun live;
  live.details.run = run;
  Status s = MakeStore(Options("other/"))->ImportRun(live);
  EXPECT_STATUS(s, StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("PENDING"), std::string::npos) << s.message();

  ArchivedRun bad = live;
  bad.details.run.status = RunStatus::kCompleted;
  bad.details.run.finished_at = clock_.Now();
  bad.details.steps.push_back(StepExecution{});
  bad.details.steps.back().step_id = "a#b";
  s = MakeStore(Options("other/"))->ImportRun(bad);
  EXPECT_STATUS(s, StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("step id"), std::string::npos) << s.message();
  // The run id of a live run is taken.
  bad.details.steps.clear();
  EXPECT_STATUS(store_->ImportRun(bad), StatusCode::kAlreadyExists);
}

}  // namespace

}  // namespace dynaflow::test
