package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.config.EnvReader;
import dev.swarm.pipeline.ingest.swarm.SwarmMetricsConfig;
import dev.swarm.pipeline.schema.SpanLimits;

/**
 * Settings of the ingest service (env vars in brackets, read by {@link #fromEnv}).
 *
 * @param spansTopic where accepted spans go [SPANS_TOPIC, swarm.spans]
 * @param maxBodyBytes largest accepted request body after gzip decompression [MAX_BODY_BYTES, 16 MiB]
 * @param maxSpansPerRequest [MAX_SPANS_PER_REQUEST, 10,000]
 * @param maxInflightBytes request bytes being read, decoded or published at once, across all requests; past it
 *     requests get 503 [MAX_INFLIGHT_BYTES, 64 MiB]
 * @param inlineDecodeMaxBytes bodies up to this size are decoded on the event loop; larger ones on a worker so a
 *     10,000-span request never stalls other connections
 * @param retryAfterSeconds the Retry-After value sent with 503
 * @param spanLimits per-span limits of the contract
 * @param swarmMetricsMaxLabelValues distinct values per label of the span-derived swarm_* metrics; later values
 *     are reported as "other" [SWARM_METRICS_MAX_LABEL_VALUES, 50]
 */
public record IngestConfig(
    String spansTopic,
    long maxBodyBytes,
    int maxSpansPerRequest,
    long maxInflightBytes,
    int inlineDecodeMaxBytes,
    int retryAfterSeconds,
    SpanLimits spanLimits,
    int swarmMetricsMaxLabelValues,
    long bodyTimeoutMs,
    long minBodyBytesPerSecond) {

  /** Default of {@code bodyTimeoutMs} (HTTP_REQUEST_TIMEOUT): a body not received whole within it gets 408. */
  public static final long DEFAULT_BODY_TIMEOUT_MS = 30_000;

  /**
   * Default of {@code minBodyBytesPerSecond} (HTTP_MIN_BODY_RATE): a body arriving slower than this for two seconds
   * in a row gets 408 and gives its share of the in-flight budget back; 0 = no minimum.
   */
  public static final long DEFAULT_MIN_BODY_BYTES_PER_SECOND = 16 * 1024;

  public IngestConfig {
    if (bodyTimeoutMs <= 0 || minBodyBytesPerSecond < 0) {
      throw new IllegalArgumentException("bodyTimeoutMs must be positive, minBodyBytesPerSecond not negative: "
          + bodyTimeoutMs + ", " + minBodyBytesPerSecond);
    }
  }

  /** With the default label limit of the Swarm metrics and the default body timeout. */
  public IngestConfig(String spansTopic, long maxBodyBytes, int maxSpansPerRequest, long maxInflightBytes,
      int inlineDecodeMaxBytes, int retryAfterSeconds, SpanLimits spanLimits) {
    this(spansTopic, maxBodyBytes, maxSpansPerRequest, maxInflightBytes, inlineDecodeMaxBytes, retryAfterSeconds,
        spanLimits, SwarmMetricsConfig.DEFAULT_MAX_LABEL_VALUES, DEFAULT_BODY_TIMEOUT_MS,
        DEFAULT_MIN_BODY_BYTES_PER_SECOND);
  }

  public static IngestConfig defaults() {
    return new IngestConfig(dev.swarm.pipeline.schema.Topics.DEFAULT_SPANS, 16L << 20, 10_000, 64L << 20, 256 << 10, 1, SpanLimits.DEFAULTS);
  }

  public SwarmMetricsConfig swarmMetrics() {
    return new SwarmMetricsConfig(swarmMetricsMaxLabelValues);
  }

  /**
   * The ingest settings from the environment, bounded; problems go to {@code r}. {@code maxRecordBytes}: the
   * largest Kafka record, which bounds a body (one request's spans of one trace travel as one record).
   */
  public static IngestConfig fromEnv(EnvReader r, String spansTopic, SpanLimits limits, long maxRecordBytes) {
    IngestConfig defaults = defaults();
    long maxBody = r.longValue("MAX_BODY_BYTES", defaults.maxBodyBytes(), 1024, maxRecordBytes / 2);
    IngestConfig ingest = new IngestConfig(
        spansTopic,
        maxBody,
        r.integer("MAX_SPANS_PER_REQUEST", defaults.maxSpansPerRequest(), 1, 1_000_000),
        r.longValue("MAX_INFLIGHT_BYTES", Math.max(defaults.maxInflightBytes(), maxBody), 1024, 16L << 30),
        defaults.inlineDecodeMaxBytes(),
        r.integer("RETRY_AFTER_SECONDS", defaults.retryAfterSeconds(), 1, 3600),
        limits,
        r.integer("SWARM_METRICS_MAX_LABEL_VALUES", defaults.swarmMetricsMaxLabelValues(), 1, 10_000),
        r.duration("HTTP_REQUEST_TIMEOUT", DEFAULT_BODY_TIMEOUT_MS, 1000, 3_600_000),
        r.bytes("HTTP_MIN_BODY_RATE", DEFAULT_MIN_BODY_BYTES_PER_SECOND, 0, 1L << 30));
    if (ingest.maxInflightBytes() < ingest.maxBodyBytes()) {
      r.problem("MAX_INFLIGHT_BYTES=" + ingest.maxInflightBytes() + " is below MAX_BODY_BYTES=" + maxBody
          + ": a request of the largest allowed size could never be accepted");
    }
    return ingest;
  }
}
