package dev.swarm.tracer;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link Tracer}. Every buffer and retry is bounded by one of these; defaults suit a service
 * producing up to a few thousand spans per second. {@link #fromEnv(Map)} reads the {@code TRACER_*} variables.
 */
public final class TracerOptions {
  private String endpoint = "http://127.0.0.1:8080";
  private String token;
  private String serviceName;
  private boolean enabled = true;
  private int bufferCapacity = 10_000;
  private int batchSize = 500;
  private long flushIntervalMs = 1_000;
  private long requestTimeoutMs = 10_000;
  private int maxExportAttempts = 5;
  private long initialBackoffMs = 500;
  private long maxBackoffMs = 30_000;
  private long closeTimeoutMs = 10_000;
  private boolean recordStackTraces = false;
  private double sampleRatio = 1.0;
  private int maxAttributesPerSpan = 128;
  private int maxAttributeValueChars = 4_096;
  private int maxEventsPerSpan = 128;
  private int maxAttributesBytes = 65_536;
  private Clock clock = Clock.systemUTC();

  public TracerOptions() {}

  /**
   * Options from environment variables: {@code TRACER_ENDPOINT}, {@code TRACER_SERVICE_NAME}, {@code TRACER_ENABLED},
   * {@code TRACER_BUFFER_CAPACITY}, {@code TRACER_BATCH_SIZE}, {@code TRACER_FLUSH_INTERVAL_MS},
   * {@code TRACER_REQUEST_TIMEOUT_MS}, {@code TRACER_MAX_EXPORT_ATTEMPTS}, {@code TRACER_CLOSE_TIMEOUT_MS},
   * {@code TRACER_RECORD_STACK_TRACES}, {@code TRACER_SAMPLE_RATIO}, {@code TRACER_TOKEN}. Unset variables keep the defaults; a bad value throws
   * {@link IllegalArgumentException} naming the variable.
   */
  public static TracerOptions fromEnv(Map<String, String> env) {
    TracerOptions o = new TracerOptions();
    String endpoint = env.get("TRACER_ENDPOINT");
    if (endpoint != null && !endpoint.isBlank()) {
      try {
        o.setEndpoint(endpoint.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("TRACER_ENDPOINT: " + e.getMessage(), e);
      }
    }
    String token = env.get("TRACER_TOKEN");
    if (token != null && !token.isBlank()) {
      o.setToken(token.strip());
    }
    String service = env.get("TRACER_SERVICE_NAME");
    if (service != null && !service.isBlank()) {
      try {
        o.setServiceName(service.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("TRACER_SERVICE_NAME: " + e.getMessage(), e);
      }
    }
    String enabled = env.get("TRACER_ENABLED");
    if (enabled != null && !enabled.isBlank()) {
      o.setEnabled(bool("TRACER_ENABLED", enabled));
    }
    String stacks = env.get("TRACER_RECORD_STACK_TRACES");
    if (stacks != null && !stacks.isBlank()) {
      o.setRecordStackTraces(bool("TRACER_RECORD_STACK_TRACES", stacks));
    }
    String ratio = env.get("TRACER_SAMPLE_RATIO");
    if (ratio != null && !ratio.isBlank()) {
      try {
        o.setSampleRatio(Double.parseDouble(ratio.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("TRACER_SAMPLE_RATIO must be a number from 0 to 1, not '" + ratio + "'", e);
      }
    }
    withLong(env, "TRACER_BUFFER_CAPACITY", v -> o.setBufferCapacity(Math.toIntExact(v)));
    withLong(env, "TRACER_BATCH_SIZE", v -> o.setBatchSize(Math.toIntExact(v)));
    withLong(env, "TRACER_FLUSH_INTERVAL_MS", o::setFlushIntervalMs);
    withLong(env, "TRACER_REQUEST_TIMEOUT_MS", o::setRequestTimeoutMs);
    withLong(env, "TRACER_MAX_EXPORT_ATTEMPTS", v -> o.setMaxExportAttempts(Math.toIntExact(v)));
    withLong(env, "TRACER_CLOSE_TIMEOUT_MS", o::setCloseTimeoutMs);
    return o;
  }

  private static boolean bool(String name, String value) {
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException(name + " must be true or false, not '" + value + "'");
    };
  }

  private static void withLong(Map<String, String> env, String name, java.util.function.LongConsumer setter) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return;
    }
    try {
      setter.accept(Long.parseLong(value.strip()));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }

  private static long positive(String what, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive, not " + value);
    }
    return value;
  }

  /** Base URL of the pipeline; spans go to {@code <endpoint>/api/traces}. */
  public String endpoint() {
    return endpoint;
  }

  public TracerOptions setEndpoint(String endpoint) {
    String e = Objects.requireNonNull(endpoint, "endpoint");
    if (!e.startsWith("http://") && !e.startsWith("https://")) {
      throw new IllegalArgumentException("endpoint must be an http(s) URL, not '" + e + "'");
    }
    this.endpoint = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
    return this;
  }

  /**
   * The token sent as {@code Authorization: Bearer} with every export (a pipeline with AUTH_TOKENS_FILE needs one
   * with the write scope); null (the default) sends none.
   */
  public String token() {
    return token;
  }

  public TracerOptions setToken(String token) {
    this.token = token;
    return this;
  }

  /**
   * The service every span of this tracer belongs to, sent as its {@code service.name} attribute (what the Zipkin
   * and Tempo reads, Grafana and the trace UI list services by); null (the default) sends none, and such spans
   * show as {@code unknown}. A span may set its own {@code service.name}, which wins.
   */
  public String serviceName() {
    return serviceName;
  }

  /** @throws IllegalArgumentException when blank or longer than 256 characters */
  public TracerOptions setServiceName(String serviceName) {
    if (serviceName != null && (serviceName.isBlank() || serviceName.length() > 256)) {
      throw new IllegalArgumentException("service name must be 1 to 256 characters, not '" + serviceName + "'");
    }
    this.serviceName = serviceName;
    return this;
  }

  /** When false, spans are still created (context, headers, MDC work) but never buffered or sent. */
  public boolean enabled() {
    return enabled;
  }

  public TracerOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Finished spans waiting to be sent; when full the oldest is dropped (and counted). Default 10,000. */
  public int bufferCapacity() {
    return bufferCapacity;
  }

  public TracerOptions setBufferCapacity(int bufferCapacity) {
    this.bufferCapacity = (int) positive("bufferCapacity", bufferCapacity);
    return this;
  }

  /** Most spans per request to the pipeline; a full batch is sent at once. Default 500. */
  public int batchSize() {
    return batchSize;
  }

  public TracerOptions setBatchSize(int batchSize) {
    this.batchSize = (int) positive("batchSize", batchSize);
    return this;
  }

  /** A partial batch is sent after at most this long. Default 1,000 ms. */
  public long flushIntervalMs() {
    return flushIntervalMs;
  }

  public TracerOptions setFlushIntervalMs(long flushIntervalMs) {
    this.flushIntervalMs = positive("flushIntervalMs", flushIntervalMs);
    return this;
  }

  /** Whole-request timeout of one export request. Default 10,000 ms. */
  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public TracerOptions setRequestTimeoutMs(long requestTimeoutMs) {
    this.requestTimeoutMs = positive("requestTimeoutMs", requestTimeoutMs);
    return this;
  }

  /** Tries per batch (first send included) on 429, 5xx or network errors before it counts as failed. */
  public int maxExportAttempts() {
    return maxExportAttempts;
  }

  public TracerOptions setMaxExportAttempts(int maxExportAttempts) {
    this.maxExportAttempts = (int) positive("maxExportAttempts", maxExportAttempts);
    return this;
  }

  /** First retry delay when the pipeline sends no Retry-After; doubles per attempt. Default 500 ms. */
  public long initialBackoffMs() {
    return initialBackoffMs;
  }

  public TracerOptions setInitialBackoffMs(long initialBackoffMs) {
    this.initialBackoffMs = positive("initialBackoffMs", initialBackoffMs);
    return this;
  }

  /** Longest wait between tries, Retry-After included. Default 30,000 ms. */
  public long maxBackoffMs() {
    return maxBackoffMs;
  }

  public TracerOptions setMaxBackoffMs(long maxBackoffMs) {
    this.maxBackoffMs = positive("maxBackoffMs", maxBackoffMs);
    return this;
  }

  /** How long {@link Tracer#close()} keeps sending what is buffered. Default 10,000 ms. */
  public long closeTimeoutMs() {
    return closeTimeoutMs;
  }

  public TracerOptions setCloseTimeoutMs(long closeTimeoutMs) {
    this.closeTimeoutMs = positive("closeTimeoutMs", closeTimeoutMs);
    return this;
  }

  /** Whether {@link Span#recordException} adds the stack trace (as the event's {@code stacktrace}). */
  public boolean recordStackTraces() {
    return recordStackTraces;
  }

  public TracerOptions setRecordStackTraces(boolean recordStackTraces) {
    this.recordStackTraces = recordStackTraces;
    return this;
  }

  /**
   * Share of traces exported, decided from the trace id (see {@link TraceSampling}), so all services keep or
   * skip the same traces. Default 1 (everything). Spans of skipped traces are not buffered or counted.
   */
  public double sampleRatio() {
    return sampleRatio;
  }

  public TracerOptions setSampleRatio(double sampleRatio) {
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sampleRatio must be between 0 and 1, not " + sampleRatio);
    }
    this.sampleRatio = sampleRatio;
    return this;
  }

  /** Attributes kept per span (and per event); later ones are dropped and counted. Default 128. */
  public int maxAttributesPerSpan() {
    return maxAttributesPerSpan;
  }

  public TracerOptions setMaxAttributesPerSpan(int maxAttributesPerSpan) {
    this.maxAttributesPerSpan = (int) positive("maxAttributesPerSpan", maxAttributesPerSpan);
    return this;
  }

  /** String attribute values are cut to this many characters. Default 4,096. */
  public int maxAttributeValueChars() {
    return maxAttributeValueChars;
  }

  public TracerOptions setMaxAttributeValueChars(int maxAttributeValueChars) {
    this.maxAttributeValueChars = (int) positive("maxAttributeValueChars", maxAttributeValueChars);
    return this;
  }

  /** Events kept per span; the pipeline rejects more than its MAX_EVENTS_PER_SPAN (default 128). */
  public int maxEventsPerSpan() {
    return maxEventsPerSpan;
  }

  public TracerOptions setMaxEventsPerSpan(int maxEventsPerSpan) {
    this.maxEventsPerSpan = (int) positive("maxEventsPerSpan", maxEventsPerSpan);
    return this;
  }

  /** Largest attributes object as compact UTF-8 JSON; must not exceed the pipeline's MAX_ATTRIBUTES_BYTES. */
  public int maxAttributesBytes() {
    return maxAttributesBytes;
  }

  public TracerOptions setMaxAttributesBytes(int maxAttributesBytes) {
    this.maxAttributesBytes = (int) positive("maxAttributesBytes", maxAttributesBytes);
    return this;
  }

  /** Source of span start and end times. A simulator may supply its own; services keep the system clock. */
  public Clock clock() {
    return clock;
  }

  public TracerOptions setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** A copy, so a tracer is not affected by later changes to the options it was created with. */
  public TracerOptions copy() {
    TracerOptions c = new TracerOptions();
    c.token = token;
    c.endpoint = endpoint;
    c.serviceName = serviceName;
    c.enabled = enabled;
    c.bufferCapacity = bufferCapacity;
    c.batchSize = batchSize;
    c.flushIntervalMs = flushIntervalMs;
    c.requestTimeoutMs = requestTimeoutMs;
    c.maxExportAttempts = maxExportAttempts;
    c.initialBackoffMs = initialBackoffMs;
    c.maxBackoffMs = maxBackoffMs;
    c.closeTimeoutMs = closeTimeoutMs;
    c.recordStackTraces = recordStackTraces;
    c.sampleRatio = sampleRatio;
    c.maxAttributesPerSpan = maxAttributesPerSpan;
    c.maxAttributeValueChars = maxAttributeValueChars;
    c.maxEventsPerSpan = maxEventsPerSpan;
    c.maxAttributesBytes = maxAttributesBytes;
    c.clock = clock;
    return c;
  }
}
