package dev.swarm.pipeline.app.bench;

import java.util.List;
import java.util.Locale;

/**
 * Draws a soak run's CSV as one self-contained SVG: a grid of small line charts, one per series, x in minutes
 * since the load started, y from zero so that "flat" reads as flat, and a dashed line where one retention period
 * has passed (before it the stores are still filling, after it they should level off).
 */
final class SoakChart {
  enum Unit { BYTES, COUNT }

  record Series(String column, String title, Unit unit) {}

  static final List<Series> SERIES = List.of(
      new Series("db_bytes", "SQLite database + WAL", Unit.BYTES),
      new Series("wal_bytes", "SQLite WAL", Unit.BYTES),
      new Series("broker_log_bytes", "Kafka broker log", Unit.BYTES),
      new Series("data_dir_bytes", "Data directory (all files)", Unit.BYTES),
      new Series("old_gen_bytes", "Old generation (G1 Old Gen used)", Unit.BYTES),
      new Series("rss_bytes", "Pipeline RSS", Unit.BYTES),
      new Series("lag_records", "Consumer lag (records)", Unit.COUNT),
      new Series("spans_per_s", "Accepted spans/s", Unit.COUNT));

  private static final int COLUMNS = 4;
  private static final int PANEL_W = 420;
  private static final int PANEL_H = 250;
  private static final int MARGIN = 16;
  private static final int HEADER_H = 64;
  // Plot area inside a panel: room on the left for y labels, on top for the title lines, below for x labels.
  private static final int PLOT_LEFT = 66;
  private static final int PLOT_RIGHT = 14;
  private static final int PLOT_TOP = 46;
  private static final int PLOT_BOTTOM = 38;
  private static final String LINE_COLOR = "#1f6feb";

  private SoakChart() {}

  /** The SVG document; {@code retentionSeconds} of 0 or less draws no retention line. */
  static String render(SoakCsv csv, String title, String subtitle, double retentionSeconds) {
    int rows = (SERIES.size() + COLUMNS - 1) / COLUMNS;
    int width = 2 * MARGIN + COLUMNS * PANEL_W;
    int height = HEADER_H + rows * PANEL_H + MARGIN;
    StringBuilder svg = new StringBuilder(64 * 1024);
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
        .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" font-family=\"sans-serif\">\n")
        .append("<title>").append(escape(title)).append("</title>\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    text(svg, MARGIN, 28, 20, "start", "#111111", "bold", title);
    text(svg, MARGIN, 50, 13, "start", "#555555", "normal", subtitle);
    double[] minutes = csv.column("elapsed_s");
    for (int i = 0; i < minutes.length; i++) {
      minutes[i] /= 60;
    }
    double xMax = 0;
    for (double m : minutes) {
      if (!Double.isNaN(m)) {
        xMax = Math.max(xMax, m);
      }
    }
    if (xMax <= 0) {
      xMax = 1;
    }
    for (int s = 0; s < SERIES.size(); s++) {
      int x = MARGIN + (s % COLUMNS) * PANEL_W;
      int y = HEADER_H + (s / COLUMNS) * PANEL_H;
      panel(svg, SERIES.get(s), x, y, minutes, csv.column(SERIES.get(s).column()), xMax, retentionSeconds / 60);
    }
    return svg.append("</svg>\n").toString();
  }

