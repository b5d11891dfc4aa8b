package dev.swarm.pipeline.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The soak chart is well-formed SVG with one chart per series, and copes with missing values. */
class SoakChartTest {
  // Three minutes at 30 s samples; WAL and heap-after-GC partly missing, lag all missing.
  private static final String CSV = SoakCsv.headerLine() + "\n"
      + "0,0,,1048576,0,0,2000000,,300000000,600000000,,0,0\n"
      + "30,60000,2000,20971520,4194304,10485760,40000000,,400000000,700000000,,29,0\n"
      + "60,120000,2000,41943040,,20971520,70000000,150000000,420000000,720000000,,59,0\n"
      + "90,180000,2000,52428800,4194304,25165824,85000000,160000000,410000000,730000000,,60,60000\n"
      + "120,240000,2000,52428800,4194304,25165824,85000000,158000000,430000000,731000000,,61,120000\n"
      + "150,300000,2000,52428800,4194304,25165824,85000000,161000000,415000000,729000000,,60,180000\n"
      + "180,360000,20"; // cut off mid-write, as by a killed run

  @Test
  void rendersOneChartPerSeriesAsWellFormedSvg() throws Exception {
    SoakCsv csv = SoakCsv.parse(CSV);
    assertEquals(6, csv.size(), "the cut-off last line is skipped");
    String svg = SoakChart.render(csv, "Trace pipeline soak: 2000 spans/s, retention 1m, 2.5 min", "a <b> & c", 60);
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertEquals("svg", doc.getDocumentElement().getTagName());

    NodeList groups = doc.getElementsByTagName("g");
    List<String> charts = new ArrayList<>();
    for (int i = 0; i < groups.getLength(); i++) {
      Element g = (Element) groups.item(i);
      if (g.getAttribute("class").equals("chart")) {
        charts.add(g.getAttribute("id"));
      }
    }
    assertEquals(SoakChart.SERIES.stream().map(s -> "chart-" + s.column()).toList(), charts);
    assertEquals(8, charts.size());

    String all = doc.getDocumentElement().getTextContent();
    assertTrue(all.contains("2000 spans/s, retention 1m"), "title");
    assertTrue(all.contains("a <b> & c"), "subtitle, escaped in the file and intact once parsed");
    assertTrue(all.contains("50 MiB"), "y labels in human units: " + all);
    assertTrue(all.contains("no data"), "the lag series has no values");
    // One dashed retention line per chart.
    assertEquals(8, count(doc, "line", "stroke-dasharray"));
    // The WAL gap splits its line in two; heap after GC starts late; every other series with data is one line.
    assertEquals(2, polylines(doc, "chart-wal_bytes"));
    assertEquals(1, polylines(doc, "chart-old_gen_bytes"));
    assertEquals(0, polylines(doc, "chart-lag_records"));
  }

  @Test
  void anEmptyRunStillRendersAndItsRetentionLineIsLeftOutWhenNotReached() throws Exception {
    String svg = SoakChart.render(SoakCsv.parse(SoakCsv.headerLine() + "\n"), "t", "s", 300);
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, count(doc, "line", "stroke-dasharray"));
    assertEquals(0, doc.getElementsByTagName("polyline").getLength());
  }

  @Test
  void humanUnits() {
    assertEquals("412 MiB", SoakChart.human(412.0 * 1024 * 1024, SoakChart.Unit.BYTES));
    assertEquals("1.5 GiB", SoakChart.human(1.5 * 1024 * 1024 * 1024, SoakChart.Unit.BYTES));
    assertEquals("0 B", SoakChart.human(0, SoakChart.Unit.BYTES));
    assertEquals("9.98k", SoakChart.human(9980, SoakChart.Unit.COUNT));
    assertEquals("250", SoakChart.human(250, SoakChart.Unit.COUNT));
    assertEquals("12.5", SoakChart.human(12.5, SoakChart.Unit.COUNT));
    assertEquals("-", SoakChart.human(Double.NaN, SoakChart.Unit.COUNT));
    assertEquals(2.5, SoakChart.niceStep(2.1));
    assertEquals(50, SoakChart.niceStep(31));
  }

  @Test
  void summaryReportsTheValueOneRetentionPlusAMinuteIn() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SoakBench.printSummary(SoakCsv.parse(CSV), 60, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String summary = bytes.toString(StandardCharsets.UTF_8);
    String db = summary.lines().filter(l -> l.trim().startsWith("db_bytes")).findFirst().orElseThrow();
    // First sample at or after 60 s + 60 s is the one at 120 s: 50 MiB, the same as last and max.
    assertTrue(summary.contains("at 120s"), summary);
    assertEquals(List.of("db_bytes", "50", "MiB", "50", "MiB", "50", "MiB", "1.00"), List.of(db.trim().split("\\s+")));
    assertTrue(summary.lines().anyMatch(l -> l.trim().startsWith("lag_records") && l.contains("-")), summary);
  }

  @Test
  void csvCellsKeepBytesExactAndLeaveMissingValuesEmpty() {
    assertEquals("0,1234567890123,2.5,,,,,,,,,,", SoakCsv.line(0, 1234567890123.0, 2.5, Double.NaN, Double.NaN,
        Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
    assertEquals("1999.333", SoakCsv.cell(5998.0 / 3));
  }

  private static int count(Document doc, String tag, String attribute) {
    NodeList nodes = doc.getElementsByTagName(tag);
    int n = 0;
    for (int i = 0; i < nodes.getLength(); i++) {
      if (((Element) nodes.item(i)).hasAttribute(attribute)) {
        n++;
      }
    }
    return n;
  }

  private static int polylines(Document doc, String chartId) {
    NodeList groups = doc.getElementsByTagName("g");
    for (int i = 0; i < groups.getLength(); i++) {
      Element g = (Element) groups.item(i);
      if (g.getAttribute("id").equals(chartId)) {
        return g.getElementsByTagName("polyline").getLength();
      }
    }
    throw new AssertionError("no chart " + chartId);
  }
}
