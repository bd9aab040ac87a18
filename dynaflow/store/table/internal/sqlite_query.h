// SQL for one page of a Table query on the SQLite backend (schema: sqlite_schema.h).
//
// The statement seeks with the index of the queried index (primary key, items_gsi1, items_gsi2):
// equality on the partition column, the sort-key condition as a range on the sort column, and,
// when resuming, a row-value bound strictly after the cursor's (sort key, PK, SK), so every
// page is one index range scan however deep the pagination. Order: sort column, then PK, SK for
// GSI ties (all reversed when !forward), as the memory backend. Expired items (ttl column <=
// now) are filtered in SQL; sparse GSIs: rows lacking the index sort key are excluded.
//
// Parameters (1-based): ?1 partition, ?2 sort lower/equal value, ?3 sort upper value,
// ?4 cursor sort key, ?5 cursor PK, ?6 cursor SK, ?7 now (epoch seconds), ?8 row limit.
// Result columns: 0 pk, 1 sk, 2 gsi1pk, 3 gsi1sk, 4 gsi2pk, 5 gsi2sk, 6 attrs.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dynaflow/store/table/internal/cursor.h"
#include "dynaflow/store/table/internal/sqlite_connection.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {

// The SQL text for `request` (one of a small fixed set, so per-connection caching is bounded).
std::string BuildSqliteQuerySql(const QueryRequest& request, bool resume);

// Binds every parameter the SQL of BuildSqliteQuerySql(request, after != nullptr) uses.
void BindSqliteQuery(SqliteStatement* stmt, const QueryRequest& request,
                     const CursorPosition* after, int64_t now_seconds, int64_t row_limit);

// Column list shared by every SELECT of an item row.
inline constexpr char kSqliteItemColumns[] = "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, attrs";

}  // namespace dynaflow::table::internal