  private static void panel(StringBuilder svg, Series series, int panelX, int panelY, double[] minutes,
      double[] values, double xMax, double retentionMinutes) {
    svg.append("<g class=\"chart\" id=\"chart-").append(series.column()).append("\" transform=\"translate(")
        .append(panelX).append(',').append(panelY).append(")\">\n");
    int plotW = PANEL_W - PLOT_LEFT - PLOT_RIGHT - 8;
    int plotH = PANEL_H - PLOT_TOP - PLOT_BOTTOM;
    svg.append("<rect x=\"4\" y=\"4\" width=\"").append(PANEL_W - 8).append("\" height=\"").append(PANEL_H - 8)
        .append("\" fill=\"#fafafa\" stroke=\"#dddddd\"/>\n");
    text(svg, 14, 22, 14, "start", "#111111", "bold", series.title());

    double max = Double.NEGATIVE_INFINITY;
    double last = Double.NaN;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        max = Math.max(max, v);
        last = v;
      }
    }
    boolean empty = Double.isInfinite(max);
    text(svg, 14, 38, 11, "start", "#666666", "normal", series.column()
        + (empty ? "" : "   last " + human(last, series.unit()) + "   max " + human(max, series.unit())));

    // Y axis: ticks at a round step of the unit the maximum is best read in.
    // An all-zero series gets the axis 0..1; one without data gets gridlines but no labels to mislead.
    boolean positive = !empty && max > 0;
    double scale = unitScale(positive ? max : 0, series.unit());
    double step = positive ? niceStep(max / scale / 4) : empty ? 0.25 : 1;
    double yTop = positive ? Math.ceil(max / scale / step - 1e-9) * step : 1;
    for (double t = 0; t <= yTop + step / 2; t += step) {
      double py = PLOT_TOP + plotH - t / yTop * plotH;
      line(svg, PLOT_LEFT, py, PLOT_LEFT + plotW, py, "#e6e6e6", null);
      if (!empty) {
        text(svg, PLOT_LEFT - 6, py + 4, 11, "end", "#444444", "normal",
            t == 0 ? "0" : number(t, step) + suffix(scale, series.unit()));
      }
    }
    // X axis: minutes since the load started.
    double xStep = niceStep(xMax / 6);
    for (double t = 0; t <= xMax + xStep / 1000; t += xStep) {
      double px = PLOT_LEFT + t / xMax * plotW;
      line(svg, px, PLOT_TOP + plotH, px, PLOT_TOP + plotH + 4, "#888888", null);
      text(svg, px, PLOT_TOP + plotH + 16, 11, "middle", "#444444", "normal", number(t, xStep));
    }
    text(svg, PLOT_LEFT + plotW / 2.0, PLOT_TOP + plotH + 31, 11, "middle", "#666666", "normal", "minutes");
    svg.append("<rect x=\"").append(PLOT_LEFT).append("\" y=\"").append(PLOT_TOP).append("\" width=\"").append(plotW)
        .append("\" height=\"").append(plotH).append("\" fill=\"none\" stroke=\"#999999\"/>\n");

    if (retentionMinutes > 0 && retentionMinutes <= xMax) {
      double px = PLOT_LEFT + retentionMinutes / xMax * plotW;
      line(svg, px, PLOT_TOP, px, PLOT_TOP + plotH, "#d9480f", "5 4");
      svg.append("<text x=\"").append(coord(px + 4)).append("\" y=\"").append(PLOT_TOP + 12)
          .append("\" font-size=\"10\" fill=\"#d9480f\" stroke=\"#fafafa\" stroke-width=\"3\" paint-order=\"stroke\">")
          .append("retention</text>\n"); // the halo keeps the label readable where a line crosses it
    }

    if (empty) {
      text(svg, PLOT_LEFT + plotW / 2.0, PLOT_TOP + plotH / 2.0, 13, "middle", "#999999", "normal", "no data");
    } else {
      plotLine(svg, minutes, values, xMax, yTop * scale, plotW, plotH);
    }
    svg.append("</g>\n");
  }

  /** Polylines through the samples, broken where a value is missing; a sample with no neighbour is a dot. */
  private static void plotLine(StringBuilder svg, double[] minutes, double[] values, double xMax, double yMax,
      int plotW, int plotH) {
    StringBuilder points = new StringBuilder();
    int pointsInRun = 0;
    for (int i = 0; i <= values.length; i++) {
      boolean present = i < values.length && !Double.isNaN(values[i]) && !Double.isNaN(minutes[i]);
      if (present) {
        double px = PLOT_LEFT + minutes[i] / xMax * plotW;
        double py = PLOT_TOP + plotH - Math.max(0, values[i]) / yMax * plotH;
        points.append(pointsInRun > 0 ? " " : "").append(coord(px)).append(',').append(coord(py));
        pointsInRun++;
        continue;
      }
      if (pointsInRun == 1) {
        String[] xy = points.toString().split(",");
        svg.append("<circle cx=\"").append(xy[0]).append("\" cy=\"").append(xy[1]).append("\" r=\"2.5\" fill=\"")
            .append(LINE_COLOR).append("\"/>\n");
      } else if (pointsInRun > 1) {
        svg.append("<polyline fill=\"none\" stroke=\"").append(LINE_COLOR)
            .append("\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"").append(points).append("\"/>\n");
      }
      points.setLength(0);
      pointsInRun = 0;
    }
  }

  /** {@code v} in the unit a reader would say it in: "412 MiB", "1.25 GiB", "9.98k". */
  static String human(double v, Unit unit) {
    if (Double.isNaN(v)) {
      return "-";
    }
    double scale = unitScale(Math.abs(v), unit);
    double scaled = v / scale;
    double abs = Math.abs(scaled);
    String digits = String.format(Locale.ROOT, abs >= 100 || scale == 1 && abs == Math.rint(abs) ? "%.0f"
        : abs >= 10 ? "%.1f" : "%.2f", scaled);
    if (digits.contains(".")) {
      digits = digits.replaceAll("\\.?0+$", "");
    }
    return digits + suffix(scale, unit);
  }

  /** The largest power of 1024 (bytes) or 1000 (counts) not above {@code v}, at least 1. */
  private static double unitScale(double v, Unit unit) {
    double base = unit == Unit.BYTES ? 1024 : 1000;
    double scale = 1;
    for (int i = 0; i < 4 && v >= scale * base; i++) {
      scale *= base;
    }
    return scale;
  }

  private static String suffix(double scale, Unit unit) {
    double base = unit == Unit.BYTES ? 1024 : 1000;
    int power = (int) Math.round(Math.log(scale) / Math.log(base));
    return unit == Unit.BYTES
        ? List.of(" B", " KiB", " MiB", " GiB", " TiB").get(power)
        : List.of("", "k", "M", "G", "T").get(power);
  }

  /** 1, 2, 2.5 or 5 times a power of ten, the first not below {@code raw}. */
  static double niceStep(double raw) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double fraction = raw / magnitude;
    double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  /** A tick value with as many decimals as its step needs (step 0.25 -> "0.75", step 50 -> "150"). */
  private static String number(double v, double step) {
    int decimals = 0;
    while (decimals < 6 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-6) {
      decimals++;
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static void line(StringBuilder svg, double x1, double y1, double x2, double y2, String color, String dash) {
    svg.append("<line x1=\"").append(coord(x1)).append("\" y1=\"").append(coord(y1)).append("\" x2=\"")
        .append(coord(x2)).append("\" y2=\"").append(coord(y2)).append("\" stroke=\"").append(color).append('"');
    if (dash != null) {
      svg.append(" stroke-dasharray=\"").append(dash).append("\" stroke-width=\"1.5\"");
    }
    svg.append("/>\n");
  }

  private static void text(StringBuilder svg, double x, double y, int size, String anchor, String color,
      String weight, String content) {
    svg.append("<text x=\"").append(coord(x)).append("\" y=\"").append(coord(y)).append("\" font-size=\"").append(size)
        .append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(color).append('"');
    if (!weight.equals("normal")) {
      svg.append(" font-weight=\"").append(weight).append('"');
    }
    svg.append('>').append(escape(content)).append("</text>\n");
  }

  private static String coord(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
