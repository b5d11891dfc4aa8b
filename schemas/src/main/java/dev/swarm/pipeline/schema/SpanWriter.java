package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes spans in the normalised JSON form: fields in {@link SpanContract#FIELDS} order, absent optional fields
 * omitted, times as {@code 2026-11-27T23:24:23.123Z}.
 *
 * <p>{@link Span#attributesJson()} and {@link Span#eventsJson()} are written raw, unchecked: they must hold valid
 * compact JSON (they do for every span {@link SpanDecoder} produced).
 */
public final class SpanWriter {

  private SpanWriter() {}

  /** Writes one span object; the generator may be positioned anywhere a value is allowed. */
  public static void write(Span span, JsonGenerator gen) throws IOException {
    gen.writeStartObject();
    gen.writeStringField(SpanContract.ID, span.id());
    gen.writeStringField(SpanContract.TRACE_ID, span.traceId());
    if (span.parentSpanId() != null) {
      gen.writeStringField(SpanContract.PARENT_SPAN_ID, span.parentSpanId());
    }
    gen.writeStringField(SpanContract.SPAN_NAME, span.spanName());
    gen.writeStringField(SpanContract.SPAN_KIND, span.spanKind().wire());
    gen.writeStringField(SpanContract.STATUS, span.status().wire());
    gen.writeStringField(SpanContract.START_TIME, Timestamps.formatIso(span.startEpochMillis()));
    if (span.endEpochMillis() != null) {
      gen.writeStringField(SpanContract.END_TIME, Timestamps.formatIso(span.endEpochMillis()));
    }
    if (span.durationMs() != null) {
      gen.writeNumberField(SpanContract.DURATION_MS, span.durationMs());
    }
    if (span.tenantId() != null) {
      gen.writeStringField(SpanContract.TENANT_ID, span.tenantId());
    }
    if (span.ticketId() != null) {
      gen.writeStringField(SpanContract.TICKET_ID, span.ticketId());
    }
    if (span.agentId() != null) {
      gen.writeStringField(SpanContract.AGENT_ID, span.agentId());
    }
    gen.writeFieldName(SpanContract.ATTRIBUTES);
    gen.writeRawValue(span.attributesJson());
    gen.writeFieldName(SpanContract.EVENTS);
    gen.writeRawValue(span.eventsJson());
    gen.writeEndObject();
  }

  /** A JSON array of the spans, UTF-8: the {@code swarm.spans} record value. */
  public static byte[] writeArray(List<Span> spans) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 512 * spans.size());
    try (JsonGenerator gen = SpanJson.FACTORY.createGenerator(out)) {
      gen.writeStartArray();
      for (Span span : spans) {
        write(span, gen);
      }
      gen.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen writing to memory
    }
    return out.toByteArray();
  }

  /** One span object, UTF-8. */
  public static byte[] toBytes(Span span) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator gen = SpanJson.FACTORY.createGenerator(out)) {
      write(span, gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen writing to memory
    }
    return out.toByteArray();
  }

  /** One span as a JSON string, for logs, tests and small API responses. */
  public static String toJson(Span span) {
    StringWriter out = new StringWriter(512);
    try (JsonGenerator gen = SpanJson.FACTORY.createGenerator(out)) {
      write(span, gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
