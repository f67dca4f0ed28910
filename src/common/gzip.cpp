#include "common/gzip.h"

#include <zlib.h>

#include <limits>

#include "common/error.h"

namespace splitinfer {

namespace {

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // 16: the gzip wrapper, not zlib's

}  // namespace

std::string gzip(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<uInt>::max())
    fail(ErrorKind::internal,
         "gzip takes at most 4 GiB in one call, not " + std::to_string(bytes.size()) + " bytes");
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    fail(ErrorKind::internal, "zlib deflateInit2 failed");
  struct Guard {
    z_stream* zs;
    ~Guard() { deflateEnd(zs); }
  } guard{&zs};
  std::string out(deflateBound(&zs, static_cast<uLong>(bytes.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END)  // the output holds deflateBound: one call suffices
    fail(ErrorKind::internal, "zlib deflate did not finish");
  out.resize(zs.total_out);
  return out;
}

std::string gunzip(std::string_view compressed, const std::string& name, size_t max_bytes) {
  if (compressed.empty()) fail(ErrorKind::invalid_input, name + ": the file is empty");
  if (compressed.size() > std::numeric_limits<uInt>::max())
    fail(ErrorKind::invalid_input, name + ": more than 4 GiB of gzip data");
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK)
    fail(ErrorKind::internal, name + ": zlib inflateInit2 failed");
  struct Guard {
    z_stream* zs;
    ~Guard() { inflateEnd(zs); }
  } guard{&zs};

  std::string out;
  char buffer[1 << 16];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (out.size() > max_bytes)
      fail(ErrorKind::invalid_input,
           name + ": inflates to more than " + std::to_string(max_bytes >> 20) + " MiB");
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK)  // another gzip member follows
        fail(ErrorKind::internal, name + ": zlib inflateReset failed");
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0)
      fail(ErrorKind::invalid_input, name + ": corrupt gzip data (the stream is truncated)");
    const std::string why = zs.msg ? zs.msg : ("zlib error " + std::to_string(rc));
    fail(ErrorKind::invalid_input, name + ": corrupt gzip data (" + why + ")");
  }
  return out;
}

}  // namespace splitinfer
