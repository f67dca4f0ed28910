#include "profile/profile_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "common/error.h"

namespace splitinfer {
namespace fs = std::filesystem;
namespace {

// Marks a file as ours (PRAGMA application_id, "SPLP"), so that another
// program's SQLite database is refused instead of having a table added.
constexpr int kApplicationId = 0x53504C50;
// PRAGMA user_version; a file of another version is refused, never migrated
// silently. Bump it with every change to kSchema.
constexpr int kSchemaVersion = 2;
constexpr int kBusyTimeoutMs = 2000;

// The CHECKs keep the file consistent whatever writes to it; each is one line
// because SQLite quotes it in the error message.
constexpr const char* kSchema = R"sql(
CREATE TABLE range_timing (
  model_hash TEXT NOT NULL,
  element TEXT NOT NULL,
  machine TEXT NOT NULL,
  first_unit INTEGER NOT NULL,
  last_unit INTEGER NOT NULL,
  model_name TEXT NOT NULL,
  unit_count INTEGER NOT NULL,
  median_ms REAL NOT NULL,
  p10_ms REAL NOT NULL,
  p90_ms REAL NOT NULL,
  reps INTEGER NOT NULL,
  source TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (model_hash, element, machine, first_unit, last_unit),
  CHECK (0 <= first_unit AND first_unit < last_unit AND last_unit <= unit_count),
  CHECK (0 <= p10_ms AND p10_ms <= median_ms AND median_ms <= p90_ms),
  CHECK (reps >= 0),
  CHECK (source IN ('measured', 'imported'))
) WITHOUT ROWID;
CREATE TABLE whole_beside_partners (
  model_hash TEXT NOT NULL,
  element TEXT NOT NULL,
  machine TEXT NOT NULL,
  partners TEXT NOT NULL,
  model_name TEXT NOT NULL,
  unit_count INTEGER NOT NULL,
  median_ms REAL NOT NULL,
  p10_ms REAL NOT NULL,
  p90_ms REAL NOT NULL,
  reps INTEGER NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (model_hash, element, machine, partners),
  CHECK (partners <> '' AND partners <> element),
  CHECK (0 <= p10_ms AND p10_ms <= median_ms AND median_ms <= p90_ms),
  CHECK (reps > 0)
) WITHOUT ROWID;
)sql";

struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalizer>;

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string reason(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB: return "not a splitinfer profile database";
    case SQLITE_CORRUPT: return "profile database is corrupt";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "profile database is locked by another process, gave up after " +
             std::to_string(kBusyTimeoutMs / 1000) + " s";
    case SQLITE_READONLY: return "profile database is read-only, cannot store profiles";
    case SQLITE_CANTOPEN: return "cannot open the profile database or its journal";
    case SQLITE_FULL: return "disk full, cannot store profiles";
    default: return "profile database error";
  }
}

// Turns a failed SQLite call into an io Error naming the file.
[[noreturn]] void fail_sqlite(const std::string& path, sqlite3* db, int rc) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  fail(ErrorKind::io, path + ": " + reason(rc) + " (" + one_line(detail) + ")");
}

Statement prepare(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  Statement s(raw);
  if (rc != SQLITE_OK) fail_sqlite(path, db, rc);
  return s;
}

void execute(sqlite3* db, const std::string& path, const std::string& sql) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(path, db, rc);
}

// Steps a statement; true while it yields rows.
bool step(sqlite3_stmt* s, sqlite3* db, const std::string& path) {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) fail_sqlite(path, db, rc);
  return false;
}

int query_int(sqlite3* db, const std::string& path, const char* sql) {
  Statement s = prepare(db, path, sql);
  return step(s.get(), db, path) ? sqlite3_column_int(s.get(), 0) : 0;
}

