#include "dynaflow/cli/run_listing.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "dynaflow/cli/time_text.h"

namespace dynaflow::cli {

namespace {

constexpr char kCursorVersion[] = "c1";
constexpr char kStart[] = "!";
constexpr char kDone[] = "~";
// Empty store pages (a status filter may examine runs and return none) followed per stream
// before giving up for this call.
constexpr int kMaxEmptyPages = 50;

struct Stream {
  store::ListRunsRequest request;  // cursor and limit set per call
  bool by_status = false;
  std::string pos;         // store cursor before `page` ("" = the beginning)
  bool exhausted = false;  // nothing left after what was consumed
  bool loaded = false;     // `page` holds the store page that starts at `pos`
  std::vector<Run> page;
  size_t next = 0;  // runs of `page` consumed
  std::string page_next;
};

// The time the stream's listing sorts by (see run_listing.h), in ms.
int64_t SortTime(const Stream& s, const Run& r) {
  if (!s.by_status) return ToUnixMillis(r.created_at);
  if (IsTerminal(r.status) && r.finished_at) return ToUnixMillis(*r.finished_at);
  return ToUnixMillis(r.due_at);
}

std::string Fingerprint(const RunQuery& q, const std::vector<RunStatus>& statuses) {
  std::string text = "w=" + q.workflow_id + "\ns=";
  for (RunStatus s : statuses) text += std::string(RunStatusName(s)) + ",";
  text += "\nsince=" + (q.since ? std::to_string(ToUnixMillis(*q.since)) : std::string("-"));
  text += "\nuntil=" + (q.until ? std::to_string(ToUnixMillis(*q.until)) : std::string("-"));
  for (const auto& [k, v] : q.tags) text += "\ntag=" + k + "=" + v;
  text += q.newest_first ? "\nnewest" : "\noldest";
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = text.find(sep, start);
    out.push_back(text.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

class Lister {
 public:
  Lister(store::WorkflowStore& store, const RunQuery& query) : store_(store), query_(query) {
    std::set<RunStatus> unique(query.statuses.begin(), query.statuses.end());
    statuses_.assign(unique.begin(), unique.end());
    fingerprint_ = Fingerprint(query, statuses_);
    auto base = [&] {
      store::ListRunsRequest r;
      r.workflow_id = query.workflow_id;
      r.from = query.since;
      r.to = query.until;
      r.newest_first = query.newest_first;
      return r;
    };
    if (statuses_.empty()) {
      Stream st;
      st.request = base();
      streams_.push_back(std::move(st));
    }
    for (RunStatus s : statuses_) {
      Stream st;
      st.request = base();
      st.request.status = s;
      st.by_status = query.workflow_id.empty();
      streams_.push_back(std::move(st));
    }
  }

  Status Resume(const std::string& cursor) {
    if (cursor.empty()) return Status::OK();
    auto parts = Split(cursor, '.');
    if (parts.size() < 3 || parts[0] != kCursorVersion) {
      return Status::InvalidArgument(
          "invalid cursor: not a cursor printed by `dynaflow runs list`");
    }
    if (parts[1] != fingerprint_ || parts.size() != streams_.size() + 2) {
      return Status::InvalidArgument(
          "invalid cursor: it belongs to another query (the same --workflow, --status, --since, "
          "--until, --tag and order must be given)");
    }
    for (size_t i = 0; i < streams_.size(); ++i) {
      const std::string& p = parts[i + 2];
      if (p == kDone) {
        streams_[i].exhausted = true;
      } else if (p != kStart) {
        if (p.empty()) return Status::InvalidArgument("invalid cursor: empty position");
        streams_[i].pos = p;
      }
    }
    return Status::OK();
  }

  Result<RunListPage> Page() {
    RunListPage out;
    int examined = 0;
    const int limit = query_.limit;
    while (static_cast<int>(out.runs.size()) < limit && examined < kMaxExamined) {
      const int want = static_cast<int>(limit - out.runs.size());
      Stream* best = nullptr;
      for (Stream& s : streams_) {
        DYNAFLOW_ASSIGN_OR_RETURN(const Run* head, Head(s, want));
        if (head == nullptr) continue;
        if (best == nullptr || Before(s, *head, *best, best->page[best->next])) best = &s;
      }
      if (best == nullptr) break;
      const Run& run = best->page[best->next++];
      ++examined;
      if (Matches(run)) out.runs.push_back(run);
    }
    std::string cursor = std::string(kCursorVersion) + "." + fingerprint_;
    bool more = false;
    for (Stream& s : streams_) {
      std::string p = Position(s);
      more = more || p != kDone;
      cursor += "." + p;
    }
    if (more) out.next_cursor = std::move(cursor);
    out.store_calls = calls_;
    return out;
  }

 private:
  bool Before(const Stream& a, const Run& ra, const Stream& b, const Run& rb) const {
    int64_t ta = SortTime(a, ra), tb = SortTime(b, rb);
    if (ta != tb) return query_.newest_first ? ta > tb : ta < tb;
    return query_.newest_first ? ra.run_id > rb.run_id : ra.run_id < rb.run_id;
  }

  bool Matches(const Run& run) const {
    for (const auto& [k, v] : query_.tags) {
      auto it = run.tags.find(k);
      if (it == run.tags.end() || it->second != v) return false;
    }
    return true;
  }

  Result<store::RunPage> Call(Stream& s, const std::string& cursor, int limit) {
    store::ListRunsRequest r = s.request;
    r.cursor = cursor;
    r.limit = std::clamp(limit, 1, 1000);
    ++calls_;
    auto page = s.by_status || s.request.workflow_id.empty() ? store_.ListRunsByStatus(r)
                                                             : store_.ListRunsByWorkflow(r);
    if (!page.ok() && !cursor.empty() && page.status().Is(StatusCode::kInvalidArgument)) {
      return Status::InvalidArgument("invalid cursor: " + page.status().message());
    }
    return page;
  }

  // The next unconsumed run of `s`, loading pages as needed; nullptr when it has no more.
  Result<const Run*> Head(Stream& s, int want) {
    for (int empty_pages = 0;;) {
      if (s.exhausted) return nullptr;
      if (s.loaded) {
        if (s.next < s.page.size()) return &s.page[s.next];
        if (s.page_next.empty()) {
          s.exhausted = true;
          return nullptr;
        }
        s.pos = s.page_next;
        s.loaded = false;
      }
      // With a tag filter most runs may not match: read bigger pages.
      const int limit = query_.tags.empty() ? want : std::max(want, 100);
      DYNAFLOW_ASSIGN_OR_RETURN(store::RunPage page, Call(s, s.pos, limit));
      s.page = std::move(page.runs);
      s.page_next = std::move(page.next_cursor);
      s.next = 0;
      s.loaded = true;
      if (s.page.empty() && ++empty_pages >= kMaxEmptyPages) return nullptr;
    }
  }

  // Where the next page of `s` starts.
  std::string Position(Stream& s) {
    auto at = [](const std::string& pos) { return pos.empty() ? std::string(kStart) : pos; };
    if (s.exhausted) return kDone;
    if (!s.loaded || s.next == 0) return at(s.pos);
    if (s.next == s.page.size()) return s.page_next.empty() ? std::string(kDone) : s.page_next;
    // Part of the page was shown: ask the store for a cursor right after the last run shown.
    auto again = Call(s, s.pos, static_cast<int>(s.next));
    if (again.ok() && again->runs.size() == s.next && !again->next_cursor.empty() &&
        again->runs.back().run_id == s.page[s.next - 1].run_id) {
      return again->next_cursor;
    }
    return at(s.pos);  // resume at the page start: runs may repeat, none is skipped
  }

  store::WorkflowStore& store_;
  const RunQuery& query_;
  std::vector<RunStatus> statuses_;
  std::string fingerprint_;
  std::vector<Stream> streams_;
  int calls_ = 0;
};

Status CheckQuery(const RunQuery& query) {
  if (query.workflow_id.empty() && query.statuses.empty()) {
    return Status::InvalidArgument(
        "give --workflow ID and/or --status STATUS (listing every run would scan the table)");
  }
  if (query.limit < 1) return Status::InvalidArgument("--limit must be at least 1");
  return CheckTimeRange(query);
}

}  // namespace

Status CheckTimeRange(const RunQuery& query) {
  if (query.since && query.until && *query.since >= *query.until) {
    return Status::InvalidArgument("--since " + FormatTimestamp(*query.since) +
                                   " is not before --until " + FormatTimestamp(*query.until) +
                                   ": the time range is empty");
  }
  return Status::OK();
}

Result<RunListPage> ListRuns(store::WorkflowStore& store, const RunQuery& query,
                             const std::string& cursor) {
  DYNAFLOW_RETURN_IF_ERROR(CheckQuery(query));
  Lister lister(store, query);
  DYNAFLOW_RETURN_IF_ERROR(lister.Resume(cursor));
  return lister.Page();
}

Result<int64_t> CountRuns(store::WorkflowStore& store, const RunQuery& query) {
  DYNAFLOW_RETURN_IF_ERROR(CheckQuery(query));
  if (query.workflow_id.empty() && !query.since && !query.until && query.tags.empty()) {
    std::set<RunStatus> unique(query.statuses.begin(), query.statuses.end());
    int64_t total = 0;
    for (RunStatus s : unique) {
      DYNAFLOW_ASSIGN_OR_RETURN(int64_t n, store.CountRunsByStatus(s));
      total += n;
    }
    return total;
  }
  RunQuery q = query;
  q.limit = 1000;
  int64_t total = 0;
  std::string cursor;
  do {
    DYNAFLOW_ASSIGN_OR_RETURN(RunListPage page, ListRuns(store, q, cursor));
    total += static_cast<int64_t>(page.runs.size());
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  return total;
}

}  // namespace dynaflow::cli
