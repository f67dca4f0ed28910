// libsplitinfer_gnn: the GNN of predict/gnn_model.h in libtorch. The only
// translation unit of this shared library, opened by predict/gnn_library.cpp
// through the two extern "C" factories at the end.
#include <torch/nn.h>
#include <torch/optim.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "predict/gnn_model.h"

namespace splitinfer::predict {
namespace {

// A graph convolution (Kipf and Welling): H' = relu(A_hat H W + b), where
// A_hat = D^-1/2 (A + I) D^-1/2 over the edges pointing into each unit.
struct NetImpl : torch::nn::Module {
  explicit NetImpl(const GnnArchitecture& a) : arch(a) {
    for (int i = 0; i < a.gcn_layers; ++i)
      gcn.push_back(
          register_module("gcn" + std::to_string(i),
                          torch::nn::Linear(i == 0 ? kNodeFeatureCount : a.hidden, a.hidden)));
    const auto lstm_options = torch::nn::LSTMOptions(a.hidden, a.hidden).batch_first(true);
    if (a.direction != GnnDirection::reverse)
      along = register_module("lstm_along", torch::nn::LSTM(lstm_options));
    if (a.direction != GnnDirection::forward)
      against = register_module("lstm_against", torch::nn::LSTM(lstm_options));
    const int lstm_width = a.direction == GnnDirection::both ? 2 * a.hidden : a.hidden;
    head = register_module("head", torch::nn::Linear(lstm_width, with_times() ? 3 : 1));
    target_mean = register_buffer("target_mean", torch::zeros({1}));
    target_std = register_buffer("target_std", torch::ones({1}));
  }

  // x: [B, T, F] node features; adjacency: [B, T, T] normalised;
  // flip: [B, T, hidden] indices reversing each model within its length.
  // Returns [B, T]: standardised log cumulative ms, or log-odds; with the
  // times [B, T, 3]: log-odds, standardised log prefix and suffix ms.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& adjacency,
                        const torch::Tensor& flip) {
    torch::Tensor h = log_scaled(x);
    for (size_t i = 0; i < gcn.size(); ++i) {
      torch::Tensor conv = torch::relu(gcn[i]->forward(torch::bmm(adjacency, h)));
      if (dropout > 0) conv = torch::dropout(conv, dropout, is_training());
      h = i == 0 ? conv : h + conv;  // residual from the second layer on: deep stacks still train
    }
    // Padding sits after each model's last unit; reversing within the length
    // keeps it there, so the padding never reaches a real unit.
    const torch::Tensor unflip = flip.select(2, 0);
    switch (arch.direction) {
      case GnnDirection::forward:
        return accumulated(head->forward(std::get<0>(along->forward(h))).squeeze(-1));
      case GnnDirection::reverse:
        return accumulated(
                   head->forward(std::get<0>(against->forward(h.gather(1, flip)))).squeeze(-1))
            .gather(1, unflip);
      case GnnDirection::both: break;
    }
    const torch::Tensor backwards =
        std::get<0>(against->forward(h.gather(1, flip))).gather(1, flip);
    const torch::Tensor out =
        head->forward(torch::cat({std::get<0>(along->forward(h)), backwards}, 2));
    if (!with_times()) return out.squeeze(-1);
    const torch::Tensor prefix = cumulative(out.select(2, 1));
    const torch::Tensor suffix = cumulative(out.select(2, 2).gather(1, unflip)).gather(1, unflip);
    return torch::stack({out.select(2, 0), prefix, suffix}, 2);
  }

  bool with_times() const { return arch.head == GnnHead::first_element_odds_and_times; }

  // Sizes span four decades and a unit's cost is near a product of them
  // (kernel area x channels x elements), so the sizes enter on a log scale,
  // where a product is a sum.
  static torch::Tensor log_scaled(const torch::Tensor& x) {
    constexpr double kRange = 1e4;
    const torch::Tensor sizes = x.narrow(2, kUnitTypeCount, kNodeFeatureCount - kUnitTypeCount);
    return torch::cat(
        {x.narrow(2, 0, kUnitTypeCount), torch::log1p(sizes * kRange) / std::log1p(kRange)}, 2);
  }

