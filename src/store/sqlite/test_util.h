#pragma once
// Test-only helpers for store/sqlite tests: a unique temporary database path that is removed
// (with its -wal/-shm companions) when the helper goes out of scope.

#include <filesystem>
#include <string>

#include "base/random.h"

namespace steadycast::store::sqlite::testing {

class TempDatabasePath {
 public:
  TempDatabasePath()
      : path_(std::filesystem::temp_directory_path() /
              ("steadycast-store-" + base::RandomId("t") + ".db")) {}
  ~TempDatabasePath() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_.string() + suffix, ec);
    }
  }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace steadycast::store::sqlite::testing
