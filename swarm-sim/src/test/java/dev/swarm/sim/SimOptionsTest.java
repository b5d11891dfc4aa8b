package dev.swarm.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimOptionsTest {

  @Test
  void defaults() {
    SimOptions o = SimOptions.parse();
    assertEquals("http://127.0.0.1:8080", o.target());
    assertEquals(5, o.ticketsPerSecond());
    assertEquals(30, o.durationSeconds());
    assertEquals(4, o.agents());
    assertEquals(0, o.errorRate());
    assertEquals(0, o.vmFailureRate());
    assertEquals(150, o.tickets());
    assertEquals(0, o.timeScale(), "spans of a ticket are sent at once by default");
  }

  @Test
  void parsesTheTimeScale() {
    assertEquals(60, SimOptions.parse("--time-scale", "60").timeScale());
    assertEquals(2.5, SimOptions.parse("--time-scale=2.5").timeScale());
    assertMessage("--time-scale", "--time-scale", "0.5");
    assertMessage("--time-scale", "--time-scale", "-1");
  }

  @Test
  void parsesBothSpellings() {
    SimOptions o =
        SimOptions.parse(
            "--target", "http://pipeline:9000/", "--tickets-per-second=20", "--duration", "2.5", "--agents", "8",
            "--error-rate", "0.1", "--vm-failure-rate=0.05", "--seed", "42");
    assertEquals(new SimOptions("http://pipeline:9000", 20, 2.5, 8, 0.1, 0.05, 42, 0), o);
    assertEquals(50, o.tickets());
  }

  @Test
  void rejectsBadValuesNamingTheOption() {
    assertMessage("--error-rate", "--error-rate", "1.5");
    assertMessage("--agents", "--agents", "0");
    assertMessage("--duration", "--duration", "soon");
    assertMessage("--target", "--target", "ftp://x");
    assertMessage("unknown option", "--colour", "red");
    assertMessage("needs a value", "--seed");
  }

  private static void assertMessage(String expected, String... args) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(args));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
