// The SVG chart writer: a well-formed standalone document that names what it
// shows, escapes text, puts ticks at nice values over the data, maps points
// linearly into the plot area, and refuses data it cannot draw.
#include "report/svg_plot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "common/error.h"

namespace splitinfer {
namespace {

// ---- a minimal XML well-formedness checker (no parser dependency) ----

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':' ||
         c == '.';
}

// An entity reference at doc[at] == '&': one of the five predefined or numeric.
bool valid_entity(const std::string& doc, size_t at) {
  const size_t end = doc.find(';', at);
  if (end == std::string::npos) return false;
  const std::string name = doc.substr(at + 1, end - at - 1);
  for (const char* known : {"amp", "lt", "gt", "quot", "apos"})
    if (name == known) return true;
  return name.size() > 1 && name[0] == '#' &&
         name.find_first_not_of("0123456789", 1) == std::string::npos;
}

// The inside of a start tag, `name attr="value" ...`; returns what is wrong or "".
std::string tag_problem(const std::string& tag, std::string& name) {
  size_t i = 0;
  while (i < tag.size() && is_name_char(tag[i])) ++i;
  name = tag.substr(0, i);
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0])))
    return "bad element name in <" + tag + ">";
  while (i < tag.size()) {
    if (!std::isspace(static_cast<unsigned char>(tag[i])))
      return "no space before attribute in <" + tag + ">";
    while (i < tag.size() && std::isspace(static_cast<unsigned char>(tag[i]))) ++i;
    if (i == tag.size()) break;
    const size_t attr_start = i;
    while (i < tag.size() && is_name_char(tag[i])) ++i;
    if (i == attr_start || i + 1 >= tag.size() || tag[i] != '=' || tag[i + 1] != '"')
      return "bad attribute in <" + tag + ">";
    const size_t close = tag.find('"', i + 2);
    if (close == std::string::npos) return "unterminated attribute in <" + tag + ">";
    for (size_t v = i + 2; v < close; ++v) {
      if (tag[v] == '<') return "raw < in attribute of <" + tag + ">";
      if (tag[v] == '&' && !valid_entity(tag, v)) return "raw & in attribute of <" + tag + ">";
    }
    i = close + 1;
  }
  return "";
}

// Balanced tags under one root, quoted attributes, escaped text; "" when well formed.
std::string xml_problem(const std::string& doc) {
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  if (doc.compare(0, 5, "<?xml") == 0) {
    i = doc.find("?>");
    if (i == std::string::npos) return "unterminated XML declaration";
    i += 2;
  }
  while (i < doc.size()) {
    if (doc[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(doc[i])))
        return "text outside the root";
      if (doc[i] == '>') return "raw > in text at " + std::to_string(i);
      if (static_cast<unsigned char>(doc[i]) < 0x20 &&
          !std::isspace(static_cast<unsigned char>(doc[i])))
        return "control character in text at " + std::to_string(i);
      if (doc[i] == '&' && !valid_entity(doc, i)) return "raw & in text at " + std::to_string(i);
      ++i;
      continue;
    }
    const size_t end = doc.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = doc.substr(i + 1, end - i - 1);
    i = end + 1;
    if (!tag.empty() && tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return "unbalanced </" + tag.substr(1) + ">";
      open.pop_back();
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    std::string name;
    if (std::string problem = tag_problem(tag, name); !problem.empty()) return problem;
    if (open.empty() && ++roots > 1) return "more than one root element";
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return roots == 1 ? "" : "no root element";
}

// ---- reading the rendered document ----

// Every element (from '<' to '>') that carries class="cls", in document order.
std::vector<std::string> elements_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> found;
  const std::string needle = "class=\"" + cls + "\"";
  for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) {
    const size_t start = svg.rfind('<', at);
    found.push_back(svg.substr(start, svg.find('>', at) - start + 1));
  }
  return found;
}

// The text content of every <text class="cls">.
std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> texts;
  const std::string needle = "class=\"" + cls + "\"";
  for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) {
    const size_t content = svg.find('>', at) + 1;
    texts.push_back(svg.substr(content, svg.find('<', content) - content));
  }
  return texts;
}

std::string attribute(const std::string& element, const std::string& name) {
  const std::string needle = " " + name + "=\"";
  const size_t at = element.find(needle);
  if (at == std::string::npos) return "";
  const size_t value = at + needle.size();
  return element.substr(value, element.find('"', value) - value);
}

double number_attribute(const std::string& element, const std::string& name) {
  return std::stod(attribute(element, name));
}

// A compact_number label back to its value: "1.2k", "1.5e6", "-0.4".
double label_value(const std::string& label) {
  size_t used = 0;
  const double value = std::stod(label, &used);
  return label.substr(used) == "k" ? value * 1000 : value;
}