  // The latency head predicts each unit's log-ms increment in the order of
  // the LSTM; the cumulative latency is their log-sum-exp so far, so the
  // curve rises by construction. Log-odds pass through.
  torch::Tensor accumulated(const torch::Tensor& out) const {
    return arch.head == GnnHead::latency_ms ? cumulative(out) : out;
  }

  // Standardised log cumulative ms along dimension 1 from per-unit outputs.
  torch::Tensor cumulative(const torch::Tensor& out) const {
    constexpr double kTypicalUnitsLog = 2.3;  // about ten units to a typical cumulative time
    const torch::Tensor increments = target_mean - kTypicalUnitsLog + target_std * out;
    return (torch::logcumsumexp(increments, 1) - target_mean) / target_std;
  }

  GnnArchitecture arch;
  double dropout = 0.0;  // a training option, not part of the saved model
  std::vector<torch::nn::Linear> gcn;
  torch::nn::LSTM along{nullptr}, against{nullptr};
  torch::nn::Linear head{nullptr};
  torch::Tensor target_mean, target_std;
};
TORCH_MODULE(Net);

// One model as tensors, built once.
struct Sample {
  torch::Tensor features;   // [T, F]
  torch::Tensor adjacency;  // [T, T]
  torch::Tensor target;     // [T]: standardised log ms, or 0 / 1
  torch::Tensor times;      // [T, 2] with the times: standardised log prefix and suffix ms
  int64_t length = 0;
};

// A padded batch.
struct Batch {
  torch::Tensor features, adjacency, flip, target, mask;
  torch::Tensor times;  // [B, T, 2], with the times only
};

void check_graph(const UnitGraph& g) {
  if (g.features.empty()) fail(ErrorKind::invalid_input, "a GNN input graph has no nodes");
  const int64_t n = static_cast<int64_t>(g.features.size());
  for (const auto& f : g.features)
    if (f.size() != static_cast<size_t>(kNodeFeatureCount))
      fail(ErrorKind::invalid_input, "a GNN input node has " + std::to_string(f.size()) +
                                         " features, not " + std::to_string(kNodeFeatureCount));
  for (const auto& [from, to] : g.edges)
    if (from < 0 || to < 0 || from >= n || to >= n)
      fail(ErrorKind::invalid_input, "a GNN input edge " + std::to_string(from) + " -> " +
                                         std::to_string(to) + " leaves the graph of " +
                                         std::to_string(n) + " nodes");
}

// A_hat over the edges the direction lets into each unit.
torch::Tensor normalised_adjacency(const UnitGraph& g, GnnDirection direction) {
  const int64_t n = static_cast<int64_t>(g.features.size());
  torch::Tensor a = torch::eye(n);
  auto acc = a.accessor<float, 2>();
  for (const auto& [from, to] : g.edges) {
    if (direction != GnnDirection::reverse) acc[to][from] = 1.0f;
    if (direction != GnnDirection::forward) acc[from][to] = 1.0f;
  }
  const torch::Tensor inv_sqrt_degree = a.sum(1).rsqrt();
  return inv_sqrt_degree.unsqueeze(1) * a * inv_sqrt_degree.unsqueeze(0);
}

torch::Tensor feature_tensor(const UnitGraph& g) {
  const int64_t n = static_cast<int64_t>(g.features.size());
  torch::Tensor x = torch::empty({n, kNodeFeatureCount});
  auto acc = x.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < kNodeFeatureCount; ++j)
      acc[i][j] = g.features[static_cast<size_t>(i)][static_cast<size_t>(j)];
  return x;
}

Batch make_batch(const std::vector<const Sample*>& samples, int64_t hidden) {
  const int64_t b = static_cast<int64_t>(samples.size());
  int64_t t = 0;
  for (const Sample* s : samples) t = std::max(t, s->length);
  Batch batch{torch::zeros({b, t, kNodeFeatureCount}), torch::zeros({b, t, t}),
              torch::empty({b, t}, torch::kLong),      torch::zeros({b, t}),
              torch::zeros({b, t}, torch::kBool),      {}};
  auto flip = batch.flip.accessor<int64_t, 2>();
  for (int64_t i = 0; i < b; ++i) {
    const Sample& s = *samples[static_cast<size_t>(i)];
    const int64_t n = s.length;
    batch.features[i].narrow(0, 0, n).copy_(s.features);
    batch.adjacency[i].narrow(0, 0, n).narrow(1, 0, n).copy_(s.adjacency);
    if (s.target.defined()) batch.target[i].narrow(0, 0, n).copy_(s.target);
    if (s.times.defined()) {
      if (!batch.times.defined()) batch.times = torch::zeros({b, t, 2});
      batch.times[i].narrow(0, 0, n).copy_(s.times);
    }
    batch.mask[i].narrow(0, 0, n).fill_(true);
    for (int64_t j = 0; j < t; ++j) flip[i][j] = j < n ? n - 1 - j : j;
  }
  batch.flip = batch.flip.unsqueeze(2).expand({b, t, hidden}).contiguous();
  return batch;
}

