#include "dynaflow/store/table/internal/sqlite_query.h"

#include "dynaflow/store/table/internal/paging.h"

namespace dynaflow::table::internal {
namespace {

struct IndexColumns {
  const char* partition;
  const char* sort;
};

IndexColumns ColumnsOf(Index index) {
  switch (index) {
    case Index::kGsi1:
      return {"gsi1pk", "gsi1sk"};
    case Index::kGsi2:
      return {"gsi2pk", "gsi2sk"};
    case Index::kPrimary:
      break;
  }
  return {"pk", "sk"};
}

// The SQL comparison operators bounding the sort condition's range; empty: unbounded side.
struct SortBounds {
  std::string_view lower;  // compares with ?2
  std::string_view upper;  // compares with ?3
};

SortBounds BoundsOf(const std::optional<SortKeyCondition>& sort) {
  using Op = SortKeyCondition::Op;
  if (!sort) return {};
  switch (sort->op) {
    case Op::kBeginsWith:
      return {">=", PrefixSuccessor(sort->value) ? "<" : ""};
    case Op::kBetween:
      return {">=", "<="};
    case Op::kLt:
    case Op::kLe:
      return {{}, SortKeyOpName(sort->op)};
    case Op::kEq:
    case Op::kGt:
    case Op::kGe:
      return {SortKeyOpName(sort->op), {}};
  }
  return {};
}

}  // namespace

std::string BuildSqliteQuerySql(const QueryRequest& request, bool resume) {
  const IndexColumns c = ColumnsOf(request.index);
  const std::string s = c.sort;
  const bool primary = request.index == Index::kPrimary;
  const bool eq = request.sort && request.sort->op == SortKeyCondition::Op::kEq;
  const SortBounds b = BoundsOf(request.sort);

  std::string sql =
      std::string("SELECT ") + kSqliteItemColumns + " FROM items WHERE " + c.partition + " = ?1";
  if (!primary) sql += " AND " + s + " IS NOT NULL";

  // The bound on the side the scan starts from is replaced by the cursor when resuming (the
  // cursor lies inside the range: it is authenticated and bound to this sort condition). The
  // replaced bound stays as a plain filter: the unary '+' keeps SQLite from seeking with it.
  const char* cmp = request.forward ? ">" : "<";
  if (!b.lower.empty()) {
    bool replaced = resume && request.forward && !eq;
    sql += std::string(" AND ") + (replaced ? "+" : "") + s + " " + std::string(b.lower) + " ?2";
  }
  if (!b.upper.empty()) {
    bool replaced = resume && !request.forward;
    sql += std::string(" AND ") + (replaced ? "+" : "") + s + " " + std::string(b.upper) + " ?3";
  }
  if (resume) {
    if (primary) {
      sql += " AND sk " + std::string(cmp) + " ?4";
    } else if (eq) {
      sql += std::string(" AND (pk, sk) ") + cmp + " (?5, ?6)";
    } else {
      sql += " AND (" + s + ", pk, sk) " + cmp + " (?4, ?5, ?6)";
    }
  }
  sql += " AND (ttl IS NULL OR ttl > ?7)";

  const char* dir = request.forward ? " ASC" : " DESC";
  sql += " ORDER BY " + s + dir;
  if (!primary) sql += std::string(", pk") + dir + ", sk" + dir;
  sql += " LIMIT ?8";
  return sql;
}

void BindSqliteQuery(SqliteStatement* stmt, const QueryRequest& request,
                     const CursorPosition* after, int64_t now_seconds, int64_t row_limit) {
  stmt->BindText(1, request.partition);
  if (request.sort) {
    const SortBounds b = BoundsOf(request.sort);
    if (!b.lower.empty()) stmt->BindText(2, request.sort->value);
    if (!b.upper.empty()) {
      if (request.sort->op == SortKeyCondition::Op::kBeginsWith) {
        stmt->BindText(3, *PrefixSuccessor(request.sort->value));
      } else if (request.sort->op == SortKeyCondition::Op::kBetween) {
        stmt->BindText(3, request.sort->upper);
      } else {
        stmt->BindText(3, request.sort->value);
      }
    }
  }
  if (after != nullptr) {
    bool primary = request.index == Index::kPrimary;
    stmt->BindText(4, primary ? after->last.sk : after->index_sk);
    stmt->BindText(5, after->last.pk);
    stmt->BindText(6, after->last.sk);
  }
  stmt->BindInt64(7, now_seconds);
  stmt->BindInt64(8, row_limit);
}

}  // namespace dynaflow::table::internal