std::vector<double> label_values(const std::vector<std::string>& labels) {
  std::vector<double> values;
  for (const std::string& label : labels) values.push_back(label_value(label));
  return values;
}

// m x 10^k with m one of 1, 2, 2.5, 5.
bool is_nice(double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  for (double nice : {1.0, 2.0, 2.5, 5.0})
    if (std::abs(mantissa - nice) < 1e-6) return true;
  return false;
}

// Evenly spaced at a nice step; returns the step.
double expect_nice_ticks(const std::vector<double>& ticks) {
  EXPECT_GE(ticks.size(), 2u);
  if (ticks.size() < 2) return 0;
  const double step = ticks[1] - ticks[0];
  EXPECT_TRUE(is_nice(step)) << step;
  for (size_t i = 1; i < ticks.size(); ++i)
    EXPECT_NEAR(ticks[i] - ticks[i - 1], step, step * 1e-6)
        << "between ticks " << i - 1 << " and " << i;
  return step;
}

LineChart stage_chart() {
  LineChart chart;
  chart.title = "resnet18: stage latencies by split index";
  chart.x_label = "split index";
  chart.y_label = "stage latency (ms)";
  chart.series = {{"cpu0 (stage 1)", {0, 1, 2, 3, 4, 5}, {0.4, 1.1, 2.5, 3.9, 5.2, 7.7}},
                  {"cpu1 (stage 2)", {0, 1, 2, 3, 4, 5}, {7.9, 6.5, 4.8, 3.3, 1.7, 0.3}}};
  chart.marker = Marker{3, "chosen split 3"};
  return chart;
}

// The message of the invalid_input error render_svg throws, or "" if none.
std::string render_error(const LineChart& chart) {
  try {
    render_svg(chart);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    return e.what();
  }
  return "";
}

// ---- tests ----

TEST(SvgPlotXmlChecker, RejectsBrokenDocuments) {
  EXPECT_EQ(xml_problem("<svg><g/><text a=\"1\">x &amp; y</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a < b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg a=\"x\"y=\"1\"/>"), "");
  EXPECT_NE(xml_problem("<svg/><svg/>"), "");
  EXPECT_NE(xml_problem("<svg><text>a\x01</text></svg>"), "");
}

TEST(SvgPlotDocument, IsWellFormedStandaloneSvg) {
  const std::string svg = render_svg(stage_chart());
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"720\" height=\"420\""), std::string::npos);
}

TEST(SvgPlotDocument, NamesTitleAxesSeriesAndMarker) {
  const LineChart chart = stage_chart();
  const std::string svg = render_svg(chart);
  EXPECT_EQ(texts_of_class(svg, "title"), std::vector<std::string>{chart.title});
  EXPECT_EQ(texts_of_class(svg, "x-label"), std::vector<std::string>{"split index"});
  EXPECT_EQ(texts_of_class(svg, "y-label"), std::vector<std::string>{"stage latency (ms)"});
  EXPECT_EQ(texts_of_class(svg, "legend-label"),
            (std::vector<std::string>{"cpu0 (stage 1)", "cpu1 (stage 2)"}));
  EXPECT_EQ(texts_of_class(svg, "marker-label"), std::vector<std::string>{"chosen split 3"});
  // Each series in its own colour, the same in the legend and the plot.
  const auto lines = elements_of_class(svg, "series");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(attribute(lines[0], "stroke"), attribute(lines[1], "stroke"));
}

TEST(SvgPlotDocument, APointsOnlySeriesDrawsNoLine) {
  LineChart chart = stage_chart();
  chart.series[1].points_only = true;
  const std::string svg = render_svg(chart);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(elements_of_class(svg, "series").size(), 1u);  // only the first is a polyline
  EXPECT_EQ(texts_of_class(svg, "legend-label").size(), 2u);
}