class TorchGnn final : public GnnModel {
 public:
  TorchGnn(const GnnArchitecture& arch, uint64_t seed) {
    if (arch.hidden < 1 || arch.gcn_layers < 1)
      fail(ErrorKind::invalid_input,
           "a GNN needs a positive width and at least one graph convolution");
    if (arch.head == GnnHead::first_element_odds_and_times && arch.direction != GnnDirection::both)
      fail(ErrorKind::invalid_input,
           "a GNN that predicts prefix and suffix times needs both directions");
    torch::manual_seed(seed);
    net_ = Net(arch);
  }

  const GnnArchitecture& architecture() const override { return net_->arch; }

  TrainingReport train(const std::vector<UnitExample>& training,
                       const std::vector<UnitExample>& validation, const TrainingOptions& o,
                       const std::function<void(int, const EpochLoss&)>& on_epoch) override {
    if (training.empty()) fail(ErrorKind::invalid_input, "GNN training needs at least one model");
    if (o.epochs < 1 || o.batch < 1 || !(o.learning_rate > 0))
      fail(ErrorKind::invalid_input, "GNN training needs positive epochs, batch and learning rate");
    if (!(o.weight_decay >= 0) || !(o.dropout >= 0 && o.dropout < 1) || !(o.time_loss_weight >= 0))
      fail(ErrorKind::invalid_input,
           "GNN training needs a weight decay and a time loss weight of at least 0 and a "
           "dropout in [0, 1)");
    net_->dropout = o.dropout;
    per_cut_loss_ = o.partition_loss == PartitionLoss::per_cut;
    time_loss_weight_ = o.time_loss_weight;
    torch::set_num_threads(std::max(1, o.threads));
    const auto start = SteadyClock::now();
    if (latency_head() || net_->with_times()) fit_standardisation(training);
    const std::vector<Sample> train_set = samples(training);
    const std::vector<Sample> validation_set = samples(validation.empty() ? training : validation);

    std::mt19937_64 rng(o.seed);
    torch::optim::AdamW optimiser(
        net_->parameters(),
        torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
    std::vector<size_t> order(train_set.size());
    std::iota(order.begin(), order.end(), 0);

    TrainingReport report;
    double best = INFINITY;
    std::vector<torch::Tensor> best_state = state();
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
      set_learning_rate(optimiser, o.learning_rate * decay(epoch, o.epochs));
      net_->train();
      double sum = 0.0;
      int batches = 0;
      for (const std::vector<const Sample*>& members :
           epoch_batches(train_set, order, o.batch, rng)) {
        optimiser.zero_grad();
        const torch::Tensor loss = batch_loss(make_batch(members, net_->arch.hidden), true);
        loss.backward();
        torch::nn::utils::clip_grad_norm_(net_->parameters(), 5.0);
        optimiser.step();
        sum += loss.item<double>();
        ++batches;
      }
      const EpochLoss losses{sum / batches, mean_loss(validation_set)};
      report.epochs.push_back(losses);
      if (losses.validation < best) {
        best = losses.validation;
        best_state = state();
        report.best_epoch = epoch;
      }
      if (on_epoch) on_epoch(epoch, losses);
    }
    restore(best_state);
    report.seconds = seconds_since(start);
    for (const auto& p : net_->parameters()) report.parameters += p.numel();
    return report;
  }

  double loss(const std::vector<UnitExample>& examples) const override {
    if (examples.empty()) fail(ErrorKind::invalid_input, "a GNN loss needs at least one model");
    return mean_loss(samples(examples));
  }

