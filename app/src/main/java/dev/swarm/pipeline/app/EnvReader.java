package dev.swarm.pipeline.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of environment variables that collect every problem (naming the variable) instead of
 * stopping at the first, so one failed start shows everything to fix.
 */
final class EnvReader {
  private final Map<String, String> env;
  private final List<String> problems = new ArrayList<>();

  EnvReader(Map<String, String> env) {
    this.env = env;
  }

  /** The raw value, or null when unset or blank. */
  String raw(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  String string(String name, String def) {
    String v = raw(name);
    return v == null ? def : v;
  }

  int integer(String name, int def, int min, int max) {
    long v = longValue(name, def, min, max);
    return (int) v;
  }

  long longValue(String name, long def, long min, long max) {
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

  <E extends Enum<E>> E enumValue(String name, Class<E> type, E def) {
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

  /** A Kafka topic name, checked against Kafka's own rules so a typo fails at start, not at first publish. */
  String topic(String name, String def) {
    String v = string(name, def);
    if (v.length() > 249 || !v.matches("[a-zA-Z0-9._-]+")) {
      problems.add(name + "=" + v + ": not a valid Kafka topic name ([a-zA-Z0-9._-], at most 249 characters)");
    }
    return v;
  }

  void problem(String message) {
    problems.add(message);
  }

  void throwIfProblems() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }
}
