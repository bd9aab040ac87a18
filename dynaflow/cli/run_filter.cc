#include "dynaflow/cli/run_filter.h"

#include "dynaflow/cli/run_format.h"
#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

void RunFilterFlags::Declare(CLI::App& cmd) {
  cmd.add_option("--workflow,-w", workflow, "runs of this workflow id (index GSI1)");
  cmd.add_option("--status,-s", statuses,
                 "runs in this status (repeatable): PENDING, RUNNING, SLEEPING, COMPENSATING, "
                 "COMPLETED, FAILED, COMPENSATED, CANCELLED");
  cmd.add_option("--since", since,
                 "from this time (RFC 3339, or ago: 2h, 30m, 1d): creation time with --workflow, "
                 "else the status index time (finish time of finished runs, due time of others)");
  cmd.add_option("--until", until, "until this time (same forms and time as --since)");
  cmd.add_option("--tag", tags, "only runs with tag KEY=VALUE (repeatable; client-side)");
}

bool RunFilterFlags::empty() const {
  return workflow.empty() && statuses.empty() && since.empty() && until.empty() && tags.empty();
}

Result<RunQuery> RunFilterFlags::Query(TimePoint now) const {
  RunQuery q;
  q.workflow_id = workflow;
  DYNAFLOW_ASSIGN_OR_RETURN(q.statuses, ParseStatuses(statuses));
  DYNAFLOW_ASSIGN_OR_RETURN(q.tags, ParseTags(tags));
  if (!since.empty()) {
    auto t = ParseTimeBound(since, now);
    if (!t.ok()) return t.status().WithContext("--since");
    q.since = *t;
  }
  if (!until.empty()) {
    auto t = ParseTimeBound(until, now);
    if (!t.ok()) return t.status().WithContext("--until");
    q.until = *t;
  }
  DYNAFLOW_RETURN_IF_ERROR(CheckTimeRange(q));
  return q;
}

}  // namespace dynaflow::cli