  std::vector<double> predict(const UnitGraph& graph) const override {
    check_graph(graph);
    torch::NoGradGuard no_grad;
    net_->eval();
    const Sample s = sample(graph, nullptr);
    const Batch b = make_batch({&s}, net_->arch.hidden);
    torch::Tensor out = net_->forward(b.features, b.adjacency, b.flip)[0];
    const auto ms = [&](const torch::Tensor& standardised) {
      return (standardised * net_->target_std + net_->target_mean).exp();
    };
    if (net_->with_times())  // [N, 3] -> the N probabilities, then N prefix and N suffix ms
      out = torch::cat(
          {torch::sigmoid(out.select(1, 0)), ms(out.select(1, 1)), ms(out.select(1, 2))});
    else out = latency_head() ? ms(out) : torch::sigmoid(out);
    out = out.to(torch::kDouble).contiguous();
    return std::vector<double>(out.data_ptr<double>(), out.data_ptr<double>() + out.numel());
  }

  void save(const std::string& path) const override {
    const std::string temporary = path + ".partial";
    try {
      torch::serialize::OutputArchive archive;
      const GnnArchitecture& a = net_->arch;
      archive.write(
          "architecture",
          torch::tensor({static_cast<int64_t>(a.direction), static_cast<int64_t>(a.head),
                         static_cast<int64_t>(a.hidden), static_cast<int64_t>(a.gcn_layers),
                         static_cast<int64_t>(kNodeFeatureCount)}));
      net_->save(archive);
      archive.save_to(temporary);
    } catch (const c10::Error& e) {
      std::remove(temporary.c_str());
      fail(ErrorKind::io, "cannot write GNN weights to " + path);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      std::remove(temporary.c_str());
      fail(ErrorKind::io, "cannot write GNN weights to " + path);
    }
  }

  static std::unique_ptr<GnnModel> load(const std::string& path) {
    if (FILE* f = std::fopen(path.c_str(), "rb")) std::fclose(f);
    else fail(ErrorKind::io, "cannot read GNN weights " + path);
    try {
      torch::serialize::InputArchive archive;
      archive.load_from(path);
      torch::Tensor header;
      archive.read("architecture", header);
      if (header.dim() != 1 || header.numel() != 5 || header.scalar_type() != torch::kLong)
        fail(ErrorKind::invalid_input, path + " is not a splitinfer GNN weights file");
      const auto h = header.accessor<int64_t, 1>();
      if (h[0] < 0 || h[0] > 2 || h[1] < 0 || h[1] > 2 || h[2] < 1 || h[2] > 4096 || h[3] < 1 ||
          h[3] > 64 || (h[1] == 2 && h[0] != 2))
        fail(ErrorKind::invalid_input, path + " describes an unknown GNN architecture");
      if (h[4] != kNodeFeatureCount)
        fail(ErrorKind::invalid_input, path + " was trained on " + std::to_string(h[4]) +
                                           " node features, not " +
                                           std::to_string(kNodeFeatureCount));
      const GnnArchitecture arch{static_cast<GnnDirection>(h[0]), static_cast<GnnHead>(h[1]),
                                 static_cast<int>(h[2]), static_cast<int>(h[3])};
      auto model = std::make_unique<TorchGnn>(arch, 0);
      model->net_->load(archive);
      return model;
    } catch (const c10::Error&) {
      fail(ErrorKind::invalid_input,
           path + " is not a readable GNN weights file (truncated or corrupt)");
    }
  }

 private:
  bool latency_head() const { return net_->arch.head == GnnHead::latency_ms; }

