package dev.swarm.pipeline.ingest.swarm;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Turns accepted spans into the Swarm platform's Prometheus metrics ({@code swarm_*}, catalogued in
 * docs/metrics.md), so a platform that only sends spans gets its dashboards and alerts.
 *
 * <p>Only the eleven Swarm span types have their attributes read (a streaming parse of a few keys); every span
 * feeds {@code swarm_span_duration_seconds}. Label values from attributes go through a {@link LabelLimiter}
 * each; ids (trace, span, ticket, VM, agent, tenant) are never labels. Thread-safe: ingest calls it from several
 * event loops at once.
 */
public final class SwarmSpanMetrics {
  public static final String HTTP_REQUEST = "http.request";
  public static final String TICKET_CLAIM = "ticket.claim";
  public static final String VM_SPAWN = "vm.spawn";
  public static final String AGENT_EXECUTE = "agent.execute";
  public static final String GIT_CLONE = "git.clone";
  public static final String LLM_GENERATE = "llm.generate";
  public static final String FILE_WRITE = "file.write";
  public static final String GIT_COMMIT = "git.commit";
  public static final String GIT_PUSH = "git.push";
  public static final String PR_CREATE = "pr.create";
  public static final String TICKET_COMPLETE = "ticket.complete";
  public static final Set<String> SWARM_SPAN_NAMES =
      Set.of(HTTP_REQUEST, TICKET_CLAIM, VM_SPAWN, AGENT_EXECUTE, GIT_CLONE, LLM_GENERATE, FILE_WRITE, GIT_COMMIT,
          GIT_PUSH, PR_CREATE, TICKET_COMPLETE);

  /** {@code outcome} values of ticket.complete that mean success; any other outcome counts as failed. */
  static final Set<String> SUCCESSFUL_OUTCOMES = Set.of("completed", "complete", "success", "succeeded", "ok", "done");

