#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace splitinfer {
namespace {

// Okabe-Ito: told apart under the common colour-vision deficiencies. Yellow
// comes late because it is faint on white.
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#E69F00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

// Layout, in pixels. The legend sits between the title and the plot so that it
// never covers data; the left margin holds the y tick labels and the y label.
constexpr double kFontSize = 12;
constexpr double kTitleFontSize = 16;
constexpr double kTitleBaseline = 26;
constexpr double kLegendTop = 38;
constexpr double kLegendRowHeight = 18;
constexpr double kLegendPadding = 6;
constexpr double kSwatchWidth = 18;
constexpr double kSwatchGap = 6;
constexpr double kLegendItemGap = 18;
constexpr double kPlotGapBelowLegend = 16;
constexpr double kLeftMargin = 80;
constexpr double kRightMargin = 24;
constexpr double kBottomMargin = 58;
constexpr double kTickLength = 5;
constexpr double kMinPlotSide = 40;

// Tick counts: about 12 labels at most along x, fewer along the shorter y.
constexpr int kMaxXIntervals = 10;
constexpr int kMaxYIntervals = 6;
constexpr int kMaxLogLabels = 8;

// Bars of one x value fill this share of the distance to the next x value.
constexpr double kBarGroupShare = 0.8;

const char* series_colour(size_t series_index) {
  return kPalette[series_index % std::size(kPalette)];
}

// What XML needs in place of `c`, or nullptr where `c` may stand as is.
const char* xml_entity(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&apos;";
    default: return nullptr;
  }
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool control =
        static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
    if (control) continue;  // XML 1.0 has no way to write these
    if (const char* entity = xml_entity(c)) out += entity;
    else out += c;
  }
  return out;
}

std::string without_trailing_zeros(std::string number) {
  if (number.find('.') == std::string::npos) return number;
  number.erase(number.find_last_not_of('0') + 1);
  if (number.back() == '.') number.pop_back();
  return number;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, decimals), value);
  return without_trailing_zeros(buffer);
}

// Pixel coordinates: a hundredth of a pixel is finer than any display.
std::string px(double value) { return fixed(value, 2); }

// A value as an error message quotes it.
std::string quoted_value(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// ---- input checks ----

std::string chart_context(const LineChart& chart) { return "svg chart \"" + chart.title + "\": "; }

void check_series(const LineChart& chart, const Series& series) {
  const std::string where = chart_context(chart) + "series \"" + series.name + "\" ";
  if (series.x.size() != series.y.size())
    fail(ErrorKind::invalid_input, where + "has " + std::to_string(series.x.size()) +
                                       " x values but " + std::to_string(series.y.size()) +
                                       " y values");
  for (size_t i = 0; i < series.x.size(); ++i) {
    const std::string point = "point " + std::to_string(i) + " (x = " + quoted_value(series.x[i]) +
                              ", y = " + quoted_value(series.y[i]) + ")";
    if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i]))
      fail(ErrorKind::invalid_input, where + "has a non-finite value at " + point);
    if (chart.log_y && series.y[i] <= 0)
      fail(ErrorKind::invalid_input,
           where + "has y <= 0 at " + point + ", which a log y axis cannot show");
  }
}

void check_chart(const LineChart& chart) {
  size_t points = 0;
  for (const Series& series : chart.series) {
    check_series(chart, series);
    points += series.x.size();
  }
  // A series without points is allowed (it still names its colour in the
  // legend); a chart without any is a caller's mistake.
  if (points == 0) fail(ErrorKind::invalid_input, chart_context(chart) + "has no data points");
  if (chart.marker && !std::isfinite(chart.marker->x))
    fail(ErrorKind::invalid_input,
         chart_context(chart) + "marker \"" + chart.marker->label + "\" has a non-finite x");
}

