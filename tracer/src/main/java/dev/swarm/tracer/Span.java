package dev.swarm.tracer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One timed operation. Started by {@link SpanBuilder} (or the helpers of {@link SwarmSpans}), annotated while
 * it runs, and handed to the exporter once by {@link #end()}; changes after that are ignored. Thread-safe: a
 * span may be ended on another thread than the one that started it.
 *
 * <p>Everything recorded is kept within the pipeline's limits (span name length, attribute bytes, event
 * count, id syntax), because the pipeline rejects a whole batch when one span breaks them.
 */
public final class Span {
  public static final int MAX_NAME_CHARS = 256;
  static final String DROPPED_ATTRIBUTES = "dropped_attributes_count";
  static final String DROPPED_EVENTS = "dropped_events_count";
  static final String ATTRIBUTES_TRUNCATED = "attributes_truncated";

  private final Tracer tracer;
  private final String traceId;
  private final String spanId;
  private final String parentSpanId;
  private final String name;
  private final SpanKind kind;
  private final long startEpochMillis;

  // Guarded by this.
  private String tenantId;
  private String ticketId;
  private String agentId;
  private final Map<String, Object> attributes = new LinkedHashMap<>();
  private List<SpanEvent> events = List.of();
  private int droppedAttributes;
  private int droppedEvents;
  private SpanStatus status = SpanStatus.UNSET;
  private boolean ended;

  Span(
      Tracer tracer,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      SpanKind kind,
      long startEpochMillis,
      String tenantId,
      String ticketId,
      String agentId) {
    this.tracer = tracer;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.name = cleanName(name);
    this.kind = kind;
    this.startEpochMillis = startEpochMillis;
    this.tenantId = PipelineIds.sanitiseTenant(tenantId);
    this.ticketId = PipelineIds.sanitise(ticketId);
    this.agentId = PipelineIds.sanitise(agentId);
  }

  public String traceId() {
    return traceId;
  }

  public String spanId() {
    return spanId;
  }

  /** Null for a root span. */
  public String parentSpanId() {
    return parentSpanId;
  }

  public String name() {
    return name;
  }

  public SpanKind kind() {
    return kind;
  }

  public long startEpochMillis() {
    return startEpochMillis;
  }

  public synchronized String tenantId() {
    return tenantId;
  }

  public synchronized String ticketId() {
    return ticketId;
  }

  public synchronized String agentId() {
    return agentId;
  }

  public synchronized SpanStatus status() {
    return status;
  }

  public synchronized boolean isEnded() {
    return ended;
  }

  /** The attribute's current value, or null. */
  public synchronized Object attribute(String key) {
    return attributes.get(key);
  }

  /** Trace, span and Swarm ids, for children and for propagation. */
  public synchronized SpanContext context() {
    return new SpanContext(traceId, spanId, tenantId, ticketId, agentId);
  }

  /** The {@code traceparent} value naming this span as parent. */
  public String traceParent() {
    return TraceParent.format(traceId, spanId);
  }

  /**
   * Sets the tenant. Spans started afterwards under this one inherit it, so set the Swarm ids before starting
   * children. Invalid characters become {@code _} (see {@link PipelineIds}).
   */
  public synchronized Span setTenantId(String tenantId) {
    if (!ended) {
      this.tenantId = PipelineIds.sanitiseTenant(tenantId);
    }
    return this;
  }

  public synchronized Span setTicketId(String ticketId) {
    if (!ended) {
      this.ticketId = PipelineIds.sanitise(ticketId);
    }
    return this;
  }

  public synchronized Span setAgentId(String agentId) {
    if (!ended) {
      this.agentId = PipelineIds.sanitise(agentId);
    }
    return this;
  }

  public Span setAttribute(String key, String value) {
    return putAttribute(key, value);
  }

  public Span setAttribute(String key, long value) {
    return putAttribute(key, value);
  }

  public Span setAttribute(String key, double value) {
    return putAttribute(key, value);
  }

  public Span setAttribute(String key, boolean value) {
    return putAttribute(key, value);
  }

  public synchronized Span setStatus(SpanStatus status) {
    if (!ended && status != null) {
      this.status = status;
    }
    return this;
  }

  public Span addEvent(String name) {
    return addEvent(name, Map.of());
  }

  public Span addEvent(String name, Map<String, ?> attributes) {
    return addEvent(name, tracer.nowMillis(), attributes);
  }

  /** An event at a given time (epoch milliseconds). Values: strings, numbers, booleans; others as text. */
  public synchronized Span addEvent(String name, long epochMillis, Map<String, ?> attributes) {
    if (ended) {
      return this;
    }
    if (events.size() >= tracer.options().maxEventsPerSpan()) {
      droppedEvents++;
      return this;
    }
    if (events.isEmpty()) {
      events = new ArrayList<>();
    }
    Map<String, Object> clean = new LinkedHashMap<>();
    int dropped = 0;
    for (Map.Entry<String, ?> e : attributes.entrySet()) {
      Object value = cleanValue(e.getValue());
      String key = cleanKey(e.getKey());
      if (key == null || value == null) {
        continue;
      }
      if (clean.size() >= tracer.options().maxAttributesPerSpan()) {
        dropped++;
        continue;
      }
      clean.put(key, value);
    }
    if (dropped > 0) {
      clean.put(DROPPED_ATTRIBUTES, (long) dropped);
    }
    fitToBytes(clean);
    events.add(new SpanEvent(cleanName(name), epochMillis, Collections.unmodifiableMap(clean)));
    return this;
  }

