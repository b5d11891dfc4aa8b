package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

  /**
   * A JSON array of the spans, UTF-8: the {@code swarm.spans} record value. Byte for byte what {@link #write} gives
   * through a Jackson generator, written straight into an array: this runs for every accepted span.
   */
  public static byte[] writeArray(List<Span> spans) {
    return writeArray(spans, null);
  }

  /** A {@code swarm.spans} record value and its {@link SpanContract#SPAN_LENGTHS_HEADER} value. */
  public record Written(byte[] value, byte[] spanLengths) {}

  /** Writes the spans as {@link #writeArray(List)} does, and the byte length of each span object. */
  public static Written writeIndexed(List<Span> spans) {
    Bytes lengths = new Bytes(2 * spans.size());
    return new Written(writeArray(spans, lengths), lengths.toArray());
  }

  private static byte[] writeArray(List<Span> spans, Bytes lengths) {
    Bytes out = new Bytes(64 + 512 * spans.size());
    out.put('[');
    for (int i = 0; i < spans.size(); i++) {
      if (i > 0) {
        out.put(',');
      }
      int start = out.len;
      write(spans.get(i), out);
      if (lengths != null) {
        lengths.varint(out.len - start);
      }
    }
    out.put(']');
    return out.toArray();
  }

  private static final byte[] K_ID = key("{", SpanContract.ID);
  private static final byte[] K_TRACE_ID = key(",", SpanContract.TRACE_ID);
  private static final byte[] K_PARENT_SPAN_ID = key(",", SpanContract.PARENT_SPAN_ID);
  private static final byte[] K_SPAN_NAME = key(",", SpanContract.SPAN_NAME);
  private static final byte[] K_SPAN_KIND = key(",", SpanContract.SPAN_KIND);
  private static final byte[] K_STATUS = key(",", SpanContract.STATUS);
  private static final byte[] K_START_TIME = key(",", SpanContract.START_TIME);
  private static final byte[] K_END_TIME = key(",", SpanContract.END_TIME);
  private static final byte[] K_DURATION_MS = key(",", SpanContract.DURATION_MS);
  private static final byte[] K_TENANT_ID = key(",", SpanContract.TENANT_ID);
  private static final byte[] K_TICKET_ID = key(",", SpanContract.TICKET_ID);
  private static final byte[] K_AGENT_ID = key(",", SpanContract.AGENT_ID);
  private static final byte[] K_ATTRIBUTES = key(",", SpanContract.ATTRIBUTES);
  private static final byte[] K_EVENTS = key(",", SpanContract.EVENTS);

  private static byte[] key(String before, String name) {
    return (before + '"' + name + "\":").getBytes(StandardCharsets.US_ASCII);
  }

  private static void write(Span span, Bytes out) {
    out.put(K_ID).string(span.id());
    out.put(K_TRACE_ID).string(span.traceId());
    if (span.parentSpanId() != null) {
      out.put(K_PARENT_SPAN_ID).string(span.parentSpanId());
    }
    out.put(K_SPAN_NAME).string(span.spanName());
    out.put(K_SPAN_KIND).string(span.spanKind().wire());
    out.put(K_STATUS).string(span.status().wire());
    out.put(K_START_TIME).string(Timestamps.formatIso(span.startEpochMillis()));
    if (span.endEpochMillis() != null) {
      out.put(K_END_TIME).string(Timestamps.formatIso(span.endEpochMillis()));
    }
    if (span.durationMs() != null) {
      out.put(K_DURATION_MS).ascii(Long.toString(span.durationMs()));
    }
    if (span.tenantId() != null) {
      out.put(K_TENANT_ID).string(span.tenantId());
    }
    if (span.ticketId() != null) {
      out.put(K_TICKET_ID).string(span.ticketId());
    }
    if (span.agentId() != null) {
      out.put(K_AGENT_ID).string(span.agentId());
    }
    out.put(K_ATTRIBUTES).raw(span.attributesJson());
    out.put(K_EVENTS).raw(span.eventsJson());
    out.put('}');
  }

  /** A growing byte array with the few JSON writes spans need. */
  private static final class Bytes {
    private byte[] buf;
    private int len;

    Bytes(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
      }
    }

    Bytes put(char c) {
      ensure(1);
      buf[len++] = (byte) c;
      return this;
    }

    /** An unsigned LEB128 varint (7 bits a byte, low bits first). */
    void varint(int value) {
      ensure(5);
      while ((value & ~0x7f) != 0) {
        buf[len++] = (byte) ((value & 0x7f) | 0x80);
        value >>>= 7;
      }
      buf[len++] = (byte) value;
    }

    Bytes put(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    /** Text known to be ASCII (times, numbers): one bulk copy of its chars' low bytes. */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) is exact for ASCII and a plain array copy
    Bytes ascii(String s) {
      int n = s.length();
      ensure(n);
      s.getBytes(0, n, buf, len);
      len += n;
      return this;
    }

    /**
     * A quoted JSON string, escaped as Jackson's generator escapes it. Plain ASCII, nearly every string of a span,
     * is one bulk copy of the UTF-8 bytes and a scan of them; anything else goes through Jackson's encoder.
     */
    Bytes string(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8); // the JDK's intrinsic: a copy when the text is ASCII
      for (byte b : utf8) {
        if (b < 0x20 || b == '"' || b == '\\' || b == 0x7f) { // negative: a byte of a multi-byte character
          put('"').put(JsonStringEncoder.getInstance().quoteAsUTF8(s));
          return put('"');
        }
      }
      ensure(utf8.length + 2);
      buf[len++] = '"';
      System.arraycopy(utf8, 0, buf, len, utf8.length);
      len += utf8.length;
      buf[len++] = '"';
      return this;
    }

    /** Already-compact JSON text, as UTF-8. */
    Bytes raw(String json) {
      return put(json.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
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