// ---- axes ----

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void include(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

struct Tick {
  double value;
  std::string label;  // empty: a tick mark without a label (thinned out)
};

struct Axis {
  double lo, hi;
  bool log = false;
  std::vector<Tick> ticks;  // ascending
};

bool has_bars(const LineChart& chart) {
  return std::any_of(chart.series.begin(), chart.series.end(),
                     [](const Series& s) { return s.bars; });
}

// The x distance one group of side-by-side bars may fill: the closest spacing
// of the x values that carry bars (1 when there is only one).
double bar_slot(const LineChart& chart) {
  std::vector<double> xs;
  for (const Series& s : chart.series)
    if (s.bars) xs.insert(xs.end(), s.x.begin(), s.x.end());
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  double slot = xs.size() < 2 ? 1.0 : std::numeric_limits<double>::infinity();
  for (size_t i = 1; i < xs.size(); ++i) slot = std::min(slot, xs[i] - xs[i - 1]);
  return slot;
}

// Split indices are integers; their ticks should be too.
bool all_x_integers(const LineChart& chart) {
  auto integer = [](double v) { return v == std::round(v); };
  for (const Series& s : chart.series)
    if (!std::all_of(s.x.begin(), s.x.end(), integer)) return false;
  return !chart.marker || integer(chart.marker->x);
}

// A tick step mantissa x 10^exponent, kept apart so that label precision does
// not depend on the rounding of log10.
struct NiceStep {
  double mantissa;  // 1, 2, 2.5 or 5
  int exponent;
  double value() const { return mantissa * std::pow(10.0, exponent); }
};

// The first and last multiple of `step` at or beyond [lo, hi] (outward) or
// within it (inward). The slack absorbs quotients such as 0.3 / 0.1.
long long first_multiple(double lo, double step, bool outward) {
  constexpr double kSlack = 1e-9;
  return std::llround(outward ? std::floor(lo / step + kSlack) : std::ceil(lo / step - kSlack));
}
long long last_multiple(double hi, double step, bool outward) {
  constexpr double kSlack = 1e-9;
  return std::llround(outward ? std::ceil(hi / step - kSlack) : std::floor(hi / step + kSlack));
}

// The smallest step of 1, 2, 2.5 or 5 x 10^k whose multiples reach over
// [lo, hi] in at most `max_intervals` steps. `integer_steps` leaves out
// fractional steps (and 2.5), for split indices.
NiceStep nice_step(double lo, double hi, int max_intervals, bool integer_steps) {
  for (int exponent = static_cast<int>(std::floor(std::log10((hi - lo) / max_intervals)));;
       ++exponent) {
    for (double mantissa : {1.0, 2.0, 2.5, 5.0}) {
      if (integer_steps && (exponent < 0 || (exponent == 0 && mantissa == 2.5))) continue;
      const NiceStep step{mantissa, exponent};
      const double v = step.value();
      if (last_multiple(hi, v, true) - first_multiple(lo, v, true) <= max_intervals) return step;
    }
  }
}

// Significant digits that tell adjacent tick labels apart: from the leading
// digit of the largest tick down to the last digit of the step (2.5 has two).
int tick_label_digits(double largest_magnitude, const NiceStep& step) {
  const int last_digit = step.exponent - (step.mantissa == 2.5 ? 1 : 0);
  const int leading_digit = largest_magnitude > 0
                                ? static_cast<int>(std::floor(std::log10(largest_magnitude) + 1e-9))
                                : step.exponent;
  return std::max(1, leading_digit - last_digit + 1);
}

// `outward`: the axis ends are rounded out to ticks so that the end ticks
// bound the data (y). Otherwise the axis spans [lo, hi] exactly and the ticks
// fall inside it (x: the first and last split index sit at the axis ends).
Axis linear_axis(Range range, int max_intervals, bool integer_steps, bool outward) {
  const NiceStep step = nice_step(range.lo, range.hi, max_intervals, integer_steps);
  const double v = step.value();
  const long long first = first_multiple(range.lo, v, outward);
  const long long last = last_multiple(range.hi, v, outward);
  Axis axis{outward ? first * v : range.lo, outward ? last * v : range.hi, false, {}};
  const int digits = tick_label_digits(std::max(std::abs(first * v), std::abs(last * v)), step);
  for (long long i = first; i <= last; ++i)
    axis.ticks.push_back({i * v, compact_number(i * v, digits)});
  return axis;
}

// Whole decades around the data, every decade marked; labels are thinned to
// every n-th decade when there are many.
Axis log_axis(Range range) {
  const int lo_exp = static_cast<int>(std::floor(std::log10(range.lo)));
  int hi_exp = static_cast<int>(std::ceil(std::log10(range.hi)));
  if (hi_exp == lo_exp) ++hi_exp;
  const int decades = hi_exp - lo_exp + 1;
  const int label_every = (decades + kMaxLogLabels - 1) / kMaxLogLabels;
  Axis axis{std::pow(10.0, lo_exp), std::pow(10.0, hi_exp), true, {}};
  for (int e = lo_exp; e <= hi_exp; ++e) {
    const double value = std::pow(10.0, e);
    axis.ticks.push_back({value, (e - lo_exp) % label_every == 0 ? compact_number(value) : ""});
  }
  return axis;
}

Axis x_axis(const LineChart& chart) {
  Range range;
  for (const Series& s : chart.series)
    for (double x : s.x) range.include(x);
  if (chart.marker) range.include(chart.marker->x);
  if (has_bars(chart)) {  // room for the outermost bars
    const double half_slot = bar_slot(chart) / 2;
    range.lo -= half_slot;
    range.hi += half_slot;
  } else if (range.lo == range.hi) {
    range.lo -= 1;
    range.hi += 1;
  }
  return linear_axis(range, kMaxXIntervals, all_x_integers(chart), /*outward=*/false);
}

Axis y_axis(const LineChart& chart) {
  Range range;
  for (const Series& s : chart.series)
    for (double y : s.y) range.include(y);
  if (chart.log_y) return log_axis(range);
  if (chart.y_from_zero) range.include(0);
  if (range.lo == range.hi) {  // one value: give the axis a span around it
    const double pad = range.lo == 0 ? 1 : std::abs(range.lo) / 10;
    range.hi += pad;
    if (!chart.y_from_zero) range.lo -= pad;  // from zero, the one value is 0
  }
  return linear_axis(range, kMaxYIntervals, false, /*outward=*/true);
}

// Where bars start: zero when the axis shows it, else the nearer axis end.
double bar_baseline(const Axis& y) { return y.log ? y.lo : std::clamp(0.0, y.lo, y.hi); }

// Maps axis values onto a span of pixels, linearly or in log10.
struct Scale {
  double lo, hi;
  bool log;
  double from_px, to_px;
  double operator()(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return from_px + t * (to_px - from_px);
  }
};

Scale scale(const Axis& axis, double from_px, double to_px) {
  return {axis.lo, axis.hi, axis.log, from_px, to_px};
}

// ---- layout ----

struct Box {
  double left, top, right, bottom;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct LegendItem {
  size_t series;
  double x, middle_y;
};

struct Layout {
  Box legend;
  std::vector<LegendItem> items;
  Box plot;
};

// An estimate for sans-serif text: SVG has no text metrics without a renderer.
double text_width(const std::string& text, double font_size) {
  const auto code_points = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a UTF-8 continuation byte
  });
  return 0.6 * font_size * static_cast<double>(code_points);
}