// Rolls back unless committed, so a write that fails half-way leaves the
// previous contents. IMMEDIATE takes the write lock up front: a concurrent
// writer then waits at BEGIN instead of failing in the middle.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    execute(db_, path_, "BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    execute(db_, path_, "COMMIT");
    committed_ = true;
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool committed_ = false;
};

struct Header {
  int application_id = 0;
  int user_version = 0;
  int tables = 0;
  bool blank() const { return application_id == 0 && user_version == 0 && tables == 0; }
};

Header read_header(sqlite3* db, const std::string& path) {
  return {query_int(db, path, "PRAGMA application_id"), query_int(db, path, "PRAGMA user_version"),
          query_int(db, path, "SELECT count(*) FROM sqlite_master")};
}

void check_ours(const Header& h, const std::string& path) {
  if (h.application_id != kApplicationId)
    fail(ErrorKind::io, path +
                            ": not a splitinfer profile database (an SQLite database of "
                            "another program)");
  if (h.user_version != kSchemaVersion)
    fail(ErrorKind::io, path + ": profile database has schema version " +
                            std::to_string(h.user_version) + ", this splitinfer reads version " +
                            std::to_string(kSchemaVersion) + " (move it away to profile again)");
}

// Root may write any file; a file that nobody may write is still meant to
// stay as it is, so it is opened read-only.
bool write_protected(fs::perms p) {
  constexpr fs::perms any_write =
      fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
  return (p & any_write) == fs::perms::none;
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Binds the key columns as parameters ?1 (hash), ?2 (element), ?3 (machine).
void bind_key(sqlite3_stmt* s, const ProfileKey& key) {
  bind_text(s, 1, key.model_hash);
  bind_text(s, 2, key.element);
  bind_text(s, 3, key.machine);
}

constexpr const char* kSelect =
    "SELECT first_unit, last_unit, median_ms, p10_ms, p90_ms, reps, source FROM range_timing "
    "WHERE model_hash = ?1 AND element = ?2 AND machine = ?3";

// A statement on the timing of key.element beside `partners`, bound as
// parameters ?1 to ?4.
Statement prepare_beside(sqlite3* db, const std::string& path, const char* sql,
                         const ProfileKey& key, const std::string& partners) {
  Statement s = prepare(db, path, sql);
  bind_key(s.get(), key);
  bind_text(s.get(), 4, partners);
  return s;
}

// Binds a timing's median, p10 and p90 to parameters `first` to first + 2,
// its reps to first + 3.
void bind_times(sqlite3_stmt* s, int first, const RangeTiming& r) {
  sqlite3_bind_double(s, first, r.median_ms);  // NaN binds as NULL: NOT NULL rejects it
  sqlite3_bind_double(s, first + 1, r.p10_ms);
  sqlite3_bind_double(s, first + 2, r.p90_ms);
  sqlite3_bind_int(s, first + 3, r.reps);
}

// Runs an insert; a row that the schema's CHECKs reject is invalid input,
// named by `what` (whose timing it is).
void step_write(sqlite3_stmt* s, sqlite3* db, const std::string& path, const std::string& what) {
  const int rc = sqlite3_step(s);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    fail(ErrorKind::invalid_input,
         path + ": cannot store the timing of " + what + " (" + one_line(sqlite3_errmsg(db)) + ")");
  if (rc != SQLITE_DONE) fail_sqlite(path, db, rc);
}

RangeTiming read_row(sqlite3_stmt* s) {
  RangeTiming r;
  r.first_unit = sqlite3_column_int(s, 0);
  r.last_unit = sqlite3_column_int(s, 1);
  r.median_ms = sqlite3_column_double(s, 2);
  r.p10_ms = sqlite3_column_double(s, 3);
  r.p90_ms = sqlite3_column_double(s, 4);
  r.reps = sqlite3_column_int(s, 5);
  r.source = reinterpret_cast<const char*>(sqlite3_column_text(s, 6));
  return r;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string partners_key(std::vector<std::string> partners) {
  std::sort(partners.begin(), partners.end());
  std::string key;
  for (const std::string& p : partners) key += (key.empty() ? "" : ",") + p;
  return key;
}

void ProfileStore::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

ProfileStore::~ProfileStore() = default;
ProfileStore::ProfileStore(ProfileStore&&) noexcept = default;
ProfileStore& ProfileStore::operator=(ProfileStore&&) noexcept = default;

std::string ProfileStore::default_path() {
  fs::path dir;
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const std::string xdg = env("XDG_CACHE_HOME");
  if (!env("SPLITINFER_CACHE_DIR").empty()) dir = env("SPLITINFER_CACHE_DIR");
  else if (!xdg.empty() && fs::path(xdg).is_absolute()) dir = fs::path(xdg) / "splitinfer";
  else if (!env("HOME").empty()) dir = fs::path(env("HOME")) / ".cache" / "splitinfer";
  else
    fail(ErrorKind::io,
         "no cache directory for the profile store: set SPLITINFER_CACHE_DIR or HOME");
  return (dir / "profiles.sqlite").string();
}

ProfileStore::ProfileStore(const std::string& path, bool read_only) : path_(path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    if (read_only) fail(ErrorKind::io, path + ": no such profile database");
    const fs::path dir = fs::path(path).parent_path();
    std::error_code mkdir_error;
    if (!dir.empty()) fs::create_directories(dir, mkdir_error);
    if (mkdir_error)
      fail(ErrorKind::io, path + ": cannot create the directory " + dir.string() + " (" +
                              mkdir_error.message() + ")");
  } else if (ec) {
    fail(ErrorKind::io, path + ": cannot access the profile database (" + ec.message() + ")");
  } else if (fs::is_directory(status)) {
    fail(ErrorKind::io, path + ": is a directory, not a profile database");
  } else if (!fs::is_regular_file(status)) {
    fail(ErrorKind::io, path + ": not a regular file, not a profile database");
  } else if (write_protected(status.permissions())) {
    read_only = true;
  }

  sqlite3* raw = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // SQLite allocates a handle even when opening fails
  if (rc != SQLITE_OK) fail_sqlite(path_, db_.get(), rc);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  open_schema();
}

void ProfileStore::open_schema() {
  sqlite3* db = db_.get();
  const Header header = read_header(db, path_);
  if (!header.blank()) {
    check_ours(header, path_);
    return;
  }
  if (sqlite3_db_readonly(db, "main") == 1)
    fail(ErrorKind::io,
         path_ + ": holds no profiles yet and is read-only, cannot create the schema");
  Transaction t(db, path_);
  // Another process may have created the schema while we waited for the lock.
  const Header locked = read_header(db, path_);
  if (locked.blank()) {
    execute(db, path_, kSchema);
    execute(db, path_, "PRAGMA application_id = " + std::to_string(kApplicationId));
    execute(db, path_, "PRAGMA user_version = " + std::to_string(kSchemaVersion));
  } else {
    check_ours(locked, path_);
  }
  t.commit();
}

void ProfileStore::require_writable() const {
  if (sqlite3_db_readonly(db_.get(), "main") == 1)
    fail(ErrorKind::io, path_ + ": " + reason(SQLITE_READONLY));
}

void ProfileStore::put(const ProfileKey& key, const std::vector<RangeTiming>& timings) {
  require_writable();
  sqlite3* db = db_.get();
  Transaction t(db, path_);
  Statement s = prepare(db, path_,
                        "INSERT OR REPLACE INTO range_timing (model_hash, element, machine, "
                        "first_unit, last_unit, model_name, unit_count, median_ms, p10_ms, "
                        "p90_ms, reps, source, created) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  const sqlite3_int64 now = std::time(nullptr);
  for (const RangeTiming& r : timings) {
    sqlite3_reset(s.get());
    bind_key(s.get(), key);
    sqlite3_bind_int(s.get(), 4, r.first_unit);
    sqlite3_bind_int(s.get(), 5, r.last_unit);
    bind_text(s.get(), 6, key.model_name);
    sqlite3_bind_int(s.get(), 7, key.unit_count);
    bind_times(s.get(), 8, r);
    bind_text(s.get(), 12, r.source);
    sqlite3_bind_int64(s.get(), 13, now);
    step_write(s.get(), db, path_,
               "units [" + std::to_string(r.first_unit) + ", " + std::to_string(r.last_unit) +
                   ") of " + key.model_name + " on " + key.element);
  }
  t.commit();
}

std::vector<RangeTiming> ProfileStore::get(const ProfileKey& key) const {
  sqlite3* db = db_.get();
  Statement s =
      prepare(db, path_, (std::string(kSelect) + " ORDER BY first_unit, last_unit").c_str());
  bind_key(s.get(), key);
  std::vector<RangeTiming> rows;
  while (step(s.get(), db, path_)) rows.push_back(read_row(s.get()));
  return rows;
}

std::optional<RangeTiming> ProfileStore::find(const ProfileKey& key, int first_unit,
                                              int last_unit) const {
  sqlite3* db = db_.get();
  Statement s = prepare(db, path_,
                        (std::string(kSelect) + " AND first_unit = ?4 AND last_unit = ?5").c_str());
  bind_key(s.get(), key);
  sqlite3_bind_int(s.get(), 4, first_unit);
  sqlite3_bind_int(s.get(), 5, last_unit);
  if (!step(s.get(), db, path_)) return std::nullopt;
  return read_row(s.get());
}

void ProfileStore::erase(const ProfileKey& key) {
  require_writable();
  sqlite3* db = db_.get();
  Transaction t(db, path_);
  for (const char* table : {"range_timing", "whole_beside_partners"}) {
    Statement s = prepare(db, path_,
                          (std::string("DELETE FROM ") + table +
                           " WHERE model_hash = ?1 AND element = ?2 AND machine = ?3")
                              .c_str());
    bind_key(s.get(), key);
    step(s.get(), db, path_);
  }
  t.commit();
}

void ProfileStore::put_beside(const ProfileKey& key, const std::string& partners,
                              const RangeTiming& whole) {
  require_writable();
  sqlite3* db = db_.get();
  Statement s = prepare_beside(
      db, path_,
      "INSERT OR REPLACE INTO whole_beside_partners (model_hash, element, machine, partners, "
      "model_name, unit_count, median_ms, p10_ms, p90_ms, reps, created) VALUES (?1, ?2, ?3, ?4, "
      "?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      key, partners);
  bind_text(s.get(), 5, key.model_name);
  sqlite3_bind_int(s.get(), 6, key.unit_count);
  bind_times(s.get(), 7, whole);
  sqlite3_bind_int64(s.get(), 11, std::time(nullptr));
  step_write(s.get(), db, path_,
             key.model_name + " on " + key.element + " beside '" + partners + "'");
}

std::optional<RangeTiming> ProfileStore::find_beside(const ProfileKey& key,
                                                     const std::string& partners) const {
  sqlite3* db = db_.get();
  Statement s = prepare_beside(db, path_,
                               "SELECT median_ms, p10_ms, p90_ms, reps, unit_count FROM "
                               "whole_beside_partners WHERE model_hash = ?1 AND element = ?2 AND "
                               "machine = ?3 AND partners = ?4",
                               key, partners);
  if (!step(s.get(), db, path_)) return std::nullopt;
  RangeTiming r;
  r.median_ms = sqlite3_column_double(s.get(), 0);
  r.p10_ms = sqlite3_column_double(s.get(), 1);
  r.p90_ms = sqlite3_column_double(s.get(), 2);
  r.reps = sqlite3_column_int(s.get(), 3);
  r.last_unit = sqlite3_column_int(s.get(), 4);
  r.source = "measured";
  return r;
}

}  // namespace splitinfer
