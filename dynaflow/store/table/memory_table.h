// The in-memory backend of the Table layer, for tests and for benchmarks of upper layers.
//
// Same semantics and limits as the other backends (conditions, ALL_NEW updates, all-or-nothing
// transactions with the failing op's index and old item, BatchGet in request order, TTL
// filtering, 1 MB pages, authenticated cursors); nothing is persisted.
//
// Ordering: queries return items in byte order of the queried index's sort key. On a GSI, items
// with equal GSIxSK are returned in (PK, SK) byte order (reversed when !forward); DynamoDB leaves
// the order of such ties unspecified, so callers must not depend on it. Cursors resume after
// the exact item (GSIxSK, PK, SK), so ties never repeat or skip items.
//
// Expired items behave as deleted (see dynaflow/store/table/internal/ttl.h); they are dropped from
// memory when their key is written again.
//
// Thread-safety: one mutex serialises every call, so each call (a transaction included) is
// atomic and linearisable. TransactWrite never returns kTransactionCanceled.
#pragma once

#include <memory>

#include "dynaflow/store/table/table.h"
#include "dynaflow/store/table/table_options.h"

namespace dynaflow::table {

// A new, empty table. name() is "memory".
std::unique_ptr<Table> NewMemoryTable(const TableOptions& options = {});

}  // namespace dynaflow::table
