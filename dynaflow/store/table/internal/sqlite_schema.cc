#include "dynaflow/store/table/internal/sqlite_schema.h"

#include <limits>
#include <utility>
#include <vector>

#include "dynaflow/store/table/internal/decimal.h"
#include "dynaflow/store/table/internal/sqlite_item_blob.h"
#include "dynaflow/store/table/internal/validation.h"
#include "dynaflow/store/table/table.h"

namespace dynaflow::table::internal {
namespace {

constexpr char kCreateSchema[] = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE items (
  pk TEXT NOT NULL,
  sk TEXT NOT NULL,
  gsi1pk TEXT,
  gsi1sk TEXT,
  gsi2pk TEXT,
  gsi2sk TEXT,
  ttl INTEGER,
  attrs BLOB NOT NULL,
  PRIMARY KEY (pk, sk));
CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
)sql";

const std::vector<std::string>& ExpectedItemColumns() {
  static const std::vector<std::string> kColumns = {"pk",     "sk",     "gsi1pk", "gsi1sk",
                                                    "gsi2pk", "gsi2sk", "ttl",    "attrs"};
  return kColumns;
}

Status NotDynaflow(const SqliteConnection& conn, const std::string& why) {
  return Status::InvalidArgument("sqlite database '" + conn.path() +
                                 "' is not a dynaflow table: " + why);
}

Result<int64_t> CountTables(SqliteConnection* conn) {
  DYNAFLOW_ASSIGN_OR_RETURN(
      auto stmt, conn->Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
  DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt64(0) : 0;
}

Status VerifySchema(SqliteConnection* conn) {
  {
    DYNAFLOW_ASSIGN_OR_RETURN(
        auto stmt, conn->Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                 "name = 'meta'"));
    DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row || stmt.ColumnInt64(0) != 1) {
      return NotDynaflow(*conn, "it has tables but no dynaflow 'meta' table");
    }
  }
  std::string format, version;
  {
    DYNAFLOW_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("SELECT key, value FROM meta"));
    while (true) {
      auto row = stmt.Step();
      if (!row.ok()) return NotDynaflow(*conn, "unreadable meta table: " + row.status().message());
      if (!*row) break;
      if (stmt.ColumnText(0) == "format") format = std::string(stmt.ColumnText(1));
      if (stmt.ColumnText(0) == "schema_version") version = std::string(stmt.ColumnText(1));
    }
  }
  if (format != kSqliteFormatName) {
    return NotDynaflow(*conn,
                       "meta format is '" + format + "', expected '" + kSqliteFormatName + "'");
  }
  if (version != std::to_string(kSqliteSchemaVersion)) {
    return NotDynaflow(*conn, "schema version '" + version + "', this build supports version " +
                                  std::to_string(kSqliteSchemaVersion));
  }
  std::vector<std::string> columns;
  {
    DYNAFLOW_ASSIGN_OR_RETURN(auto stmt,
                              conn->Prepare("SELECT name FROM pragma_table_info('items')"));
    while (true) {
      DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      columns.emplace_back(stmt.ColumnText(0));
    }
  }
  if (columns != ExpectedItemColumns()) {
    std::string got;
    for (const auto& c : columns) got += (got.empty() ? "" : ",") + c;
    return NotDynaflow(*conn, "table 'items' has columns (" + got +
                                  "), expected (pk,sk,gsi1pk,gsi1sk,gsi2pk,gsi2sk,ttl,attrs)");
  }
  return Status::OK();
}

Status CreateSchema(SqliteConnection* conn) {
  SqliteWriteTransaction txn(conn);
  DYNAFLOW_RETURN_IF_ERROR(txn.Begin());
  // Another process may have created it between our check and the write lock.
  DYNAFLOW_ASSIGN_OR_RETURN(int64_t tables, CountTables(conn));
  if (tables != 0) return Status::OK();  // rolled back by txn; verified by the caller
  DYNAFLOW_RETURN_IF_ERROR(conn->Exec(kCreateSchema));
  DYNAFLOW_RETURN_IF_ERROR(conn->Exec(
      std::string("INSERT INTO meta (key, value) VALUES ('format', '") + kSqliteFormatName +
      "'), ('schema_version', '" + std::to_string(kSqliteSchemaVersion) + "')"));
  return txn.Commit();
}

}  // namespace

