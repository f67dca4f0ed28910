// The fixture for CLI tests that run a pipeline on cpu0 and cpu1: each test
// gets a fresh directory for its files, the calibration caches and its
// profile store, so tests never share state or touch the user's home.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "support/run_cli.h"

namespace splitinfer::testing {

class TwoCpuCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
    dir_ = make_temp_dir();
    setenv("SPLITINFER_CACHE_DIR", (dir_ + "/cache").c_str(), 1);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The option that keeps the profile store inside the test's directory.
  std::string db() const { return " --db " + dir_ + "/p.sqlite"; }
  std::string dir_;
};

}  // namespace splitinfer::testing