  // A shuffled epoch in batches of models of similar length, which waste
  // less work on padding: each window of eight batches is sorted by length
  // before it is cut, and the batches are shuffled again.
  static std::vector<std::vector<const Sample*>> epoch_batches(const std::vector<Sample>& set,
                                                               std::vector<size_t>& order,
                                                               int batch, std::mt19937_64& rng) {
    std::shuffle(order.begin(), order.end(), rng);
    const size_t size = static_cast<size_t>(batch), window = 8 * size;
    for (size_t w = 0; w < order.size(); w += window)
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(w),
                order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), w + window)),
                [&](size_t a, size_t b) { return set[a].length < set[b].length; });
    std::vector<std::vector<const Sample*>> batches;
    for (size_t first = 0; first < order.size(); first += size) {
      batches.emplace_back();
      for (size_t i = first; i < std::min(order.size(), first + size); ++i)
        batches.back().push_back(&set[order[i]]);
    }
    std::shuffle(batches.begin(), batches.end(), rng);
    return batches;
  }

  // The step schedule: full rate, then half from 50%, a quarter from 75%.
  static double decay(int epoch, int epochs) {
    if (epoch > epochs * 3 / 4) return 0.25;
    if (epoch > epochs / 2) return 0.5;
    return 1.0;
  }

  static void set_learning_rate(torch::optim::AdamW& optimiser, double rate) {
    for (auto& group : optimiser.param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(rate);
  }

  // The mean and deviation of log ms over every time target (the latency
  // head's, or the times after the labels).
  void fit_standardisation(const std::vector<UnitExample>& examples) {
    double sum = 0.0, sum_sq = 0.0;
    int64_t count = 0;
    for (const UnitExample& e : examples)
      for (double ms : time_targets(e)) {
        check_time(ms);
        sum += std::log(ms);
        sum_sq += std::log(ms) * std::log(ms);
        ++count;
      }
    if (count == 0) fail(ErrorKind::invalid_input, "GNN training models have no units");
    const double mean = sum / count;
    const double std = std::sqrt(std::max(sum_sq / count - mean * mean, 1e-12));
    torch::NoGradGuard no_grad;
    net_->target_mean.fill_(mean);
    net_->target_std.fill_(std);
  }

  Sample sample(const UnitGraph& g, const std::vector<double>* target) const {
    Sample s{feature_tensor(g),
             normalised_adjacency(g, net_->arch.direction),
             {},
             {},
             static_cast<int64_t>(g.features.size())};
    if (!target) return s;
    check_target_count(*target, g.features.size());
    s.target = torch::empty({s.length});
    auto acc = s.target.accessor<float, 1>();
    const double mean = net_->target_mean.item<double>(), std = net_->target_std.item<double>();
    const auto standardised = [&](double ms) {
      check_time(ms);
      return static_cast<float>((std::log(ms) - mean) / std);
    };
    for (int64_t i = 0; i < s.length; ++i) {
      const double v = (*target)[static_cast<size_t>(i)];
      if (latency_head()) {
        acc[i] = standardised(v);
      } else {
        if (per_cut_loss_ ? v != 0.0 && v != 1.0 : !(v >= 0.0 && v <= 1.0))
          fail(ErrorKind::invalid_input, per_cut_loss_
                                             ? "a GNN partition target is neither 0 nor 1"
                                             : "a GNN partition target is outside [0, 1]");
        acc[i] = static_cast<float>(v);
      }
    }
    if (!net_->with_times()) return s;
    s.times = torch::empty({s.length, 2});
    auto times = s.times.accessor<float, 2>();
    for (int64_t i = 0; i < s.length; ++i)
      for (int64_t c = 0; c < 2; ++c)
        times[i][c] = standardised((*target)[static_cast<size_t>((c + 1) * s.length + i)]);
    return s;
  }

  // Every time target, the latency head's and the times beside the labels.
  static void check_time(double ms) {
    if (!(ms > 0) || !std::isfinite(ms))
      fail(ErrorKind::invalid_input,
           "a GNN time target is not a positive time: " + std::to_string(ms));
  }

  // One target per unit, three with the times (a label and two times).
  void check_target_count(const std::vector<double>& target, size_t units) const {
    const size_t per_unit = net_->with_times() ? 3 : 1;
    if (target.size() != per_unit * units)
      fail(ErrorKind::invalid_input,
           "a GNN example has " + std::to_string(target.size()) + " targets for " +
               std::to_string(units) + " units" +
               (per_unit == 3 ? " (3 per unit: a label and two times)" : ""));
  }

  // The targets that are times: all of the latency head's, the 2N after the
  // labels with the times.
  std::vector<double> time_targets(const UnitExample& e) const {
    if (!net_->with_times()) return e.target;
    if (!e.graph) fail(ErrorKind::invalid_input, "a GNN example has no graph");
    const size_t n = e.graph->features.size();
    check_target_count(e.target, n);
    return {e.target.begin() + static_cast<std::ptrdiff_t>(n), e.target.end()};
  }

  std::vector<Sample> samples(const std::vector<UnitExample>& examples) const {
    std::vector<Sample> out;
    out.reserve(examples.size());
    for (const UnitExample& e : examples) {
      if (!e.graph) fail(ErrorKind::invalid_input, "a GNN example has no graph");
      check_graph(*e.graph);
      out.push_back(sample(*e.graph, &e.target));
    }
    return out;
  }

  // The head's loss, and in training (`with_times`) the times' weighted
  // mean squared error beside it.
  torch::Tensor batch_loss(const Batch& b, bool with_times) const {
    torch::Tensor out = net_->forward(b.features, b.adjacency, b.flip);
    torch::Tensor times;
    if (net_->with_times()) {
      times = out.narrow(2, 1, 2);
      out = out.select(2, 0);
    }
    torch::Tensor loss;
    if (!latency_head() && per_cut_loss_) {
      loss = cut_loss(out, b);
    } else {
      const torch::Tensor units = out.masked_select(b.mask);
      const torch::Tensor target = b.target.masked_select(b.mask);
      loss = latency_head() ? torch::mse_loss(units, target)
                            : torch::binary_cross_entropy_with_logits(units, target);
    }
    if (!with_times || !times.defined()) return loss;
    const torch::Tensor mask = b.mask.unsqueeze(2).expand_as(times);
    return loss + time_loss_weight_ *
                      torch::mse_loss(times.masked_select(mask), b.times.masked_select(mask));
  }

  // PartitionLoss::per_cut over a batch of per-unit log-odds [B, T]: cut k
  // of a model scores sum_{i<k} log p_i + sum_{i>=k} log(1 - p_i), for
  // k = 0..N (cuts past a model's N units do not exist); the loss is the
  // mean over the models of -log softmax(scores)[labelled cut].
  static torch::Tensor cut_loss(const torch::Tensor& logits, const Batch& b) {
    const torch::Tensor mask = b.mask.to(torch::kFloat);
    const torch::Tensor first = torch::log_sigmoid(logits) * mask;
    const torch::Tensor second = torch::log_sigmoid(-logits) * mask;
    const torch::Tensor zero = torch::zeros({logits.size(0), 1});
    const torch::Tensor first_before = torch::cat({zero, first.cumsum(1)}, 1);
    const torch::Tensor second_before = torch::cat({zero, second.cumsum(1)}, 1);
    const torch::Tensor scores = first_before + second.sum(1, true) - second_before;
    const torch::Tensor lengths = b.mask.sum(1, true);
    const torch::Tensor cuts = torch::arange(logits.size(1) + 1).unsqueeze(0);
    const torch::Tensor valid_scores = scores.masked_fill(cuts > lengths, -INFINITY);
    const torch::Tensor labelled = (b.target * mask).sum(1).round().to(torch::kLong).unsqueeze(1);
    return (torch::logsumexp(valid_scores, 1) - valid_scores.gather(1, labelled).squeeze(1)).mean();
  }

  double mean_loss(const std::vector<Sample>& set) const {
    torch::NoGradGuard no_grad;
    net_->eval();
    double sum = 0.0;
    int64_t units = 0;
    constexpr size_t kChunk = 64;
    for (size_t first = 0; first < set.size(); first += kChunk) {
      std::vector<const Sample*> members;
      int64_t chunk_units = 0;
      for (size_t i = first; i < std::min(set.size(), first + kChunk); ++i) {
        members.push_back(&set[i]);
        chunk_units += set[i].length;
      }
      sum += batch_loss(make_batch(members, net_->arch.hidden), false).item<double>() * chunk_units;
      units += chunk_units;
    }
    return sum / units;
  }

  std::vector<torch::Tensor> state() const {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> copy;
    for (const auto& p : net_->parameters()) copy.push_back(p.detach().clone());
    return copy;
  }

  void restore(const std::vector<torch::Tensor>& copy) {
    torch::NoGradGuard no_grad;
    auto params = net_->parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(copy[i]);
  }

  mutable Net net_{nullptr};       // evaluation switches the module to eval mode
  bool per_cut_loss_ = false;      // the last train()'s PartitionLoss
  double time_loss_weight_ = 1.0;  // and its time loss weight
};

}  // namespace
}  // namespace splitinfer::predict

extern "C" {

splitinfer::predict::GnnModel* splitinfer_make_gnn_model(
    const splitinfer::predict::GnnArchitecture* architecture, uint64_t seed) {
  return new splitinfer::predict::TorchGnn(*architecture, seed);
}

splitinfer::predict::GnnModel* splitinfer_load_gnn_model(const char* path) {
  return splitinfer::predict::TorchGnn::load(path).release();
}
}
