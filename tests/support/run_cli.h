// Runs the built `splitinfer` binary as a user would and captures what it
// printed, so tests can check exit codes and the one-line error contract.
#pragma once

#include <string>

namespace splitinfer::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `args` is appended to the binary's path as shell words (quote as needed).
// With `interrupt_after_s` > 0 the command gets SIGINT after that many
// seconds (as a user pressing Ctrl-C), and its own exit code is kept.
CliResult run_cli(const std::string& args, int interrupt_after_s = 0);

// The error contract: exit code `code`, one line on stderr that starts with
// "error: " and contains `fragment`, nothing on stdout.
void expect_one_line_error(const CliResult& r, int code, const std::string& fragment);

// A fresh empty directory under the system temp dir, removed by the caller.
std::string make_temp_dir();

}  // namespace splitinfer::testing
