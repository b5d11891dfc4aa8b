package dev.swarm.pipeline.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of environment variables that collect every problem (naming the variable) instead of
 * stopping at the first, so one failed start shows everything to fix.
 */
public final class EnvReader {
  private final Map<String, String> env;
  private final List<String> problems = new ArrayList<>();

  public EnvReader(Map<String, String> env) {
    this.env = env;
  }

  /** The raw value, or null when unset or blank. */
  public String raw(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  public String string(String name, String def) {
    String v = raw(name);
    return v == null ? def : v;
  }

  public int integer(String name, int def, int min, int max) {
    long v = longValue(name, def, min, max);
    return (int) v;
  }

  public long longValue(String name, long def, long min, long max) {
    String v = raw(name);
    if (v == null) {
      return def;
    }
    long parsed;
    try {
      parsed = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      problems.add(name + "=" + v + ": not an integer");
      return def;
    }
    if (parsed < min || parsed > max) {
      problems.add(name + "=" + v + ": must be between " + min + " and " + max);
      return def;
    }
    return parsed;
  }

  /**
   * A duration in milliseconds: a whole number and a unit, {@code s}, {@code m}, {@code h} or {@code d}
   * ({@code 90s}, {@code 5m}, {@code 7d}); within {@code [min, max]} milliseconds.
   */
  public long duration(String name, long defMillis, long minMillis, long maxMillis) {
    return parsed(name, defMillis, minMillis, maxMillis, EnvReader::parseDurationMillis,
        "not a duration (a whole number and a unit s, m, h or d, e.g. 7d or 90s)",
        formatDuration(minMillis) + " and " + formatDuration(maxMillis));
  }

  /**
   * A size in bytes: a whole number, optionally followed by {@code KiB}, {@code MiB} or {@code GiB}
   * ({@code 1GiB}, {@code 500MiB}, {@code 1048576}); within {@code [min, max]}.
   */
  public long bytes(String name, long def, long min, long max) {
    return parsed(name, def, min, max, EnvReader::parseBytes,
        "not a size (bytes, or a whole number with KiB, MiB or GiB, e.g. 1GiB)", min + " and " + max + " bytes");
  }

  /** A value read by {@code parser} (-1: not one), within {@code [min, max]}; else a problem and the default. */
  private long parsed(String name, long def, long min, long max, java.util.function.ToLongFunction<String> parser,
      String notOne, String range) {
    String v = raw(name);
    if (v == null) {
      return def;
    }
    long parsed = parser.applyAsLong(v);
    if (parsed < 0) {
      problems.add(name + "=" + v + ": " + notOne);
      return def;
    }
    if (parsed < min || parsed > max) {
      problems.add(name + "=" + v + ": must be between " + range);
      return def;
    }
    return parsed;
  }

  /**
   * {@code value}, or {@code floor} with a problem when it is below it: for a setting that must not be below
   * another ({@code name} and {@code floorName} are the two variables).
   */
  public long notBelow(String name, long value, String floorName, long floor) {
    if (value < floor) {
      problems.add(name + "=" + value + " must not be below " + floorName + "=" + floor);
      return floor;
    }
    return value;
  }

  /** Milliseconds of "&lt;number&gt;&lt;s|m|h|d&gt;", or -1 when it is not one. */
  public static long parseDurationMillis(String text) {
    String t = text.trim();
    if (t.length() < 2) {
      return -1;
    }
    long unit = switch (t.charAt(t.length() - 1)) {
      case 's' -> 1000L;
      case 'm' -> 60_000L;
      case 'h' -> 3_600_000L;
      case 'd' -> 86_400_000L;
      default -> -1;
    };
    long n = wholeNumber(t.substring(0, t.length() - 1).trim());
    if (unit < 0 || n < 0 || n > Long.MAX_VALUE / unit) {
      return -1;
    }
    return n * unit;
  }

  /** Bytes of "&lt;number&gt;[KiB|MiB|GiB]", or -1 when it is not one. */
  public static long parseBytes(String text) {
    String t = text.trim();
    long unit = t.endsWith("KiB") ? 1L << 10 : t.endsWith("MiB") ? 1L << 20 : t.endsWith("GiB") ? 1L << 30 : 1;
    if (unit > 1) {
      t = t.substring(0, t.length() - 3).trim();
    }
    long n = wholeNumber(t);
    if (n < 0 || n > Long.MAX_VALUE / unit) {
      return -1;
    }
    return n * unit;
  }

  /** The shortest exact form of a duration, for messages: 90000 -> "90s", 604800000 -> "7d". */
  public static String formatDuration(long millis) {
    if (millis % 86_400_000L == 0 && millis > 0) {
      return millis / 86_400_000L + "d";
    }
    if (millis % 3_600_000L == 0 && millis > 0) {
      return millis / 3_600_000L + "h";
    }
    if (millis % 60_000L == 0 && millis > 0) {
      return millis / 60_000L + "m";
    }
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private static long wholeNumber(String digits) {
    if (digits.isEmpty() || digits.length() > 18) {
      return -1;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(digits);
  }

  public <E extends Enum<E>> E enumValue(String name, Class<E> type, E def) {
    String v = raw(name);
    if (v == null) {
      return def;
    }
    try {
      return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> allowed = new ArrayList<>();
      for (E c : type.getEnumConstants()) {
        allowed.add(c.name().toLowerCase(Locale.ROOT));
      }
      problems.add(name + "=" + v + ": must be one of " + String.join(", ", allowed));
      return def;
    }
  }

  /** {@code true} or {@code false} (any case); null when unset, so a caller can tell "unset" from either. */
  public Boolean bool(String name) {
    String v = raw(name);
    if (v == null) {
      return null;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> {
        problems.add(name + "=" + v + ": must be true or false");
        yield null;
      }
    };
  }

  /** A Kafka topic name, checked against Kafka's own rules so a typo fails at start, not at first publish. */
  public String topic(String name, String def) {
    String v = string(name, def);
    if (v.length() > 249 || !v.matches("[a-zA-Z0-9._-]+")) {
      problems.add(name + "=" + v + ": not a valid Kafka topic name ([a-zA-Z0-9._-], at most 249 characters)");
    }
    return v;
  }

  public void problem(String message) {
    problems.add(message);
  }

  public void throwIfProblems() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }


  /** A path, or null when unset. */
  public Path path(String name) {
    String v = raw(name);
    if (v == null) {
      return null;
    }
    try {
      return Path.of(v);
    } catch (java.nio.file.InvalidPathException e) {
      problems.add(name + "=" + v + ": not a path");
      return null;
    }
  }
}
