// The one translation unit of splitinfer that includes libtorch headers.
#include "train/lenet_digits.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

// The zoo's LeNet-5 (src/graph/zoo/lenet.cpp) as a torch::nn module, with the
// same submodule names so that named_parameters() matches the IR's tensors.
struct LeNetImpl : torch::nn::Module {
  LeNetImpl()
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5)))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)))),
        fc1(register_module("fc1", torch::nn::Linear(16 * 5 * 5, 120))),
        fc2(register_module("fc2", torch::nn::Linear(120, 84))),
        fc3(register_module("fc3", torch::nn::Linear(84, 10))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);
    x = torch::flatten(x, 1);
    x = torch::relu(fc1->forward(x));
    x = torch::relu(fc2->forward(x));
    return fc3->forward(x);
  }

  torch::nn::Conv2d conv1;
  torch::nn::Conv2d conv2;
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
  torch::nn::Linear fc3;
};
TORCH_MODULE(LeNet);

// Runs training on one intra-op thread and restores the caller's setting.
class OneThread {
 public:
  OneThread() : previous_(torch::get_num_threads()) { torch::set_num_threads(1); }
  ~OneThread() { torch::set_num_threads(previous_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int previous_;
};

void check_indices(const std::vector<int>& idx, size_t n, const char* which) {
  if (idx.empty())
    fail(ErrorKind::invalid_input,
         std::string("LeNet-5 training: no ") + which + " images selected");
  for (int i : idx)
    if (i < 0 || static_cast<size_t>(i) >= n)
      fail(ErrorKind::invalid_input, std::string("LeNet-5 training: ") + which + " index " +
                                         std::to_string(i) + " is outside 0.." +
                                         std::to_string(n - 1));
}

// [N, 1, 32, 32] LeNet inputs and [N] int64 labels of the selected images.
std::pair<torch::Tensor, torch::Tensor> to_tensors(const DigitsDataset& data,
                                                   const std::vector<int>& idx) {
  const auto n = static_cast<int64_t>(idx.size());
  constexpr int64_t side = kLenetInputSide;
  torch::Tensor x = torch::empty({n, 1, side, side}, torch::kFloat32);
  torch::Tensor y = torch::empty({n}, torch::kInt64);
  float* xp = x.data_ptr<float>();
  int64_t* yp = y.data_ptr<int64_t>();
  for (int64_t k = 0; k < n; ++k) {
    const auto i = static_cast<size_t>(idx[static_cast<size_t>(k)]);
    const std::vector<float> pixels = digit_to_lenet_input(data.images[i]);
    std::memcpy(xp + k * side * side, pixels.data(), pixels.size() * sizeof(float));
    yp[k] = data.labels[i];
  }
  return {x, y};
}

double accuracy(LeNet& net, const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t correct = 0;
  const int64_t n = x.size(0);
  for (int64_t start = 0; start < n; start += 256) {
    const int64_t end = std::min(n, start + 256);
    const torch::Tensor predicted = net->forward(x.slice(0, start, end)).argmax(1);
    correct += predicted.eq(y.slice(0, start, end)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

// The zoo graph with every parameter replaced by the trained value.
Graph with_trained_weights(LeNet& net, uint64_t seed) {
  Graph g = build_zoo_model("lenet5", seed);
  std::set<std::string> expected;
  for (const Tensor& t : g.tensors)
    if (t.role == TensorRole::param) expected.insert(t.name);

  size_t replaced = 0;
  for (const auto& item : net->named_parameters()) {
    const std::string& name = item.key();
    const torch::Tensor value = item.value().detach().contiguous().to(torch::kFloat32);
    const int id = g.find_tensor(name);
    if (id == kNoTensor)
      fail(ErrorKind::internal, "trained LeNet-5 parameter '" + name +
                                    "' has no tensor of that name in the zoo's lenet5");
    Tensor& t = g.tensor(id);
    const Shape shape(value.sizes().begin(), value.sizes().end());
    if (t.role != TensorRole::param || t.dtype != DType::f32 || t.shape != shape)
      fail(ErrorKind::internal, "trained LeNet-5 parameter '" + name + "' is float32 " +
                                    shape_to_string(shape) + " but the zoo's tensor is " +
                                    dtype_name(t.dtype) + " " + shape_to_string(t.shape) +
                                    (t.role == TensorRole::param ? "" : " and not a parameter"));
    t.data = make_data(
        std::span<const float>(value.data_ptr<float>(), static_cast<size_t>(value.numel())));
    expected.erase(name);
    ++replaced;
  }
  if (!expected.empty())
    fail(ErrorKind::internal, "the zoo's lenet5 parameter '" + *expected.begin() +
                                  "' has no trained counterpart (" + std::to_string(replaced) +
                                  " replaced)");
  return g;
}

// Training proper, once the arguments are known to be valid.
TrainResult train_checked(const DigitsDataset& data, const std::vector<int>& train_idx,
                          const std::vector<int>& test_idx, const TrainOptions& options) {
  const auto started = SteadyClock::now();
  OneThread one_thread;

  // A private generator: deterministic without touching the caller's global
  // torch seed. Parameters are drawn as PyTorch's default Conv2d / Linear
  // initialisation draws them: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights
  // (kaiming_uniform_ with a = sqrt(5)) and biases alike.
  at::Generator gen = at::detail::createCPUGenerator(options.seed);
  LeNet net;
  {
    torch::NoGradGuard no_grad;
    const auto params = net->named_parameters();
    for (const auto& item : params) {
      const std::string& name = item.key();
      const torch::Tensor& weight = params[name.substr(0, name.find('.')) + ".weight"];
      const double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));  // fan_in
      item.value().uniform_(-bound, bound, gen);
    }
  }

  const auto [x_train, y_train] = to_tensors(data, train_idx);
  const auto [x_test, y_test] = to_tensors(data, test_idx);
  const int64_t n = x_train.size(0);

  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(options.learning_rate));
  // Cosine annealing from learning_rate to zero over all steps: the last
  // epochs settle into a minimum instead of ending wherever a constant step
  // size happens to leave the weights.
  const int64_t steps_per_epoch = (n + options.batch_size - 1) / options.batch_size;
  const double total_steps = static_cast<double>(steps_per_epoch * options.epochs);
  int64_t step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    net->train();
    const torch::Tensor order =
        torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64));
    for (int64_t start = 0; start < n; start += options.batch_size) {
      const torch::Tensor batch = order.slice(0, start, std::min(n, start + options.batch_size));
      const double progress = static_cast<double>(step++) / total_steps;
      const double lr = 0.5 * options.learning_rate * (1.0 + std::cos(std::numbers::pi * progress));
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(
          net->forward(x_train.index_select(0, batch)), y_train.index_select(0, batch));
      loss.backward();
      optimizer.step();
    }
  }

  TrainResult result;
  result.train_accuracy = accuracy(net, x_train, y_train);
  result.test_accuracy = accuracy(net, x_test, y_test);
  result.model = with_trained_weights(net, options.seed);
  result.seconds = seconds_since(started);
  return result;
}

}  // namespace

