// Pieces of the `dynaflow` command checked in process: time parsing and formatting, the text
// table, JSON payloads, and the merged listing with its cursor (on a memory table with a fake
// clock). The binary itself is tested end to end in tests/cli/.
#include <gtest/gtest.h>

#include <set>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/run_listing.h"
#include "dynaflow/cli/text_table.h"
#include "dynaflow/cli/time_text.h"
#include "dynaflow/store/table/memory_table.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::cli {
namespace {

using namespace std::chrono_literals;

const TimePoint kNoon = FromUnixMillis(1704110400000);  // 2024-01-01T12:00:00Z

TEST(CliTime, FormatsTimestampsRelativeTimesAndDurations) {
  EXPECT_EQ(FormatTimestamp(kNoon + 5120ms), "2024-01-01T12:00:05.120Z");
  EXPECT_EQ(FormatRelative(kNoon - 500ms, kNoon), "just now");
  EXPECT_EQ(FormatRelative(kNoon - 42s, kNoon), "42s ago");
  EXPECT_EQ(FormatRelative(kNoon - 5min - 59s, kNoon), "5m ago");
  EXPECT_EQ(FormatRelative(kNoon - 3h, kNoon), "3h ago");
  EXPECT_EQ(FormatRelative(kNoon - 49h, kNoon), "2d ago");
  EXPECT_EQ(FormatRelative(kNoon + 90s, kNoon), "in 1m");
  EXPECT_EQ(FormatElapsed(0ms), "0ms");
  EXPECT_EQ(FormatElapsed(850ms), "850ms");
  EXPECT_EQ(FormatElapsed(1250ms), "1.25s");
  EXPECT_EQ(FormatElapsed(42500ms), "42.5s");
  EXPECT_EQ(FormatElapsed(187s), "3m07s");
  EXPECT_EQ(FormatElapsed(125min), "2h05m");
  EXPECT_EQ(FormatElapsed(76h), "3d04h");
  EXPECT_EQ(FormatElapsed(-2s), "-2.00s");
}

TEST(CliTime, ParsesRfc3339AndRelativeBounds) {
  auto t = [](std::string_view s) { return ParseTimeBound(s, kNoon); };
  EXPECT_EQ(*t("2024-01-01T12:00:00Z"), kNoon);
  EXPECT_EQ(*t("2024-01-01T14:00:00.250+02:00"), kNoon + 250ms);
  EXPECT_EQ(*t("2024-01-01t11:30:00-00:30"), kNoon);
  EXPECT_EQ(*t("2024-01-01"), kNoon - 12h);
  EXPECT_EQ(*t("2h"), kNoon - 2h);
  EXPECT_EQ(*t("1d12h"), kNoon - 36h);
  EXPECT_EQ(*t("500ms"), kNoon - 500ms);
  for (const char* bad : {"", "yesterday", "2h1d", "2024-13-01", "2024-01-01T12:00:00", "12:00",
                          "-2h", "2 h", "2024-01-01T12:00Z"}) {
    auto r = t(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find("malformed time"), 0u) << bad;
    }
  }
  EXPECT_EQ(*ParseDurationText("1m30s"), 90s);
  EXPECT_FALSE(ParseDurationText("30").ok());
  EXPECT_FALSE(ParseDurationText("s").ok());
}

TEST(CliTextTable, AlignsByCodePointsAndColoursOnlyWhenAsked) {
  TextTable t({"NAME", "STATUS", "NOTE"});
  t.AddRow({"café", Cell("FAILED", kRed), ""});
  t.AddRow({"x", "COMPLETED", "ok"});
  EXPECT_EQ(t.Render(false),
            "NAME  STATUS     NOTE\n"
            "café  FAILED\n"
            "x     COMPLETED  ok\n");
  const std::string colored = t.Render(true);
  EXPECT_NE(colored.find("\x1b[31mFAILED\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[1mNAME\x1b[0m  "), std::string::npos) << colored;
}

