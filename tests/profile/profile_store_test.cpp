// The profile store: round trips, and bad files (corrupt, foreign, other
// schema version, read-only, locked) refused with one-line errors and never
// changed.
#include "profile/profile_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "profile_test_util.h"

namespace splitinfer {
namespace {

using testing::expect_error;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

ProfileKey key(const std::string& element = "cpu0:int8") {
  return {"0123456789abcdef", "lenet5", element, "Test CPU x2", 12};
}

RangeTiming timing(int first, int last, double median) {
  return {first, last, median, median * 0.9, median * 1.2, 50, "measured"};
}

void expect_same(const RangeTiming& a, const RangeTiming& b) {
  EXPECT_EQ(a.first_unit, b.first_unit);
  EXPECT_EQ(a.last_unit, b.last_unit);
  EXPECT_DOUBLE_EQ(a.median_ms, b.median_ms);
  EXPECT_DOUBLE_EQ(a.p10_ms, b.p10_ms);
  EXPECT_DOUBLE_EQ(a.p90_ms, b.p90_ms);
  EXPECT_EQ(a.reps, b.reps);
  EXPECT_EQ(a.source, b.source);
}

// A second connection, as another process would hold one.
struct RawConnection {
  sqlite3* db = nullptr;
  explicit RawConnection(const std::string& path) { sqlite3_open(path.c_str(), &db); }
  ~RawConnection() { sqlite3_close(db); }
  int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
};

TEST(ProfileStore, RoundTrip) {
  TempDir dir;
  ProfileStore store(dir.file("p.sqlite"));
  const std::vector<RangeTiming> rows = {timing(1, 2, 0.5), timing(0, 1, 0.25), timing(0, 12, 3.0),
                                         timing(4, 12, 2.0)};
  store.put(key(), rows);

  const auto got = store.get(key());
  ASSERT_EQ(got.size(), 4u);  // ordered by first, then last unit
  expect_same(got[0], rows[1]);
  expect_same(got[1], rows[2]);
  expect_same(got[2], rows[0]);
  expect_same(got[3], rows[3]);

  const auto found = store.find(key(), 4, 12);
  ASSERT_TRUE(found);
  expect_same(*found, rows[3]);
  EXPECT_FALSE(store.find(key(), 4, 11));

  store.erase(key());
  EXPECT_TRUE(store.get(key()).empty());
  EXPECT_FALSE(store.find(key(), 4, 12));
}

TEST(ProfileStore, ReplacesTheSameRangeAndKeepsOthers) {
  TempDir dir;
  ProfileStore store(dir.file("p.sqlite"));
  store.put(key(), {timing(0, 1, 1.0), timing(1, 2, 2.0)});
  RangeTiming again = timing(0, 1, 5.0);
  again.source = "imported";
  again.reps = 0;
  store.put(key(), {again});
  const auto got = store.get(key());
  ASSERT_EQ(got.size(), 2u);
  expect_same(got[0], again);
  expect_same(got[1], timing(1, 2, 2.0));
}

TEST(ProfileStore, KeepsElementsMachinesAndModelsApart) {
  TempDir dir;
  ProfileStore store(dir.file("p.sqlite"));
  ProfileKey other_machine = key();
  other_machine.machine = "Other CPU x8";
  ProfileKey other_model = key();
  other_model.model_hash = "fedcba9876543210";
  store.put(key("cpu0:int8"), {timing(0, 1, 1.0)});
  store.put(key("cpu1:fp32"), {timing(0, 1, 2.0)});
  store.put(other_machine, {timing(0, 1, 3.0)});
  store.put(other_model, {timing(0, 1, 4.0)});
  EXPECT_DOUBLE_EQ(store.find(key("cpu0:int8"), 0, 1)->median_ms, 1.0);
  EXPECT_DOUBLE_EQ(store.find(key("cpu1:fp32"), 0, 1)->median_ms, 2.0);
  EXPECT_DOUBLE_EQ(store.find(other_machine, 0, 1)->median_ms, 3.0);
  EXPECT_DOUBLE_EQ(store.find(other_model, 0, 1)->median_ms, 4.0);
  store.erase(key("cpu0:int8"));
  EXPECT_TRUE(store.get(key("cpu0:int8")).empty());
  EXPECT_EQ(store.get(key("cpu1:fp32")).size(), 1u);
}

// The whole model timed beside partners is kept per partner set, apart from
// the ranges, and goes with them on erase.
TEST(ProfileStore, WholeModelBesidePartnersIsKeptPerPartnerSet) {
  TempDir dir;
  ProfileStore store(dir.file("p.sqlite"));
  store.put(key(), {timing(0, 12, 3.0)});
  EXPECT_EQ(partners_key({"cpu2:fp32", "cpu1:int8"}), "cpu1:int8,cpu2:fp32");
  store.put_beside(key(), partners_key({"cpu1:int8"}), timing(0, 12, 3.3));
  store.put_beside(key(), partners_key({"cpu2:fp32", "cpu1:int8"}), timing(0, 12, 3.6));
  const auto one = store.find_beside(key(), "cpu1:int8");
  ASSERT_TRUE(one);
  expect_same(*one, timing(0, 12, 3.3));
  EXPECT_DOUBLE_EQ(store.find_beside(key(), "cpu1:int8,cpu2:fp32")->median_ms, 3.6);
  EXPECT_FALSE(store.find_beside(key(), "cpu1:fp32"));
  EXPECT_FALSE(store.find_beside(key("cpu1:int8"), "cpu1:int8"));
  // The ranges are untouched: [0, N) is still the time alone.
  EXPECT_DOUBLE_EQ(store.find(key(), 0, 12)->median_ms, 3.0);
  store.put_beside(key(), "cpu1:int8", timing(0, 12, 3.1));  // replaces
  EXPECT_DOUBLE_EQ(store.find_beside(key(), "cpu1:int8")->median_ms, 3.1);
  expect_error([&] { store.put_beside(key(), "", timing(0, 12, 1.0)); }, ErrorKind::invalid_input,
               {"beside ''"});
  expect_error([&] { store.put_beside(key(), "cpu0:int8", timing(0, 12, 1.0)); },
               ErrorKind::invalid_input, {"beside 'cpu0:int8'"});
  RangeTiming inverted = timing(0, 12, 1.0);
  inverted.p90_ms = 0.5;
  expect_error([&] { store.put_beside(key(), "cpu1:int8", inverted); }, ErrorKind::invalid_input,
               {"lenet5", "cpu0:int8"});
  store.erase(key());
  EXPECT_FALSE(store.find_beside(key(), "cpu1:int8"));
  EXPECT_FALSE(store.find_beside(key(), "cpu1:int8,cpu2:fp32"));
}

TEST(ProfileStore, PersistsAcrossReopenAndCreatesItsDirectory) {
  TempDir dir;
  const std::string path = (dir.path() / "a" / "b" / "profiles.sqlite").string();
  ProfileStore(path).put(key(), {timing(0, 1, 1.5), timing(0, 12, 9.0)});
  const ProfileStore reopened(path, /*read_only=*/true);
  const auto got = reopened.get(key());
  ASSERT_EQ(got.size(), 2u);
  expect_same(got[0], timing(0, 1, 1.5));
  expect_same(got[1], timing(0, 12, 9.0));
}

TEST(ProfileStore, FailedWriteLeavesThePreviousContents) {
  TempDir dir;
  const std::string path = dir.file("p.sqlite");
  ProfileStore store(path);
  store.put(key(), {timing(0, 1, 1.0)});
  RangeTiming bad = timing(1, 2, 1.0);
  bad.p10_ms = 2.0;  // above the median
  expect_error(
      [&] {
        store.put(key(), {timing(0, 1, 7.0), timing(2, 3, 1.0), bad});
      },
      ErrorKind::invalid_input, {path, "units [1, 2)", "cpu0:int8", "CHECK"});
  const auto got = store.get(key());
  ASSERT_EQ(got.size(), 1u);
  expect_same(got[0], timing(0, 1, 1.0));
}

TEST(ProfileStore, RejectsRangesOutsideTheModelAndBadTimes) {
  TempDir dir;
  ProfileStore store(dir.file("p.sqlite"));
  RangeTiming nan = timing(0, 1, 1.0);
  nan.median_ms = std::nan("");
  RangeTiming unknown_source = timing(0, 1, 1.0);
  unknown_source.source = "guessed";
  for (const RangeTiming& r : {timing(0, 13, 1.0), timing(3, 3, 1.0), timing(-1, 2, 1.0),
                               timing(0, 1, -1.0), nan, unknown_source})
    expect_error([&] { store.put(key(), {r}); }, ErrorKind::invalid_input, {"cannot store"});
  EXPECT_TRUE(store.get(key()).empty());
}

TEST(ProfileStoreBadFiles, CorruptFileIsRefusedAndLeftAlone) {
  TempDir dir;
  std::mt19937 rng(7);
  std::string random(4096, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  const std::string text = "median_ms\n0.8\nnot a database at all\n";
  for (const std::string& bytes : {random, text}) {
    const std::string path = dir.file("corrupt.sqlite");
    write_bytes(path, bytes);
    expect_error([&] { ProfileStore store(path); }, ErrorKind::io,
                 {path, "not a splitinfer profile database", "file is not a database"});
    expect_error([&] { ProfileStore store(path, true); }, ErrorKind::io, {path});
    EXPECT_EQ(read_bytes(path), bytes);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  }
}

TEST(ProfileStoreBadFiles, ForeignDatabaseIsRefusedAndLeftAlone) {
  TempDir dir;
  const std::string path = dir.file("other.sqlite");
  RawConnection(path).exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');");
  const std::string before = read_bytes(path);
  expect_error([&] { ProfileStore store(path); }, ErrorKind::io,
               {path, "not a splitinfer profile database"});
  EXPECT_EQ(read_bytes(path), before);
}

TEST(ProfileStoreBadFiles, OtherSchemaVersionIsRefused) {
  TempDir dir;
  const std::string path = dir.file("p.sqlite");
  ProfileStore(path).put(key(), {timing(0, 1, 1.0)});
  RawConnection(path).exec("PRAGMA user_version = 7");
  const std::string before = read_bytes(path);
  expect_error([&] { ProfileStore store(path); }, ErrorKind::io,
               {path, "schema version 7", "version 2", "move it away"});
  EXPECT_EQ(read_bytes(path), before);
}

TEST(ProfileStoreBadFiles, ReadOnlyStoreReadsButDoesNotWrite) {
  TempDir dir;
  const std::string path = dir.file("p.sqlite");
  ProfileStore(path).put(key(), {timing(0, 1, 1.0)});
  const std::string before = read_bytes(path);
  ProfileStore store(path, /*read_only=*/true);
  EXPECT_EQ(store.get(key()).size(), 1u);
  expect_error([&] { store.put(key(), {timing(1, 2, 1.0)}); }, ErrorKind::io, {path, "read-only"});
  expect_error([&] { store.erase(key()); }, ErrorKind::io, {path, "read-only"});
  EXPECT_EQ(read_bytes(path), before);
}

TEST(ProfileStoreBadFiles, WriteProtectedFileReadsButDoesNotWrite) {
  TempDir dir;
  const std::string path = dir.file("p.sqlite");
  ProfileStore(path).put(key(), {timing(0, 1, 1.0)});
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
  const std::string before = read_bytes(path);
  ProfileStore store(path);  // even as root, where the permission bits do not bind
  EXPECT_EQ(store.get(key()).size(), 1u);
  expect_error([&] { store.put(key(), {timing(1, 2, 1.0)}); }, ErrorKind::io, {path, "read-only"});
  expect_error([&] { store.erase(key()); }, ErrorKind::io, {path, "read-only"});
  EXPECT_EQ(read_bytes(path), before);
}

TEST(ProfileStoreBadFiles, EmptyFileOpenedReadOnlyCannotTakeTheSchema) {
  TempDir dir;
  const std::string path = dir.file("empty.sqlite");
  write_bytes(path, "");
  expect_error([&] { ProfileStore store(path, true); }, ErrorKind::io, {path, "read-only"});
  EXPECT_EQ(read_bytes(path), "");
}

TEST(ProfileStoreBadFiles, LockedDatabaseFailsAfterTheBusyTimeout) {
  TempDir dir;
  const std::string path = dir.file("p.sqlite");
  ProfileStore store(path);
  store.put(key(), {timing(0, 1, 1.0)});
  {
    RawConnection other(path);
    ASSERT_EQ(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
    const auto start = std::chrono::steady_clock::now();
    expect_error([&] { store.put(key(), {timing(1, 2, 1.0)}); }, ErrorKind::io, {path, "locked"});
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GT(waited, 1.0);   // it did wait for the lock ...
    EXPECT_LT(waited, 30.0);  // ... and then gave up
    expect_error([&] { ProfileStore second(path); }, ErrorKind::io, {path, "locked"});
    other.exec("ROLLBACK");
  }
  store.put(key(), {timing(1, 2, 1.0)});  // usable again once the lock is gone
  EXPECT_EQ(store.get(key()).size(), 2u);
}

TEST(ProfileStoreBadFiles, DirectoryAndUnreachablePathsAreIoErrors) {
  TempDir dir;
  expect_error([&] { ProfileStore store(dir.path().string()); }, ErrorKind::io,
               {dir.path().string(), "directory"});
  const std::string missing = dir.file("missing.sqlite");
  expect_error([&] { ProfileStore store(missing, true); }, ErrorKind::io, {missing});
  EXPECT_FALSE(std::filesystem::exists(missing));
  write_bytes(dir.file("plain"), "x");
  const std::string under_file = dir.file("plain") + "/p.sqlite";
  expect_error([&] { ProfileStore store(under_file); }, ErrorKind::io, {under_file});
}

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    if (!saved_.count(name)) {
      const char* old = getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_)
      value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(ProfileStore, DefaultPathFollowsTheEnvironment) {
  ScopedEnv env;
  env.set("SPLITINFER_CACHE_DIR", "/tmp/si-cache");
  env.set("XDG_CACHE_HOME", "/tmp/xdg");
  env.set("HOME", "/tmp/home");
  EXPECT_EQ(ProfileStore::default_path(), "/tmp/si-cache/profiles.sqlite");
  env.set("SPLITINFER_CACHE_DIR", nullptr);
  EXPECT_EQ(ProfileStore::default_path(), "/tmp/xdg/splitinfer/profiles.sqlite");
  env.set("XDG_CACHE_HOME", "relative/is/ignored");
  EXPECT_EQ(ProfileStore::default_path(), "/tmp/home/.cache/splitinfer/profiles.sqlite");
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("HOME", nullptr);
  expect_error([] { ProfileStore::default_path(); }, ErrorKind::io, {"SPLITINFER_CACHE_DIR"});
}

TEST(ProfileStore, DefaultPathDirectoryIsCreatedOnOpen) {
  TempDir dir;
  ScopedEnv env;
  const std::string cache = (dir.path() / "cache").string();
  env.set("SPLITINFER_CACHE_DIR", cache.c_str());
  ProfileStore store(ProfileStore::default_path());
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "cache" / "profiles.sqlite"));
}

}  // namespace
}  // namespace splitinfer
