// WorkflowStore suite, part 6: payloads of 0 B, 399 KB, 1 MB and 10 MB round-trip as run
// inputs and step outputs; compressible ones are stored zstd-compressed and say so.
#include "tests/support/status_matchers.h"
#include "tests/support/workflow_store_suite.h"

namespace dynaflow::test {

using store::NewRun;
using store::StepRecord;

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
    ASSERT_OK(run);
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
    ASSERT_OK(rec);

    auto out = store_->GetOutput(run->run_id, "produce");
    ASSERT_OK(out);
    EXPECT_TRUE(*out == payload) << "output differs (" << out->size() << " bytes read)";
    ASSERT_OK_AND_ASSIGN(auto details,
                         store_->LoadRun(run->run_id, /*with_outputs=*/size <= 1024 * 1024));
    EXPECT_TRUE(details.input == payload) << "input differs";
    ASSERT_EQ(details.steps.size(), 1u);
    EXPECT_EQ(details.steps[0].output_bytes, static_cast<int64_t>(size));
    if (size <= 1024 * 1024) {
      EXPECT_TRUE(details.outputs["produce"] == payload);
    }
    // Every item stays within the item limit.
    for (const Item& item : RawPartition(RunPk(run->run_id))) {
      EXPECT_LE(ItemSizeBytes(item), table::kMaxItemBytes);
    }
    ASSERT_OK(store_->FinishRun(FenceOf(*run), {}));
    out = store_->GetOutput(run->run_id, "produce");
    ASSERT_OK(out);
    EXPECT_EQ(out->size(), size);
  }
}

TEST_P(WorkflowStoreTest, CompressiblePayloadsAreStoredCompressedAndRoundTrip) {
  // 10 MB of JSON-like text: zstd shrinks it to a few KB, so input and output need no chunks.
  std::string text;
  for (int i = 0; text.size() < 10 * 1024 * 1024; ++i) {
    text +=
        "{\"sku\":\"sku-" + std::to_string(i % 50) + "\",\"qty\":" + std::to_string(i % 5) + "},";
  }
  NewRun nr = Wf("compressed");
  nr.owner = "worker";
  nr.input = text;
  auto run = store_->CreateRun(nr);
  ASSERT_OK(run);
  StepRecord step;
  step.step_id = "produce";
  step.output = text;
  ASSERT_OK(store_->RecordStep(FenceOf(*run), step));
  StepRecord small;
  small.step_id = "small";
  small.output = "{\"ok\":true}";  // below compress_min_bytes: stored as it is
  ASSERT_OK(store_->RecordStep(FenceOf(*run), small));

  auto items = RawPartition(RunPk(run->run_id));
  const Item* produced = nullptr;
  const Item* kept = nullptr;
  const Item* run_item = nullptr;
  const Item* input_item = nullptr;
  for (const Item& item : items) {
    const std::string sk = *FindAttribute(item, table::kSk)->AsS();
    if (sk == "STEP#produce") produced = &item;
    if (sk == "STEP#small") kept = &item;
    if (sk == "RUN#" + run->run_id) run_item = &item;
    if (sk == "INPUT") input_item = &item;
  }
  ASSERT_NE(produced, nullptr);
  ASSERT_NE(kept, nullptr);
  ASSERT_NE(run_item, nullptr);
  const AttributeValue* encoding = FindAttribute(*produced, "outputEncoding");
  ASSERT_NE(encoding, nullptr);
  EXPECT_EQ(*encoding->AsS(), "zstd");
  const AttributeValue* stored = FindAttribute(*produced, "output");
  ASSERT_NE(stored, nullptr);
  EXPECT_LT(stored->AsB()->size(), 100u * 1024);
  EXPECT_EQ(FindAttribute(*kept, "outputEncoding"), nullptr);
  // The compressed input (a few KB) has one INPUT item and no chunk.
  ASSERT_NE(input_item, nullptr);
  const AttributeValue* input_encoding = FindAttribute(*input_item, "encoding");
  ASSERT_NE(input_encoding, nullptr);
  EXPECT_EQ(*input_encoding->AsS(), "zstd");
  EXPECT_EQ(items.size(), 4u);  // run, INPUT, two step items

  EXPECT_TRUE(*store_->GetOutput(run->run_id, "produce") == text);
  ASSERT_OK_AND_ASSIGN(auto details, store_->LoadRun(run->run_id, true));
  EXPECT_TRUE(details.input == text);
  EXPECT_TRUE(details.outputs["produce"] == text);
  EXPECT_EQ(details.outputs["small"], "{\"ok\":true}");
  EXPECT_EQ(details.steps[0].output_bytes, static_cast<int64_t>(text.size()));
}

}  // namespace
}  // namespace dynaflow::test
