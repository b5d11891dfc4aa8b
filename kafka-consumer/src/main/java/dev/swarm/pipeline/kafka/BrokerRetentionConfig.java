package dev.swarm.pipeline.kafka;

import dev.swarm.pipeline.config.EnvReader;

/**
 * How the embedded broker keeps its log small. Records every consumer group has committed are deleted
 * (the app's {@code BrokerLogTrimmer}); these are the backstops and the trimming period.
 *
 * @param retentionBytes EMBEDDED_KAFKA_RETENTION_BYTES (default 1GiB): per-partition log size past which the
 *     broker deletes the oldest segments even if not yet consumed (a consumer that far behind is alerted on long
 *     before: ConsumerLagHigh)
 * @param segmentBytes EMBEDDED_KAFKA_SEGMENT_BYTES (default and minimum 64MiB): largest segment; Kafka refuses a
 *     record batch larger than a segment, and a trace record may be as large as the app's {@code PipelineConfig.MAX_RECORD_BYTES}
 * @param segmentMs EMBEDDED_KAFKA_SEGMENT_MS (default 60000): a segment older than this is closed at the next
 *     append; only closed segments are removed, so each busy partition keeps about this much beyond what consumers
 *     still need
 * @param trimIntervalMs KAFKA_TRIM_INTERVAL_MS (default 10000): how often committed records are deleted; 0 = never
 */
public record BrokerRetentionConfig(long retentionBytes, long segmentBytes, long segmentMs, long trimIntervalMs) {
  public static final long DEFAULT_RETENTION_BYTES = 1L << 30;
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  public static final long DEFAULT_SEGMENT_MS = 60_000;
  public static final long DEFAULT_TRIM_INTERVAL_MS = 10_000;

  public BrokerRetentionConfig {
    if (retentionBytes <= 0 || segmentBytes <= 0 || segmentMs <= 0 || trimIntervalMs < 0) {
      throw new IllegalArgumentException("broker retention: sizes positive, trim interval not negative");
    }
  }

  /** The EMBEDDED_KAFKA_* retention settings and KAFKA_TRIM_INTERVAL_MS, bounded; problems go to {@code r}. */
  public static BrokerRetentionConfig fromEnv(EnvReader r, long maxRecordBytes) {
    BrokerRetentionConfig c = new BrokerRetentionConfig(
        r.bytes("EMBEDDED_KAFKA_RETENTION_BYTES", DEFAULT_RETENTION_BYTES, 16L << 20, 1L << 50),
        r.bytes("EMBEDDED_KAFKA_SEGMENT_BYTES", DEFAULT_SEGMENT_BYTES, maxRecordBytes, 1L << 30),
        r.longValue("EMBEDDED_KAFKA_SEGMENT_MS", DEFAULT_SEGMENT_MS, 1000, 7L * 86_400_000L),
        r.longValue("KAFKA_TRIM_INTERVAL_MS", DEFAULT_TRIM_INTERVAL_MS, 0, 3_600_000));
    if (c.retentionBytes() < c.segmentBytes()) {
      r.problem("EMBEDDED_KAFKA_RETENTION_BYTES=" + c.retentionBytes()
          + " must not be below EMBEDDED_KAFKA_SEGMENT_BYTES=" + c.segmentBytes());
    }
    return c;
  }
}
