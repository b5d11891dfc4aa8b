package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceParentTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @Test
  void parsesAValidVersion00Header() {
    TraceParent p = TraceParent.parse("00-" + TRACE + "-" + SPAN + "-01").orElseThrow();
    assertEquals(TRACE, p.traceId());
    assertEquals(SPAN, p.parentSpanId());
    assertEquals(1, p.flags());
    assertEquals("00-" + TRACE + "-" + SPAN + "-01", p.format());
  }

  @Test
  void keepsTheFlagsByteIncludingUnsampled() {
    assertEquals(0, TraceParent.parse("00-" + TRACE + "-" + SPAN + "-00").orElseThrow().flags());
    assertEquals(0xff, TraceParent.parse("00-" + TRACE + "-" + SPAN + "-ff").orElseThrow().flags());
  }

  @Test
  void normalisesUpperCaseHexToLowerCase() {
    TraceParent p = TraceParent.parse("00-" + TRACE.toUpperCase() + "-" + SPAN.toUpperCase() + "-0A").orElseThrow();
    assertEquals(TRACE, p.traceId());
    assertEquals(SPAN, p.parentSpanId());
    assertEquals(10, p.flags());
  }

  @Test
  void toleratesSurroundingWhitespace() {
    assertTrue(TraceParent.parse("  00-" + TRACE + "-" + SPAN + "-01\t").isPresent());
  }

  @Test
  void readsTheKnownFieldsOfAFutureVersion() {
    TraceParent p = TraceParent.parse("cc-" + TRACE + "-" + SPAN + "-01-what-the-future-will-bring").orElseThrow();
    assertEquals(TRACE, p.traceId());
    assertEquals(SPAN, p.parentSpanId());
    assertTrue(TraceParent.parse("01-" + TRACE + "-" + SPAN + "-01").isPresent());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "garbage",
        // version ff is forbidden
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        // all-zero trace id, all-zero span id
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        // wrong lengths
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        // bad characters
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
        "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902\u0663\u0664-01", // Arabic-Indic digits
        // wrong separators
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
        // version 00 must not carry extra fields
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        // a future version's extra fields must follow a dash
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra",
      })
  void rejectsInvalidHeaders(String header) {
    assertEquals(Optional.empty(), TraceParent.parse(header), header);
  }

  @Test
  void rejectsNull() {
    assertEquals(Optional.empty(), TraceParent.parse(null));
  }

  @Test
  void formatWritesSampledVersion00() {
    assertEquals("00-" + TRACE + "-" + SPAN + "-01", TraceParent.format(TRACE, SPAN));
  }

  @Test
  void constructorRefusesInvalidIds() {
    assertThrows(IllegalArgumentException.class, () -> new TraceParent(TRACE.toUpperCase(), SPAN, 1));
    assertThrows(IllegalArgumentException.class, () -> new TraceParent(TRACE, "0000000000000000", 1));
  }
}