TEST(CliJson, PayloadsKeepNumbersAndFallBackToStrings) {
  EXPECT_TRUE(IsJson("{\"a\": [1, 2.50, 123456789012345678901234567890]}\n"));
  EXPECT_FALSE(IsJson("{\"a\": 1} trailing"));
  EXPECT_FALSE(IsJson(""));
  EXPECT_EQ(PrettyPayload("{\"n\":2.50,\"big\":123456789012345678901234567890}"),
            "{\n  \"n\": 2.50,\n  \"big\": 123456789012345678901234567890\n}");
  EXPECT_EQ(PrettyPayload("plain text"), "plain text");
  EXPECT_EQ(PrettyPayload(std::string("\xff\xfe", 2)), "<2 bytes, not UTF-8>");
  rapidjson::StringBuffer buffer;
  CompactJson w(buffer);
  w.StartArray();
  WritePayload(w, "7");
  WritePayload(w, "not json");
  WritePayload(w, std::string("\xff", 1));
  w.EndArray();
  EXPECT_EQ(std::string(buffer.GetString()), "[7,\"not json\",{\"bytes\":1}]");
}

TEST(CliSteps, CodeWorkflowCallsByPositionThenTheRestByTime) {
  auto step = [](std::string id, int64_t started_ms, int64_t position) {
    StepExecution s;
    s.step_id = std::move(id);
    s.started_at = s.finished_at = FromUnixMillis(started_ms);
    s.position = position;
    return s;
  };
  // One millisecond for all: ids alone would put "add@10" before "add@2".
  std::vector<StepExecution> steps = {step("compensate:add", 5, 0), step("add@10", 5, 10),
                                      step("add@2", 5, 2), step("add", 5, 1)};
  std::vector<std::string> ids;
  for (const auto& s : StepsInOrder(steps)) ids.push_back(s.step_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"add", "add@2", "add@10", "compensate:add"}));
  // Builder records (no positions) keep their time order.
  ids.clear();
  for (const auto& s : StepsInOrder({step("b", 2, 0), step("a", 3, 0)})) ids.push_back(s.step_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a"}));
  // JSON: position and kind for a code call only.
  StepExecution sleep = step("nap", 5, 3);
  sleep.kind = "sleep";
  const std::string code_json =
      RenderJson(JsonLayout::kCompact, [&](auto& w) { WriteStep(w, sleep); });
  EXPECT_NE(code_json.find("\"position\":3,\"kind\":\"sleep\""), std::string::npos) << code_json;
  const std::string builder_json =
      RenderJson(JsonLayout::kCompact, [&](auto& w) { WriteStep(w, step("b", 2, 0)); });
  EXPECT_EQ(builder_json.find("position"), std::string::npos) << builder_json;
}

TEST(CliArguments, StatusesAndTags) {
  auto s = ParseStatuses({"failed", "Compensated"});
  ASSERT_OK(s);
  EXPECT_EQ(*s, (std::vector<RunStatus>{RunStatus::kFailed, RunStatus::kCompensated}));
  EXPECT_EQ(ParseStatuses({"DONE"}).status().message().rfind("unknown status \"DONE\"", 0), 0u);
  auto t = ParseTags({"a=1", "b=x=y", "c="});
  ASSERT_OK(t);
  EXPECT_EQ(t->at("b"), "x=y");
  EXPECT_EQ(t->at("c"), "");
  EXPECT_FALSE(ParseTags({"=v"}).ok());
  EXPECT_FALSE(ParseTags({"novalue"}).ok());
}

class CliListing : public ::testing::Test {
 protected:
  // The runs of workflow "wf", `limit` to a page.
  static RunQuery WorkflowRuns(int limit) {
    RunQuery q;
    q.workflow_id = "wf";
    q.limit = limit;
    return q;
  }

