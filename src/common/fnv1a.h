// A stable 64-bit hash of bytes for cache keys and model identities (not
// for security).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace splitinfer {

// FNV-1a, 64 bit. Integers are fed as fixed-width little-endian bytes and
// strings with their length first, so the byte stream (and the hash) is the
// same on every platform and no two different feeds can run together.
class Fnv1a64 {
 public:
  void bytes(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      state_ ^= p[i];
      state_ *= 0x100000001b3ull;
    }
  }
  void u64(uint64_t v) {
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(le, sizeof le);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float v) { u64(std::bit_cast<uint32_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  std::string hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[15 - i] = digits[(state_ >> (4 * i)) & 0xf];
    return out;
  }

 private:
  uint64_t state_ = 0xcbf29ce484222325ull;
};

}  // namespace splitinfer
