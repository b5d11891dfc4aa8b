package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.EnvReader;
import dev.swarm.pipeline.config.ConfigException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The retention and disk settings: their units, defaults and errors; which broker records may go. */
class RetentionConfigTest {

  @Test
  void durationsTakeAWholeNumberAndAUnit() {
    assertEquals(90_000, EnvReader.parseDurationMillis("90s"));
    assertEquals(300_000, EnvReader.parseDurationMillis("5m"));
    assertEquals(12 * 3_600_000L, EnvReader.parseDurationMillis("12h"));
    assertEquals(7 * 86_400_000L, EnvReader.parseDurationMillis("7d"));
    assertEquals(0, EnvReader.parseDurationMillis("0s"));
    for (String bad : new String[] {"7", "d", "1.5h", "-1d", "7w", "7 days", "", "99999999999999999999d"}) {
      assertEquals(-1, EnvReader.parseDurationMillis(bad), bad);
    }
    assertEquals("7d", EnvReader.formatDuration(7 * 86_400_000L));
    assertEquals("90s", EnvReader.formatDuration(90_000));
  }

  @Test
  void sizesTakeBytesOrABinarySuffix() {
    assertEquals(1048576, EnvReader.parseBytes("1048576"));
    assertEquals(1L << 30, EnvReader.parseBytes("1GiB"));
    assertEquals(500L << 20, EnvReader.parseBytes("500MiB"));
    assertEquals(64L << 10, EnvReader.parseBytes("64 KiB"));
    for (String bad : new String[] {"1GB", "1.5GiB", "-1", "GiB", "1 gib", "lots"}) {
      assertEquals(-1, EnvReader.parseBytes(bad), bad);
    }
  }

  @Test
  void defaultsKeepSevenDaysWithoutASizeBoundAndGuardOneGibibyte() {
    PipelineConfig c = PipelineConfig.fromEnv(Map.of());
    assertEquals(7 * 86_400_000L, c.storage().retention().maxAgeMillis());
    assertEquals(0, c.storage().retention().maxBytes());
    assertEquals(1L << 30, c.diskGuard().minFreeBytes());
    assertEquals(1L << 30, c.brokerRetention().retentionBytes());
    assertEquals(64L << 20, c.brokerRetention().segmentBytes());
    assertEquals(60_000, c.brokerRetention().segmentMs());
    assertEquals(10_000, c.brokerRetention().trimIntervalMs());
  }

  @Test
  void settingsAreRead() {
    PipelineConfig c = PipelineConfig.fromEnv(Map.of("TRACE_RETENTION", "5m", "STORAGE_MAX_BYTES", "2GiB",
        "MIN_FREE_DISK_BYTES", "0", "EMBEDDED_KAFKA_SEGMENT_BYTES", "128MiB", "EMBEDDED_KAFKA_SEGMENT_MS", "5000",
        "KAFKA_TRIM_INTERVAL_MS", "500"));
    assertEquals(300_000, c.storage().retention().maxAgeMillis());
    assertEquals(2L << 30, c.storage().retention().maxBytes());
    assertEquals(0, c.diskGuard().minFreeBytes());
    assertEquals(128L << 20, c.brokerRetention().segmentBytes());
    assertEquals(5000, c.brokerRetention().segmentMs());
    assertEquals(500, c.brokerRetention().trimIntervalMs());
  }

  @Test
  void badValuesAreReportedByName() {
    ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "TRACE_RETENTION", "7 days", "STORAGE_MAX_BYTES", "1MiB", "MIN_FREE_DISK_BYTES", "1GB",
        "EMBEDDED_KAFKA_RETENTION_BYTES", "32MiB", "EMBEDDED_KAFKA_SEGMENT_BYTES", "16MiB")));
    String all = String.join("\n", e.problems());
    assertTrue(all.contains("TRACE_RETENTION=7 days: not a duration"), all);
    assertTrue(all.contains("STORAGE_MAX_BYTES=1048576: must be at least 4MiB"), all);
    assertTrue(all.contains("MIN_FREE_DISK_BYTES=1GB: not a size"), all);
    assertTrue(all.contains("EMBEDDED_KAFKA_SEGMENT_BYTES=16MiB: must be between 67108864"), all);
    assertTrue(all.contains("EMBEDDED_KAFKA_RETENTION_BYTES=33554432 must not be below EMBEDDED_KAFKA_SEGMENT_BYTES"), all);
    assertEquals(5, e.problems().size(), all);
  }

  @Test
  void brokerRecordsGoOnlyBelowWhatEveryGroupCommitted() {
    TopicPartition spans0 = new TopicPartition("swarm.spans", 0);
    TopicPartition spans1 = new TopicPartition("swarm.spans", 1);
    TopicPartition traces0 = new TopicPartition("swarm.traces", 0);
    Map<String, String> own = Map.of("swarm.spans", "trace-aggregator", "swarm.traces", "trace-storage");
    Map<TopicPartition, Long> plan = TrimPlan.deleteBelow(own, Map.of(
        "trace-aggregator", Map.of(spans0, 100L, spans1, 0L),
        "trace-storage", Map.of(traces0, 40L),
        "someone-else", Map.of(spans0, 70L, traces0, 90L)));
    // spans0: the slower group wins; spans1: nothing committed past 0; traces0: storage's own offset.
    assertEquals(Map.of(spans0, 70L, traces0, 40L), plan);
    // A topic its own group never committed is left alone, whatever others did.
    assertEquals(Map.of(), TrimPlan.deleteBelow(own, Map.of("someone-else", Map.of(spans0, 70L))));
  }
}