  /**
   * Marks the span failed: status error and an {@code exception} event with the exception's {@code type} and
   * {@code message}. The stack trace is added only when {@link TracerOptions#recordStackTraces()} is on: stack
   * text is bulky and can carry data (paths, values) that does not belong in traces.
   */
  public Span recordException(Throwable error) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("type", error.getClass().getName());
    if (error.getMessage() != null) {
      attrs.put("message", error.getMessage());
    }
    if (tracer.options().recordStackTraces()) {
      StringWriter text = new StringWriter();
      error.printStackTrace(new PrintWriter(text));
      attrs.put("stacktrace", text.toString());
    }
    addEvent("exception", attrs);
    return setStatus(SpanStatus.ERROR);
  }

  /**
   * Marks the span failed with an error that is not a Java exception (an exit code, a remote error type):
   * status error and an {@code exception} event with {@code type} and {@code message}.
   */
  public Span recordException(String type, String message) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("type", type == null ? "error" : type);
    if (message != null) {
      attrs.put("message", message);
    }
    addEvent("exception", attrs);
    return setStatus(SpanStatus.ERROR);
  }

  /** Makes this span current (Vert.x context or thread, and MDC) until the scope is closed. */
  public Scope makeCurrent() {
    return CurrentSpan.activate(this);
  }

  /** Ends the span now. */
  public void end() {
    end(tracer.nowMillis());
  }

  /** Ends the span at a given time (never before its start) and hands it to the exporter; later calls do nothing. */
  public void end(long endEpochMillis) {
    SpanData data;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      Map<String, Object> attrs = new LinkedHashMap<>(attributes);
      if (droppedAttributes > 0) {
        attrs.put(DROPPED_ATTRIBUTES, (long) droppedAttributes);
      }
      if (droppedEvents > 0) {
        attrs.put(DROPPED_EVENTS, (long) droppedEvents);
      }
      fitToBytes(attrs);
      data =
          new SpanData(
              traceId,
              spanId,
              parentSpanId,
              name,
              kind,
              status,
              startEpochMillis,
              Math.max(startEpochMillis, endEpochMillis),
              tenantId,
              ticketId,
              agentId,
              Collections.unmodifiableMap(attrs),
              List.copyOf(events));
    }
    tracer.finished(data);
  }

  @Override
  public String toString() {
    return "Span[" + name + " " + traceId + "/" + spanId + (parentSpanId == null ? "" : " <- " + parentSpanId) + "]";
  }

  private synchronized Span putAttribute(String key, Object value) {
    if (ended) {
      return this;
    }
    String k = cleanKey(key);
    Object v = cleanValue(value);
    if (k == null || v == null) {
      return this;
    }
    if (!attributes.containsKey(k) && attributes.size() >= tracer.options().maxAttributesPerSpan()) {
      droppedAttributes++;
      return this;
    }
    attributes.put(k, v);
    return this;
  }

  private String cleanKey(String key) {
    if (key == null || key.isEmpty()) {
      return null;
    }
    return key.length() > MAX_NAME_CHARS ? key.substring(0, MAX_NAME_CHARS) : key;
  }

  private Object cleanValue(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
      return d.toString(); // JSON has no NaN or infinity
    }
    if (value instanceof Float f && (f.isNaN() || f.isInfinite())) {
      return f.toString();
    }
    if (value instanceof Boolean || value instanceof Number) {
      return value;
    }
    String text = value.toString();
    int max = tracer.options().maxAttributeValueChars();
    if (text.length() > max) {
      // Do not split a surrogate pair: half of one is not valid UTF-8.
      int cut = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
      text = text.substring(0, cut);
    }
    return text;
  }

  /**
   * Drops attributes from the end until the object fits the byte limit. Cheap in the usual case: the exact
   * size is computed only when the characters could exceed it (a character takes at most 6 bytes escaped).
   */
  private void fitToBytes(Map<String, Object> attrs) {
    int max = tracer.options().maxAttributesBytes();
    long upperBound = 2;
    for (Map.Entry<String, Object> e : attrs.entrySet()) {
      upperBound += 6L * (e.getKey().length() + String.valueOf(e.getValue()).length()) + 4;
    }
    if (upperBound <= max) {
      return;
    }
    if (jsonBytes(attrs) <= max) {
      return;
    }
    // Drop the latest attributes first, leaving room for the marker that says so.
    List<String> keys = new ArrayList<>(attrs.keySet());
    attrs.put(ATTRIBUTES_TRUNCATED, true);
    while (!keys.isEmpty() && jsonBytes(attrs) > max) {
      attrs.remove(keys.remove(keys.size() - 1));
    }
  }

  private static int jsonBytes(Map<String, Object> attrs) {
    return SpanData.attributesJson(attrs).encode().getBytes(StandardCharsets.UTF_8).length;
  }

  private static String cleanName(String name) {
    if (name == null || name.isBlank()) {
      return "unnamed";
    }
    if (name.codePointCount(0, name.length()) <= MAX_NAME_CHARS) {
      return name;
    }
    return name.substring(0, name.offsetByCodePoints(0, MAX_NAME_CHARS));
  }
}
