// The paper's published Table 1 (data/paper_table1.json, embedded), the
// third column group of `report table1`.
#pragma once

#include "report/table1.h"

namespace splitinfer {

// An empty table carrying the paper's citation and devices.
Table1 published_table1();

// Fills the row's published direct and indirect results, when the paper has
// the model.
void add_published(Table1Row& row);

}  // namespace splitinfer
