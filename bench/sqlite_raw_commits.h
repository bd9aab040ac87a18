// The raw SQLite baseline engine_bench sets beside the engine's SQLite steps/s: one-row commits
// of a 1 KB blob through the sqlite3 C API, in WAL mode with the same `synchronous` setting as
// the table (NORMAL unless told otherwise), each row its own BEGIN IMMEDIATE ... COMMIT with a
// prepared INSERT, into a table shaped like dynaflow's items table (same columns, key and partial
// GSI indexes). This is the file's own commit rate: the most any engine on top of it could record,
// one step per commit.
#pragma once

#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace dynaflow::bench {

struct RawCommits {
  double per_s = 0;        // one-row commits per second of wall time
  double cpu_us_each = 0;  // CPU time of the committing thread per commit (user + system)
};

inline double ThreadCpuMicros() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// One-row commits over about `seconds` of wall time, from the calling thread (zeros when SQLite
// failed; the reason goes to stderr). Creates and removes `path` (and its -wal/-shm files).
// `full_sync`: PRAGMA synchronous=FULL (an fsync per commit) instead of NORMAL.
inline RawCommits RawSqliteCommits(const std::string& path, double seconds,
                                   bool full_sync = false) {
  sqlite3* db = nullptr;
  RawCommits out;
  auto exec = [&](const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return true;
    std::fprintf(stderr, "raw sqlite: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return false;
  };
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK && exec("PRAGMA journal_mode=WAL") &&
      exec(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") &&
      exec("CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT, "
           "gsi2pk TEXT, gsi2sk TEXT, ttl INTEGER, attrs BLOB NOT NULL, PRIMARY KEY (pk, sk));"
           "CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;"
           "CREATE INDEX items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;")) {
    sqlite3_stmt* insert = nullptr;
    const char* sql = "INSERT INTO items (pk, sk, attrs) VALUES (?1, ?2, ?3)";
    if (sqlite3_prepare_v2(db, sql, -1, &insert, nullptr) == SQLITE_OK) {
      const std::string blob(1024, 'x');
      const double cpu_start = ThreadCpuMicros();
      const auto start = std::chrono::steady_clock::now();
      const auto end = start + std::chrono::duration<double>(seconds);
      int64_t n = 0;
      bool ok = true;
      while (ok && (n % 64 != 0 || std::chrono::steady_clock::now() < end)) {
        const std::string pk = "RUN#raw-" + std::to_string(n / 10);
        const std::string sk = "STEP#step-" + std::to_string(n % 10);
        ok = exec("BEGIN IMMEDIATE");
        sqlite3_bind_text(insert, 1, pk.data(), static_cast<int>(pk.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, sk.data(), static_cast<int>(sk.size()), SQLITE_STATIC);
        sqlite3_bind_blob(insert, 3, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
        ok = ok && sqlite3_step(insert) == SQLITE_DONE;
        sqlite3_reset(insert);
        ok = ok && exec("COMMIT");
        ++n;
      }
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (ok) {
        out.per_s = static_cast<double>(n) / elapsed;
        out.cpu_us_each = (ThreadCpuMicros() - cpu_start) / static_cast<double>(n);
      }
    }
    sqlite3_finalize(insert);
  }
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
  return out;
}

}  // namespace dynaflow::bench