  // Histogram buckets sized for what each one measures (Prometheus sees exactly these plus +Inf).
  static final Duration[] API_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600);
  static final Duration[] VM_SPAWN_BUCKETS = seconds(0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300);
  static final Duration[] AGENT_BUCKETS = seconds(5, 10, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 7200);
  static final Duration[] TICKET_BUCKETS = seconds(1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 2700, 3600, 7200, 14400);
  static final Duration[] SPAN_BUCKETS = seconds(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600);

  private static final SpanAttributes.Keys HTTP_KEYS = SpanAttributes.Keys.of("method", "path", "status_code");
  private static final SpanAttributes.Keys CLAIM_KEYS = SpanAttributes.Keys.of("queue_depth");
  private static final SpanAttributes.Keys COMPLETE_KEYS = SpanAttributes.Keys.of("duration_ms", "outcome");
  private static final SpanAttributes.Keys VM_KEYS = SpanAttributes.Keys.of("method");
  private static final SpanAttributes.Keys AGENT_KEYS = SpanAttributes.Keys.of("agent_type");
  private static final SpanAttributes.Keys LLM_KEYS = SpanAttributes.Keys.of("model", "tokens");

  private final MeterRegistry registry;
  private final LabelLimiter spanNames;
  private final LabelLimiter httpMethods;
  private final LabelLimiter paths;
  private final LabelLimiter statusCodes;
  private final LabelLimiter vmMethods;
  private final LabelLimiter agentTypes;
  private final LabelLimiter models;

  private final AtomicLong vmsActive = new AtomicLong();
  private final AtomicLong queueDepth = new AtomicLong();
  private final AtomicBoolean queueDepthRegistered = new AtomicBoolean();
  private final Counter ticketsClaimed;
  private final Counter ticketsCompleted;
  private final Counter ticketsFailed;
  private final Timer ticketDuration;
  private final Counter vmSpawnFailures;
  private final Counter prsCreated;
  private final Map<SpanStatus, Map<String, Counter>> gitOperations = new EnumMap<>(SpanStatus.class);

  private final Meters<Labels, Counter> apiRequests;
  private final Meters<Labels, Timer> apiDuration;
  private final Meters<String, Timer> vmSpawnDuration;
  private final Meters<Labels, Counter> agentExecutions;
  private final Meters<String, Timer> agentDuration;
  private final Meters<Labels, Counter> llmRequests;
  private final Meters<String, Counter> llmTokens;
  private final Meters<Labels, Timer> spanDuration;

  public SwarmSpanMetrics(MeterRegistry registry, SwarmMetricsConfig config) {
    this.registry = registry;
    CreatedSuffixNaming.install(registry); // so swarm_prs_created_total keeps its name
    int max = config.maxLabelValues();
    spanNames = new LabelLimiter("span_name", max, registry);
    httpMethods = new LabelLimiter("method", max, registry);
    paths = new LabelLimiter("path", max, registry);
    statusCodes = new LabelLimiter("status_code", max, registry);
    vmMethods = new LabelLimiter("vm_method", max, registry);
    agentTypes = new LabelLimiter("agent_type", max, registry);
    models = new LabelLimiter("model", max, registry);

    Gauge.builder("swarm.vms.active", vmsActive, AtomicLong::get)
        .description("VMs whose vm.spawn succeeded and whose agent.execute has not ended (per ingest instance: sum() across instances)")
        .register(registry);
    ticketsClaimed = tickets("claimed");
    ticketsCompleted = tickets("completed");
    ticketsFailed = tickets("failed");
    ticketDuration =
        timer("swarm.ticket.duration", "Ticket claim to completion (ticket.complete's duration_ms, else its span duration)", TICKET_BUCKETS)
            .register(registry);
    vmSpawnFailures =
        Counter.builder("swarm.vm.spawn.failures").description("vm.spawn spans with status error").register(registry);
    prsCreated =
        Counter.builder("swarm.prs.created").description("pr.create spans whose status is not error").register(registry);
    for (SpanStatus status : SpanStatus.values()) {
      Map<String, Counter> byOperation = new ConcurrentHashMap<>();
      for (String operation : List.of("clone", "commit", "push")) {
        byOperation.put(
            operation,
            Counter.builder("swarm.git.operations")
                .description("git.clone, git.commit and git.push spans by operation and status")
                .tag("operation", operation)
                .tag("status", status.wire())
                .register(registry));
      }
      gitOperations.put(status, byOperation);
    }

    apiRequests = new Meters<>(l -> Counter.builder("swarm.api.requests")
        .description("http.request spans by method, path (route template) and status (the status_code attribute)")
        .tags("method", l.a, "path", l.b, "status", l.c)
        .register(registry));
    apiDuration = new Meters<>(l -> timer("swarm.api.request.duration", "Duration of http.request spans", API_BUCKETS)
        .tags("method", l.a, "path", l.b)
        .register(registry));
    vmSpawnDuration = new Meters<>(method -> timer("swarm.vm.spawn.duration",
            "Duration of successful vm.spawn spans: request to VM ready (boot time), by spawn method", VM_SPAWN_BUCKETS)
        .tag("method", method)
        .register(registry));
    agentExecutions = new Meters<>(l -> Counter.builder("swarm.agent.executions")
        .description("agent.execute spans by agent_type and status")
        .tags("agent_type", l.a, "status", l.b)
        .register(registry));
    agentDuration = new Meters<>(type -> timer("swarm.agent.execution.duration", "Duration of agent.execute spans", AGENT_BUCKETS)
        .tag("agent_type", type)
        .register(registry));
    llmRequests = new Meters<>(l -> Counter.builder("swarm.llm.requests")
        .description("llm.generate spans by model and status")
        .tags("model", l.a, "status", l.b)
        .register(registry));
    llmTokens = new Meters<>(model -> Counter.builder("swarm.llm.tokens")
        .description("Sum of the tokens attribute of llm.generate spans, by model")
        .tag("model", model)
        .register(registry));
    spanDuration = new Meters<>(l -> timer("swarm.span.duration", "Duration of every accepted span, by span_name and status", SPAN_BUCKETS)
        .tags("span_name", l.a, "status", l.b)
        .register(registry));
  }

  /** Records every span of one accepted request. */
  /**
   * Longest duration a timer can take: Micrometer records nanoseconds in a long, and a span claiming ~2^63 ms made
   * the whole request's metrics fail. Longer ones are recorded as this (~292 years).
   */
  static final long MAX_RECORDABLE_MS = Long.MAX_VALUE / 1_000_000;

  private static Duration recordable(long millis) {
    return Duration.ofMillis(Math.max(0, Math.min(millis, MAX_RECORDABLE_MS)));
  }

  public void record(List<Span> spans) {
    for (Span span : spans) {
      record(span);
    }
  }

  public void record(Span span) {
    String name = span.spanName();
    boolean swarm = SWARM_SPAN_NAMES.contains(name);
    Long durationMs = span.durationMs();
    if (durationMs != null) {
      spanDuration.get(new Labels(swarm ? name : spanNames.admit(name), span.status().wire(), null))
          .record(recordable(durationMs));
    }
    if (!swarm) {
      return;
    }
    switch (name) {
      case HTTP_REQUEST -> httpRequest(span, durationMs);
      case TICKET_CLAIM -> ticketClaim(span);
      case TICKET_COMPLETE -> ticketComplete(span, durationMs);
      case VM_SPAWN -> vmSpawn(span, durationMs);
      case AGENT_EXECUTE -> agentExecute(span, durationMs);
      case LLM_GENERATE -> llmGenerate(span);
      case GIT_CLONE -> gitOperations.get(span.status()).get("clone").increment();
      case GIT_COMMIT -> gitOperations.get(span.status()).get("commit").increment();
      case GIT_PUSH -> gitOperations.get(span.status()).get("push").increment();
      case PR_CREATE -> {
        if (span.status() != SpanStatus.ERROR) {
          prsCreated.increment();
        }
      }
      default -> {
        // file.write: only the generic span duration.
      }
    }
  }

  private void httpRequest(Span span, Long durationMs) {
    Map<String, String> a = SpanAttributes.read(span.attributesJson(), HTTP_KEYS);
    String method = httpMethods.admit(method(a.get("method")));
    String path = paths.admit(PathNormalizer.normalize(a.get("path")));
    String status = statusCodes.admit(statusCode(a.get("status_code")));
    apiRequests.get(new Labels(method, path, status)).increment();
    if (durationMs != null) {
      apiDuration.get(new Labels(method, path, null)).record(recordable(durationMs));
    }
  }

  private void ticketClaim(Span span) {
    ticketsClaimed.increment();
    Long depth = SpanAttributes.wholeNumber(SpanAttributes.read(span.attributesJson(), CLAIM_KEYS).get("queue_depth"));
    if (depth != null && depth >= 0) {
      queueDepth.set(depth);
      // Registered at the first claim that reports a depth: before that there is nothing true to show.
      if (queueDepthRegistered.compareAndSet(false, true)) {
        Gauge.builder("swarm.ticket.queue.depth", queueDepth, AtomicLong::get)
            .description("Tickets waiting, from the queue_depth attribute of the last ticket.claim span seen")
            .register(registry);
      }
    }
  }

  private void ticketComplete(Span span, Long durationMs) {
    Map<String, String> a = SpanAttributes.read(span.attributesJson(), COMPLETE_KEYS);
    String outcome = a.get("outcome");
    boolean failed =
        span.status() == SpanStatus.ERROR
            || (outcome != null && !SUCCESSFUL_OUTCOMES.contains(outcome.toLowerCase(Locale.ROOT)));
    (failed ? ticketsFailed : ticketsCompleted).increment();
    Long ticketMs = SpanAttributes.wholeNumber(a.get("duration_ms"));
    if (ticketMs == null || ticketMs < 0) {
      ticketMs = durationMs;
    }
    if (ticketMs != null) {
      ticketDuration.record(recordable(ticketMs));
    }
  }

  private void vmSpawn(Span span, Long durationMs) {
    if (span.status() == SpanStatus.ERROR) {
      vmSpawnFailures.increment();
      return;
    }
    vmsActive.incrementAndGet();
    if (durationMs != null) {
      String method = vmMethods.admit(SpanAttributes.read(span.attributesJson(), VM_KEYS).get("method"));
      vmSpawnDuration.get(method).record(recordable(durationMs));
    }
  }

  private void agentExecute(Span span, Long durationMs) {
    vmsActive.decrementAndGet();
    String type = agentTypes.admit(SpanAttributes.read(span.attributesJson(), AGENT_KEYS).get("agent_type"));
    withStatusSiblings(agentExecutions, type);
    agentExecutions.get(new Labels(type, span.status().wire(), null)).increment();
    if (durationMs != null) {
      agentDuration.get(type).record(recordable(durationMs));
    }
  }

  private void llmGenerate(Span span) {
    Map<String, String> a = SpanAttributes.read(span.attributesJson(), LLM_KEYS);
    String model = models.admit(a.get("model"));
    withStatusSiblings(llmRequests, model);
    llmRequests.get(new Labels(model, span.status().wire(), null)).increment();
    Long tokens = SpanAttributes.wholeNumber(a.get("tokens"));
    if (tokens != null && tokens > 0) {
      llmTokens.get(model).increment(tokens);
    }
  }

  /**
   * Creates the ok and error series of a label value at zero when the value is first seen. Prometheus' rate() and
   * increase() ignore what a series counted before its first scrape, so an error series born at its first error
   * would lose exactly the errors an alert like ClaudeAPIErrors counts.
   */
  private static void withStatusSiblings(Meters<Labels, Counter> meters, String value) {
    Labels error = new Labels(value, SpanStatus.ERROR.wire(), null);
    if (!meters.contains(error)) {
      meters.get(new Labels(value, SpanStatus.OK.wire(), null));
      meters.get(error);
    }
  }

  /** The current value of {@code swarm_vms_active} on this instance (may be negative, see docs/metrics.md). */
  public long vmsActive() {
    return vmsActive.get();
  }

  private static String method(String method) {
    return method == null ? null : method.trim().toUpperCase(Locale.ROOT);
  }

  /** An HTTP status as three digits, or {@code unknown} when the attribute is missing or not a status. */
  static String statusCode(String text) {
    Long code = SpanAttributes.wholeNumber(text);
    return code != null && code >= 100 && code <= 599 ? Long.toString(code) : LabelLimiter.UNKNOWN;
  }

  private Counter tickets(String status) {
    return Counter.builder("swarm.tickets")
        .description("Tickets by status: claimed (ticket.claim), completed or failed (ticket.complete)")
        .tag("status", status)
        .register(registry);
  }

  private static Timer.Builder timer(String name, String description, Duration[] buckets) {
    return Timer.builder(name).description(description).serviceLevelObjectives(buckets);
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
    }
    return out;
  }

  /** Up to three label values, the key of a meter in a {@link Meters} cache. */
  private record Labels(String a, String b, String c) {}

  /** Meters by label values, so the hot path is one map lookup rather than a registry lookup. */
  private static final class Meters<K, M> {
    private final ConcurrentHashMap<K, M> byKey = new ConcurrentHashMap<>();
    private final Function<K, M> create;

    Meters(Function<K, M> create) {
      this.create = create;
    }

    M get(K key) {
      M meter = byKey.get(key);
      return meter != null ? meter : byKey.computeIfAbsent(key, create);
    }

    boolean contains(K key) {
      return byKey.containsKey(key);
    }
  }
}