  void SetUp() override {
    store::WorkflowStoreOptions o;
    o.clock = &clock_;
    o.gsi2_shards = 3;
    table::TableOptions to;
    to.clock = &clock_;  // TTL judged by the same fake time as the runs' retention
    store_ = std::move(store::WorkflowStore::Create(
                           std::shared_ptr<table::Table>(table::NewMemoryTable(to)), o))
                 .value();
    // 30 runs 1 s apart; every third stays PENDING, the rest are CANCELLED (finished at once,
    // so their status-index time is also their creation time); even ones tagged team=a.
    for (int i = 0; i < 30; ++i) {
      store::NewRun nr;
      nr.workflow_id = "wf";
      nr.run_id = "run-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
      if (i % 2 == 0) nr.tags["team"] = "a";
      ASSERT_OK(store_->CreateRun(nr));
      if (i % 3 != 0) {
        ASSERT_OK(store_->RequestCancel(nr.run_id));
      }
      clock_.Advance(1s);
    }
  }
  // Every run of `q`, page by page; fails on a duplicate.
  std::vector<std::string> All(RunQuery q, int* pages = nullptr) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::string cursor;
    int n = 0;
    do {
      auto page = ListRuns(*store_, q, cursor);
      EXPECT_OK(page);
      if (!page.ok()) break;
      for (const auto& r : page->runs) {
        EXPECT_TRUE(seen.insert(r.run_id).second) << r.run_id;
        out.push_back(r.run_id);
      }
      cursor = page->next_cursor;
      EXPECT_LT(++n, 100);
    } while (!cursor.empty() && n < 100);
    if (pages) *pages = n;
    return out;
  }

  test::FakeClock clock_;
  std::unique_ptr<store::WorkflowStore> store_;
};

TEST_F(CliListing, OneStreamPagesAtOneStoreCallEach) {
  RunQuery q = WorkflowRuns(7);
  ASSERT_OK_AND_ASSIGN(auto page, ListRuns(*store_, q, ""));
  EXPECT_EQ(page.runs.size(), 7u);
  EXPECT_EQ(page.runs[0].run_id, "run-29");
  EXPECT_EQ(page.store_calls, 1);
  int pages = 0;
  auto all = All(q, &pages);
  EXPECT_EQ(all.size(), 30u);
  EXPECT_EQ(pages, 5);
  q.newest_first = false;
  EXPECT_EQ(All(q).front(), "run-00");
}

TEST_F(CliListing, MergesStatusesInTimeOrderBehindOneCursor) {
  RunQuery q;
  q.statuses = {RunStatus::kCancelled, RunStatus::kPending};
  q.limit = 4;
  auto all = All(q);
  ASSERT_EQ(all.size(), 30u);
  // Newest first across both statuses: run-29 ... run-00.
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(all[static_cast<size_t>(i)],
              "run-" + std::string(29 - i < 10 ? "0" : "") + std::to_string(29 - i));
  }
  // The same by workflow with a status filter per status.
  q.workflow_id = "wf";
  EXPECT_EQ(All(q), all);
  // Tags filter on the client, partly consumed pages resume exactly after the last run shown.
  q.tags["team"] = "a";
  q.limit = 3;
  auto team = All(q);
  EXPECT_EQ(team.size(), 15u);
  for (const auto& id : team) EXPECT_EQ(std::stoi(id.substr(4)) % 2, 0) << id;
}

TEST_F(CliListing, CursorsOfOtherQueriesAndTamperedOnesAreRejected) {
  RunQuery a = WorkflowRuns(2);
  ASSERT_OK_AND_ASSIGN(auto page, ListRuns(*store_, a, ""));
  const std::string cursor = page.next_cursor;
  RunQuery b = a;
  b.newest_first = false;
  auto other = ListRuns(*store_, b, cursor);
  EXPECT_TRUE(other.status().Is(StatusCode::kInvalidArgument));
  EXPECT_NE(other.status().message().find("belongs to another query"), std::string::npos);
  std::string tampered = cursor;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  auto bad = ListRuns(*store_, a, tampered);
  EXPECT_TRUE(bad.status().Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(bad.status().message().rfind("invalid cursor: ", 0), 0u) << bad.status();
  EXPECT_FALSE(ListRuns(*store_, a, "c1").ok());
  RunQuery none;
  EXPECT_NE(ListRuns(*store_, none, "").status().message().find("--workflow"), std::string::npos);
  RunQuery wf_pending;
  wf_pending.workflow_id = "wf";
  wf_pending.statuses = {RunStatus::kPending};
  ASSERT_OK_AND_ASSIGN(auto count, CountRuns(*store_, wf_pending));
  EXPECT_EQ(count, 10);
  RunQuery pending;
  pending.statuses = {RunStatus::kPending};
  EXPECT_EQ(*CountRuns(*store_, pending), 10);
}

}  // namespace
}  // namespace dynaflow::cli
