// The profile store: timings of unit ranges of models on elements, kept in an
// embedded SQLite file so that profiling is done once per model, element and
// kind of machine, and so that profiles measured elsewhere can be imported.
//
// A row is the timing of units [first_unit, last_unit) of a model run as one
// partition: [i, i+1) is one unit, [0, i) the prefix and [i, N) the suffix of
// split i, [0, N) the whole model. Partition timings are stored next to the
// unit timings because sums of units miss fusion and cache effects.
//
// A second table keeps the whole model's time on an element while its
// partners (other elements, each on a core of its own) run their whole model
// at the same time: what each replica of a data-parallel schedule takes,
// slower than alone because the replicas share caches and memory.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace splitinfer {

struct RangeTiming {
  int first_unit = 0;
  int last_unit = 0;
  double median_ms = 0;
  double p10_ms = 0;
  double p90_ms = 0;
  int reps = 0;        // repetitions measured; 0 when not known (imported)
  std::string source;  // "measured" or "imported"
};

// Which timings: a model (by structure_hash; the name and unit count are kept
// for people reading the file), an element ("cpu0:int8") and a machine_id().
struct ProfileKey {
  std::string model_hash;
  std::string model_name;
  std::string element;
  std::string machine;
  int unit_count = 0;
};

// The other elements of a whole-model-beside-partners timing, as the store
// keys them: sorted, comma-separated.
std::string partners_key(std::vector<std::string> partners);

class ProfileStore {
 public:
  // $SPLITINFER_CACHE_DIR, else $XDG_CACHE_HOME/splitinfer, else
  // $HOME/.cache/splitinfer; the file profiles.sqlite in it. Throws an io
  // Error when none of them is set.
  static std::string default_path();

  // Opens the store at `path`, creating the file and its directory (unless
  // read_only) and the schema on first use. A file that is write-protected is
  // opened read-only even for root. Throws an io Error naming `path` for a
  // file that is not a splitinfer profile database or has another schema
  // version, a directory, an unreadable path, or a lock held for over 2 s.
  explicit ProfileStore(const std::string& path, bool read_only = false);
  ~ProfileStore();
  ProfileStore(ProfileStore&&) noexcept;
  ProfileStore& operator=(ProfileStore&&) noexcept;

  const std::string& path() const { return path_; }

  // Stores `timings` in one transaction, replacing rows of the same key and
  // range and keeping the other ranges. On failure nothing is changed: an io
  // Error for a read-only or locked file, invalid_input for a timing the
  // schema rejects (range outside 0..unit_count, p10 > median > p90, ...).
  void put(const ProfileKey& key, const std::vector<RangeTiming>& timings);
  // All ranges stored for `key`, ordered by first and last unit.
  std::vector<RangeTiming> get(const ProfileKey& key) const;
  std::optional<RangeTiming> find(const ProfileKey& key, int first_unit, int last_unit) const;
  // Removes every range of `key` and its timings beside partners (profiling
  // again with --force).
  void erase(const ProfileKey& key);

  // The whole model's timing on key.element beside `partners` (the other
  // elements' names as partners_key joins them), replacing
  // an earlier one. invalid_input for an empty list or a timing the schema
  // rejects.
  void put_beside(const ProfileKey& key, const std::string& partners, const RangeTiming& whole);
  std::optional<RangeTiming> find_beside(const ProfileKey& key, const std::string& partners) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  void open_schema();
  void require_writable() const;
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace splitinfer
