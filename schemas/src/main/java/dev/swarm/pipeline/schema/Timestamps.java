package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * ISO-8601 date-times of the contract: parsing with a mandatory UTC offset, formatting as
 * {@code 2026-11-27T23:24:23.123Z}.
 *
 * <p>Parsing has a hand-written path for the shape almost every client sends
 * ({@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)}) and falls back to {@link SpanContract#TIME_PATTERN} plus
 * java.time for the rarer valid forms and for error messages. The supported range is the years 0000–9999 in
 * UTC, so every value formats as exactly 24 characters.
 */
public final class Timestamps {

  private static final Pattern TIME = Pattern.compile(SpanContract.TIME_PATTERN);

  /** The same shape without the offset: recognised only to give a precise error. */
  private static final Pattern TIME_WITHOUT_OFFSET =
      Pattern.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$");

  private static final long MILLIS_PER_DAY = 86_400_000L;

  /** 0000-01-01T00:00:00.000Z. */
  public static final long MIN_EPOCH_MILLIS = epochDay(0, 1, 1) * MILLIS_PER_DAY;

  /** 9999-12-31T23:59:59.999Z. */
  public static final long MAX_EPOCH_MILLIS = epochDay(9999, 12, 31) * MILLIS_PER_DAY + MILLIS_PER_DAY - 1;

  private static final long NOT_FAST = Long.MIN_VALUE;

  private static final String EXAMPLE = "2026-11-27T23:24:23.123Z";

  private static final DateTimeFormatter OUT_OF_RANGE_FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /**
   * Epoch milliseconds of an ISO-8601 date-time with offset, truncated to the millisecond.
   *
   * @throws IllegalArgumentException with a readable reason (no offset, bad date, out of range…)
   */
  public static long parseIso(String text) {
    long fast = parseCommonShape(text);
    return fast != NOT_FAST ? fast : parseAnyShape(text);
  }

  /** {@code 2026-11-27T23:24:23.123Z}: UTC, always three fractional digits. */
  public static String formatIso(long epochMillis) {
    if (epochMillis < MIN_EPOCH_MILLIS || epochMillis > MAX_EPOCH_MILLIS) {
      // Never produced by parseIso; only for Spans built by hand with odd values.
      return OUT_OF_RANGE_FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }
    long day = Math.floorDiv(epochMillis, MILLIS_PER_DAY);
    int millisOfDay = (int) Math.floorMod(epochMillis, MILLIS_PER_DAY);

    // Civil date from a day count (Howard Hinnant's days-to-civil algorithm, shifted so March is month 0).
    long z = day + 719_468;
    long era = Math.floorDiv(z, 146_097);
    int dayOfEra = (int) (z - era * 146_097);
    int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    int shiftedMonth = (5 * dayOfYear + 2) / 153;
    int dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
    int month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
    int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);

    int seconds = millisOfDay / 1000;
    byte[] out = new byte[24];
    put4(out, 0, year);
    out[4] = '-';
    put2(out, 5, month);
    out[7] = '-';
    put2(out, 8, dayOfMonth);
    out[10] = 'T';
    put2(out, 11, seconds / 3600);
    out[13] = ':';
    put2(out, 14, seconds / 60 % 60);
    out[16] = ':';
    put2(out, 17, seconds % 60);
    out[19] = '.';
    int millis = millisOfDay % 1000;
    out[20] = (byte) ('0' + millis / 100);
    out[21] = (byte) ('0' + millis / 10 % 10);
    out[22] = (byte) ('0' + millis % 10);
    out[23] = 'Z';
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /**
   * The common shape {@code YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)}, or {@link #NOT_FAST} for anything else,
   * including out-of-range fields, so that all errors come from one place ({@link #parseAnyShape}).
   */
  private static long parseCommonShape(String s) {
    int n = s.length();
    if (n < 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return NOT_FAST;
    }
    int year = digits4(s, 0);
    int month = digits2(s, 5);
    int day = digits2(s, 8);
    int hour = digits2(s, 11);
    int minute = digits2(s, 14);
    int second = digits2(s, 17);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
        || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return NOT_FAST;
    }
    int pos = 19;
    int millis = 0;
    if (s.charAt(pos) == '.') {
      pos++;
      int fractionStart = pos;
      while (pos < n && isDigit(s.charAt(pos))) {
        // Keep the first three digits; the rest is truncated away.
        if (pos - fractionStart < 3) {
          millis = millis * 10 + (s.charAt(pos) - '0');
        }
        pos++;
      }
      int fractionDigits = pos - fractionStart;
      if (fractionDigits == 0) {
        return NOT_FAST;
      }
      for (int i = fractionDigits; i < 3; i++) {
        millis *= 10;
      }
    }
    int offsetSeconds;
    int remaining = n - pos;
    if (remaining == 1 && s.charAt(pos) == 'Z') {
      offsetSeconds = 0;
    } else if (remaining == 6 && (s.charAt(pos) == '+' || s.charAt(pos) == '-') && s.charAt(pos + 3) == ':') {
      int offsetHours = digits2(s, pos + 1);
      int offsetMinutes = digits2(s, pos + 4);
      if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) {
        return NOT_FAST;
      }
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (s.charAt(pos) == '-' ? -1 : 1);
    } else {
      return NOT_FAST;
    }
    long result = toEpochMillis(year, month, day, hour, minute, second, millis, offsetSeconds);
    return result < MIN_EPOCH_MILLIS || result > MAX_EPOCH_MILLIS ? NOT_FAST : result;
  }

  /** Every valid form (see {@link SpanContract#TIME_PATTERN}), with java.time checking the calendar. */
  private static long parseAnyShape(String s) {
    if (!TIME.matcher(s).matches()) {
      if (TIME_WITHOUT_OFFSET.matcher(s).matches()) {
        throw new IllegalArgumentException(
            "date-time has no UTC offset; add Z or ±HH:MM (e.g. " + EXAMPLE + ")");
      }
      throw new IllegalArgumentException(
          "not an ISO-8601 date-time with UTC offset (e.g. " + EXAMPLE + ")");
    }
    // The pattern fixed the layout up to the minutes; everything after is optional.
    int year = digits4(s, 0);
    int month = digits2(s, 5);
    int day = digits2(s, 8);
    int hour = digits2(s, 11);
    int minute = digits2(s, 14);
    int pos = 16;
    int second = 0;
    int millis = 0;
    if (s.charAt(pos) == ':') {
      second = digits2(s, pos + 1);
      pos += 3;
      if (s.charAt(pos) == '.') {
        pos++;
        int fractionStart = pos;
        while (isDigit(s.charAt(pos))) {
          pos++;
        }
        String firstThree = (s.substring(fractionStart, Math.min(pos, fractionStart + 3)) + "00").substring(0, 3);
        millis = Integer.parseInt(firstThree);
      }
    }
    int offsetSeconds = 0;
    char sign = s.charAt(pos);
    if (sign == '+' || sign == '-') {
      // ±HH, ±HHMM or ±HH:MM, told apart by length.
      int offsetLength = s.length() - pos;
      int offsetHours = digits2(s, pos + 1);
      int offsetMinutes = offsetLength == 6 ? digits2(s, pos + 4) : offsetLength == 5 ? digits2(s, pos + 3) : 0;
      offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == '-' ? -1 : 1);
    }
    try {
      LocalDate.of(year, month, day);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("invalid date: " + e.getMessage());
    }
    long result = toEpochMillis(year, month, day, hour, minute, second, millis, offsetSeconds);
    if (result < MIN_EPOCH_MILLIS || result > MAX_EPOCH_MILLIS) {
      throw new IllegalArgumentException("date-time is outside the supported range (years 0000–9999 in UTC)");
    }
    return result;
  }

  private static long toEpochMillis(
      int year, int month, int day, int hour, int minute, int second, int millis, int offsetSeconds) {
    long secondsOfDay = hour * 3600L + minute * 60L + second - offsetSeconds;
    return epochDay(year, month, day) * MILLIS_PER_DAY + secondsOfDay * 1000L + millis;
  }

  /** Days since 1970-01-01 (Howard Hinnant's days-from-civil algorithm); assumes a valid date. */
  private static long epochDay(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = Math.floorDiv(y, 400);
    int yearOfEra = y - era * 400;
    int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097L + dayOfEra - 719_468;
  }

  private static int daysInMonth(int year, int month) {
    switch (month) {
      case 2:
        return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Two decimal digits at {@code at}, or -1. */
  private static int digits2(String s, int at) {
    char a = s.charAt(at);
    char b = s.charAt(at + 1);
    if (!isDigit(a) || !isDigit(b)) {
      return -1;
    }
    return (a - '0') * 10 + (b - '0');
  }

  private static int digits4(String s, int at) {
    int high = digits2(s, at);
    int low = digits2(s, at + 2);
    return high < 0 || low < 0 ? -1 : high * 100 + low;
  }

  private static void put2(byte[] out, int at, int value) {
    out[at] = (byte) ('0' + value / 10);
    out[at + 1] = (byte) ('0' + value % 10);
  }

  private static void put4(byte[] out, int at, int value) {
    put2(out, at, value / 100);
    put2(out, at + 2, value % 100);
  }
}
