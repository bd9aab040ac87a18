// The SQLite backend's on-disk layout and the mapping between items and rows.
//
// One file, WAL journal, two tables:
//
//   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
//     -- ('format', 'dynaflow-table'), ('schema_version', '1')
//   CREATE TABLE items (
//     pk TEXT NOT NULL, sk TEXT NOT NULL,            -- PK, SK
//     gsi1pk TEXT, gsi1sk TEXT, gsi2pk TEXT, gsi2sk TEXT,  -- GSIxPK/GSIxSK when strings
//     ttl INTEGER,                                    -- ceil(ttl) when ttl is a number
//     attrs BLOB NOT NULL,                            -- every other attribute (item blob)
//     PRIMARY KEY (pk, sk));
//   CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
//   CREATE INDEX items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
//
// `items` is an ordinary rowid table rather than WITHOUT ROWID: items may be up to 400 KB and
// SQLite stores WITHOUT ROWID rows inside the primary-key b-tree (including interior pages),
// which its documentation advises only for small rows; the (pk, sk) unique index gives the key
// order. All key columns use the default BINARY collation (memcmp), so ORDER BY matches
// DynamoDB's UTF-8 byte order. The `ttl` attribute itself is also kept in `attrs` so its exact
// decimal text round-trips; the column only serves the expiry filter in SQL.
//
// Thread-safety: pure functions, apart from the connection passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dynaflow/model/attribute_value.h"
#include "dynaflow/model/result.h"
#include "dynaflow/store/table/internal/sqlite_connection.h"

namespace dynaflow::table::internal {

inline constexpr char kSqliteFormatName[] = "dynaflow-table";
inline constexpr int kSqliteSchemaVersion = 1;

// Creates the schema in an empty database, or verifies an existing one. Also switches the file
// to WAL. Errors (naming the path): kInvalidArgument when the file is not a SQLite database,
// holds other tables without dynaflow's meta table, has another format or schema version, or
// an `items` table with other columns; errors of the connection otherwise.
Status EnsureSqliteSchema(SqliteConnection* conn);

// One row of `items`.
struct SqliteRow {
  std::string pk;
  std::string sk;
  std::optional<std::string> gsi1pk, gsi1sk, gsi2pk, gsi2sk;
  std::optional<int64_t> ttl;
  std::string attrs;
};

// The row for `item`. The caller has validated it (string PK and SK). String GSI key attributes
// go to their columns; anything else stays in attrs.
SqliteRow ItemToRow(const Item& item);

// Rebuilds the item from the columns. Errors: kSerialization for a corrupt attrs blob.
Result<Item> RowToItem(std::string_view pk, std::string_view sk,
                       const std::optional<std::string_view>& gsi1pk,
                       const std::optional<std::string_view>& gsi1sk,
                       const std::optional<std::string_view>& gsi2pk,
                       const std::optional<std::string_view>& gsi2sk, std::string_view attrs);

// ceil(value) of a DynamoDB number, clamped to int64; nullopt when `decimal` is not a number.
// Used for the ttl column: an item is certainly expired when ceil(ttl) <= floor(now).
std::optional<int64_t> CeilToInt64(std::string_view decimal);

}  // namespace dynaflow::table::internal