// Legend items flow left to right under the title, wrapping at the plot's
// width; the plot takes the rest of the height above the x axis labels.
Layout plan_layout(const LineChart& chart) {
  Layout layout;
  const double left = kLeftMargin;
  const double right = chart.width - kRightMargin;
  const double row_start = left + kLegendPadding;
  double x = row_start, widest = row_start;
  int row = 0;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const double item_width =
        kSwatchWidth + kSwatchGap + text_width(chart.series[i].name, kFontSize);
    if (x > row_start && x + item_width > right - kLegendPadding) {
      x = row_start;
      ++row;
    }
    const double middle_y = kLegendTop + kLegendPadding + (row + 0.5) * kLegendRowHeight;
    layout.items.push_back({i, x, middle_y});
    widest = std::max(widest, x + item_width);
    x += item_width + kLegendItemGap;
  }
  layout.legend = {left, kLegendTop, widest + kLegendPadding,
                   kLegendTop + 2 * kLegendPadding + (row + 1) * kLegendRowHeight};
  layout.plot = {left, layout.legend.bottom + kPlotGapBelowLegend, right,
                 chart.height - kBottomMargin};
  if (layout.plot.width() < kMinPlotSide || layout.plot.height() < kMinPlotSide)
    fail(ErrorKind::invalid_input, chart_context(chart) + "size " + std::to_string(chart.width) +
                                       "x" + std::to_string(chart.height) +
                                       " leaves no room for the plot");
  return layout;
}

// The plot area, its two axes, and where axis values land in pixels.
struct Frame {
  Box plot;
  Axis x, y;
  Scale x_px, y_px;
};

Frame plan_frame(const LineChart& chart, const Box& plot) {
  Axis x = x_axis(chart);
  Axis y = y_axis(chart);
  const Scale x_px = scale(x, plot.left, plot.right);
  const Scale y_px = scale(y, plot.bottom, plot.top);  // SVG's y grows downwards
  return {plot, std::move(x), std::move(y), x_px, y_px};
}

