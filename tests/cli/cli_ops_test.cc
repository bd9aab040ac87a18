// End-to-end tests of the operator commands of `dynaflow` (events, schedules, runs cancel /
// retry by filter, runs export) and of the output rules every command follows (typed JSON, the
// jsonl cursor line, usage errors that name the mistake). The real binary, on SQLite (label
// unit) and DynamoDB Local (label integration); see cli_e2e_fixture.h.
#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_e2e_fixture.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_P(CliEndToEnd, EventsSendDeliversByRunIdOrBusinessKeyOnce) {
  const std::string a = StartApproval("trip-1");
  const std::string b = StartApproval("trip-2");
  // By run id, with an idempotency id: sent, then a duplicate that writes nothing.
  CliResult sent =
      Cli({"events", "send", a, "approved", "--data", "41", "--event-id", "e-1", "-o", "json"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto doc = Parse(sent.out);
  EXPECT_STREQ(doc["run_id"].GetString(), a.c_str());
  EXPECT_STREQ(doc["event_id"].GetString(), "e-1");
  EXPECT_FALSE(doc["duplicate"].GetBool());
  EXPECT_TRUE(doc["woke"].GetBool());
  EXPECT_EQ(Finish(a), RunStatus::kCompleted);
  EXPECT_EQ(*engine_->GetResult<int>(a), 42);  // the event + 1
  // By business key, the payload from a file; table output.
  const std::string file = dir_ + "/payload.json";
  std::ofstream(file) << "9";
  CliResult by_key = Cli({"events", "send", "--workflow", "approval", "--business-key", "trip-2",
                          "approved", "--data", "@" + file});
  ASSERT_EQ(by_key.exit_code, 0) << by_key.err;
  EXPECT_TRUE(Contains(by_key.out, b)) << by_key.out;
  EXPECT_TRUE(Contains(by_key.out, "the run was waiting for it and is due now")) << by_key.out;
  EXPECT_EQ(Finish(b), RunStatus::kCompleted);
  EXPECT_EQ(*engine_->GetResult<int>(b), 10);

  // Errors: a finished run (1), an unknown key (1), malformed JSON and bad arguments (2).
  CliResult finished = Cli({"events", "send", a, "approved", "--data", "1"});
  EXPECT_EQ(finished.exit_code, 1);
  EXPECT_TRUE(Contains(finished.err, "COMPLETED")) << finished.err;
  CliResult unknown =
      Cli({"events", "send", "-w", "approval", "-k", "nobody", "approved", "--data", "1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(Contains(unknown.err, "business key \"nobody\"")) << unknown.err;
  CliResult bad = Cli({"events", "send", a, "approved", "--data", "{oops"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "malformed JSON input (--data)")) << bad.err;
  CliResult half = Cli({"events", "send", "-w", "approval", "approved", "--data", "1"});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_TRUE(Contains(half.err, "--workflow and --business-key go together")) << half.err;
  CliResult no_name = Cli({"events", "send", a, "--data", "1"});
  EXPECT_EQ(no_name.exit_code, 2);
}

TEST_P(CliEndToEnd, JsonlEndsWithTheNextCursorAndInvertedRangesAreUsageErrors) {
  StartOrders(1, 5);
  CliResult page = Cli({"runs", "list", "-w", "order", "-n", "2", "-o", "jsonl"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  auto lines = ParseLines(page.out);
  ASSERT_EQ(lines.size(), 3u) << page.out;
  ASSERT_TRUE(lines[2].HasMember("next_cursor"));
  EXPECT_EQ(lines[2].MemberCount(), 1u);
  const std::string cursor = lines[2]["next_cursor"].GetString();
  // Following the cursor lines to the end: 5 runs, and no cursor line on the last page.
  int runs = 2;
  std::string next = cursor;
  while (!next.empty()) {
    CliResult more =
        Cli({"runs", "list", "-w", "order", "-n", "2", "-o", "jsonl", "--cursor", next});
    ASSERT_EQ(more.exit_code, 0) << more.err;
    next.clear();
    for (auto& l : ParseLines(more.out)) {
      if (l.HasMember("next_cursor")) {
        next = l["next_cursor"].GetString();
      } else {
        ++runs;
      }
    }
  }
  EXPECT_EQ(runs, 5);

  CliResult inverted = Cli({"runs", "list", "-w", "order", "--since", "1h", "--until", "2h"});
  EXPECT_EQ(inverted.exit_code, 2);
  EXPECT_TRUE(Contains(inverted.err, "is not before --until")) << inverted.err;
  EXPECT_TRUE(inverted.out.empty());
}

TEST(CliCommand, UnknownCommandsNameTheClosestAndHelpListsOnlyUsedFlags) {
  CliResult top = RunCli({"runz"});
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_TRUE(
      Contains(top.err, "unknown command \"runz\" for \"dynaflow\" (did you mean \"runs\"?)"))
      << top.err;
  CliResult sub = RunCli({"--store.type", "memory", "runs", "lsit", "-w", "x"});
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_TRUE(
      Contains(sub.err, "unknown command \"lsit\" for \"dynaflow runs\" (did you mean \"list\"?)"))
      << sub.err;
  CliResult help = RunCli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_FALSE(Contains(help.out, "--worker.")) << help.out;
  EXPECT_TRUE(Contains(help.out, "--store.type")) << help.out;
  // Still accepted (one configuration for workers and the command).
  EXPECT_EQ(
      RunCli({"--store.type=memory", "--worker.threads=2", "runs", "list", "-w", "x"}).exit_code,
      0);
}

TEST_P(CliEndToEnd, SchedulesAreCreatedListedPausedTriggeredAndDeleted) {
  CliResult created =
      Cli({"schedules", "create", "nightly", "-w", "order", "--cron", "0 2 * * *", "--input", "5",
           "--overlap", "buffer-one", "--time-zone", "+02:00", "-o", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto doc = Parse(created.out);
  EXPECT_STREQ(doc["schedule_id"].GetString(), "nightly");
  EXPECT_STREQ(doc["overlap"].GetString(), "BUFFER_ONE");
  EXPECT_FALSE(doc["paused"].GetBool());
  EXPECT_EQ(doc["fired"].GetInt64(), 0);
  EXPECT_EQ(doc["catch_up_window_s"].GetInt64(), 60);
  ASSERT_EQ(Cli({"schedules", "create", "hourly", "-w", "flaky", "--cron", "@hourly", "--input",
                 "1", "--paused"})
                .exit_code,
            0);
  // Taken id, bad cron, bad overlap, bad JSON: errors naming the problem.
  CliResult taken =
      Cli({"schedules", "create", "nightly", "-w", "order", "--cron", "@daily", "--input", "1"});
  EXPECT_EQ(taken.exit_code, 1);
  CliResult cron =
      Cli({"schedules", "create", "x", "-w", "order", "--cron", "61 * * * *", "--input", "1"});
  EXPECT_EQ(cron.exit_code, 2) << cron.err;
  CliResult overlap = Cli({"schedules", "create", "x", "-w", "order", "--cron", "@daily", "--input",
                           "1", "--overlap", "sometimes"});
  EXPECT_EQ(overlap.exit_code, 2);
  EXPECT_TRUE(Contains(overlap.err, "--overlap: expected skip, allow or buffer-one"))
      << overlap.err;

  // list: both; json typed; table names them.
  auto listed = Parse(Cli({"schedules", "list", "-o", "json"}).out);
  ASSERT_EQ(listed["schedules"].Size(), 2u);
  std::set<std::string> ids;
  for (const auto& s : listed["schedules"].GetArray()) ids.insert(s["schedule_id"].GetString());
  EXPECT_EQ(ids, (std::set<std::string>{"nightly", "hourly"}));
  CliResult table = Cli({"schedules", "list"});
  EXPECT_TRUE(Contains(table.out, "paused")) << table.out;
  // Pages of one, through the jsonl cursor line.
  CliResult first = Cli({"schedules", "list", "-n", "1", "-o", "jsonl"});
  auto lines = ParseLines(first.out);
  ASSERT_EQ(lines.size(), 2u) << first.out;
  CliResult second = Cli({"schedules", "list", "-n", "1", "-o", "jsonl", "--cursor",
                          lines[1]["next_cursor"].GetString()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(std::string(ParseLines(second.out)[0]["schedule_id"].GetString()),
            lines[0]["schedule_id"].GetString());

  // pause / resume.
  EXPECT_TRUE(Parse(Cli({"schedules", "pause", "nightly", "-o", "json"}).out)["paused"].GetBool());
  EXPECT_TRUE(engine_->GetSchedule("nightly")->paused);
  EXPECT_FALSE(
      Parse(Cli({"schedules", "resume", "nightly", "-o", "json"}).out)["paused"].GetBool());
  EXPECT_FALSE(engine_->GetSchedule("nightly")->paused);

  // trigger: a run now, executed by the worker; the schedule's ticks are unchanged.
  CliResult triggered = Cli({"schedules", "trigger", "nightly", "-o", "json"});
  ASSERT_EQ(triggered.exit_code, 0) << triggered.err;
  const std::string run_id = Parse(triggered.out)["run_id"].GetString();
  EXPECT_EQ(Finish(run_id), RunStatus::kCompleted);
  EXPECT_EQ(*engine_->GetResult<int>(run_id), 50);
  auto run = engine_->store().GetRun(run_id);
  ASSERT_OK(run);
  EXPECT_EQ(run->tags.at("dynaflow.schedule"), "nightly");
  EXPECT_EQ(run->tags.at("dynaflow.trigger"), "manual");
  EXPECT_EQ(engine_->GetSchedule("nightly")->fired, 0);

  // show: fields and (no ticks yet) no runs.
  CliResult show = Cli({"schedules", "show", "nightly"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(Contains(show.out, "time zone        +02:00")) << show.out;
  auto shown = Parse(Cli({"schedules", "show", "nightly", "-o", "json"}).out);
  EXPECT_STREQ(shown["schedule"]["cron"].GetString(), "0 2 * * *");
  EXPECT_EQ(shown["runs"].Size(), 0u);

  // delete: gone; again: not found.
  ASSERT_EQ(Cli({"schedules", "delete", "nightly"}).exit_code, 0);
  EXPECT_FALSE(engine_->GetSchedule("nightly").ok());
  CliResult again = Cli({"schedules", "delete", "nightly"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.err, "nightly not found")) << again.err;
  EXPECT_EQ(Cli({"schedules", "trigger", "nightly"}).exit_code, 1);
}

TEST_P(CliEndToEnd, CancelByFilterCountsAsksActsAndIsSafeToRerun) {
  StartOrders(1, 2);  // finished: never selected by default, skipped when asked for
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + 1h;
  later.tags["group"] = "a";
  std::vector<std::string> group_a;
  for (int i = 10; i < 13; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, engine_->Start(order_, i, later));
    group_a.push_back(r.run_id);
  }
  later.tags["group"] = "b";
  ASSERT_OK_AND_ASSIGN(auto other, engine_->Start(order_, 20, later));
  const std::vector<std::string> filter = {"runs",  "cancel", "--workflow",
                                           "order", "--tag",  "group=a"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = filter;
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args);
  };

  CliResult dry = with({"--dry-run", "-o", "jsonl"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(Contains(dry.err, "3 runs match: 3 to cancel, 0 to skip")) << dry.err;
  auto planned = ParseLines(dry.out);
  ASSERT_EQ(planned.size(), 3u);
  for (auto& p : planned) EXPECT_TRUE(p["act"].GetBool());
  CliResult refused = with({});  // stdin is /dev/null: no confirmation
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.err, "not confirmed; nothing was changed")) << refused.err;
  for (const auto& id : group_a) {
    EXPECT_EQ(engine_->store().GetRun(id)->status, RunStatus::kPending);
  }

  CliResult done = with({"--yes", "-o", "jsonl"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  auto lines = ParseLines(done.out);
  ASSERT_EQ(lines.size(), 3u) << done.out;
  std::set<std::string> cancelled;
  for (auto& l : lines) {
    EXPECT_TRUE(l["ok"].GetBool());
    EXPECT_STREQ(l["outcome"].GetString(), "done");
    EXPECT_STREQ(l["result"].GetString(), "CANCELLED");
    cancelled.insert(l["run_id"].GetString());
  }
  EXPECT_EQ(cancelled, std::set<std::string>(group_a.begin(), group_a.end()));
  EXPECT_TRUE(Contains(done.err, "3 cancelled, 0 skipped, 0 failed")) << done.err;
  EXPECT_EQ(engine_->store().GetRun(other.run_id)->status, RunStatus::kPending);

  // Again: nothing unfinished is left in group a; asking for the cancelled ones skips them.
  CliResult again = with({"--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(Contains(again.err, "0 runs match")) << again.err;
  CliResult skipped = with({"--yes", "--status", "CANCELLED", "--status", "COMPLETED"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_TRUE(Contains(skipped.err, "0 cancelled, 3 skipped, 0 failed")) << skipped.err;
  EXPECT_TRUE(Contains(skipped.out, "skipped: already CANCELLED")) << skipped.out;

  // Usage errors.
  EXPECT_EQ(Cli({"runs", "cancel"}).exit_code, 2);
  EXPECT_EQ(Cli({"runs", "cancel", other.run_id, "--workflow", "order"}).exit_code, 2);
  CliResult inverted = with({"--since", "1h", "--until", "2h"});
  EXPECT_EQ(inverted.exit_code, 2);
  EXPECT_TRUE(Contains(inverted.err, "is not before --until")) << inverted.err;
}

TEST_P(CliEndToEnd, RetryByFilterRetriesEachFailedRunOnce) {
  std::vector<std::string> failed;
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, engine_->Start(flaky_, i));
    ASSERT_EQ(Finish(r.run_id), RunStatus::kFailed);
    failed.push_back(r.run_id);
  }
  StartOrders(7, 7);  // COMPENSATED: not selected
  CliResult dry = Cli({"runs", "retry", "--workflow", "flaky", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(Contains(dry.err, "3 runs match: 3 to retry")) << dry.err;
  EXPECT_TRUE(engine_->store().GetRun(failed[0])->retried_by.empty());

  flaky_fails = false;
  CliResult done = Cli({"runs", "retry", "--workflow", "flaky", "--yes", "-o", "json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  auto doc = Parse(done.out);
  ASSERT_EQ(doc["retried"].Size(), 3u) << done.out;
  for (const auto& r : doc["retried"].GetArray()) {
    const std::string new_id = r["new_run_id"].GetString();
    EXPECT_EQ(Finish(new_id), RunStatus::kCompleted);
    EXPECT_EQ(engine_->store().GetRun(r["run_id"].GetString())->retried_by, new_id);
  }
  // A rerun retries nothing more: each run is skipped with its retry named.
  CliResult again = Cli({"runs", "retry", "--workflow", "flaky", "--status", "FAILED", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(Contains(again.err, "0 retried, 3 skipped, 0 failed")) << again.err;
  EXPECT_TRUE(Contains(again.out, "skipped: already retried as")) << again.out;
  CliResult count = Cli({"runs", "count", "-w", "flaky", "-s", "COMPLETED", "-o", "json"});
  EXPECT_EQ(Parse(count.out)["total"].GetInt64(), 3);
  // By id, twice: the same retry, said so.
  CliResult by_id = Cli({"runs", "retry", failed[0]});
  EXPECT_EQ(by_id.exit_code, 0) << by_id.err;
  EXPECT_TRUE(Contains(by_id.err, "was retried already by run")) << by_id.err;
  EXPECT_EQ(Cli({"runs", "retry", "--workflow", "flaky", "--wait"}).exit_code, 2);
}

TEST_P(CliEndToEnd, ExportWritesVersionedLinesWithStepsEventsAndAResumableCursor) {
  const std::string approved = StartApproval("trip-9");
  ASSERT_OK(engine_->SendEvent(approved, "approved", 41));
  ASSERT_EQ(Finish(approved), RunStatus::kCompleted);
  CliResult one = Cli({"runs", "export", approved, "--event", "approved"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto lines = ParseLines(one.out);
  ASSERT_EQ(lines.size(), 1u) << one.out;
  const auto& line = lines[0];
  EXPECT_STREQ(line["format"].GetString(), "dynaflow.run.v1");
  EXPECT_STREQ(line["run"]["run_id"].GetString(), approved.c_str());
  EXPECT_STREQ(line["run"]["status"].GetString(), "COMPLETED");
  EXPECT_STREQ(line["run"]["business_key"].GetString(), "trip-9");
  ASSERT_EQ(line["steps"].Size(), 3u);
  EXPECT_STREQ(line["steps"][0]["step"]["step_id"].GetString(), "prepare");
  EXPECT_STREQ(line["steps"][1]["step"]["step_id"].GetString(), "approved");
  EXPECT_STREQ(line["steps"][2]["step"]["step_id"].GetString(), "book");
  EXPECT_EQ(line["steps"][2]["output"]["json"].GetInt(), 42);
  EXPECT_EQ(line["result"]["json"].GetInt(), 42);
  ASSERT_EQ(line["events"].Size(), 1u);
  EXPECT_STREQ(line["events"][0]["name"].GetString(), "approved");
  EXPECT_EQ(line["events"][0]["payload"]["json"].GetInt(), 41);
  EXPECT_TRUE(line.HasMember("input"));
  EXPECT_TRUE(line["state"].IsArray());

  // By filter, two at a time, stopped after two runs, continued into the same file.
  const std::vector<std::string> orders = StartOrders(1, 5);
  const std::string file = dir_ + "/archive.jsonl";
  CliResult first =
      Cli({"runs", "export", "-w", "order", "--page-size", "2", "--max-runs", "2", "--file", file});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto part = ParseLines(text);
  ASSERT_EQ(part.size(), 3u) << text;
  ASSERT_TRUE(part[2].HasMember("next_cursor"));
  const std::string cursor = part[2]["next_cursor"].GetString();
  EXPECT_TRUE(Contains(first.err, "continue with --cursor " + cursor)) << first.err;
  CliResult rest = Cli({"runs", "export", "-w", "order", "--page-size", "2", "--cursor", cursor,
                        "--file", file, "--append"});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  std::ifstream again(file);
  text.assign(std::istreambuf_iterator<char>(again), std::istreambuf_iterator<char>());
  std::set<std::string> ids;
  size_t run_lines = 0;
  for (auto& l : ParseLines(text)) {
    if (l.HasMember("next_cursor")) continue;
    ++run_lines;
    ids.insert(l["run"]["run_id"].GetString());
    EXPECT_EQ(l["steps"].Size(), 3u);  // reserve, charge, ship
  }
  EXPECT_EQ(run_lines, 5u);
  EXPECT_EQ(ids, std::set<std::string>(orders.begin(), orders.end()));
  EXPECT_EQ(Cli({"runs", "export"}).exit_code, 2);
  EXPECT_EQ(Cli({"runs", "export", approved, "--cursor", cursor}).exit_code, 2);
}

}  // namespace
}  // namespace dynaflow::test
