package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.config.EnvReader;
import dev.swarm.pipeline.schema.SpanLimits;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of the storage verticle; the environment variable of each is in storage-verticle/README.md.
 *
 * @param tracesTopic topic read (TRACES_TOPIC, default swarm.traces)
 * @param groupId consumer group (STORAGE_GROUP_ID, default trace-storage)
 * @param sqlitePath the database file (SQLITE_PATH)
 * @param batchMaxSpans a batch is written once it holds this many spans (STORAGE_BATCH_MAX_SPANS, 5000)
 * @param batchMaxMs ...or this long after its first record arrived (STORAGE_BATCH_MAX_MS, 200)
 * @param maxPendingSpans consumed spans not yet written (the batch being written plus the next one) above which
 *     the consumer pauses its partitions (STORAGE_MAX_PENDING_SPANS, 4 x batchMaxSpans)
 * @param busyTimeoutMs how long a statement waits for a database lock (SQLITE_BUSY_TIMEOUT_MS, 5000)
 * @param retryInitialBackoffMs first wait after a failed write (STORAGE_RETRY_INITIAL_MS, 100)
 * @param retryMaxBackoffMs cap of the doubling wait between write attempts (STORAGE_RETRY_MAX_MS, 30000)
 * @param pollTimeoutMs longest Kafka poll; also the granularity of the batch age check (STORAGE_POLL_TIMEOUT_MS,
 *     100)
 * @param writerCacheMb page cache of the writer connection (SQLITE_WRITER_CACHE_MB, 64)
 * @param readerCacheMb page cache of each query connection (SQLITE_READER_CACHE_MB, 8)
 * @param walLimitMb the WAL file is truncated to this after checkpoints (SQLITE_WAL_LIMIT_MB, 64)
 * @param checkpointIntervalMs background WAL checkpoint period; 0 leaves checkpoints to the writer
 *     (SQLITE_CHECKPOINT_INTERVAL_MS, 1000)
 * @param queryPoolSize connections of the query API (STORAGE_QUERY_POOL_SIZE, 4)
 * @param queryTimeoutMs a query statement running longer is interrupted (STORAGE_QUERY_TIMEOUT_MS, 10000)
 * @param queryMaxTraceSpans spans returned for one trace at most (STORAGE_QUERY_MAX_TRACE_SPANS, 20000)
 * @param diskMetricsIntervalMs how often database and disk sizes are measured (STORAGE_DISK_METRICS_MS, 5000)
 * @param drainTimeoutMs on stop, how long the last batch may keep retrying (STORAGE_DRAIN_TIMEOUT_MS, 10000)
 * @param spanLimits validation limits of the spans read from swarm.traces
 * @param retention what is kept: age and size bounds (TRACE_RETENTION, STORAGE_MAX_BYTES, ...)
 */
