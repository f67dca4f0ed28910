// Reduced-precision accuracy on real data: LeNet-5 trained with libtorch on
// the UCI handwritten digits, then run by splitinfer's own FP32, INT8 and
// BF16 backends on the held-out digits. Static quantization, calibrated on
// training images only, and bfloat16 may each cost at most half a
// percentage point of top-1 accuracy.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "exec/backend.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "graph/graph.h"
#include "train/digits.h"
#include "train/lenet_digits.h"

namespace splitinfer {
namespace {

constexpr int kCalibrationImages = 200;

double accuracy(Partition& partition, const DigitsDataset& data, const std::vector<int>& indices) {
  int correct = 0;
  for (int i : indices) {
    const Handoff out = partition.run(Handoff::from_floats(
        {1, 1, 32, 32}, digit_to_lenet_input(data.images[static_cast<size_t>(i)])));
    const std::vector<float> scores = out.to_floats();
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    correct += best == data.labels[static_cast<size_t>(i)];
  }
  return static_cast<double>(correct) / static_cast<double>(indices.size());
}

TEST(DigitsAccuracy, Int8WithEveryCalibrationMethodAndBf16StayWithinHalfAPointOfFp32) {
  const DigitsDataset data = load_digits(SPLITINFER_SOURCE_DIR "/tests/data/digits/digits.csv.gz");
  const DigitsSplit split = split_digits(data);
  const TrainResult trained = train_lenet_digits(data, split.train, split.test);
  const Graph& model = trained.model;
  const int units = static_cast<int>(model.units.size());

  std::vector<std::vector<float>> calibration_inputs;
  for (int k = 0; k < kCalibrationImages; ++k)
    calibration_inputs.push_back(digit_to_lenet_input(data.images[static_cast<size_t>(
        split.train[static_cast<size_t>(k) * split.train.size() / kCalibrationImages])]));
  auto fp32 = make_backend("cpu0:fp32")->compile({&model, 0, units, nullptr});
  const double fp32_accuracy = accuracy(*fp32, data, split.test);
  std::cout << "held-out digits (" << split.test.size() << "): libtorch "
            << 100 * trained.test_accuracy << "%, splitinfer fp32 " << 100 * fp32_accuracy
            << "% (measured)\n";
  // The FP32 backend reproduces libtorch's own evaluation of the same weights.
  EXPECT_NEAR(fp32_accuracy, trained.test_accuracy, 1.0 / static_cast<double>(split.test.size()));
  EXPECT_GE(fp32_accuracy, 0.95);

  for (CalibrationMethod method :
       {CalibrationMethod::minmax, CalibrationMethod::percentile, CalibrationMethod::mse,
        CalibrationMethod::entropy, CalibrationMethod::histogram}) {
    const Calibration calibration = calibrate(model, calibration_inputs, method);
    auto int8 = make_backend("cpu0:int8")->compile({&model, 0, units, &calibration});
    EXPECT_TRUE(int8->float_fallbacks().empty());
    const double int8_accuracy = accuracy(*int8, data, split.test);
    std::cout << "  splitinfer int8, " << calibration_method_name(method)
              << " calibration: " << 100 * int8_accuracy << "% (measured)\n";
    EXPECT_GE(int8_accuracy, fp32_accuracy - 0.005) << calibration_method_name(method);
  }

  if (!cpu::offers(cpu::this_cpu(), Precision::bf16)) {
    std::cout << "  bf16 skipped: this CPU has neither AVX512-BF16 nor AMX\n";
    return;
  }
  auto bf16 = make_backend("cpu0:bf16")->compile({&model, 0, units, nullptr});
  EXPECT_TRUE(bf16->float_fallbacks().empty());
  const double bf16_accuracy = accuracy(*bf16, data, split.test);
  std::cout << "  splitinfer bf16: " << 100 * bf16_accuracy << "% (measured)\n";
  EXPECT_GE(bf16_accuracy, fp32_accuracy - 0.005);
}

}  // namespace
}  // namespace splitinfer
