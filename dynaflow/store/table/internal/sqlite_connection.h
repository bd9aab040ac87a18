// Thin RAII layer over the SQLite C API for the SQLite Table backend: one connection with a
// per-connection prepared-statement cache, a write transaction guard, and a connection pool.
//
// Errors from SQLite are mapped to Status codes naming the database path:
//   BUSY / LOCKED (after the busy timeout)  -> kTimeout
//   NOTADB                                  -> kInvalidArgument ("not a SQLite database")
//   CORRUPT                                 -> kSerialization
//   CANTOPEN / IOERR / FULL / NOLFS         -> kUnavailable
//   READONLY / PERM / AUTH                  -> kPermissionDenied
//   anything else                           -> kInternal
//
// Thread-safety: a SqliteConnection (and its statements) is used by one thread at a time; the
// pool hands each connection to one thread at a time. SqlitePool is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dynaflow/model/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dynaflow::table::internal {

class SqliteConnection;

// A prepared statement borrowed from a connection. On destruction it is reset and its bindings
// cleared (cached statements) or finalized (uncached ones). Column accessors return views into
// SQLite memory that stay valid until the next Step() or the statement's destruction.
class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection* conn, sqlite3_stmt* stmt, bool* in_use);
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;

  // Parameter indexes are 1-based, as in SQLite. Values are copied.
  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);
  void BindInt64(int index, int64_t value);
  void BindNull(int index);

  // Advances: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps until done (for statements without result rows).
  Status Run();

  // Column indexes are 0-based.
  bool IsNull(int column) const;
  std::string_view ColumnText(int column) const;
  std::string_view ColumnBlob(int column) const;
  int64_t ColumnInt64(int column) const;

 private:
  SqliteConnection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; nullptr for an uncached statement
};

// How to open a connection.
struct SqliteConnectionParams {
  std::string path;
  bool create_if_missing = true;
  std::chrono::milliseconds busy_timeout{5000};
  // Value for PRAGMA synchronous: "NORMAL" or "FULL".
  std::string synchronous = "NORMAL";
};

class SqliteConnection {
 public:
  // Opens the file and applies busy_timeout and synchronous. Does not touch the schema.
  // Errors: see the mapping above (a missing file without create_if_missing: kUnavailable).
  static Result<std::unique_ptr<SqliteConnection>> Open(const SqliteConnectionParams& params);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A statement for `sql`, prepared once per connection and cached. When the cached one is
  // already borrowed (nested use of the same SQL), a fresh uncached statement is prepared.
  Result<SqliteStatement> Prepare(const std::string& sql);

  // Runs one or more statements without results (pragmas, BEGIN, COMMIT, DDL).
  Status Exec(const std::string& sql);

  // BEGIN IMMEDIATE: takes the database write lock up front so the transaction can never fail
  // later with a lock upgrade conflict. Waits through SQLITE_BUSY (SQLite's busy handler, then
  // short sleeps) until busy_timeout has passed in real time; then kTimeout.
  Status BeginImmediate();

  // Maps a SQLite result code to a Status naming the path and `what` was being done.
  Status Error(int rc, std::string_view what) const;

  // True while a transaction is open (false again after COMMIT, ROLLBACK, or an error after
  // which SQLite rolled the transaction back by itself).
  bool InTransaction() const;

  const std::string& path() const { return params_.path; }
  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(SqliteConnectionParams params, sqlite3* db);

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  SqliteConnectionParams params_;
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<CachedStatement>> cache_;
};

// A write transaction on one connection: Begin() (BEGIN IMMEDIATE), Commit(); destroyed while
// still open it rolls back, so every early return undoes the partial writes.
class SqliteWriteTransaction {
 public:
  explicit SqliteWriteTransaction(SqliteConnection* conn) : conn_(conn) {}
  ~SqliteWriteTransaction();
  SqliteWriteTransaction(const SqliteWriteTransaction&) = delete;
  SqliteWriteTransaction& operator=(const SqliteWriteTransaction&) = delete;

  Status Begin();
  // On failure the transaction has been rolled back.
  Status Commit();

 private:
  SqliteConnection* conn_;
  bool open_ = false;
};

// At most `max_connections` connections to one file, opened lazily; Acquire() blocks while all
// are borrowed. Connections are reused (their statement caches with them).
class SqlitePool {
 public:
  // `first` (already opened, e.g. by the schema check) is put in the pool.
  SqlitePool(SqliteConnectionParams params, size_t max_connections,
             std::unique_ptr<SqliteConnection> first);
  ~SqlitePool();

  // A borrowed connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(SqlitePool* pool, std::unique_ptr<SqliteConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    ~Lease();
    SqliteConnection* get() const { return conn_.get(); }
    SqliteConnection* operator->() const { return conn_.get(); }

   private:
    SqlitePool* pool_;
    std::unique_ptr<SqliteConnection> conn_;
  };

  // Errors: those of SqliteConnection::Open when a new connection is needed.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<SqliteConnection> conn);

  const SqliteConnectionParams params_;
  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  size_t open_count_ = 0;  // idle + borrowed
};

}  // namespace dynaflow::table::internal
