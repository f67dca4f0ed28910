// `splitinfer report table1`: the paper's Table 1 and Figures 5-7 for the
// zoo models, measured on pairs of real elements (the paper's INT8 -> half
// precision pair first, where this CPU has bf16), simulated for the paper's
// devices, beside the published values.
#include <filesystem>
#include <iostream>
#include <memory>

#include "api/model_impl.h"
#include "cli/commands.h"
#include "cli/plan_report.h"
#include "cli/planning.h"
#include "cli/schedule_measurements.h"
#include "common/atomic_file.h"
#include "devices/device_spec.h"
#include "devices/sim_fit.h"
#include "exec/backend.h"
#include "exec/cpu/cpu_features.h"
#include "graph/zoo/zoo.h"
#include "profile/machine_id.h"
#include "report/paper_table1.h"
#include "report/split_plots.h"
#include "report/table1.h"
#include "runtime/split_runner.h"

namespace splitinfer::cli {

namespace {

struct Options {
  std::vector<std::string> devices;  // pairs "A,B"; empty: default_pairs()
  std::string sim_devices = "sim:vck190-dpu,sim:rtx2080";
  std::string sim_link = "pcie3x4";
  std::string models = "lenet5,resnet18,resnet50,resnet101,resnet152,vgg16,mobilenet_v2";
  std::string out = "docs/table1";
  std::string db;
  int reps = 10;
  int frames = 100;
  int alone_frames = 20;
  int rounds = 3;
  CalibrationOptions calibration;
  bool json = false;
};

// The paper's pair (INT8 then half-precision float) where the CPU has bf16,
// then INT8 then FP32.
std::vector<std::string> default_pairs() {
  std::vector<std::string> pairs;
  if (cpu::offers(cpu::this_cpu(), Precision::bf16)) pairs.push_back("cpu0:int8,cpu1:bf16");
  pairs.push_back("cpu0:int8,cpu1:fp32");
  return pairs;
}

// The element pairs to measure, each checked: two elements that exist here.
std::vector<std::vector<std::string>> real_pairs(const std::vector<std::string>& devices) {
  std::vector<std::vector<std::string>> pairs;
  if (devices.size() == 1 && devices[0] == "none") return pairs;
  for (const std::string& d : devices.empty() ? default_pairs() : devices) {
    std::vector<std::string> pair = comma_list(d);
    if (pair.size() != 2)
      fail(ErrorKind::invalid_input,
           "--devices '" + d + "' is not two elements, first then second");
    for (const std::string& e : pair) make_backend(e);
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

SplitResult result_of(const Plan& plan, const PlanProblem& problem, const std::string& figure) {
  const auto alone = alone_ms(problem);
  return {plan.cuts.at(0), alone.at(0).second / plan.period_ms, alone.at(1).second / plan.period_ms,
          plan.period_ms, figure};
}

// One line per published time the named elements are fitted to.
std::vector<std::string> fit_sources(const std::vector<std::string>& elements) {
  std::vector<std::string> lines;
  for (const std::string& name : elements) {
    const SimElementSpec& e = device_catalog(SimModel::spec).find_element(name);
    if (!e.fit) {
      lines.push_back(name + ": not fitted (no published whole-model times); spec figures");
      continue;
    }
    for (const PublishedTime& t : e.fit->published) {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.4g ms", t.ms);
      lines.push_back(name + ", " + t.model + ", " + ms + ": " + t.source);
    }
  }
  return lines;
}

class Table1Builder {
 public:
  Table1Builder(const Options& o, std::vector<std::vector<std::string>> pairs)
      : o_(o), pairs_(std::move(pairs)) {
    std::error_code error;
    std::filesystem::create_directories(o.out + "/plots", error);
    if (error) fail(ErrorKind::io, "cannot create " + o.out + "/plots: " + error.message());
  }

  Table1Row row(const std::string& name) {
    const api::Model model = api::Model::load(name);  // the zoo's weights of seed 0
    const Graph& graph = model.impl().graph;
    Table1Row row;
    row.model = name;
    row.units = static_cast<int>(graph.units.size());
    for (const std::vector<std::string>& pair : pairs_) row.real.push_back(real(model, pair));
    if (o_.sim_devices != "none") simulated(graph, row);
    return row;
  }

 private:
  PlanningOptions planning(const std::string& devices, const std::string& mode,
                           const std::string& link,
                           const DeviceCatalog* sim_catalog = nullptr) const {
    PlanningOptions p;
    p.sim_catalog = sim_catalog;
    p.devices = devices;
    p.link_mode = mode;
    p.link = link;
    p.db = o_.db;
    p.reps = o_.reps;
    p.calibration = o_.calibration;
    return p;
  }

  // The planned split run as a pipeline, each element alone and
  // data-parallel beside it, in one measurement as `run` takes it.
  RealResult real(const api::Model& model, const std::vector<std::string>& pair) {
    const Graph& graph = model.impl().graph;
    const auto p = prepare_planning(graph, planning(pair[0] + "," + pair[1], "direct", ""), 2, 2);
    const Plan plan = best_plan(p->problem);
    RealResult result;
    result.predicted = result_of(plan, p->problem, "predicted");
    const std::vector<Handoff> frames = input_frames(graph, "");
    std::vector<PipelineStage> fp32 = build_stages(graph, {"cpu0:fp32"}, {}, nullptr);
    const ScheduleMeasurements m =
        measure_schedules(model, *p, plan.cuts, frames, outputs_in_turn(fp32, frames),
                          {o_.frames, o_.alone_frames, 2, nullptr, o_.rounds});
    const double first = m.alone.at(pair[0]), second = m.alone.at(pair[1]);
    result.measured = SplitResult{plan.cuts[0], first / m.pipeline.period_ms,
                                  second / m.pipeline.period_ms, m.pipeline.period_ms, "measured"};
    result.data_parallel =
        DataParallelResult{m.data_parallel.period_ms, evaluate_data_parallel(p->problem).period_ms,
                           first / m.data_parallel.period_ms, second / m.data_parallel.period_ms};
    write_chart(
        graph.name + "-stages-measured-" + devices_slug(pair.at(0) + "," + pair.at(1)) + ".svg",
        stage_latency_chart(graph.name, p->problem, plan.cuts[0], "measured profiles"));
    return result;
  }

  // The simulated pair priced three ways (Table1Row); the plots show the
  // fitted pricing that `plan` uses.
  void simulated(const Graph& graph, Table1Row& row) {
    const DeviceCatalog left_out = fitted_catalog(device_catalog(SimModel::spec), graph.name);
    const std::pair<SimulatedResult*, const DeviceCatalog*> pricings[] = {
        {&row.sim_fitted, &device_catalog(SimModel::fitted)},
        {&row.sim_left_out, &left_out},
        {&row.sim_spec, &device_catalog(SimModel::spec)}};
    for (const auto& [result, catalog] : pricings)
      for (const std::string mode : {"direct", "indirect"}) {
        const auto p =
            prepare_planning(graph, planning(o_.sim_devices, mode, o_.sim_link, catalog), 2, 2);
        const Plan plan = best_plan(p->problem);
        (mode == "direct" ? result->direct : result->indirect) =
            result_of(plan, p->problem, "simulated");
        if (result != &row.sim_fitted || mode != "direct") continue;
        write_chart(graph.name + "-stages-simulated.svg",
                    stage_latency_chart(graph.name, p->problem, plan.cuts[0], "simulated"));
        write_chart(graph.name + "-transfer-simulated.svg",
                    transfer_latency_chart(graph.name, p->problem));
        write_chart(graph.name + "-bytes.svg", handoff_bytes_chart(graph.name, p->problem));
      }
  }

  void write_chart(const std::string& name, const LineChart& chart) const {
    write_file_atomically(o_.out + "/plots/" + name, render_svg(chart));
  }

  const Options& o_;
  const std::vector<std::vector<std::string>> pairs_;
};

}  // namespace

void add_report_command(CLI::App& app) {
  auto* report = app.add_subcommand("report", "Reports of the papers' tables and figures");
  report->require_subcommand(1);
  add_frontier_report(report);
  auto* cmd = report->add_subcommand(
      "table1",
      "Table 1 and Figures 5-7 of the split-inference paper: measured, simulated, published");
  auto opt = std::make_shared<Options>();
  cmd->add_option(
      "--devices", opt->devices,
      "Real elements, first then second; repeat for more pairs, 'none' to skip "
      "(default: cpu0:int8,cpu1:bf16 where the CPU has bf16, then cpu0:int8,cpu1:fp32)");
  cmd->add_option("--sim-devices", opt->sim_devices, "Simulated elements ('none' to skip)")
      ->default_val(opt->sim_devices);
  cmd->add_option("--sim-link", opt->sim_link, "Link between the simulated elements")
      ->default_val(opt->sim_link);
  cmd->add_option("--models", opt->models, "Comma-separated zoo models")->default_val(opt->models);
  cmd->add_option("--out", opt->out, "Directory for table1.md, table1.json and plots/")
      ->default_val(opt->out);
  cmd->add_option("--db", opt->db, "Profile store (default: the user's cache directory)");
  cmd->add_option("--reps", opt->reps, "Repetitions when profiling what the store lacks")
      ->default_val(10)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--frames", opt->frames, "Frames per schedule run")
      ->default_val(100)
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--rounds", opt->rounds,
                  "Rounds in which the split's pipeline and data-parallel take turns; each "
                  "period is the median of its rounds")
      ->default_val(3)
      ->check(CLI::Range(1, 1000));
  add_calibration_options(cmd, opt->calibration);
  cmd->add_flag("--json", opt->json, "Print the table as one JSON document");
  cmd->callback([opt] {
    // Every name is checked before hours of measuring begin.
    for (const std::string& m : comma_list(opt->models))
      if (!is_zoo_model(m)) fail(ErrorKind::invalid_input, "'" + m + "' is not a zoo model");
    if (opt->sim_devices != "none")
      for (const std::string& e : comma_list(opt->sim_devices)) device_catalog().find_element(e);
    if (opt->sim_devices != "none") device_catalog().find_link(opt->sim_link);
    Table1 table = published_table1();
    table.real_pairs = real_pairs(opt->devices);
    if (opt->sim_devices != "none") {
      table.sim_elements = comma_list(opt->sim_devices);
      table.sim_fit_sources = fit_sources(table.sim_elements);
    }
    table.sim_link = opt->sim_link;
    table.machine = machine_id();
    Table1Builder builder(*opt, table.real_pairs);
    for (const std::string& m : comma_list(opt->models)) {
      std::cerr << "table1: " << m << "\n";
      Table1Row row = builder.row(m);
      add_published(row);
      table.rows.push_back(std::move(row));
    }
    write_file_atomically(opt->out + "/table1.md", table1_markdown(table));
    write_file_atomically(opt->out + "/table1.json", table1_json(table).dump(2) + "\n");
    if (opt->json) std::cout << table1_json(table).dump(2) << "\n";
    else std::cout << table1_markdown(table);
  });
}

}  // namespace splitinfer::cli
