#include "report/paper_table1.h"

#include "devices/embedded_data.h"

namespace splitinfer {

namespace {

const nlohmann::json& paper() {
  static const nlohmann::json doc = nlohmann::json::parse(embedded_paper_table1_json());
  return doc;
}

SplitResult published(const nlohmann::json& j) {
  return {j.at("split_index").get<int>(), j.at("speedup_over_dpu").get<double>(),
          j.at("speedup_over_gpu").get<double>(), 0.0, "published"};
}

}  // namespace

Table1 published_table1() {
  Table1 t;
  t.paper_citation = paper().at("citation").get<std::string>();
  t.paper_devices = paper().at("devices").get<std::string>();
  return t;
}

void add_published(Table1Row& row) {
  const nlohmann::json& models = paper().at("models");
  if (!models.contains(row.model)) return;
  row.paper_direct = published(models.at(row.model).at("direct"));
  row.paper_indirect = published(models.at(row.model).at("indirect"));
}

}  // namespace splitinfer
