package dev.swarm.pipeline.app.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The samples of a Prometheus text exposition ({@code GET /metrics}), parsed just far enough to add up a metric's
 * series. Lines that do not parse are skipped: one odd line must not end a half-hour soak run.
 */
final class PrometheusText {
  record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\r?\n")) {
      Sample s = parseLine(line);
      if (s != null) {
        samples.add(s);
      }
    }
    return new PrometheusText(samples);
  }

  List<Sample> samples() {
    return samples;
  }

  /** Sum of every series named exactly {@code name}; empty when there is none. */
  OptionalDouble sum(String name) {
    return sum(name, Map.of());
  }

  /**
   * Sum of the series named exactly {@code name} whose labels include every entry of {@code labels}; empty when
   * none matches. NaN samples (Micrometer's value for a gauge whose source is gone) count as absent.
   */
  OptionalDouble sum(String name, Map<String, String> labels) {
    double total = 0;
    boolean found = false;
    for (Sample s : samples) {
      if (s.name.equals(name) && !Double.isNaN(s.value) && s.labels.entrySet().containsAll(labels.entrySet())) {
        total += s.value;
        found = true;
      }
    }
    return found ? OptionalDouble.of(total) : OptionalDouble.empty();
  }

  /** {@code name{label="value",...} value [timestamp]}, or null for comments, blank and malformed lines. */
  static Sample parseLine(String line) {
    int i = skipSpaces(line, 0);
    if (i == line.length() || line.charAt(i) == '#') {
      return null;
    }
    int nameStart = i;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
      i++;
    }
    String name = line.substring(nameStart, i);
    Map<String, String> labels = new HashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = parseLabels(line, i + 1, labels);
      if (i < 0) {
        return null;
      }
    }
    i = skipSpaces(line, i);
    int valueStart = i;
    while (i < line.length() && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
      i++;
    }
    if (name.isEmpty() || valueStart == i) {
      return null;
    }
    try {
      return new Sample(name, labels, parseValue(line.substring(valueStart, i)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Reads {@code a="x",b="y"}} from {@code i} (just after the brace); the index after it, or -1 if malformed. */
  private static int parseLabels(String line, int i, Map<String, String> labels) {
    while (true) {
      i = skipSpaces(line, i);
      if (i >= line.length()) {
        return -1;
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
        return -1;
      }
      String key = line.substring(i, eq).trim();
      StringBuilder value = new StringBuilder();
      i = eq + 2;
      while (i < line.length() && line.charAt(i) != '"') {
        char c = line.charAt(i);
        if (c == '\\' && i + 1 < line.length()) {
          char escaped = line.charAt(++i);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
        i++;
      }
      if (i >= line.length()) {
        return -1;
      }
      labels.put(key, value.toString());
      i = skipSpaces(line, i + 1);
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      }
    }
  }

  private static double parseValue(String token) {
    return switch (token) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(token);
    };
  }

  private static int skipSpaces(String line, int i) {
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }
}
