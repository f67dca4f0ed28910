// `splitinfer predict train`: trains the GNN latency and partition models
// and the tree baseline on the committed dataset, saves them, and scores
// them on the held-out test models.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/predict_commands.h"
#include "cli/predict_report.h"
#include "cli/progress_bar.h"
#include "predict/dataset_file.h"
#include "predict/evaluate_predictors.h"
#include "predict/train_predictors.h"

namespace splitinfer::cli {

namespace {

struct Options {
  std::string dataset = "data/predict/dataset.json.gz";
  std::string out = predict::kDefaultPredictorFolder;
  std::string objective = "throughput";
  std::string partition_loss = "unit";
  int models = 0;                    // 0: all of the dataset
  std::string retrain_partition_of;  // a predictor folder: retrain its partition model alone
  predict::PredictorTraining training;
  bool json = false;
};

predict::PredictorSet train_with_progress(const predict::Dataset& dataset, const Options& o) {
  ProgressBar bar(o.training.gnn.epochs);
  const predict::TrainingProgress progress = [&](const std::string& name, int epoch, int epochs,
                                                 const predict::EpochLoss& l) {
    bar.draw(epoch,
             name + " loss " + std::to_string(l.training) + " / " + std::to_string(l.validation),
             std::nullopt);
    if (!bar.shown() && (epoch == epochs || epoch % 50 == 0))
      std::cerr << name << " epoch " << epoch << "/" << epochs << ": loss " << l.training
                << " training, " << l.validation << " validation\n";
  };
  if (o.retrain_partition_of.empty())
    return predict::train_predictors(dataset, o.dataset, o.training, progress);
  predict::PredictorSet set = predict::load_predictors(o.retrain_partition_of);
  predict::check_same_elements(set.manifest, dataset, o.dataset);
  predict::retrain_partition(set, dataset, o.training, progress);
  return set;
}

void print_training(const Options& o, const predict::PredictorSet& set,
                    const predict::Evaluation& ev) {
  if (o.json) {
    nlohmann::json doc = evaluation_json(ev);
    doc["out"] = o.out;
    doc["training"] = set.manifest.training;
    for (auto& [name, report] : doc["training"].items()) {
      report.erase("training_loss");
      report.erase("validation_loss");
    }
    std::cout << doc.dump(2) << "\n";
    return;
  }
  const auto& tr = set.manifest.training;
  double seconds = 0.0;
  for (const auto& report : tr) seconds += report["seconds"].get<double>();
  std::cout << "trained on " << set.manifest.training_seeds.size() << " models (validation "
            << set.manifest.validation_seeds.size() << ", test " << set.manifest.test_seeds.size()
            << ") in " << format_duration(seconds) << "; saved to " << o.out << "\n";
  print_evaluation(std::cout, ev);
}

void predict_train_command(Options o) {
  o.training.objective = parse_objective(o.objective);
  o.training.partition_loss = o.partition_loss == "cut" ? predict::PartitionLoss::per_cut
                                                        : predict::PartitionLoss::per_unit;
  o.training.tree.seed = o.training.gnn.seed;
  predict::Dataset dataset = predict::load_dataset(o.dataset);
  if (o.models > 0 && static_cast<size_t>(o.models) < dataset.models.size())
    dataset.models.resize(o.models);
  const predict::PredictorSet set = train_with_progress(dataset, o);
  predict::save_predictors(o.out, set);
  print_training(o, set,
                 predict::evaluate_predictors(
                     set, predict::models_by_seed(dataset, set.manifest.test_seeds), dataset.link));
}

}  // namespace

void add_predict_train(CLI::App* predict_cmd) {
  auto* cmd = predict_cmd->add_subcommand(
      "train", "Train the GNN predictors and the tree baseline on a dataset");
  auto opt = std::make_shared<Options>();
  auto& t = opt->training;
  cmd->add_option("--dataset", opt->dataset, "Dataset from `predict dataset`")
      ->default_val(opt->dataset);
  cmd->add_option("--out", opt->out, "Folder for the trained predictors")->default_val(opt->out);
  cmd->add_option("--models", opt->models, "Use only the first N models of the dataset (0: all)")
      ->default_val(0)
      ->check(CLI::Range(0, 10000000));
  cmd->add_option("--epochs", t.gnn.epochs, "GNN training epochs")
      ->default_val(200)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--batch", t.gnn.batch, "Models per optimiser step")
      ->default_val(32)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--learning-rate", t.gnn.learning_rate, "Adam's initial learning rate")
      ->default_val(t.gnn.learning_rate)
      ->check(CLI::Range(1e-7, 1.0));
  cmd->add_option("--partition-weight-decay", t.partition_weight_decay,
                  "AdamW weight decay of the partition model (it overfits early)")
      ->default_val(t.partition_weight_decay)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--partition-dropout", t.partition_dropout,
                  "Dropout after each graph convolution of the partition model, in training")
      ->default_val(t.partition_dropout)
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--partition-loss", opt->partition_loss,
                  "Loss of the partition model: unit (each unit's label) or cut (the labelled "
                  "cut among all of a model's cuts)")
      ->default_val("unit")
      ->check(CLI::IsMember({"unit", "cut"}));
  cmd->add_option("--label-tolerance", t.label_tolerance,
                  "Soft labels for the partition model: every split weighted by exp(-(its "
                  "objective / the best's - 1) / T); 0: the best split's labels")
      ->default_val(t.label_tolerance)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--partition-time-weight", t.partition_time_weight,
                  "Above 0: the partition model also learns each unit's prefix time on the "
                  "first element and suffix time on the second, this weight on their error")
      ->default_val(t.partition_time_weight)
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--partition-models", t.partition_models,
                  "Train an ensemble of N partition models, member i from seed --seed + i, "
                  "their per-unit probabilities averaged")
      ->default_val(t.partition_models)
      ->check(CLI::Range(1, predict::kMaxPartitionModels));
  cmd->add_option("--retrain-partition-of", opt->retrain_partition_of,
                  "Load the predictors of this folder and train only their partition model "
                  "again (on the same split), e.g. to compare its regularisation");
  cmd->add_option("--hidden", t.hidden, "Width of the graph convolutions and the LSTM")
      ->default_val(64)
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--seed", t.gnn.seed,
                  "Seed of the split by model, the weights and the batch order")
      ->default_val(1);
  cmd->add_option("--threads", t.tree.threads,
                  "Threads of the tree baseline (the GNNs train fastest on one)")
      ->default_val(2)
      ->check(CLI::Range(1, 256));
  cmd->add_option("--tree-rounds", t.tree.rounds, "Boosting rounds of the tree baseline")
      ->default_val(t.tree.rounds)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--objective", opt->objective,
                  "The split the partition model learns: throughput (the pipeline's period, "
                  "the paper's objective) or latency")
      ->default_val("throughput")
      ->check(CLI::IsMember({"throughput", "latency"}));
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { predict_train_command(*opt); });
}

}  // namespace splitinfer::cli
