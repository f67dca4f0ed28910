// The handwritten-digits data set (UCI "Optical Recognition of Handwritten
// Digits", scikit-learn's digits.csv.gz): loading, LeNet-5 input encoding and
// a deterministic train/test split. See tests/data/digits/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace splitinfer {

inline constexpr int kDigitsSide = 8;  // images are 8x8
inline constexpr int kDigitsPixels = 64;
inline constexpr int kDigitsMaxPixel = 16;  // pixel values run 0..16
inline constexpr int kDigitsClasses = 10;
inline constexpr int kLenetInputSide = 32;  // LeNet-5 takes 1x1x32x32

struct DigitsDataset {
  std::vector<std::array<float, 64>> images;  // row-major 8x8, values 0..16
  std::vector<int> labels;                    // 0..9, one per image
};

// Reads a gzip-compressed CSV of rows "p0,...,p63,label" (integers, pixels in
// 0..16, label in 0..9). Throws an io Error for a missing or unreadable file
// and an invalid_input Error for a corrupt gzip stream, an empty file or a
// malformed row (naming the path and the 1-based line).
DigitsDataset load_digits(const std::string& csv_gz_path);

// The 8x8 image as LeNet-5's 1x1x32x32 input (1,024 floats, row-major):
// values scaled from 0..16 to [0, 1], each pixel enlarged 4x by
// nearest-neighbour replication. Each data-set pixel is the count of "on"
// pixels in one 4x4 block of the original 32x32 bitmap, so replicating it over
// that block restores the original geometry with the block's ink density and
// invents no in-between values (bilinear interpolation would blur across block
// edges that the data never measured).
std::vector<float> digit_to_lenet_input(const std::array<float, 64>& image);

struct DigitsSplit {
  std::vector<int> train;  // image indices, ascending
  std::vector<int> test;   // image indices, ascending; disjoint from train
};

// Stratified split: within each class, round(count * test_fraction) images go
// to the test set, chosen by a Fisher-Yates shuffle driven by splitmix64 from
// `seed`, so the same seed gives the same split on every platform and
// standard library. test_fraction must lie in (0, 1); an invalid_input Error
// otherwise, or when a label lies outside 0..9.
DigitsSplit split_digits(const DigitsDataset& data, double test_fraction = 0.2, uint64_t seed = 0);

}  // namespace splitinfer