public record StorageConfig(
    String tracesTopic,
    String groupId,
    Path sqlitePath,
    int batchMaxSpans,
    long batchMaxMs,
    int maxPendingSpans,
    int busyTimeoutMs,
    long retryInitialBackoffMs,
    long retryMaxBackoffMs,
    long pollTimeoutMs,
    int writerCacheMb,
    int readerCacheMb,
    int walLimitMb,
    long checkpointIntervalMs,
    int queryPoolSize,
    long queryTimeoutMs,
    int queryMaxTraceSpans,
    long diskMetricsIntervalMs,
    long drainTimeoutMs,
    SpanLimits spanLimits,
    RetentionConfig retention) {

  public static final String DEFAULT_TRACES_TOPIC = dev.swarm.pipeline.schema.Topics.DEFAULT_TRACES;
  public static final String DEFAULT_GROUP_ID = "trace-storage";
  public static final int DEFAULT_BATCH_MAX_SPANS = 5000;
  public static final long DEFAULT_BATCH_MAX_MS = 200;
  public static final int DEFAULT_BUSY_TIMEOUT_MS = 5000;
  public static final long DEFAULT_RETRY_INITIAL_BACKOFF_MS = 100;
  public static final long DEFAULT_RETRY_MAX_BACKOFF_MS = 30_000;
  public static final long DEFAULT_POLL_TIMEOUT_MS = 100;
  public static final int DEFAULT_WRITER_CACHE_MB = 64;
  public static final int DEFAULT_READER_CACHE_MB = 8;
  public static final int DEFAULT_WAL_LIMIT_MB = 64;
  public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
  public static final int DEFAULT_QUERY_POOL_SIZE = 4;
  public static final long DEFAULT_QUERY_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_QUERY_MAX_TRACE_SPANS = 20_000;
  public static final long DEFAULT_DISK_METRICS_INTERVAL_MS = 5000;
  public static final long DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

  public StorageConfig {
    Objects.requireNonNull(tracesTopic, "tracesTopic");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(sqlitePath, "sqlitePath");
    Objects.requireNonNull(spanLimits, "spanLimits");
    Objects.requireNonNull(retention, "retention");
    positive("batchMaxSpans", batchMaxSpans);
    notNegative("batchMaxMs", batchMaxMs);
    if (maxPendingSpans < batchMaxSpans) {
      throw new IllegalArgumentException("maxPendingSpans (" + maxPendingSpans + ") must be >= batchMaxSpans ("
          + batchMaxSpans + ")");
    }
    notNegative("busyTimeoutMs", busyTimeoutMs);
    positive("retryInitialBackoffMs", retryInitialBackoffMs);
    if (retryMaxBackoffMs < retryInitialBackoffMs) {
      throw new IllegalArgumentException("retryMaxBackoffMs must be >= retryInitialBackoffMs");
    }
    positive("pollTimeoutMs", pollTimeoutMs);
    positive("writerCacheMb", writerCacheMb);
    positive("readerCacheMb", readerCacheMb);
    notNegative("walLimitMb", walLimitMb);
    notNegative("checkpointIntervalMs", checkpointIntervalMs);
    positive("queryPoolSize", queryPoolSize);
    positive("queryTimeoutMs", queryTimeoutMs);
    positive("queryMaxTraceSpans", queryMaxTraceSpans);
    positive("diskMetricsIntervalMs", diskMetricsIntervalMs);
    notNegative("drainTimeoutMs", drainTimeoutMs);
  }

  /** All defaults, for the given database file. */
  public static StorageConfig defaults(Path sqlitePath) {
    return new StorageConfig(DEFAULT_TRACES_TOPIC, DEFAULT_GROUP_ID, sqlitePath, DEFAULT_BATCH_MAX_SPANS,
        DEFAULT_BATCH_MAX_MS, 4 * DEFAULT_BATCH_MAX_SPANS, DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_RETRY_INITIAL_BACKOFF_MS,
        DEFAULT_RETRY_MAX_BACKOFF_MS, DEFAULT_POLL_TIMEOUT_MS, DEFAULT_WRITER_CACHE_MB, DEFAULT_READER_CACHE_MB,
        DEFAULT_WAL_LIMIT_MB, DEFAULT_CHECKPOINT_INTERVAL_MS, DEFAULT_QUERY_POOL_SIZE, DEFAULT_QUERY_TIMEOUT_MS,
        DEFAULT_QUERY_MAX_TRACE_SPANS, DEFAULT_DISK_METRICS_INTERVAL_MS, DEFAULT_DRAIN_TIMEOUT_MS,
        SpanLimits.DEFAULTS, RetentionConfig.defaults());
  }

  /** The same settings with another retention. */
  public StorageConfig withRetention(RetentionConfig other) {
    return new StorageConfig(tracesTopic, groupId, sqlitePath, batchMaxSpans, batchMaxMs, maxPendingSpans,
        busyTimeoutMs, retryInitialBackoffMs, retryMaxBackoffMs, pollTimeoutMs, writerCacheMb, readerCacheMb,
        walLimitMb, checkpointIntervalMs, queryPoolSize, queryTimeoutMs, queryMaxTraceSpans, diskMetricsIntervalMs,
        drainTimeoutMs, spanLimits, other);
  }

  /** The connection settings these values give. */
  public SqliteSettings sqliteSettings() {
    return new SqliteSettings(sqlitePath, busyTimeoutMs, writerCacheMb * 1024, readerCacheMb * 1024,
        walLimitMb * 1024L * 1024L);
  }

  public RetryBackoff retryBackoff() {
    return new RetryBackoff(retryInitialBackoffMs, retryMaxBackoffMs);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  private static void notNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
  }

  /** Storage's settings from the environment, bounded; problems go to {@code r}. */
  public static StorageConfig fromEnv(EnvReader r, String tracesTopic, Path sqlite, SpanLimits limits) {
    int batchMaxSpans = r.integer("STORAGE_BATCH_MAX_SPANS", DEFAULT_BATCH_MAX_SPANS, 1, 1_000_000);
    int maxPending = (int) r.notBelow("STORAGE_MAX_PENDING_SPANS",
        r.integer("STORAGE_MAX_PENDING_SPANS", 4 * batchMaxSpans, 1, 100_000_000), "STORAGE_BATCH_MAX_SPANS", batchMaxSpans);
    long retryInitial = r.longValue("STORAGE_RETRY_INITIAL_MS", DEFAULT_RETRY_INITIAL_BACKOFF_MS, 1, 600_000);
    long retryMax = r.notBelow("STORAGE_RETRY_MAX_MS",
        r.longValue("STORAGE_RETRY_MAX_MS", DEFAULT_RETRY_MAX_BACKOFF_MS, 1, 3_600_000), "STORAGE_RETRY_INITIAL_MS", retryInitial);
    return new StorageConfig(
        tracesTopic,
        r.string("STORAGE_GROUP_ID", DEFAULT_GROUP_ID),
        sqlite,
        batchMaxSpans,
        r.longValue("STORAGE_BATCH_MAX_MS", DEFAULT_BATCH_MAX_MS, 0, 600_000),
        maxPending,
        r.integer("SQLITE_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS, 0, 600_000),
        retryInitial,
        retryMax,
        r.longValue("STORAGE_POLL_TIMEOUT_MS", DEFAULT_POLL_TIMEOUT_MS, 1, 60_000),
        r.integer("SQLITE_WRITER_CACHE_MB", DEFAULT_WRITER_CACHE_MB, 1, 65_536),
        r.integer("SQLITE_READER_CACHE_MB", DEFAULT_READER_CACHE_MB, 1, 65_536),
        r.integer("SQLITE_WAL_LIMIT_MB", DEFAULT_WAL_LIMIT_MB, 1, 1_000_000),
        r.longValue("SQLITE_CHECKPOINT_INTERVAL_MS", DEFAULT_CHECKPOINT_INTERVAL_MS, 0, 3_600_000),
        r.integer("STORAGE_QUERY_POOL_SIZE", DEFAULT_QUERY_POOL_SIZE, 1, 256),
        r.longValue("STORAGE_QUERY_TIMEOUT_MS", DEFAULT_QUERY_TIMEOUT_MS, 1, 3_600_000),
        r.integer("STORAGE_QUERY_MAX_TRACE_SPANS", DEFAULT_QUERY_MAX_TRACE_SPANS, 1, 10_000_000),
        r.longValue("STORAGE_DISK_METRICS_MS", DEFAULT_DISK_METRICS_INTERVAL_MS, 100, 3_600_000),
        r.longValue("STORAGE_DRAIN_TIMEOUT_MS", DEFAULT_DRAIN_TIMEOUT_MS, 0, 600_000),
        limits,
        RetentionConfig.fromEnv(r));
  }
}
