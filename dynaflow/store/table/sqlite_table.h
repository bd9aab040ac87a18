// The embedded SQLite backend of the Table layer (the default on one machine).
//
// One database file in WAL mode holds one `items` table (layout: dynaflow/store/table/internal/
// sqlite_schema.h): the key attributes as columns with partial indexes for GSI1 and GSI2, every
// other attribute in a compact binary blob. Conditional writes and transactions run inside real
// SQLite write transactions (BEGIN IMMEDIATE: read the rows, evaluate the typed conditions,
// write, COMMIT; any failure rolls back), so they are atomic across threads AND processes:
// several processes may open the same file.
//
// Durability (what a crash can lose):
// - A crash of the process (kill -9, abort) never loses a committed write and never leaves a
//   partial transaction visible: SQLite's WAL replays or discards whole transactions on the next
//   open, whatever the synchronous setting.
// - Power loss / OS crash with Synchronous::kNormal (the default): the database stays
//   consistent (never corrupt, transactions stay atomic), but the most recent committed
//   transactions may be rolled back, because the WAL is fsynced at checkpoints rather than at
//   every commit.
// - Power loss / OS crash with Synchronous::kFull: every commit that returned is durable (the
//   WAL is fsynced at each commit), at the cost of one fsync per commit (shared by the writes
//   of a group commit, below).
//
// Group commit: concurrent writes of different callers (Put, Update, Delete, TransactWrite, each
// BatchDelete chunk) share one SQLite write transaction and one COMMIT, so one fsync with kFull.
// - Each call returns only after the transaction holding its write has committed: a write that
//   returned OK is exactly as durable as one committed alone (see "Durability").
// - Each call gets its own result: every write runs in its own SAVEPOINT of the shared
//   transaction, so a failed condition (or any other failure) of one call rolls back that call's
//   writes only and never fails the others. A TransactWrite stays all-or-nothing.
// - Only when the shared transaction itself fails (its BEGIN or COMMIT, or an I/O error after
//   which SQLite rolled it back) do the calls of that transaction that had succeeded fail too,
//   with that error, and nothing of them is applied.
// - Writes apply in the order they were queued. There is no background thread and no timer: the
//   caller that finds no commit in progress commits at once (with whatever else is queued); the
//   writes that arrive meanwhile form the next transaction. TableStats::commits counts commits.
//
// Concurrency: a pool of connections (reads run in parallel: WAL readers never block behind a
// writer); writers of one process are batched as above, one transaction at a time; writers of
// different processes are serialized by SQLite's lock with busy_timeout.
// Thread-safety: every Table method may be called concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "dynaflow/model/result.h"
#include "dynaflow/store/table/table.h"
#include "dynaflow/store/table/table_options.h"

namespace dynaflow::table {

struct SqliteTableOptions {
  // Clock (TTL filtering) and cursor secret, as for every backend.
  TableOptions table;

  enum class Synchronous {
    kNormal,  // PRAGMA synchronous=NORMAL: see "Durability" above
    kFull,    // PRAGMA synchronous=FULL: commits durable across power loss
  };
  // Default kNormal: a process crash loses nothing committed, a power loss may lose the last
  // transactions but never corrupts the file.
  Synchronous synchronous = Synchronous::kNormal;

  // How long an operation waits for another connection's (or process's) write lock before
  // failing with kTimeout. Default 5 s.
  std::chrono::milliseconds busy_timeout{5000};

  // Create the file (and the schema) when it does not exist. Default true. When false, a
  // missing file is kNotFound.
  bool create_if_missing = true;

  // Most connections open at once (one per concurrently running call); calls beyond it wait for
  // a free connection. Default 8.
  size_t max_connections = 8;

  // Most writes committed in one shared transaction (group commit, above). Default 64; 1 gives
  // every write its own transaction.
  size_t max_batch_writes = 64;
};

// Opens (or creates) the table stored in the file at `path`.
// Errors, each naming the path:
//   kInvalidArgument  the path is empty or ":memory:" (a pool needs one shared file), the file is
//                     not a SQLite database, or is one without dynaflow's schema (other tables,
//                     another schema version, other columns)
//   kNotFound         the file does not exist and create_if_missing is false
//   kUnavailable      the file cannot be opened or created (missing directory, I/O error) or
//                     cannot use WAL
//   kPermissionDenied the file is read-only or not accessible
//   kTimeout          another process held the write lock longer than busy_timeout
Result<std::unique_ptr<Table>> OpenSqliteTable(const std::string& path,
                                               const SqliteTableOptions& options = {});

}  // namespace dynaflow::table
