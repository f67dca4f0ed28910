// The `splitinfer` command: a thin layer over libsplitinfer. Every failure a
// user can cause ends here as one `error: ...` line on stderr and exit code 2
// (bad usage), 3 (bad model, input or environment), 4 (a pipeline stage
// failed while running) or 130 (interrupted by SIGINT, 128 + 2 as shells
// report a Ctrl-C; whatever partial report the command printed is on stdout).
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "cli/commands.h"
#include "common/error.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 3;
constexpr int kExitStageFailed = 4;
constexpr int kExitInterrupted = 130;

int exit_code(splitinfer::ErrorKind kind) {
  switch (kind) {
    case splitinfer::ErrorKind::stage_failed: return kExitStageFailed;
    case splitinfer::ErrorKind::interrupted: return kExitInterrupted;
    default: return kExitFailure;
  }
}

// CLI11 reports an unknown command as a missing one; name it instead.
std::string usage_error(const CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
  if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty())
    return "unknown command '" + std::string(argv[1]) + "'";
  return e.what();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"splitinfer: split CNN inference across processing elements"};
  app.require_subcommand(1);
  splitinfer::cli::add_models_command(app);
  splitinfer::cli::add_inspect_command(app);
  splitinfer::cli::add_export_command(app);
  splitinfer::cli::add_infer_command(app);
  splitinfer::cli::add_profile_command(app);
  splitinfer::cli::add_devices_command(app);
  splitinfer::cli::add_plan_command(app);
  splitinfer::cli::add_run_command(app);
  splitinfer::cli::add_report_command(app);
  splitinfer::cli::add_ggp_command(app);
  splitinfer::cli::add_predict_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << usage_error(app, argc, argv, e) << " (see splitinfer --help)\n";
    return kExitUsage;
  } catch (const splitinfer::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return kExitFailure;
  }
  return 0;
}
