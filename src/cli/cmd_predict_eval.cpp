// `splitinfer predict eval`: Table 2 of the split-inference paper for the
// trained predictors, on the test models their manifest holds out, and the
// paper's Figure 8 for one of them.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/predict_commands.h"
#include "cli/predict_report.h"
#include "common/error.h"
#include "predict/dataset_file.h"
#include "predict/evaluate_predictors.h"
#include "predict/train_predictors.h"
#include "predict/unit_curves.h"

namespace splitinfer::cli {

namespace {

struct Options {
  std::string dataset = "data/predict/dataset.json.gz";
  std::string predictors = predict::kDefaultPredictorFolder;
  std::string plot;
  std::optional<uint64_t> plot_seed;
  std::string on = "test";  // or "validation", to choose training options without the test set
  double partition_objective_weight = predict::kPartitionObjectiveWeight;
  bool json = false;
};

// Figure 8: the measured and predicted curves of one test model.
void plot_test_model(const Options& o, const predict::PredictorSet& set,
                     const predict::Dataset& dataset) {
  const auto& test = set.manifest.test_seeds;
  const uint64_t seed = o.plot_seed.value_or(test.front());
  if (std::find(test.begin(), test.end(), seed) == test.end())
    fail(ErrorKind::invalid_input,
         "--plot-seed " + std::to_string(seed) + " is not a test model of " + o.predictors);
  const predict::ModelRecord& r = *predict::models_by_seed(dataset, {seed}).front();
  const predict::PredictedCurves predicted = predict::predict_curves(
      set, r.graph, false, predict::cut_elements(r), dataset.link, set.manifest.objective);
  write_chart(o.plot,
              cumulative_latency_chart(
                  r.name + " (test model): measured vs predicted cumulative latency",
                  set.manifest.elements, predicted.ms,
                  std::array{predict::first_element_curve(r), predict::second_element_curve(r)}));
}

}  // namespace

void add_predict_eval(CLI::App* predict_cmd) {
  auto* cmd = predict_cmd->add_subcommand(
      "eval", "Score the trained predictors on their held-out test models");
  auto opt = std::make_shared<Options>();
  cmd->add_option("--dataset", opt->dataset, "Dataset holding the test models")
      ->default_val(opt->dataset);
  cmd->add_option("--predictors", opt->predictors, "Folder of `predict train`")
      ->default_val(opt->predictors);
  cmd->add_option("--plot", opt->plot,
                  "SVG of a test model's measured and predicted curves (Figure 8)");
  cmd->add_option("--plot-seed", opt->plot_seed, "The test model to plot (default: the first)");
  cmd->add_option("--on", opt->on,
                  "The held-out models scored: test, or validation to compare training options "
                  "without looking at the test models")
      ->default_val(opt->on)
      ->check(CLI::IsMember({"test", "validation"}));
  add_partition_objective_weight(cmd, &opt->partition_objective_weight);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] {
    const Options& o = *opt;
    if (o.plot_seed && o.plot.empty())
      fail(ErrorKind::invalid_input, "--plot-seed needs --plot FILE.svg");
    const predict::PredictorSet set = predict::load_predictors(o.predictors);
    const predict::Dataset dataset = predict::load_dataset(o.dataset);
    predict::check_same_elements(set.manifest, dataset, o.dataset);
    const predict::Evaluation ev = predict::evaluate_predictors(
        set,
        predict::models_by_seed(dataset, o.on == "validation" ? set.manifest.validation_seeds
                                                              : set.manifest.test_seeds),
        dataset.link, o.partition_objective_weight);
    if (!o.plot.empty()) plot_test_model(o, set, dataset);
    if (o.json) {
      nlohmann::json doc = evaluation_json(ev);
      doc["scored_on"] = o.on;
      doc["predictors"] = o.predictors;
      doc["dataset"] = o.dataset;
      doc["partition_objective_weight"] = o.partition_objective_weight;
      std::cout << doc.dump(2) << "\n";
      return;
    }
    print_evaluation(std::cout, ev);
    if (!o.plot.empty()) std::cout << "wrote " << o.plot << "\n";
  });
}

}  // namespace splitinfer::cli
