package dev.swarm.pipeline.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The soak run's samples, one row per sample interval, as written to and read back from {@code soak.csv}. A value
 * the run could not measure (a metric the pipeline does not expose, no pid for RSS) is an empty cell in the file
 * and NaN in memory.
 */
final class SoakCsv {
  static final List<String> COLUMNS = List.of("elapsed_s", "accepted_spans", "spans_per_s", "db_bytes", "wal_bytes",
      "broker_log_bytes", "data_dir_bytes", "old_gen_bytes", "heap_used_bytes", "rss_bytes", "lag_records",
      "oldest_trace_age_s", "deleted_spans");

  private final List<String> header;
  private final List<double[]> rows;

  SoakCsv(List<String> header, List<double[]> rows) {
    this.header = List.copyOf(header);
    this.rows = List.copyOf(rows);
  }

  static SoakCsv read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  /**
   * Rows whose cell count differs from the header are skipped: the last line of a run killed mid-write is cut off.
   */
  static SoakCsv parse(String text) {
    String[] lines = text.split("\r?\n");
    if (lines.length == 0 || lines[0].isBlank()) {
      throw new IllegalArgumentException("empty CSV: no header line");
    }
    List<String> header = Arrays.stream(lines[0].split(",", -1)).map(String::trim).toList();
    List<double[]> rows = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String[] cells = lines[i].split(",", -1);
      if (lines[i].isBlank() || cells.length != header.size()) {
        continue;
      }
      double[] row = new double[cells.length];
      try {
        for (int c = 0; c < cells.length; c++) {
          row[c] = cells[c].isBlank() ? Double.NaN : Double.parseDouble(cells[c].trim());
        }
      } catch (NumberFormatException e) {
        continue;
      }
      rows.add(row);
    }
    return new SoakCsv(header, rows);
  }

  int size() {
    return rows.size();
  }

  /** The column's values, NaN where a cell is empty; all NaN when the file has no such column. */
  double[] column(String name) {
    int c = header.indexOf(name);
    double[] values = new double[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      values[r] = c < 0 ? Double.NaN : rows.get(r)[c];
    }
    return values;
  }

  static String headerLine() {
    return String.join(",", COLUMNS);
  }

  /** One CSV line of {@code values} in {@link #COLUMNS} order. */
  static String line(double... values) {
    if (values.length != COLUMNS.size()) {
      throw new IllegalArgumentException("expected " + COLUMNS.size() + " values, got " + values.length);
    }
    StringJoiner line = new StringJoiner(",");
    for (double v : values) {
      line.add(cell(v));
    }
    return line.toString();
  }

  /** Whole numbers without a fraction (byte counts stay exact), others to three decimals; NaN as empty. */
  static String cell(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    String s = String.format(Locale.ROOT, "%.3f", v);
    return s.replaceAll("\\.?0+$", "");
  }
}
