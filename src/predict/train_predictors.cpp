#include "predict/train_predictors.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include "common/clock.h"
#include "common/error.h"
#include "predict/unit_curves.h"

namespace splitinfer::predict {
namespace {

using nlohmann::json;

std::vector<UnitExample> examples(
    const std::vector<const ModelRecord*>& models,
    const std::function<std::vector<double>(const ModelRecord&)>& target) {
  std::vector<UnitExample> out;
  for (const ModelRecord* r : models) out.push_back({&r->graph, target(*r)});
  return out;
}

std::vector<uint64_t> seeds_of(const std::vector<const ModelRecord*>& models) {
  std::vector<uint64_t> seeds;
  for (const ModelRecord* r : models) seeds.push_back(r->seed);
  return seeds;
}

json report_json(const TrainingReport& r) {
  json training_loss = json::array(), validation_loss = json::array();
  for (const EpochLoss& e : r.epochs) {
    training_loss.push_back(e.training);
    validation_loss.push_back(e.validation);
  }
  return {{"seconds", r.seconds},           {"epochs", r.epochs.size()},
          {"best_epoch", r.best_epoch},     {"parameters", r.parameters},
          {"training_loss", training_loss}, {"validation_loss", validation_loss}};
}

// One GNN trained on `split`, its report recorded in `m` under `name`. The
// partition model takes its own regularisation. `seed` draws the weights
// and the batch order.
std::unique_ptr<GnnModel> train_gnn(
    const std::string& name, GnnDirection direction, GnnHead head,
    const std::function<std::vector<double>(const ModelRecord&)>& target, const ModelSplit& split,
    const PredictorTraining& o, uint64_t seed, const TrainingProgress& progress,
    PredictorManifest& m) {
  auto model = make_gnn_model({direction, head, o.hidden, o.gcn_layers}, seed);
  TrainingOptions options = o.gnn;
  options.seed = seed;
  const bool partition = head != GnnHead::latency_ms;
  if (partition) {
    options.weight_decay = o.partition_weight_decay;
    options.dropout = o.partition_dropout;
    options.partition_loss = o.partition_loss;
    options.time_loss_weight = o.partition_time_weight;
  }
  const TrainingReport report =
      model->train(examples(split.training, target), examples(split.validation, target), options,
                   [&](int epoch, const EpochLoss& loss) {
                     if (progress) progress(name, epoch, o.gnn.epochs, loss);
                   });
  m.training[name] = report_json(report);
  m.training[name]["weight_decay"] = options.weight_decay;
  m.training[name]["dropout"] = options.dropout;
  if (partition) {
    m.training[name]["time_loss_weight"] = o.partition_time_weight;
    m.training[name]["loss"] =
        options.partition_loss == PartitionLoss::per_cut ? "per_cut" : "per_unit";
    m.training[name]["label_tolerance"] = o.label_tolerance;
  }
  return model;
}

// Checked before any training starts: soft labels only fit the per-unit
// loss (the per-cut loss needs one labelled cut), and the latency models
// take minutes to train before the partition model would find out.
void check_partition_training(const PredictorTraining& o) {
  if (o.label_tolerance > 0 && o.partition_loss == PartitionLoss::per_cut)
    fail(ErrorKind::invalid_input,
         "soft labels (a label tolerance above 0) need the per-unit partition loss, not the "
         "per-cut one");
  if (o.partition_models < 1)
    fail(ErrorKind::invalid_input, "an ensemble needs at least one partition model");
}

std::vector<std::unique_ptr<GnnModel>> train_partition(const ModelSplit& split,
                                                       const PredictorTraining& o,
                                                       const TrainingProgress& progress,
                                                       PredictorManifest& m) {
  // A retrained ensemble replaces every member's report, however many the old one had.
  for (auto it = m.training.begin(); it != m.training.end();)
    it = it.key().rfind("partition", 0) == 0 ? m.training.erase(it) : std::next(it);
  const bool with_times = o.partition_time_weight > 0;
  const auto targets = [&](const ModelRecord& r) {
    std::vector<double> t = first_element_soft_labels(r, o.objective, o.label_tolerance);
    if (!with_times) return t;
    for (const std::vector<double>& curve : {first_element_curve(r), second_element_curve(r)})
      t.insert(t.end(), curve.begin(), curve.end());
    return t;
  };
  std::vector<std::unique_ptr<GnnModel>> members;
  for (int i = 0; i < o.partition_models; ++i)
    members.push_back(
        train_gnn(partition_member_name(static_cast<size_t>(i)), GnnDirection::both,
                  with_times ? GnnHead::first_element_odds_and_times : GnnHead::first_element_odds,
                  targets, split, o, o.gnn.seed + static_cast<uint64_t>(i), progress, m));
  return members;
}

}  // namespace

ModelSplit split_by_model(const Dataset& dataset, double validation_fraction, double test_fraction,
                          uint64_t seed) {
  if (!(validation_fraction >= 0 && test_fraction >= 0 && validation_fraction + test_fraction < 1))
    fail(ErrorKind::invalid_input,
         "validation and test fractions must be >= 0 and sum to less than 1");
  const size_t n = dataset.models.size();
  const auto test = static_cast<size_t>(std::round(test_fraction * static_cast<double>(n)));
  const auto validation =
      static_cast<size_t>(std::round(validation_fraction * static_cast<double>(n)));
  if (test < 1 || validation < 1 || test + validation >= n)
    fail(ErrorKind::invalid_input,
         "a dataset of " + std::to_string(n) +
             " models is too small for training, validation and test models");
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  // Fisher-Yates with the engine's raw output, the same on every standard library.
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  ModelSplit split;
  for (size_t i = 0; i < n; ++i) {
    const ModelRecord* r = &dataset.models[order[i]];
    (i < test                ? split.test
     : i < test + validation ? split.validation
                             : split.training)
        .push_back(r);
  }
  return split;
}

std::vector<const ModelRecord*> models_by_seed(const Dataset& dataset,
                                               const std::vector<uint64_t>& seeds) {
  std::unordered_map<uint64_t, const ModelRecord*> by_seed;
  for (const ModelRecord& r : dataset.models) by_seed[r.seed] = &r;
  std::vector<const ModelRecord*> models;
  for (uint64_t seed : seeds) {
    const auto it = by_seed.find(seed);
    if (it == by_seed.end())
      fail(ErrorKind::invalid_input, "the dataset has no model of seed " + std::to_string(seed));
    models.push_back(it->second);
  }
  return models;
}

PredictorSet train_predictors(const Dataset& dataset, const std::string& dataset_path,
                              const PredictorTraining& o, const TrainingProgress& progress) {
  check_partition_training(o);
  const ModelSplit split =
      split_by_model(dataset, o.validation_fraction, o.test_fraction, o.gnn.seed);
  PredictorSet set;
  PredictorManifest& m = set.manifest;
  m.elements = dataset.elements;
  m.objective = o.objective;
  m.dataset = dataset_path;
  m.machine = dataset.machine;
  m.training_seeds = seeds_of(split.training);
  m.validation_seeds = seeds_of(split.validation);
  m.test_seeds = seeds_of(split.test);

  set.latency[0] = train_gnn("first_latency", GnnDirection::forward, GnnHead::latency_ms,
                             first_element_curve, split, o, o.gnn.seed, progress, m);
  set.latency[1] = train_gnn("second_latency", GnnDirection::reverse, GnnHead::latency_ms,
                             second_element_curve, split, o, o.gnn.seed, progress, m);
  set.partition = train_partition(split, o, progress, m);

  for (size_t e = 0; e < 2; ++e) {
    const auto start = SteadyClock::now();
    set.tree[e].train(examples(split.training, [e](const ModelRecord& r) { return r.unit_ms[e]; }),
                      o.tree);
    m.training[e == 0 ? "tree_first" : "tree_second"] = {{"seconds", seconds_since(start)},
                                                         {"rounds", o.tree.rounds}};
  }
  return set;
}

void retrain_partition(PredictorSet& set, const Dataset& dataset, const PredictorTraining& o,
                       const TrainingProgress& progress) {
  check_partition_training(o);
  PredictorManifest& m = set.manifest;
  if (m.objective != o.objective)
    fail(ErrorKind::invalid_input,
         "the predictors were trained on the " + std::string(objective_name(m.objective)) +
             " objective, not " + std::string(objective_name(o.objective)));
  ModelSplit split;
  split.training = models_by_seed(dataset, m.training_seeds);
  split.validation = models_by_seed(dataset, m.validation_seeds);
  split.test = models_by_seed(dataset, m.test_seeds);
  set.partition = train_partition(split, o, progress, m);
}

}  // namespace splitinfer::predict
