// A small dependency-free SVG chart writer for the report's figures: values
// per split index drawn as lines or side-by-side bars, with a title, labelled
// axes at "nice" tick steps, a legend, and an optional vertical marker (the
// chosen split). The output is a standalone SVG document a browser shows as is.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace splitinfer {

struct Series {
  std::string name;
  std::vector<double> x, y;  // one point per index, drawn in the given order
  bool bars = false;         // bars for per-index quantities, else a polyline
  bool points_only = false;  // not bars: the points without the line (a scatter)
};

// A vertical dashed line across the plot with its label, e.g. "chosen split 10".
struct Marker {
  double x;
  std::string label;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;  // with units, e.g. "latency (ms)"
  std::vector<Series> series;
  std::optional<Marker> marker;
  bool y_from_zero = true;  // linear axis only: the y axis includes 0
  bool log_y = false;       // decade ticks; every y must be > 0
  int width = 720;          // SVG user units (pixels)
  int height = 420;
};

// The whole SVG document. Throws Error(invalid_input), naming the series at
// fault, when a series' x and y differ in length, a value is not finite, a
// log_y chart has a y <= 0, or the chart has no points at all.
//
// The data is drawn inside <rect class="plot-area">; its left and right edges
// are the x axis range, its bottom and top edges the y range (the lowest and
// highest y ticks). Tick labels are <text class="x-tick"> and <text class="y-tick">.
std::string render_svg(const LineChart& chart);

// Tick and axis numbers, rounded to `significant_digits`, in one compact form:
// 0.5, 12, 1.2k (thousands), 1.5e6 and 2e-4 (at or above a million, below 0.001).
std::string compact_number(double value, int significant_digits = 3);

}  // namespace splitinfer
