// Mutated models: the importer either accepts a mutant (a flipped weight byte
// is still a model) or rejects it with splitinfer::Error. Any other exception,
// a crash or a hang fails the test.
#include <gtest/gtest.h>

#include <random>

#include "common/error.h"
#include "graph/zoo/zoo.h"
#include "onnx/onnx_export.h"
#include "onnx/onnx_import.h"

namespace splitinfer {
namespace {

constexpr int kMutants = 1'600;

// Protobuf writes the graph's nodes before its initializers, so the head of
// the file is where mutations hit structure rather than weight values.
std::string mutate(const std::string& valid, std::mt19937_64& rng) {
  std::string bytes = valid;
  const size_t head = std::min<size_t>(bytes.size(), 4096);
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !bytes.empty(); ++e) {
    const size_t range = rng() % 2 ? head : bytes.size();
    const size_t at = rng() % std::min(range, bytes.size());
    switch (rng() % 5) {
      case 0: bytes[at] = static_cast<char>(rng()); break;
      case 1: bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8))); break;
      case 2: bytes.insert(at, 1, static_cast<char>(rng())); break;
      case 3: bytes.erase(at, 1 + rng() % 16); break;
      default: bytes.resize(at); break;
    }
  }
  return bytes;
}

TEST(OnnxFuzz, MutantsAreImportedOrRejectedCleanly) {
  const std::string valid = export_onnx_bytes(build_zoo_model("lenet5", 3));
  std::mt19937_64 rng(2026);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < kMutants; ++i) {
    const std::string mutant = mutate(valid, rng);
    try {
      import_onnx_bytes(mutant, "mutant.onnx");
      ++accepted;
    } catch (const Error& e) {
      ++rejected;
      const std::string message = e.what();
      ASSERT_EQ(message.find('\n'), std::string::npos) << "mutant " << i << ": " << message;
      ASSERT_NE(e.kind(), ErrorKind::internal) << "mutant " << i << ": " << message;
    } catch (const std::exception& e) {
      FAIL() << "mutant " << i << " escaped as " << typeid(e).name() << ": " << e.what();
    }
  }
  // Both outcomes occur, or the mutations are not reaching the structure.
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, kMutants / 4);
}

}  // namespace
}  // namespace splitinfer