TEST(SvgPlotDocument, EscapesMarkupInEveryText) {
  LineChart chart = stage_chart();
  chart.title = "a < b & \"c\"\x07";  // a control character XML cannot carry is dropped
  chart.series[0].name = "it's <x>";
  chart.x_label = "bytes > 0";
  chart.marker->label = "split & go";
  const std::string svg = render_svg(chart);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_NE(svg.find(">a &lt; b &amp; &quot;c&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>a &lt; b &amp; &quot;c&quot;</title>"), std::string::npos);
  EXPECT_NE(svg.find(">it&apos;s &lt;x&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">bytes &gt; 0</text>"), std::string::npos);
  EXPECT_NE(svg.find(">split &amp; go</text>"), std::string::npos);
  EXPECT_EQ(svg.find("a < b"), std::string::npos);
}

TEST(SvgPlotTicks, YTicksAreNiceAndCoverTheData) {
  struct Case {
    std::vector<double> y;
    bool from_zero;
  };
  for (const Case& c : {Case{{3.7, 12.9, 87.2, 41}, true}, Case{{1003, 1011.5, 1007}, false},
                        Case{{-0.42, 0.37}, true}, Case{{2.5e6, 7.1e6}, true},
                        Case{{0.0123, 0.0177}, false}, Case{{5, 5}, false}}) {
    LineChart chart;
    chart.title = "ticks";
    chart.y_from_zero = c.from_zero;
    chart.series = {{"values", std::vector<double>(c.y.size(), 1.0), c.y}};
    for (size_t i = 0; i < c.y.size(); ++i) chart.series[0].x[i] = static_cast<double>(i);
    const std::string svg = render_svg(chart);
    const std::vector<double> ticks = label_values(texts_of_class(svg, "y-tick"));
    SCOPED_TRACE(::testing::PrintToString(texts_of_class(svg, "y-tick")));
    expect_nice_ticks(ticks);
    EXPECT_LE(ticks.size(), 8u);
    const auto [lo, hi] = std::minmax_element(c.y.begin(), c.y.end());
    EXPECT_LE(ticks.front(), c.from_zero ? std::min(0.0, *lo) : *lo);
    EXPECT_GE(ticks.back(), *hi);
  }
}

TEST(SvgPlotTicks, XTicksOfSplitIndicesAreFewIntegers) {
  for (int last_split : {3, 18, 30, 151}) {
    LineChart chart;
    chart.title = "splits";
    Series series{"latency", {}, {}};
    for (int s = 0; s <= last_split; ++s) {
      series.x.push_back(s);
      series.y.push_back(1.0 + s % 4);
    }
    chart.series = {series};
    const std::vector<std::string> labels = texts_of_class(render_svg(chart), "x-tick");
    SCOPED_TRACE(::testing::PrintToString(labels));
    EXPECT_LE(labels.size(), 12u);
    for (const std::string& label : labels)
      EXPECT_EQ(label.find_first_not_of("0123456789"), std::string::npos) << label;
    const std::vector<double> ticks = label_values(labels);
    const double step = expect_nice_ticks(ticks);
    EXPECT_EQ(step, std::round(step));
    EXPECT_EQ(ticks.front(), 0);
    EXPECT_GT(ticks.back() + step, last_split);  // no gap of a whole step at the end
  }
}

TEST(SvgPlotTicks, LogAxisHasDecadeTicks) {
  LineChart chart;
  chart.title = "bytes";
  chart.log_y = true;
  chart.series = {{"int8", {1, 2, 3}, {120, 4.5e5, 3e3}, true}};
  EXPECT_EQ(texts_of_class(render_svg(chart), "y-tick"),
            (std::vector<std::string>{"100", "1k", "10k", "100k", "1e6"}));

  // Fifteen decades: every decade is marked, every second one labelled.
  chart.series[0].y = {0.01, 1, 1e12};
  const std::vector<double> ticks = label_values(texts_of_class(render_svg(chart), "y-tick"));
  EXPECT_LE(ticks.size(), 8u);
  EXPECT_DOUBLE_EQ(ticks.front(), 0.01);
  for (size_t i = 1; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i] / ticks[i - 1], 100, 1e-6);
}

TEST(SvgPlotGeometry, PointsMapLinearlyIntoThePlotArea) {
  LineChart chart;
  chart.title = "mapping";
  // x spans 0..10 exactly; y from zero to 100, a tick value, so the y axis is 0..100.
  chart.series = {{"line", {0, 2, 4, 6, 8, 10}, {10, 35, 50, 100, 80, 0}}};
  chart.marker = Marker{7, "chosen split 7"};
  const std::string svg = render_svg(chart);
  const auto areas = elements_of_class(svg, "plot-area");
  ASSERT_EQ(areas.size(), 1u);
  const double left = number_attribute(areas[0], "x");
  const double top = number_attribute(areas[0], "y");
  const double width = number_attribute(areas[0], "width");
  const double height = number_attribute(areas[0], "height");
  auto expected_x = [&](double x) { return left + x / 10 * width; };
  auto expected_y = [&](double y) { return top + height - y / 100 * height; };

  const auto lines = elements_of_class(svg, "series");
  ASSERT_EQ(lines.size(), 1u);
  std::istringstream points(attribute(lines[0], "points"));
  std::vector<std::pair<double, double>> pixels;
  for (std::string point; points >> point;) {
    const size_t comma = point.find(',');
    pixels.emplace_back(std::stod(point.substr(0, comma)), std::stod(point.substr(comma + 1)));
  }
  ASSERT_EQ(pixels.size(), 6u);
  for (size_t i = 0; i < pixels.size(); ++i) {
    EXPECT_NEAR(pixels[i].first, expected_x(chart.series[0].x[i]), 0.01) << "point " << i;
    EXPECT_NEAR(pixels[i].second, expected_y(chart.series[0].y[i]), 0.01) << "point " << i;
  }
  const auto marker = elements_of_class(svg, "marker");
  ASSERT_EQ(marker.size(), 1u);
  EXPECT_NEAR(number_attribute(marker[0], "x1"), expected_x(7), 0.01);
  EXPECT_NEAR(number_attribute(marker[0], "y1"), top, 0.01);
  EXPECT_NEAR(number_attribute(marker[0], "y2"), top + height, 0.01);
}

TEST(SvgPlotGeometry, BarsOfSeveralSeriesStandSideBySideFromZero) {
  LineChart chart;
  chart.title = "bars";
  chart.series = {{"int8", {1, 2, 3}, {30, 10, 20}, true},
                  {"fp32", {1, 2, 3}, {120, 40, 80}, true}};
  const std::string svg = render_svg(chart);
  EXPECT_EQ(xml_problem(svg), "");
  const auto area = elements_of_class(svg, "plot-area").at(0);
  const double bottom = number_attribute(area, "y") + number_attribute(area, "height");
  const auto bars = elements_of_class(svg, "bar");
  ASSERT_EQ(bars.size(), 6u);  // the first series' three bars, then the second's
  for (size_t i = 0; i < 3; ++i) {
    const std::string& first = bars[i];
    const std::string& second = bars[i + 3];
    const double first_right = number_attribute(first, "x") + number_attribute(first, "width");
    EXPECT_NEAR(first_right, number_attribute(second, "x"), 0.02) << "index " << i + 1;
    EXPECT_GT(number_attribute(first, "width"), 0);
    for (const std::string& bar : {first, second})
      EXPECT_NEAR(number_attribute(bar, "y") + number_attribute(bar, "height"), bottom, 0.02);
    EXPECT_NE(attribute(first, "fill"), attribute(second, "fill"));
  }
  EXPECT_TRUE(elements_of_class(svg, "series").empty());
}

TEST(SvgPlotNumbers, CompactFormIsConsistent) {
  EXPECT_EQ(compact_number(0), "0");
  EXPECT_EQ(compact_number(0.5), "0.5");
  EXPECT_EQ(compact_number(12), "12");
  EXPECT_EQ(compact_number(123.456), "123");
  EXPECT_EQ(compact_number(1200), "1.2k");
  EXPECT_EQ(compact_number(-2500), "-2.5k");
  EXPECT_EQ(compact_number(250000), "250k");
  EXPECT_EQ(compact_number(999.96), "1k");
  EXPECT_EQ(compact_number(1.5e6), "1.5e6");
  EXPECT_EQ(compact_number(0.0002), "2e-4");
  EXPECT_EQ(compact_number(0.001), "0.001");
  EXPECT_EQ(compact_number(1002.5, 5), "1.0025k");
}

TEST(SvgPlotErrors, BadInputNamesTheSeries) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  LineChart chart = stage_chart();

  chart.series[1].y.pop_back();
  std::string message = render_error(chart);
  EXPECT_NE(message.find("\"cpu1 (stage 2)\" has 6 x values but 5 y values"), std::string::npos)
      << message;

  chart = stage_chart();
  chart.series[0].y[2] = nan;
  message = render_error(chart);
  EXPECT_NE(message.find("\"cpu0 (stage 1)\" has a non-finite value at point 2"), std::string::npos)
      << message;

  chart = stage_chart();
  chart.series[1].x[0] = inf;
  EXPECT_NE(render_error(chart).find("cpu1 (stage 2)"), std::string::npos);

  chart = stage_chart();
  chart.log_y = true;
  chart.series[0].y[0] = 0;
  message = render_error(chart);
  EXPECT_NE(message.find("\"cpu0 (stage 1)\" has y <= 0 at point 0"), std::string::npos) << message;
  chart.series[0].y[0] = -1;
  EXPECT_NE(render_error(chart).find("log y axis"), std::string::npos);

  chart = stage_chart();
  chart.series.clear();
  EXPECT_NE(render_error(chart).find("has no data points"), std::string::npos);
  chart.series = {{"empty", {}, {}}};
  EXPECT_NE(render_error(chart).find("has no data points"), std::string::npos);

  chart = stage_chart();
  chart.marker->x = nan;
  EXPECT_NE(render_error(chart).find("marker \"chosen split 3\""), std::string::npos);

  chart = stage_chart();
  chart.height = 100;
  EXPECT_NE(render_error(chart).find("leaves no room for the plot"), std::string::npos);

  chart = stage_chart();
  chart.series[0].x.push_back(6);
  EXPECT_EQ(render_error(chart).find('\n'), std::string::npos);  // one line
}

}  // namespace
}  // namespace splitinfer
