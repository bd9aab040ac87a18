// End-to-end tests of the `dynaflow` command: the real binary, against runs made by a worker,
// on SQLite (label unit) and on DynamoDB Local (label integration). See cli_e2e_fixture.h.
#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/cli_e2e_fixture.h"
#include "tests/support/dynamodb_local.h"
#include "tests/support/status_matchers.h"

namespace dynaflow::test {
namespace {

using namespace std::chrono_literals;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> Ids(const rapidjson::Value& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs.GetArray()) out.push_back(r["run_id"].GetString());
  return out;
}

TEST_P(CliEndToEnd, ListPagesWithACursorAndFilters) {
  const std::vector<std::string> started = StartOrders(1, 25);
  ASSERT_EQ(started.size(), 25u);

  // Three pages of 10, 10 and 5 runs, newest first, every run exactly once.
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    std::vector<std::string> args = {"runs",    "list", "--workflow", "order",
                                     "--limit", "10",   "-o",         "json"};
    if (!cursor.empty()) args.insert(args.end(), {"--cursor", cursor});
    CliResult r = Cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = Parse(r.out);
    auto ids = Ids(doc["runs"]);
    EXPECT_EQ(ids.size(), page < 2 ? 10u : 5u);
    seen.insert(seen.end(), ids.begin(), ids.end());
    cursor = doc["next_cursor"].GetString();
    EXPECT_EQ(cursor.empty(), page == 2);
  }
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
            std::set<std::string>(started.begin(), started.end()));
  EXPECT_EQ(seen.size(), 25u);
  // Newest first: by creation time, then run id (runs of one millisecond), descending.
  auto all_newest = Parse(Cli({"runs", "list", "-w", "order", "-n", "100", "-o", "json"}).out);
  ASSERT_EQ(Ids(all_newest["runs"]), seen);
  for (size_t i = 1; i < seen.size(); ++i) {
    const auto& a = all_newest["runs"][static_cast<rapidjson::SizeType>(i - 1)];
    const auto& b = all_newest["runs"][static_cast<rapidjson::SizeType>(i)];
    EXPECT_GE(std::make_pair(std::string(a["created_at"].GetString()), seen[i - 1]),
              std::make_pair(std::string(b["created_at"].GetString()), seen[i]));
  }

  CliResult oldest =
      Cli({"runs", "list", "-w", "order", "--oldest-first", "-n", "3", "-o", "json"});
  ASSERT_EQ(oldest.exit_code, 0) << oldest.err;
  EXPECT_EQ(Ids(Parse(oldest.out)["runs"]),
            std::vector<std::string>(seen.rbegin(), seen.rbegin() + 3));

  // --status alone (the status index): the compensated orders 7, 13, 14, 21.
  CliResult comp = Cli({"runs", "list", "--status", "compensated", "-o", "jsonl"});
  ASSERT_EQ(comp.exit_code, 0) << comp.err;
  auto lines = ParseLines(comp.out);
  std::set<std::string> compensated;
  for (auto& l : lines) {
    EXPECT_STREQ(l["status"].GetString(), "COMPENSATED");
    compensated.insert(l["run_id"].GetString());
  }
  EXPECT_EQ(compensated,
            (std::set<std::string>{started[6], started[12], started[13], started[20]}));

  // Two statuses merged behind one cursor, paged by 7: all 25 runs, each once.
  std::set<std::string> merged;
  cursor.clear();
  int pages = 0;
  do {
    std::vector<std::string> args = {"runs", "list",        "-w", "order", "-s", "COMPLETED",
                                     "-s",   "COMPENSATED", "-n", "7",     "-o", "json"};
    if (!cursor.empty()) args.insert(args.end(), {"--cursor", cursor});
    CliResult r = Cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = Parse(r.out);
    for (const auto& id : Ids(doc["runs"])) EXPECT_TRUE(merged.insert(id).second) << id;
    cursor = doc["next_cursor"].GetString();
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(merged.size(), 25u);
  EXPECT_EQ(pages, 4);

  // --all with jsonl: every run, one line each.
  CliResult all = Cli({"runs", "list", "-w", "order", "--all", "-n", "4", "-o", "jsonl"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(ParseLines(all.out).size(), 25u);

  // --tag filters on the client.
  CliResult odd =
      Cli({"runs", "list", "-w", "order", "--tag", "batch=odd", "-n", "100", "-o", "json"});
  ASSERT_EQ(odd.exit_code, 0) << odd.err;
  auto odd_doc = Parse(odd.out);
  EXPECT_EQ(odd_doc["runs"].Size(), 13u);
  for (const auto& r : odd_doc["runs"].GetArray())
    EXPECT_STREQ(r["tags"]["batch"].GetString(), "odd");

  // --since / --until: from the 20th run's creation time on; relative times.
  auto all_doc =
      Parse(Cli({"runs", "list", "-w", "order", "-n", "100", "--oldest-first", "-o", "json"}).out);
  const std::string t20 = all_doc["runs"][19]["created_at"].GetString();
  auto since =
      Parse(Cli({"runs", "list", "-w", "order", "-n", "100", "--since", t20, "-o", "json"}).out);
  for (const auto& r : since["runs"].GetArray()) {
    EXPECT_GE(std::string(r["created_at"].GetString()), t20);
  }
  EXPECT_GE(since["runs"].Size(), 6u);
  EXPECT_LT(since["runs"].Size(), 25u);
  auto until =
      Parse(Cli({"runs", "list", "-w", "order", "-n", "100", "--until", t20, "-o", "json"}).out);
  EXPECT_EQ(until["runs"].Size() + since["runs"].Size(), 25u);
  EXPECT_EQ(Parse(Cli({"runs", "list", "-w", "order", "--since", "1h", "-n", "100", "-o", "json"})
                      .out)["runs"]
                .Size(),
            25u);
  EXPECT_EQ(
      Parse(Cli({"runs", "list", "-w", "order", "--until", "1h", "-o", "json"}).out)["runs"].Size(),
      0u);

  // runs count.
  CliResult count = Cli({"runs", "count", "-s", "COMPENSATED", "-s", "COMPLETED", "-o", "json"});
  ASSERT_EQ(count.exit_code, 0) << count.err;
  auto counts = Parse(count.out);
  EXPECT_EQ(counts["counts"]["COMPENSATED"].GetInt64(), 4);
  EXPECT_EQ(counts["counts"]["COMPLETED"].GetInt64(), 21);
  EXPECT_EQ(counts["total"].GetInt64(), 25);
  auto by_wf = Parse(Cli({"runs", "count", "-s", "COMPENSATED", "-w", "order", "-o", "json"}).out);
  EXPECT_EQ(by_wf["counts"]["COMPENSATED"].GetInt64(), 4);
  EXPECT_EQ(
      Parse(Cli({"runs", "count", "-s", "FAILED", "-w", "nothing", "-o", "json"}).out)["total"]
          .GetInt64(),
      0);
}

TEST_P(CliEndToEnd, BadListingInputIsAOneLineUsageError) {
  StartOrders(1, 3);
  auto one_line = [](const CliResult& r) {
    return std::count(r.err.begin(), r.err.end(), '\n') == 1;
  };
  CliResult nothing = Cli({"runs", "list"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_TRUE(Contains(nothing.err, "give --workflow ID and/or --status STATUS")) << nothing.err;
  EXPECT_TRUE(nothing.out.empty());

  CliResult status = Cli({"runs", "list", "--status", "DONE"});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_TRUE(Contains(status.err, "unknown status \"DONE\"")) << status.err;
  EXPECT_TRUE(one_line(status));

  CliResult time = Cli({"runs", "list", "-w", "order", "--since", "yesterday"});
  EXPECT_EQ(time.exit_code, 2);
  EXPECT_TRUE(Contains(time.err, "--since: malformed time \"yesterday\"")) << time.err;

  // Cursors: a real one from page 1 of a by-workflow listing.
  auto doc = Parse(Cli({"runs", "list", "-w", "order", "-n", "1", "-o", "json"}).out);
  const std::string cursor = doc["next_cursor"].GetString();
  ASSERT_FALSE(cursor.empty());
  CliResult garbage = Cli({"runs", "list", "-w", "order", "--cursor", "hello"});
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_TRUE(Contains(garbage.err, "invalid cursor: not a cursor printed by")) << garbage.err;
  EXPECT_TRUE(one_line(garbage));
  CliResult other_query = Cli({"runs", "list", "-s", "COMPLETED", "--cursor", cursor});
  EXPECT_EQ(other_query.exit_code, 2);
  EXPECT_TRUE(Contains(other_query.err, "belongs to another query")) << other_query.err;
  std::string tampered = cursor;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  CliResult bad_mac = Cli({"runs", "list", "-w", "order", "--cursor", tampered});
  EXPECT_EQ(bad_mac.exit_code, 2);
  EXPECT_TRUE(Contains(bad_mac.err, "invalid cursor:")) << bad_mac.err;
  CliResult other_prefix =
      Cli({"--store.key-prefix=staging/", "runs", "list", "-w", "order", "--cursor", cursor});
  EXPECT_EQ(other_prefix.exit_code, 2);
  EXPECT_TRUE(Contains(other_prefix.err, "invalid cursor:")) << other_prefix.err;
  EXPECT_TRUE(one_line(other_prefix));

  CliResult output = Cli({"-o", "yaml", "runs", "list", "-w", "order"});
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_TRUE(Contains(output.err, "unknown output format \"yaml\"")) << output.err;
}

TEST_P(CliEndToEnd, ShowsCompensatedAndFailedRuns) {
  const std::vector<std::string> ids = StartOrders(13, 14);  // 13: ship fails; 14: charge fails
  ASSERT_OK_AND_ASSIGN(auto flaky, engine_->Start(flaky_, 41));
  ASSERT_EQ(Finish(flaky.run_id), RunStatus::kFailed);

  // Order 13: reserve, charge, ship FAILED, then the compensations in reverse order.
  CliResult text = Cli({"runs", "show", ids[0], "--timeline"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(Contains(text.out, "status        COMPENSATED")) << text.out;
  EXPECT_TRUE(Contains(text.out, "steps         5 recorded, 2 compensations")) << text.out;
  EXPECT_TRUE(Contains(text.out, "address of order 13 is not served")) << text.out;
  EXPECT_TRUE(Contains(text.out, "timeline: ")) << text.out;
  const size_t reserve = text.out.find("\nreserve "), charge = text.out.find("\ncharge "),
               ship = text.out.find("\nship "), comp_charge = text.out.find("\ncompensate:charge"),
               comp_reserve = text.out.find("\ncompensate:reserve");
  ASSERT_NE(comp_reserve, std::string::npos) << text.out;
  EXPECT_LT(reserve, charge);
  EXPECT_LT(charge, ship);
  EXPECT_LT(ship, comp_charge);
  EXPECT_LT(comp_charge, comp_reserve);

  CliResult json = Cli({"runs", "show", ids[1], "--payloads", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = Parse(json.out);
  EXPECT_STREQ(doc["run"]["status"].GetString(), "COMPENSATED");
  EXPECT_STREQ(doc["run"]["business_key"].GetString(), "order-14");
  std::vector<std::string> steps;
  for (const auto& s : doc["steps"].GetArray()) {
    steps.push_back(std::string(s["step_id"].GetString()) + "=" + s["status"].GetString());
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"reserve=COMPLETED", "charge=FAILED",
                                             "compensate:reserve=COMPENSATED"}));
  EXPECT_STREQ(doc["steps"][1]["error"].GetString(),
               "PermissionDenied: payment declined for order 14");
  EXPECT_TRUE(doc["steps"][2]["compensation"].GetBool());
  EXPECT_EQ(doc["input"].GetInt(), 14);  // a number, as encoded
  EXPECT_EQ(doc["outputs"]["reserve"].GetInt(), 14);

  // By business key.
  CliResult by_key =
      Cli({"runs", "show", "--business-key", "order-13", "-w", "order", "-o", "json"});
  ASSERT_EQ(by_key.exit_code, 0) << by_key.err;
  EXPECT_EQ(std::string(Parse(by_key.out)["run"]["run_id"].GetString()), ids[0]);

  CliResult failed = Cli({"runs", "show", flaky.run_id});
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_TRUE(Contains(failed.out, "status        FAILED")) << failed.out;
  EXPECT_TRUE(Contains(failed.out, "Unavailable: service down")) << failed.out;

  CliResult unknown = Cli({"runs", "show", "01NOSUCHRUN0000000000000000"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "dynaflow: run 01NOSUCHRUN0000000000000000 not found\n");
  CliResult unknown_key = Cli({"runs", "show", "-k", "order-99", "-w", "order"});
  EXPECT_EQ(unknown_key.exit_code, 1);
  EXPECT_TRUE(Contains(unknown_key.err, "business key \"order-99\"")) << unknown_key.err;
}

TEST_P(CliEndToEnd, CancelRetryAndStartDriveRuns) {
  // Cancel: a run that has not started (delayed an hour) ends CANCELLED at once.
  engine::StartOptions later;
  later.start_at = std::chrono::system_clock::now() + 1h;
  auto delayed = engine_->Start(order_, 1, later);
  ASSERT_OK(delayed);
  CliResult cancel = Cli({"runs", "cancel", delayed->run_id, "01NOSUCHRUN0000000000000000"});
  EXPECT_EQ(cancel.exit_code, 1);  // one of the two was unknown
  EXPECT_TRUE(Contains(cancel.out, "\n" + delayed->run_id + "   CANCELLED\n")) << cancel.out;
  EXPECT_TRUE(Contains(cancel.err, "run 01NOSUCHRUN0000000000000000 not found")) << cancel.err;
  EXPECT_EQ(engine_->store().GetRun(delayed->run_id)->status, RunStatus::kCancelled);
  CliResult again = Cli({"runs", "cancel", delayed->run_id, "-o", "json"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_FALSE(Parse(again.out)["cancelled"][0]["ok"].GetBool());
  EXPECT_TRUE(Contains(again.err, "already CANCELLED")) << again.err;

  // Retry: a FAILED run continues as a new run once the service is back.
  ASSERT_OK_AND_ASSIGN(auto flaky, engine_->Start(flaky_, 41));
  ASSERT_EQ(Finish(flaky.run_id), RunStatus::kFailed);
  CliResult not_failed = Cli({"runs", "retry", delayed->run_id});
  EXPECT_EQ(not_failed.exit_code, 1);
  EXPECT_TRUE(Contains(not_failed.err, "only FAILED runs can be retried")) << not_failed.err;
  flaky_fails = false;
  CliResult retry = Cli({"runs", "retry", flaky.run_id, "--wait", "-o", "json"});
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  auto retried = Parse(retry.out);
  EXPECT_STREQ(retried["run"]["status"].GetString(), "COMPLETED");
  EXPECT_EQ(std::string(retried["run"]["tags"]["dynaflow.retry_of"].GetString()), flaky.run_id);
  const std::string new_id = retried["run"]["run_id"].GetString();
  EXPECT_EQ(*engine_->GetResult<int>(new_id), 42);

  // Start + wait: the worker of this process executes the run the binary created.
  CliResult start = Cli({"runs", "start", "order", "--version", "1", "--input", "3",
                         "--business-key", "cli-3", "--wait"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_TRUE(Contains(start.out, "status        COMPLETED")) << start.out;
  ASSERT_OK_AND_ASSIGN(auto cli3, engine_->store().FindRunByBusinessKey("order", "cli-3"));
  EXPECT_EQ(*engine_->GetResult<int>(cli3.run_id), 30);
  CliResult compensated = Cli({"runs", "start", "order", "--input", "7", "--wait", "-o", "json"});
  EXPECT_EQ(compensated.exit_code, 1);
  EXPECT_STREQ(Parse(compensated.out)["run"]["status"].GetString(), "COMPENSATED");
  EXPECT_TRUE(Contains(compensated.err, "ended COMPENSATED")) << compensated.err;
  CliResult no_wait = Cli({"runs", "start", "order", "-i", "5", "-o", "json"});
  ASSERT_EQ(no_wait.exit_code, 0) << no_wait.err;
  EXPECT_EQ(Finish(Parse(no_wait.out)["run_id"].GetString()), RunStatus::kCompleted);

  // Malformed JSON input: a usage error, and nothing was written.
  auto before = Parse(Cli({"runs", "count", "-w", "order", "-s", "PENDING", "-s", "COMPLETED", "-s",
                           "COMPENSATED", "-s", "CANCELLED", "-o", "json"})
                          .out);
  CliResult bad = Cli({"runs", "start", "order", "--input", "{\"id\": 3,"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "malformed JSON input (--input):")) << bad.err;
  auto after = Parse(Cli({"runs", "count", "-w", "order", "-s", "PENDING", "-s", "COMPLETED", "-s",
                          "COMPENSATED", "-s", "CANCELLED", "-o", "json"})
                         .out);
  EXPECT_EQ(after["total"].GetInt64(), before["total"].GetInt64());
  EXPECT_EQ(before["total"].GetInt64(), 4);  // delayed, cli-3, 7 and 5
}

TEST_P(CliEndToEnd, TableCreateVerifyDescribe) {
  std::vector<std::string> other;
  if (GetParam() == CliBackend::kSqlite) {
    other = {"--store.path=" + dir_ + "/other.db"};
  } else {
    other = {"--store.table=" + UniqueTableName("cli_other")};
  }
  auto with = [&](std::vector<std::string> args) {  // the store flags, one key replaced
    std::vector<std::string> all;
    const std::string key = other[0].substr(0, other[0].find('=') + 1);
    for (const auto& f : StoreFlags()) all.push_back(f.rfind(key, 0) == 0 ? other[0] : f);
    all.insert(all.end(), args.begin(), args.end());
    return RunCli(all);
  };
  CliResult missing = with({"table", "verify"});
  EXPECT_EQ(missing.exit_code, 1);
  CliResult list_missing = with({"runs", "list", "-w", "order"});
  EXPECT_EQ(list_missing.exit_code, 1);  // never creates a store by accident
  CliResult create = with({"table", "create", "-o", "json"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_TRUE(Parse(create.out)["created"].GetBool());
  CliResult create_again = with({"table", "create", "-o", "json"});
  ASSERT_EQ(create_again.exit_code, 0) << create_again.err;
  EXPECT_FALSE(Parse(create_again.out)["created"].GetBool());
  CliResult verify = with({"table", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_TRUE(Contains(verify.out, "matches the dynaflow")) << verify.out;
  CliResult describe = with({"table", "describe"});
  EXPECT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_TRUE(Contains(describe.out, "layout")) << describe.out;
  // JSON: numbers are numbers ("file_bytes" of SQLite, "items" of DynamoDB).
  auto described = Parse(with({"table", "describe", "-o", "json"}).out);
  EXPECT_TRUE(described[GetParam() == CliBackend::kSqlite ? "file_bytes" : "items"].IsInt64());
}

TEST_P(CliEndToEnd, ATableThatDoesNotMatchTheLayoutIsNamedAndLeftAlone) {
  std::vector<std::string> flags = StoreFlags();
  std::string expected;
  if (GetParam() == CliBackend::kSqlite) {
    const std::string path = dir_ + "/not-a-store.db";
    std::ofstream(path) << "this is not a SQLite database, just text\n";
    for (auto& f : flags) {
      if (f.rfind("--store.path=", 0) == 0) f = "--store.path=" + path;
    }
    expected = "not-a-store.db";
  } else {
    // The fixture's table has no TTL (the test helper does not enable it): one difference.
    CliResult no_ttl = Cli({"table", "verify"});
    EXPECT_EQ(no_ttl.exit_code, 1);
    EXPECT_TRUE(Contains(no_ttl.err, "TTL is not enabled on ttl")) << no_ttl.err;
    // A table with GSI1SK of type N and no GSI2: both listed in one line.
    auto client = NewDynamoDbLocalClient();
    ASSERT_NE(client, nullptr);
    const std::string name = UniqueTableName("cli_bad");
    dynamodb::CreateTableRequest req;
    req.table_name = name;
    req.attribute_definitions = {{"PK", "S"}, {"SK", "S"}, {"GSI1PK", "S"}, {"GSI1SK", "N"}};
    req.key_schema = {{"PK", "HASH"}, {"SK", "RANGE"}};
    dynamodb::GlobalSecondaryIndex gsi1;
    gsi1.index_name = "GSI1";
    gsi1.key_schema = {{"GSI1PK", "HASH"}, {"GSI1SK", "RANGE"}};
    req.global_secondary_indexes = {gsi1};
    ASSERT_OK(client->CreateTable(req));
    ASSERT_OK(client->WaitUntilActive(name));
    for (auto& f : flags) {
      if (f.rfind("--store.table=", 0) == 0) f = "--store.table=" + name;
    }
    CliResult verify = RunCli([&] {
      auto a = flags;
      a.insert(a.end(), {"table", "verify"});
      return a;
    }());
    EXPECT_EQ(verify.exit_code, 1);
    EXPECT_TRUE(Contains(verify.err, "missing index GSI2")) << verify.err;
    EXPECT_TRUE(Contains(verify.err, "GSI1SK is N, expected S")) << verify.err;
    EXPECT_EQ(std::count(verify.err.begin(), verify.err.end(), '\n'), 1) << verify.err;
    expected = "missing index GSI2";
    dynamodb::DeleteTableRequest del;
    del.table_name = name;
    auto cleanup = [&] { (void)client->DeleteTable(del); };
    CliResult list = RunCli([&] {
      auto a = flags;
      a.insert(a.end(), {"runs", "start", "order", "-i", "1"});
      return a;
    }());
    EXPECT_EQ(list.exit_code, 1);
    EXPECT_TRUE(Contains(list.err, expected)) << list.err;
    cleanup();
    return;
  }
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), flags.begin(), flags.end());
    return RunCli(args);
  };
  CliResult verify = run({"table", "verify"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_TRUE(Contains(verify.err, expected)) << verify.err;
  CliResult start = run({"runs", "start", "order", "-i", "1"});
  EXPECT_EQ(start.exit_code, 1);
  EXPECT_TRUE(Contains(start.err, expected)) << start.err;
  // The file was left as it was.
  std::ifstream in(dir_ + "/not-a-store.db");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "this is not a SQLite database, just text");
  // The fixture's own store (runs made by the worker) matches.
  EXPECT_EQ(Cli({"table", "verify"}).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CliEndToEnd,
                         ::testing::Values(CliBackend::kSqlite, CliBackend::kDynamoDbLocal),
                         [](const auto& info) {
                           return info.param == CliBackend::kSqlite ? "Sqlite" : "DynamoDbLocal";
                         });

TEST(CliCommand, VersionHelpAndUsage) {
  CliResult v = RunCli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, std::string("dynaflow ") + DYNAFLOW_VERSION_FOR_TEST + "\n");
  CliResult help = RunCli({"runs", "list", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(Contains(help.out, "one page is one Query per GSI partition queried")) << help.out;
  CliResult none = RunCli({});
  EXPECT_EQ(none.exit_code, 2);
  CliResult unknown = RunCli({"runs", "explode"});
  EXPECT_EQ(unknown.exit_code, 2);
  CliResult config = RunCli({"--config", "/nonexistent/dynaflow.toml", "runs", "list", "-w", "x"});
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_TRUE(Contains(config.err, "cannot read the configuration file")) << config.err;
  CliResult bad_key = RunCli({"runs", "list", "-w", "x"}, {"DYNAFLOW_STORE_GSI2_SHARDS=abc"});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_TRUE(Contains(bad_key.err, "environment variable DYNAFLOW_STORE_GSI2_SHARDS"))
      << bad_key.err;
}

}  // namespace
}  // namespace dynaflow::test