// ---- drawing ----

void text(std::ostringstream& svg, const char* cls, double x, double y, const char* anchor,
          const std::string& content, const std::string& extra_attributes = "") {
  svg << "<text class=\"" << cls << "\" x=\"" << px(x) << "\" y=\"" << px(y) << "\" text-anchor=\""
      << anchor << "\"" << extra_attributes << ">" << xml_escape(content) << "</text>\n";
}

void line(std::ostringstream& svg, double x1, double y1, double x2, double y2,
          const std::string& style) {
  svg << "<line x1=\"" << px(x1) << "\" y1=\"" << px(y1) << "\" x2=\"" << px(x2) << "\" y2=\""
      << px(y2) << "\" " << style << "/>\n";
}

void rect(std::ostringstream& svg, const char* cls, double x, double y, double width, double height,
          const std::string& style) {
  svg << "<rect class=\"" << cls << "\" x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\""
      << px(width) << "\" height=\"" << px(height) << "\" " << style << "/>\n";
}

std::string fill(const char* colour) { return std::string("fill=\"") + colour + "\""; }

void draw_legend(std::ostringstream& svg, const LineChart& chart, const Layout& layout) {
  const Box& box = layout.legend;
  rect(svg, "legend", box.left, box.top, box.width(), box.height(),
       "fill=\"white\" stroke=\"#999999\"");
  for (const LegendItem& item : layout.items) {
    const Series& series = chart.series[item.series];
    const char* colour = series_colour(item.series);
    if (series.bars) {
      rect(svg, "legend-swatch", item.x + kSwatchWidth / 4, item.middle_y - kSwatchWidth / 4,
           kSwatchWidth / 2, kSwatchWidth / 2, fill(colour));
    } else {
      line(svg, item.x, item.middle_y, item.x + kSwatchWidth, item.middle_y,
           std::string("stroke=\"") + colour + "\" stroke-width=\"2\"");
      svg << "<circle cx=\"" << px(item.x + kSwatchWidth / 2) << "\" cy=\"" << px(item.middle_y)
          << "\" r=\"3\" " << fill(colour) << "/>\n";
    }
    text(svg, "legend-label", item.x + kSwatchWidth + kSwatchGap, item.middle_y + kFontSize / 3,
         "start", series.name);
  }
}

void draw_axes(std::ostringstream& svg, const LineChart& chart, const Frame& frame) {
  const Box& plot = frame.plot;
  rect(svg, "plot-area", plot.left, plot.top, plot.width(), plot.height(),
       "fill=\"none\" stroke=\"#cccccc\"");
  const std::string tick_style = "stroke=\"#333333\"";
  for (const Tick& tick : frame.y.ticks) {
    const double at = frame.y_px(tick.value);
    line(svg, plot.left, at, plot.right, at, "stroke=\"#e5e5e5\"");  // grid line
    line(svg, plot.left - kTickLength, at, plot.left, at, tick_style);
    if (!tick.label.empty())
      text(svg, "y-tick", plot.left - kTickLength - 3, at + kFontSize / 3, "end", tick.label);
  }
  for (const Tick& tick : frame.x.ticks) {
    const double at = frame.x_px(tick.value);
    line(svg, at, plot.bottom, at, plot.bottom + kTickLength, tick_style);
    text(svg, "x-tick", at, plot.bottom + kTickLength + kFontSize + 1, "middle", tick.label);
  }
  line(svg, plot.left, plot.bottom, plot.right, plot.bottom, tick_style);
  line(svg, plot.left, plot.top, plot.left, plot.bottom, tick_style);
  text(svg, "x-label", (plot.left + plot.right) / 2, chart.height - 14, "middle", chart.x_label);
  const double y_label_x = 18, y_label_y = (plot.top + plot.bottom) / 2;
  text(svg, "y-label", y_label_x, y_label_y, "middle", chart.y_label,
       " transform=\"rotate(-90 " + px(y_label_x) + " " + px(y_label_y) + ")\"");
}

