#include "dynaflow/cli/bulk.h"

#include <iostream>

#include "dynaflow/cli/json_out.h"
#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/text_table.h"

namespace dynaflow::cli {

namespace {

// Asks `question` on stderr; true when stdin answers y or yes.
bool Confirm(Context& ctx, const std::string& question) {
  std::fflush(ctx.out);
  std::fprintf(ctx.err, "%s [y/N] ", question.c_str());
  std::fflush(ctx.err);
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::fprintf(ctx.err, "\n");
    return false;
  }
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return answer == "y" || answer == "yes";
}

std::string KindName(BulkResult::Kind k) {
  switch (k) {
    case BulkResult::Kind::kDone:
      return "done";
    case BulkResult::Kind::kSkipped:
      return "skipped";
    case BulkResult::Kind::kFailed:
      return "failed";
  }
  return "failed";
}

template <class W>
void WriteResult(W& w, const BulkResult& r) {
  w.StartObject();
  WriteStringField(w, "run_id", r.run_id);
  w.Key("ok");
  w.Bool(r.kind != BulkResult::Kind::kFailed);
  WriteStringField(w, "outcome", KindName(r.kind));
  WriteStringField(w, r.kind == BulkResult::Kind::kFailed ? "error" : "result", r.text);
  if (!r.new_run_id.empty()) WriteStringField(w, "new_run_id", r.new_run_id);
  w.EndObject();
}

}  // namespace

std::string BulkResultLine(const BulkResult& r) {
  return RenderJson(JsonLayout::kCompact, [&](auto& w) { WriteResult(w, r); }) + "\n";
}

void PrintBulkResults(Context& ctx, const std::vector<BulkResult>& results,
                      const std::string& json_key) {
  if (ctx.format == OutputFormat::kTable) {
    TextTable t({"RUN ID", "RESULT"});
    for (const auto& r : results) {
      t.AddRow({r.run_id, r.kind == BulkResult::Kind::kFailed    ? Cell("error: " + r.text, kRed)
                          : r.kind == BulkResult::Kind::kSkipped ? Cell("skipped: " + r.text, kDim)
                                                                 : Cell(r.text)});
    }
    if (!results.empty()) t.Print(ctx.out, ctx.color);
  } else if (ctx.format == OutputFormat::kJson) {
    ctx.Print(RenderJson(JsonLayout::kPretty,
                         [&](auto& w) {
                           w.StartObject();
                           w.Key(json_key.c_str());
                           w.StartArray();
                           for (const auto& r : results) WriteResult(w, r);
                           w.EndArray();
                           w.EndObject();
                         }) +
              "\n");
  }
}

void BulkFlags::Declare(CLI::App& cmd, const std::string& past) {
  filter.Declare(cmd);
  cmd.add_flag("--dry-run", dry_run,
               "count and list the runs the filter selects and what would be done; change nothing");
  cmd.add_flag("--yes,-y", yes, "do not ask before the runs are " + past);
}

std::string IdsOrFilterError(const std::string& command, bool have_ids, const BulkFlags& flags) {
  if (have_ids && !flags.filter.empty()) return command + ": give run ids or a filter, not both";
  if (!have_ids && flags.filter.empty()) {
    return command + ": give RUN_ID or a filter (--workflow, --status, --since, --until, --tag)";
  }
  if (have_ids && flags.dry_run) return command + ": --dry-run goes with a filter";
  return "";
}

int RunBulk(Context& ctx, const BulkFlags& flags, const BulkAction& action) {
  auto query = flags.filter.Query(ctx.now);
  if (!query.ok()) return ctx.Fail(kExitUsage, query.status());
  if (query->statuses.empty()) query->statuses = action.default_statuses;
  query->limit = 200;
  engine::Engine* engine = ctx.EngineOrFail();
  if (engine == nullptr) return ctx.exit_code;

  std::vector<BulkPlan> plan;
  size_t to_act = 0;
  std::string cursor;
  for (;;) {
    auto page = ListRuns(engine->store(), *query, cursor);
    if (!page.ok()) {
      const bool usage = page.status().Is(StatusCode::kInvalidArgument);
      return ctx.Fail(usage ? kExitUsage : kExitFailure, page.status());
    }
    for (Run& r : page->runs) {
      BulkPlan p{std::move(r), ""};
      p.skip = action.skip(p.run);
      if (p.skip.empty()) ++to_act;
      plan.push_back(std::move(p));
    }
    cursor = page->next_cursor;
    if (cursor.empty()) break;
    ctx.Progress(action.command + ": " + std::to_string(plan.size()) + " runs selected so far");
  }
  ctx.EndProgress();
  ctx.Message(action.command + ": " + std::to_string(plan.size()) +
              " runs match: " + std::to_string(to_act) + " to " + action.verb + ", " +
              std::to_string(plan.size() - to_act) + " to skip");

  if (flags.dry_run) {
    if (ctx.format == OutputFormat::kTable) {
      TextTable t({"RUN ID", "WORKFLOW", "STATUS", "PLAN"});
      for (const auto& p : plan) {
        t.AddRow({p.run.run_id, p.run.workflow_id,
                  Cell(std::string(RunStatusName(p.run.status)), StatusColor(p.run.status)),
                  p.skip.empty() ? action.verb : "skip: " + p.skip});
      }
      if (!plan.empty()) t.Print(ctx.out, ctx.color);
    } else {
      std::string text;
      for (const auto& p : plan) {
        text +=
            JsonFields({JsonField::Text("run_id", p.run.run_id),
                        JsonField::Text("status", std::string(RunStatusName(p.run.status))),
                        JsonField::Flag("act", p.skip.empty()), JsonField::Text("skip", p.skip)});
      }
      ctx.Print(text);
    }
    return kExitOk;
  }
  std::string question = action.verb + " " + std::to_string(to_act) + " runs?";
  question[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(question[0])));
  if (to_act > 0 && !flags.yes && !Confirm(ctx, question)) {
    return ctx.Fail(kExitFailure, action.command +
                                      ": not confirmed; nothing was changed (--yes "
                                      "skips the question)");
  }

  std::vector<BulkResult> results;
  size_t done = 0, skipped = 0, failed = 0, acted = 0;
  for (const auto& p : plan) {
    BulkResult r;
    if (!p.skip.empty()) {
      r.run_id = p.run.run_id;
      r.kind = BulkResult::Kind::kSkipped;
      r.text = p.skip;
    } else {
      ctx.Progress(action.command + ": " + std::to_string(acted) + "/" + std::to_string(to_act));
      ++acted;
      r = action.act(p.run);
    }
    (r.kind == BulkResult::Kind::kDone      ? done
     : r.kind == BulkResult::Kind::kSkipped ? skipped
                                            : failed)++;
    if (ctx.format == OutputFormat::kJsonl) {
      ctx.EndProgress();
      ctx.Print(BulkResultLine(r));
    }
    results.push_back(std::move(r));
  }
  ctx.EndProgress();
  PrintBulkResults(ctx, results, action.json_key);
  ctx.Message(action.command + ": " + std::to_string(done) + " " + action.past + ", " +
              std::to_string(skipped) + " skipped, " + std::to_string(failed) + " failed");
  ctx.exit_code = failed == 0 ? kExitOk : kExitFailure;
  return ctx.exit_code;
}

}  // namespace dynaflow::cli
