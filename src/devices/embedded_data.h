// The data files the library carries inside itself, so that an installed
// binary needs no data directory. Defined in a file that
// cmake/embed_data.cmake generates from data/*.json at configure time.
#pragma once

#include <string_view>

namespace splitinfer {

std::string_view embedded_devices_json();       // data/devices.json
std::string_view embedded_paper_table1_json();  // data/paper_table1.json

}  // namespace splitinfer
