package dev.swarm.pipeline.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The soak benchmark reads its sizes and counters from the pipeline's Prometheus text with this parser. */
class PrometheusTextTest {
  private static final String METRICS = """
      # HELP trace_storage_db_bytes Size of the SQLite database file plus its WAL
      # TYPE trace_storage_db_bytes gauge
      trace_storage_db_bytes 4.58752E8
      trace_storage_db_used_bytes 1.0E8
      # TYPE trace_kafka_log_bytes gauge
      trace_kafka_log_bytes{topic="swarm.spans"} 1000.0
      trace_kafka_log_bytes{topic="swarm.traces"} 250.5
      trace_consumer_lag_records{group="trace-aggregator",topic="swarm.spans"} 7.0
      trace_consumer_lag_records{group="trace-storage",topic="swarm.traces"} 3.0
      trace_ingest_spans_total{outcome="accepted"} 120000.0
      trace_ingest_spans_total{outcome="rejected"} 5.0
      trace_ingest_spans_created{outcome="accepted"} 1.7E9
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 3.670016E7
      jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 1.62451456E8
      jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 6.4154648E7
      jvm_gc_live_data_size_bytes 0.0
      trace_storage_retention_step_seconds_bucket{le="+Inf"} 1
      """;

  @Test
  void sumsEverySeriesOfAMetricByItsExactName() {
    PrometheusText m = PrometheusText.parse(METRICS);
    assertEquals(OptionalDouble.of(4.58752E8), m.sum("trace_storage_db_bytes"));
    assertEquals(OptionalDouble.of(1250.5), m.sum("trace_kafka_log_bytes"));
    assertEquals(OptionalDouble.of(10), m.sum("trace_consumer_lag_records"));
    // Not a prefix match: _total is not _created, and trace_storage_db is no metric at all.
    assertEquals(OptionalDouble.of(120005), m.sum("trace_ingest_spans_total"));
    assertEquals(OptionalDouble.empty(), m.sum("trace_storage_db"));
  }

  @Test
  void filtersByLabels() {
    PrometheusText m = PrometheusText.parse(METRICS);
    assertEquals(OptionalDouble.of(120000), m.sum("trace_ingest_spans_total", Map.of("outcome", "accepted")));
    assertEquals(OptionalDouble.of(3.670016E7 + 1.62451456E8), m.sum("jvm_memory_used_bytes", Map.of("area", "heap")));
    assertEquals(OptionalDouble.of(3), m.sum("trace_consumer_lag_records",
        Map.of("group", "trace-storage", "topic", "swarm.traces")));
    assertEquals(OptionalDouble.empty(), m.sum("trace_ingest_spans_total", Map.of("outcome", "lost")));
  }

  @Test
  void anAbsentMetricIsEmptyAndAZeroIsNot() {
    PrometheusText m = PrometheusText.parse(METRICS);
    assertEquals(OptionalDouble.empty(), m.sum("trace_storage_wal_bytes"));
    assertEquals(OptionalDouble.of(0), m.sum("jvm_gc_live_data_size_bytes"));
    assertEquals(OptionalDouble.empty(), PrometheusText.parse("").sum("trace_storage_db_bytes"));
  }

  @Test
  void readsQuotedLabelValuesEscapesTimestampsAndSpecialValues() {
    PrometheusText m = PrometheusText.parse(String.join("\r\n",
        "odd{path=\"/a,b c\",msg=\"say \\\"hi\\\"\\\\\"} 2 1700000000000",
        "odd{path=\"/x\",} 3",
        "  spaced   4",
        "inf +Inf",
        "gone NaN",
        "gone{k=\"v\"} 5"));
    assertEquals(OptionalDouble.of(2), m.sum("odd", Map.of("path", "/a,b c", "msg", "say \"hi\"\\")));
    assertEquals(OptionalDouble.of(5), m.sum("odd"));
    assertEquals(OptionalDouble.of(4), m.sum("spaced"));
    assertEquals(OptionalDouble.of(Double.POSITIVE_INFINITY), m.sum("inf"));
    // A NaN gauge counts as absent, so it neither hides nor poisons the other series.
    assertEquals(OptionalDouble.of(5), m.sum("gone"));
    assertEquals(OptionalDouble.empty(), PrometheusText.parse("gone NaN").sum("gone"));
  }

  @Test
  void skipsMalformedLinesInsteadOfFailing() {
    assertNull(PrometheusText.parseLine("broken{label=\"unterminated 1"));
    assertNull(PrometheusText.parseLine("novalue"));
    assertNull(PrometheusText.parseLine("bad_value abc"));
    assertNull(PrometheusText.parseLine("# TYPE x gauge"));
    PrometheusText m = PrometheusText.parse("broken{label=\"x 1\nbad_value abc\ngood 1\n");
    assertEquals(1, m.samples().size());
    assertTrue(m.sum("good").isPresent());
  }
}
