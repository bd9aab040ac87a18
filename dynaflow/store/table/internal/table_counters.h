// The request counters a table backend keeps for Table::stats().
// Thread-safety: every counter is atomic; Snapshot may run concurrently with updates (the
// fields are read one by one, not as one consistent cut).
#pragma once

#include <atomic>
#include <cstdint>

#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

struct TableCounters {
  std::atomic<int64_t> reads{0}, writes{0}, queries{0}, requests{0}, commits{0};
  std::atomic<double> write_units{0}, read_units{0};  // reported by DynamoDB only

  TableStats Snapshot() const {
    TableStats s;
    s.reads = reads.load();
    s.writes = writes.load();
    s.queries = queries.load();
    s.requests = requests.load();
    s.commits = commits.load();
    s.write_units = write_units.load();
    s.read_units = read_units.load();
    return s;
  }
};

}  // namespace dynaflow::table::internal