TrainResult train_lenet_digits(const DigitsDataset& data, const std::vector<int>& train_idx,
                               const std::vector<int>& test_idx, const TrainOptions& options) {
  if (data.images.size() != data.labels.size())
    fail(ErrorKind::invalid_input, "LeNet-5 training: " + std::to_string(data.images.size()) +
                                       " images but " + std::to_string(data.labels.size()) +
                                       " labels");
  check_indices(train_idx, data.images.size(), "training");
  check_indices(test_idx, data.images.size(), "test");
  for (int label : data.labels)
    if (label < 0 || label >= kDigitsClasses)
      fail(ErrorKind::invalid_input,
           "LeNet-5 training: label " + std::to_string(label) + " is outside 0..9");
  if (options.epochs < 1 || options.batch_size < 1 ||
      !(options.learning_rate > 0.0 && std::isfinite(options.learning_rate)))
    fail(ErrorKind::invalid_input,
         "LeNet-5 training: epochs and batch size must be at least 1 and the learning rate "
         "positive (got " +
             std::to_string(options.epochs) + ", " + std::to_string(options.batch_size) + ", " +
             std::to_string(options.learning_rate) + ")");

  try {
    return train_checked(data, train_idx, test_idx, options);
  } catch (const c10::Error& e) {
    // A libtorch failure is a bug here (shapes and indices were checked).
    std::string what = e.what_without_backtrace();
    what = what.substr(0, what.find('\n'));
    fail(ErrorKind::internal, "LeNet-5 training: libtorch failed: " + what);
  }
}

}  // namespace splitinfer
