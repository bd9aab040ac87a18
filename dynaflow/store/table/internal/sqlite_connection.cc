#include "dynaflow/store/table/internal/sqlite_connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>
#include <utility>

namespace dynaflow::table::internal {

// ---- SqliteStatement ----

SqliteStatement::SqliteStatement(SqliteConnection* conn, sqlite3_stmt* stmt, bool* in_use)
    : conn_(conn), stmt_(stmt), in_use_(in_use) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : conn_(other.conn_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void SqliteStatement::BindText(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void SqliteStatement::BindBlob(int index, std::string_view value) {
  sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
}
void SqliteStatement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}
void SqliteStatement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->Error(rc, sqlite3_sql(stmt_));
}

Status SqliteStatement::Run() {
  while (true) {
    DYNAFLOW_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::OK();
  }
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::string_view SqliteStatement::ColumnText(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), n);
}
std::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}
int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

// ---- SqliteConnection ----

SqliteConnection::SqliteConnection(SqliteConnectionParams params, sqlite3* db)
    : params_(std::move(params)), db_(db) {}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const SqliteConnectionParams& params) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (params.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(params.path.c_str(), &db, flags, nullptr);
  // The wrapper owns `db` from here on, even when opening failed (SQLite allocates it anyway).
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(params, db));
  if (rc != SQLITE_OK) return conn->Error(rc, "open");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(params.busy_timeout.count()));
  DYNAFLOW_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=" + params.synchronous));
  return conn;
}

Result<SqliteStatement> SqliteConnection::Prepare(const std::string& sql) {
  auto& slot = cache_[sql];
  if (slot == nullptr) slot = std::make_unique<CachedStatement>();
  if (slot->stmt != nullptr && !slot->in_use) {
    slot->in_use = true;
    return SqliteStatement(this, slot->stmt, &slot->in_use);
  }
  bool cache_it = slot->stmt == nullptr;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              cache_it ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(rc, "prepare " + sql);
  }
  if (!cache_it) return SqliteStatement(this, stmt, nullptr);
  slot->stmt = stmt;
  slot->in_use = true;
  return SqliteStatement(this, stmt, &slot->in_use);
}

Status SqliteConnection::Exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : Error(rc, sql);
}

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status SqliteConnection::BeginImmediate() {
  // SQLite's busy handler already waits up to busy_timeout inside sqlite3_exec; this loop covers
  // the cases where SQLite reports BUSY without calling the handler. Real time on purpose: the
  // wait is for another process's file lock, not for logical (injectable) time.
  auto deadline = std::chrono::steady_clock::now() + params_.busy_timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return Status::OK();
    int primary = rc & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() >= deadline) {
      return Error(rc, "BEGIN IMMEDIATE");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

Status SqliteConnection::Error(int rc, std::string_view what) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string msg =
      "sqlite database '" + params_.path + "': " + detail + " (during " + std::string(what) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Timeout(msg + "; still locked by another connection after the " +
                             std::to_string(params_.busy_timeout.count()) + " ms busy timeout");
    case SQLITE_NOTADB:
      return Status::InvalidArgument(msg + "; the file is not a SQLite database");
    case SQLITE_CORRUPT:
      return Status::Serialization(msg + "; the database file is corrupt");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOLFS:
      return Status::Unavailable(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::PermissionDenied(msg);
    default:
      return Status::Internal(msg);
  }
}

// ---- SqliteWriteTransaction ----

SqliteWriteTransaction::~SqliteWriteTransaction() {
  if (open_) sqlite3_exec(conn_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status SqliteWriteTransaction::Begin() {
  DYNAFLOW_RETURN_IF_ERROR(conn_->BeginImmediate());
  open_ = true;
  return Status::OK();
}

Status SqliteWriteTransaction::Commit() {
  Status s = conn_->Exec("COMMIT");
  if (!s.ok()) {
    // A failed COMMIT may leave the transaction open; roll it back so nothing half-applies.
    if (!sqlite3_get_autocommit(conn_->handle())) {
      sqlite3_exec(conn_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  open_ = false;
  return s;
}

// ---- SqlitePool ----

SqlitePool::SqlitePool(SqliteConnectionParams params, size_t max_connections,
                       std::unique_ptr<SqliteConnection> first)
    : params_(std::move(params)), max_connections_(max_connections < 1 ? 1 : max_connections) {
  if (first != nullptr) {
    idle_.push_back(std::move(first));
    open_count_ = 1;
  }
}

SqlitePool::~SqlitePool() = default;

SqlitePool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

Result<SqlitePool::Lease> SqlitePool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_connections_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_count_;  // reserve the slot, open outside the lock
  }
  auto opened = SqliteConnection::Open(params_);
  if (!opened.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_count_;
    cv_.notify_one();
    return opened.status();
  }
  return Lease(this, std::move(opened).value());
}

void SqlitePool::Release(std::unique_ptr<SqliteConnection> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace dynaflow::table::internal