Status EnsureSqliteSchema(SqliteConnection* conn) {
  // The first statement that reads the file: a non-database file fails here with NOTADB.
  {
    DYNAFLOW_ASSIGN_OR_RETURN(auto stmt, conn->Prepare("PRAGMA journal_mode=WAL"));
    DYNAFLOW_ASSIGN_OR_RETURN(bool row, stmt.Step());
    std::string mode = row ? std::string(stmt.ColumnText(0)) : "";
    if (mode != "wal") {
      return Status::Unavailable("sqlite database '" + conn->path() +
                                 "': cannot switch to WAL journal mode (got '" + mode +
                                 "'); is it on a file system without shared-memory support?");
    }
  }
  DYNAFLOW_ASSIGN_OR_RETURN(int64_t tables, CountTables(conn));
  if (tables == 0) DYNAFLOW_RETURN_IF_ERROR(CreateSchema(conn));
  return VerifySchema(conn);
}

SqliteRow ItemToRow(const Item& item) {
  SqliteRow row;
  AttributeMap rest;
  for (const auto& [name, value] : item) {
    const std::string* s = value.AsS();
    if (s != nullptr && name == kPk) {
      row.pk = *s;
    } else if (s != nullptr && name == kSk) {
      row.sk = *s;
    } else if (s != nullptr && name == kGsi1Pk) {
      row.gsi1pk = *s;
    } else if (s != nullptr && name == kGsi1Sk) {
      row.gsi1sk = *s;
    } else if (s != nullptr && name == kGsi2Pk) {
      row.gsi2pk = *s;
    } else if (s != nullptr && name == kGsi2Sk) {
      row.gsi2sk = *s;
    } else {
      if (name == kTtl && value.is_n()) row.ttl = CeilToInt64(*value.AsN());
      rest.emplace(name, value);
    }
  }
  row.attrs = EncodeAttributes(rest);
  return row;
}

Result<Item> RowToItem(std::string_view pk, std::string_view sk,
                       const std::optional<std::string_view>& gsi1pk,
                       const std::optional<std::string_view>& gsi1sk,
                       const std::optional<std::string_view>& gsi2pk,
                       const std::optional<std::string_view>& gsi2sk, std::string_view attrs) {
  auto decoded = DecodeAttributes(attrs);
  if (!decoded.ok()) {
    return decoded.status().WithContext("item " +
                                        DescribeKey(Key{std::string(pk), std::string(sk)}));
  }
  Item item = std::move(decoded).value();
  auto put = [&](const char* name, const std::optional<std::string_view>& v) {
    if (v) item.insert_or_assign(name, AttributeValue::S(std::string(*v)));
  };
  put(kPk, pk);
  put(kSk, sk);
  put(kGsi1Pk, gsi1pk);
  put(kGsi1Sk, gsi1sk);
  put(kGsi2Pk, gsi2pk);
  put(kGsi2Sk, gsi2sk);
  return item;
}

std::optional<int64_t> CeilToInt64(std::string_view decimal) {
  auto parsed = ParseDecimal(decimal);
  if (!parsed.ok()) return std::nullopt;
  const Decimal& d = *parsed;
  if (d.is_zero()) return 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  // value = digits * 10^exponent; the integer part has digits.size() + exponent digits.
  int64_t int_digits = static_cast<int64_t>(d.digits.size()) + d.exponent;
  if (int_digits > 18) return d.negative ? kMin : kMax;
  int64_t magnitude = 0;
  for (int64_t i = 0; i < int_digits; ++i) {
    char c = i < static_cast<int64_t>(d.digits.size()) ? d.digits[i] : '0';
    magnitude = magnitude * 10 + (c - '0');
  }
  // digits has no trailing zeros, so a negative exponent always leaves a non-zero fraction.
  bool fraction = d.exponent < 0;
  if (d.negative) return -magnitude;  // ceil of a negative rounds toward zero
  return fraction ? magnitude + 1 : magnitude;
}

}  // namespace dynaflow::table::internal
