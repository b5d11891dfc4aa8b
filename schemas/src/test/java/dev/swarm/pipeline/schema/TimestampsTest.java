package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {

  @ParameterizedTest
  @CsvSource({
    "2026-11-27T23:24:23.123Z,        2026-11-27T23:24:23.123Z",
    "2026-11-27T23:24:23Z,            2026-11-27T23:24:23.000Z",
    "2026-11-27T23:24:23.1Z,          2026-11-27T23:24:23.100Z",
    "2026-11-27T23:24:23.12Z,         2026-11-27T23:24:23.120Z",
    "2026-11-27T23:24:23.123999Z,     2026-11-27T23:24:23.123Z",
    "2026-11-27T23:24:23.9999999999999Z, 2026-11-27T23:24:23.999Z",
    "2026-11-28T00:24:23.123+01:00,   2026-11-27T23:24:23.123Z",
    "2026-11-27T18:54:23.123-04:30,   2026-11-27T23:24:23.123Z",
    "2026-11-28T00:24:23.123+0100,    2026-11-27T23:24:23.123Z",
    "2026-11-28T00:24:23.123+01,      2026-11-27T23:24:23.123Z",
    "2026-11-28t00:24:23.123+01:00,   2026-11-27T23:24:23.123Z",
    "2026-11-27T23:24z,               2026-11-27T23:24:00.000Z",
    "2026-11-27T23:24+00:00,          2026-11-27T23:24:00.000Z",
    "2026-11-27T23:24:23.123-00:00,   2026-11-27T23:24:23.123Z",
    "2027-01-01T00:30:00+23:59,       2026-12-31T00:31:00.000Z",
    "1969-12-31T23:59:59.9999Z,       1969-12-31T23:59:59.999Z",
    "2000-02-29T00:00:00Z,            2000-02-29T00:00:00.000Z",
    "0000-01-01T00:00:00Z,            0000-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999999Z,     9999-12-31T23:59:59.999Z",
  })
  void parsesAndNormalises(String input, String expected) {
    assertEquals(expected, Timestamps.formatIso(Timestamps.parseIso(input)));
  }

  @Test
  void truncatesTowardsThePastBeforeTheEpoch() {
    assertEquals(-1L, Timestamps.parseIso("1969-12-31T23:59:59.9999Z"));
    assertEquals(-1000L, Timestamps.parseIso("1969-12-31T23:59:59.0009Z"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-27T23:24:23.123",
        "2026-11-27T23:24:23",
        "2026-11-27 23:24:23",
        "2026-11-27T23:24"
      })
  void saysWhenTheOffsetIsMissing(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parseIso(input));
    assertTrue(e.getMessage().contains("no UTC offset"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "yesterday",
        "2026-11-27",
        "2026-11-27T23:24:23.Z",
        "2026-11-27T23:24:23.123ZZ",
        "2026-11-27T23:24:23.123+1:00",
        "2026-11-27T23:24:23.123+01:0",
        "2026-11-27T23:24:23.123+24:00",
        "2026-13-27T23:24:23Z",
        "2026-11-32T23:24:23Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T23:60:00Z",
        "2026-11-27T23:24:60Z",
        "+12026-11-27T23:24:23Z",
        "2026-11-27T23:24:23.123 Z",
        " 2026-11-27T23:24:23Z",
        "２０２６-11-27T23:24:23Z"
      })
  void rejectsWhatIsNotAnIsoDateTimeWithOffset(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parseIso(input));
    assertTrue(e.getMessage().contains("ISO-8601") || e.getMessage().contains("offset"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00+01:00"})
  void rejectsDaysTheCalendarDoesNotHave(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parseIso(input));
    assertTrue(e.getMessage().startsWith("invalid date"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"})
  void rejectsValuesOutsideYears0000To9999InUtc(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parseIso(input));
    assertTrue(e.getMessage().contains("range"), e.getMessage());
  }

  @Test
  void formatsEpochMillis() {
    assertEquals("1970-01-01T00:00:00.000Z", Timestamps.formatIso(0));
    assertEquals("1969-12-31T23:59:59.999Z", Timestamps.formatIso(-1));
    assertEquals("2026-11-27T23:24:23.123Z", Timestamps.formatIso(1_795_821_863_123L));
    assertEquals("0000-01-01T00:00:00.000Z", Timestamps.formatIso(Timestamps.MIN_EPOCH_MILLIS));
    assertEquals("9999-12-31T23:59:59.999Z", Timestamps.formatIso(Timestamps.MAX_EPOCH_MILLIS));
  }

  @Test
  void formatsOutOfRangeValuesWithoutFailing() {
    assertEquals("+10000-01-01T00:00:00.000Z", Timestamps.formatIso(Timestamps.MAX_EPOCH_MILLIS + 1));
  }

  /** The hand-written paths agree with java.time over the whole supported range and all offsets. */
  @Test
  void agreesWithJavaTimeOnRandomValues() {
    Random random = new Random(20261127);
    DateTimeFormatter fast = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSxxx");
    DateTimeFormatter utcMillis = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    for (int i = 0; i < 20_000; i++) {
      long millis =
          Timestamps.MIN_EPOCH_MILLIS + 86_400_000L
              + (long) (random.nextDouble() * (Timestamps.MAX_EPOCH_MILLIS - Timestamps.MIN_EPOCH_MILLIS - 2 * 86_400_000L));
      int nanos = random.nextInt(1_000_000);
      Instant instant = Instant.ofEpochMilli(millis).plusNanos(nanos);
      ZoneOffset offset = ZoneOffset.ofTotalSeconds((random.nextInt(36 * 4 + 1) - 18 * 4) * 15 * 60);
      OffsetDateTime local = instant.atOffset(offset);

      assertEquals(utcMillis.format(Instant.ofEpochMilli(millis)), Timestamps.formatIso(millis), "format " + millis);

      String common = fast.format(local);
      assertEquals(millis, Timestamps.parseIso(common), common);
      // Lower-case 't' takes the java.time fallback path; it must give the same answer.
      assertEquals(millis, Timestamps.parseIso(common.replace('T', 't')), common);
    }
  }
}
