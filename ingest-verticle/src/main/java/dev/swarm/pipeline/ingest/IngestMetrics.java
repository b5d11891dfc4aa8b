package dev.swarm.pipeline.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The ingest service's own Prometheus metrics (names as rendered: dots become underscores). */
final class IngestMetrics {
  /** How a request ended; the label value of trace_ingest_requests_total. */
  enum RequestOutcome {
    ACCEPTED, REJECTED, FORBIDDEN, RATE_LIMITED, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, THROTTLED, UNAVAILABLE, DISK_LOW, BACKLOG_FULL, TIMEOUT, ERROR;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Map<RequestOutcome, Counter> requests = new EnumMap<>(RequestOutcome.class);
  private final Counter spansAccepted;
  private final Counter spansRejected;
  private final Counter spansThrottled;
  private final Counter spansRateLimited;

  IngestMetrics(MeterRegistry registry, InflightBudget budget) {
    for (RequestOutcome o : RequestOutcome.values()) {
      requests.put(
          o,
          Counter.builder("trace.ingest.requests")
              .description("Ingest requests by outcome")
              .tag("outcome", o.label())
              .register(registry));
    }
    spansAccepted = spans(registry, "accepted");
    spansRejected = spans(registry, "rejected");
    spansThrottled = spans(registry, "throttled");
    spansRateLimited = spans(registry, "rate_limited");
    Gauge.builder("trace.ingest.inflight.bytes", budget, InflightBudget::used)
        .description("Request bytes being read, decoded or published right now")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("trace.ingest.inflight.limit.bytes", budget, InflightBudget::limit)
        .description("MAX_INFLIGHT_BYTES: past it ingest answers 503")
        .baseUnit("bytes")
        .register(registry);
  }

  private static Counter spans(MeterRegistry registry, String outcome) {
    return Counter.builder("trace.ingest.spans")
        .description("Spans received, by outcome (accepted = acknowledged by Kafka)")
        .tag("outcome", outcome)
        .register(registry);
  }

  void request(RequestOutcome outcome) {
    requests.get(outcome).increment();
  }

  void spansAccepted(int n) {
    spansAccepted.increment(n);
  }

  void spansRejected(int n) {
    spansRejected.increment(n);
  }

  void spansRateLimited(int n) {
    spansRateLimited.increment(n);
  }

  void spansThrottled(int n) {
    spansThrottled.increment(n);
  }
}
