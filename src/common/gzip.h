// gzip streams in memory, for the compressed data files the project keeps in
// the repository (the digits data set, the predictors' dataset).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace splitinfer {

// One gzip member holding `bytes`, at zlib's best compression.
std::string gzip(std::string_view bytes);

// Inflates one or more concatenated gzip members. Anything that is not a
// complete gzip stream (plain text, truncation, a bad CRC) and anything that
// inflates to more than `max_bytes` (a gzip bomb) is an invalid_input Error
// whose message starts with `name` (the file's path).
std::string gunzip(std::string_view compressed, const std::string& name, size_t max_bytes);

}  // namespace splitinfer