// The bars of all bar series share each x slot side by side, in series order.
void draw_bars(std::ostringstream& svg, const LineChart& chart, const Frame& frame) {
  std::vector<size_t> bar_series;
  for (size_t i = 0; i < chart.series.size(); ++i)
    if (chart.series[i].bars) bar_series.push_back(i);
  if (bar_series.empty()) return;
  const double group_width = kBarGroupShare * bar_slot(chart);
  const double bar_width = group_width / static_cast<double>(bar_series.size());
  const double base = frame.y_px(bar_baseline(frame.y));
  for (size_t rank = 0; rank < bar_series.size(); ++rank) {
    const Series& series = chart.series[bar_series[rank]];
    for (size_t i = 0; i < series.x.size(); ++i) {
      const double group_left = series.x[i] - group_width / 2;
      const double left = frame.x_px(group_left + static_cast<double>(rank) * bar_width);
      const double right = frame.x_px(group_left + static_cast<double>(rank + 1) * bar_width);
      const double top = frame.y_px(series.y[i]);
      rect(svg, "bar", left, std::min(top, base), right - left, std::abs(base - top),
           fill(series_colour(bar_series[rank])));
    }
  }
}

void draw_lines(std::ostringstream& svg, const LineChart& chart, const Frame& frame) {
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const Series& series = chart.series[s];
    if (series.bars || series.x.empty()) continue;
    const char* colour = series_colour(s);
    if (!series.points_only) {
      svg << "<polyline class=\"series\" fill=\"none\" stroke=\"" << colour
          << "\" stroke-width=\"2\" points=\"";
      for (size_t i = 0; i < series.x.size(); ++i)
        svg << (i ? " " : "") << px(frame.x_px(series.x[i])) << "," << px(frame.y_px(series.y[i]));
      svg << "\"/>\n";
    }
    for (size_t i = 0; i < series.x.size(); ++i)
      svg << "<circle cx=\"" << px(frame.x_px(series.x[i])) << "\" cy=\""
          << px(frame.y_px(series.y[i])) << "\" r=\"3\" " << fill(colour) << "/>\n";
  }
}

void draw_marker(std::ostringstream& svg, const Marker& marker, const Frame& frame) {
  const Box& plot = frame.plot;
  const double at = frame.x_px(marker.x);
  svg << "<line class=\"marker\" x1=\"" << px(at) << "\" y1=\"" << px(plot.top) << "\" x2=\""
      << px(at) << "\" y2=\"" << px(plot.bottom)
      << "\" stroke=\"#333333\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  // The label goes on the side of the line with more room.
  const bool right_half = at > (plot.left + plot.right) / 2;
  text(svg, "marker-label", right_half ? at - 6 : at + 6, plot.top + kFontSize + 2,
       right_half ? "end" : "start", marker.label);
}

}  // namespace

std::string compact_number(double value, int significant_digits) {
  const int digits = std::max(1, significant_digits);
  // Round before choosing the form, so that 999.96 reads 1k rather than 1000.
  char scientific[64];
  std::snprintf(scientific, sizeof scientific, "%.*e", digits - 1, value);  // "-1.50e+06"
  const double rounded = std::strtod(scientific, nullptr);
  if (rounded == 0) return "0";
  const std::string_view text = scientific;
  const size_t e = text.find('e');
  const int exponent = std::atoi(scientific + e + 1);
  if (exponent >= 6 || exponent < -3)
    return without_trailing_zeros(std::string(text.substr(0, e))) + "e" + std::to_string(exponent);
  if (exponent >= 3) return fixed(rounded / 1e3, digits - 1 - (exponent - 3)) + "k";
  return fixed(rounded, digits - 1 - exponent);
}

std::string render_svg(const LineChart& chart) {
  check_chart(chart);
  const Layout layout = plan_layout(chart);
  const Frame frame = plan_frame(chart, layout.plot);

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << chart.width << "\" height=\""
      << chart.height << "\" viewBox=\"0 0 " << chart.width << " " << chart.height
      << "\" font-family=\"sans-serif\" font-size=\"" << kFontSize << "\">\n"
      << "<title>" << xml_escape(chart.title) << "</title>\n";
  // An opaque background: viewers with a dark theme would otherwise hide the black text.
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  text(svg, "title", chart.width / 2.0, kTitleBaseline, "middle", chart.title,
       " font-size=\"" + px(kTitleFontSize) + "\" font-weight=\"bold\"");
  draw_legend(svg, chart, layout);
  draw_axes(svg, chart, frame);
  draw_bars(svg, chart, frame);  // under the lines
  draw_lines(svg, chart, frame);
  if (chart.marker) draw_marker(svg, *chart.marker, frame);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace splitinfer
