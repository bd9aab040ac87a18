// WorkflowStore suite, part 6: payloads of 0 B, 399 KB, 1 MB and 10 MB round-trip as run
// inputs and step outputs.
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using store::NewRun;
using store::StepRecord;

int WorkflowStoreSuitePayloadsAnchor() { return 0; }

namespace {

TEST_P(WorkflowStoreTest, PayloadsRoundTripAtEverySize) {
  const std::vector<size_t> sizes = {0, 399 * 1024, 1024 * 1024, 10 * 1024 * 1024};
  for (size_t size : sizes) {
    SCOPED_TRACE("payload of " + std::to_string(size) + " bytes");
    const std::string payload = PayloadBytes(size, static_cast<uint32_t>(size) + 1);
    NewRun nr = Wf("payloads");
    nr.owner = "worker";
    nr.input = payload;
    auto run = store_->CreateRun(nr);
    ASSERT_TRUE(run.ok()) << run.status();
    // Only small inputs are known from the run item; large ones need LoadRun.
    if (size == 0) {
      EXPECT_EQ(run->inline_input, std::string());
    } else {
      EXPECT_FALSE(run->inline_input.has_value());
    }
    StepRecord step;
    step.step_id = "produce";
    step.output = payload;
    auto rec = store_->RecordStep(FenceOf(*run), step);
    ASSERT_TRUE(rec.ok()) << rec.status();

    auto out = store_->GetOutput(run->run_id, "produce");
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(*out == payload) << "output differs (" << out->size() << " bytes read)";
    auto details = store_->LoadRun(run->run_id, /*with_outputs=*/size <= 1024 * 1024);
    ASSERT_TRUE(details.ok()) << details.status();
    EXPECT_TRUE(details->input == payload) << "input differs";
    ASSERT_EQ(details->steps.size(), 1u);
    EXPECT_EQ(details->steps[0].output_bytes, static_cast<int64_t>(size));
    if (size <= 1024 * 1024) {
      EXPECT_TRUE(details->outputs["produce"] == payload);
    }
    // Every item stays within the item limit.
    for (const Item& item : RawPartition(RunPk(run->run_id))) {
      EXPECT_LE(ItemSizeBytes(item), table::kMaxItemBytes);
    }
    ASSERT_TRUE(store_->FinishRun(FenceOf(*run), {}).ok());
    out = store_->GetOutput(run->run_id, "produce");
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->size(), size);
  }
}

}  // namespace
}  // namespace dynaflow::test
