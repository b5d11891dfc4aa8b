package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds contract {@link Span}s from the fields of another format (OTLP, Zipkin), one span at a time, checking
 * them with the contract's rules ({@link SpanValidator}) so that what it builds passes {@code SpanDecoder}
 * downstream unchanged.
 *
 * <p>Attributes and events are written as compact JSON through reusable generators (no tree model). Top-level
 * attribute keys are unique: the first value of a key wins, so a decoder writes the attributes that should win
 * first. Inherited attributes (resource, scope) are added at {@link #build}: {@code service.name} first of all,
 * the rest after the span's own, each only if the span has no attribute of that name. The Swarm ids
 * ({@code tenant_id}, {@code ticket_id}, {@code agent_id}) are taken from well-known string attributes when they
 * are valid ids.
 *
 * <p>Not thread-safe: one per decode call.
 */
public final class SpanBuilder {

  /** Resource attribute naming the service; written first among the attributes. */
  public static final String SERVICE_NAME = InteropAttributes.SERVICE_NAME;

  private static final int ID_TENANT = 0;
  private static final int ID_TICKET = 1;
  private static final int ID_AGENT = 2;

  private final SpanLimits limits;
  private final SpanValidator validator;
  private final boolean checkNestedKeys;

  private final CappedOutputBuffer attributes = new CappedOutputBuffer(512, Integer.MAX_VALUE - 16);
  private final CappedOutputBuffer eventAttributes = new CappedOutputBuffer(512, Integer.MAX_VALUE - 16);
  private final StringBuilder events = new StringBuilder(256);
  private JsonGenerator attributesGen;
  private JsonGenerator eventAttributesGen;
  private final Set<String> keys = new HashSet<>();
  private final Set<String> eventKeys = new HashSet<>();

  // Per span.
  private List<AttributeSet> inherited = List.of();
  private final SpanDraft draft = new SpanDraft();
  private final String[] swarmIds = new String[3];
  private int eventCount;
  private final List<FieldError> problems = new ArrayList<>();

  // Per event.
  private String eventName;
  private long eventTime;
  private boolean eventOpen;

  public SpanBuilder(SpanLimits limits) {
    this(limits, true);
  }

  /**
   * With {@code checkNestedKeys} false the caller makes sure that the objects it writes inside attribute values
   * never repeat a key, and the builder leaves out its own check (Jackson's duplicate detection, a hash set of
   * every span's keys: about 8% of converting a typical OTLP span). Top-level keys are unique either way.
   */
  public SpanBuilder(SpanLimits limits, boolean checkNestedKeys) {
    this.limits = limits;
    this.validator = new SpanValidator(limits);
    this.checkNestedKeys = checkNestedKeys;
  }

  public SpanLimits limits() {
    return limits;
  }

  /** Starts a span; {@code inherited} are the resource/scope attributes added at {@link #build}. */
  public void begin(List<AttributeSet> inherited) {
    this.inherited = inherited;
    draft.reset();
    swarmIds[0] = swarmIds[1] = swarmIds[2] = null;
    eventCount = 0;
    eventOpen = false;
    problems.clear();
    keys.clear();
    events.setLength(0);
    events.append('[');
    attributes.reset();
    try {
      attributesGen().writeStartObject();
      // The service name leads: readers (and people) look for it first.
      for (AttributeSet set : inherited) {
        String service = set.get(SERVICE_NAME);
        if (service != null) {
          keys.add(SERVICE_NAME);
          attributesGen.writeFieldName(SERVICE_NAME);
          attributesGen.writeRawValue(service);
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void traceId(String value) {
    draft.traceId = value;
  }

  public void spanId(String value) {
    draft.id = value;
  }

  /** Null or empty: a root span. */
  public void parentSpanId(String value) {
    draft.parentSpanId = value == null || value.isEmpty() ? null : value;
  }

  public void name(String value) {
    draft.spanName = value;
  }

  public void kind(SpanKind value) {
    draft.kind = value;
  }

  public void status(SpanStatus value) {
    draft.status = value;
  }

  public void startMillis(long value) {
    draft.start(value);
  }

  public void endMillis(long value) {
    draft.end(value);
  }

  /** Records a problem found while converting (an id of the wrong size, a missing timestamp…). */
  public void invalid(String field, String message) {
    problems.add(new FieldError(-1, field, message));
  }

  /**
   * The generator positioned to write the value of attribute {@code key}, or null when the span already has an
   * attribute of that name (the caller then skips the value). Nested objects must not repeat a key.
   */
  public JsonGenerator attribute(String key) throws IOException {
    if (!keys.add(key)) {
      return null;
    }
    attributesGen.writeFieldName(key);
    return attributesGen;
  }

  /** A string attribute; also a candidate for the span's tenant, ticket or agent id. */
  public void stringAttribute(String key, String value) throws IOException {
    JsonGenerator gen = attribute(key);
    if (gen != null) {
      gen.writeString(value);
      noteSwarmId(swarmIds, key, value);
    }
  }

  /** Starts an event; its attributes go through {@link #eventAttribute}, then {@link #endEvent}. */
  public void beginEvent() throws IOException {
    eventName = null;
    eventTime = 0;
    eventOpen = true;
    eventKeys.clear();
    eventAttributes.reset();
    eventAttributesGen().writeStartObject();
  }

  public void eventName(String value) {
    eventName = value;
  }

  public void eventTimeMillis(long value) {
    eventTime = value;
  }

  /** Like {@link #attribute}, for the current event. */
  public JsonGenerator eventAttribute(String key) throws IOException {
    if (!eventKeys.add(key)) {
      return null;
    }
    eventAttributesGen.writeFieldName(key);
    return eventAttributesGen;
  }

  public void endEvent() throws IOException {
    eventOpen = false;
    eventAttributesGen.writeEndObject();
    eventAttributesGen.flush();
    int e = eventCount++;
    if (e >= limits.maxEventsPerSpan()) {
      return; // counted, reported by the validator
    }
    String nameProblem = SpanValidator.nameProblem(eventName, SpanContract.MAX_EVENT_NAME_CHARS);
    if (nameProblem != null) {
      invalid(SpanField.Event.path(e, SpanContract.EVENT_NAME), nameProblem);
      return;
    }
    String timeProblem = SpanValidator.timeProblem(eventTime);
    if (timeProblem != null) {
      invalid(SpanField.Event.path(e, SpanContract.EVENT_TIME), timeProblem);
      return;
    }
    if (eventAttributes.size() > limits.maxAttributesBytes()) {
      invalid(SpanField.Event.path(e, SpanContract.EVENT_ATTRIBUTES), SpanValidator.attributesTooLarge(limits));
      return;
    }
    SpanJson.appendEvent(events, eventName, eventTime, eventAttributes.toUtf8String());
  }

  /**
   * Drops the generators after a write failed half-way (a duplicate key inside a nested object, text that cannot
   * be encoded) and records the problem; the span will be rejected.
   */
  public void attributeFailed(String field, IOException e) {
    invalid(field, SpanJson.writeProblem(e));
    attributesGen = null;
    eventAttributesGen = null;
    // Keep later calls of this span harmless: fresh generators with an open object to write into.
    try {
      attributes.reset();
      attributesGen().writeStartObject();
      eventAttributes.reset();
      eventAttributesGen().writeStartObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /**
   * Finishes the span: the contract span, or null when it breaks a rule, with the problems added to
   * {@code errors} under {@code index} (at most {@code maxErrors} kept).
   */
  public Span build(int index, List<FieldError> errors, int maxErrors) {
    String attributesJson;
    try {
      if (eventOpen) {
        endEvent();
      }
      String[] inheritedIds = new String[3];
      for (AttributeSet set : inherited) {
        for (int i = 0; i < set.size(); i++) {
          String key = set.key(i);
          if (keys.add(key)) {
            attributesGen.writeFieldName(key);
            attributesGen.writeRawValue(set.rawValue(i));
          }
        }
        for (int i = 0; i < 3; i++) {
          if (inheritedIds[i] == null) {
            inheritedIds[i] = set.swarmId(i);
          }
        }
      }
      for (int i = 0; i < 3; i++) {
        if (swarmIds[i] == null) {
          swarmIds[i] = inheritedIds[i];
        }
      }
      attributesGen.writeEndObject();
      attributesGen.flush();
      attributesJson = attributes.toUtf8String();
    } catch (IOException e) {
      attributeFailed("attributes", e);
      attributesJson = "{}";
    }
    events.append(']');
    List<FieldError> spanErrors = new ArrayList<>(problems.size() + 2);
    int reported = 0;
    for (FieldError p : problems) {
      spanErrors.add(new FieldError(index, p.field(), p.message()));
      reported |= SpanField.bitOf(p.field());
    }
    draft.tenantId = swarmIds[ID_TENANT];
    draft.ticketId = swarmIds[ID_TICKET];
    draft.agentId = swarmIds[ID_AGENT];
    draft.attributesJson = attributesJson;
    draft.eventsJson = events.toString();
    draft.eventCount = eventCount;
    Span span = draft.build(reported, (field, message) -> spanErrors.add(new FieldError(index, field, message)));
    if (span != null && spanErrors.isEmpty()) {
      validator.validate(span, index, spanErrors);
    }
    if (!spanErrors.isEmpty()) {
      for (FieldError e : spanErrors) {
        if (errors.size() >= maxErrors) {
          break;
        }
        errors.add(e);
      }
      return null;
    }
    return span;
  }

  private JsonGenerator attributesGen() throws IOException {
    if (attributesGen == null) {
      attributesGen = SpanJson.objectGenerator(attributes, checkNestedKeys);
    }
    return attributesGen;
  }

  private JsonGenerator eventAttributesGen() throws IOException {
    if (eventAttributesGen == null) {
      eventAttributesGen = SpanJson.objectGenerator(eventAttributes, checkNestedKeys);
    }
    return eventAttributesGen;
  }

  /**
   * Records {@code value} as the tenant, ticket or agent id when {@code key} names one. A ticket or agent id that
   * is not a valid id stays only an attribute; a tenant is taken whatever it holds, so that one breaking the
   * tenant rule rejects the span (400 naming {@code tenant_id}) instead of the span being stamped with the
   * token's tenant.
   */
  static void noteSwarmId(String[] ids, String key, String value) {
    int slot = swarmIdSlot(key);
    if (slot >= 0 && ids[slot] == null && (slot == ID_TENANT || SpanContract.isValidId(value))) {
      ids[slot] = value;
    }
  }

  private static int swarmIdSlot(String key) {
    switch (key) {
      case "tenant_id":
      case "tenant.id":
        return ID_TENANT;
      case "ticket_id":
      case "ticket.id":
        return ID_TICKET;
      case "agent_id":
      case "agent.id":
        return ID_AGENT;
      default:
        return -1;
    }
  }

  /**
   * Attributes shared by many spans (an OTLP resource or scope), serialised once: each value is compact JSON
   * text, appended raw to every span that does not have the key itself.
   */
  public static final class AttributeSet {
    private final List<String> keys = new ArrayList<>();
    private final List<String> rawValues = new ArrayList<>();
    private final String[] swarmIds = new String[3];

    /** Adds an attribute unless the key is already there (the first value wins). */
    public void add(String key, String rawJsonValue) {
      if (!keys.contains(key)) {
        keys.add(key);
        rawValues.add(rawJsonValue);
      }
    }

    /** Adds a string attribute (also a tenant/ticket/agent id candidate). */
    public void addString(String key, String value) {
      StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
      JsonStringEncoder.getInstance().quoteAsString(value, sb);
      int before = keys.size();
      add(key, sb.append('"').toString());
      if (keys.size() > before) {
        noteSwarmId(swarmIds, key, value);
      }
    }

    public boolean isEmpty() {
      return keys.isEmpty();
    }

    int size() {
      return keys.size();
    }

    String key(int i) {
      return keys.get(i);
    }

    String rawValue(int i) {
      return rawValues.get(i);
    }

    String swarmId(int slot) {
      return swarmIds[slot];
    }

    /** The raw JSON value of {@code key}, or null. */
    public String get(String key) {
      int i = keys.indexOf(key);
      return i < 0 ? null : rawValues.get(i);
    }

    /** A JSON generator writing compact values for {@link #add}, with the contract's encoding settings. */
    public static JsonGenerator valueGenerator(ByteArrayOutputStream out) throws IOException {
      return SpanJson.FACTORY.createGenerator(out);
    }
  }
}
