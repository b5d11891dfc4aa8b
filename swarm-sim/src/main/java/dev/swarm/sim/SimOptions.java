package dev.swarm.sim;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Command-line options of the simulator.
 *
 * @param target base URL of the pipeline (spans go to {@code <target>/api/traces})
 * @param ticketsPerSecond tickets started per second of wall time
 * @param durationSeconds how long to send; the run sends {@code round(ticketsPerSecond * durationSeconds)}
 *     tickets (at least one)
 * @param agents number of simulated agents (ids {@code agent-01}...)
 * @param errorRate probability that an LLM call fails, and separately that a push fails
 * @param vmFailureRate probability that spawning the ticket's VM fails
 * @param seed seeds every choice the simulator makes (tenants, tickets, agents, durations, failures)
 * @param timeScale 0 (default): each ticket's spans are generated and sent at once, all in the past; N >= 1:
 *     each span is ended (and so sent) when its end comes round in wall-clock time compressed N times
 *     ({@link TimeScale})
 */
public record SimOptions(
    String target,
    double ticketsPerSecond,
    double durationSeconds,
    int agents,
    double errorRate,
    double vmFailureRate,
    long seed,
    double timeScale) {

  public static final String USAGE =
      """
      usage: swarm-sim [--target URL] [--tickets-per-second N] [--duration SECONDS] [--agents N]
                       [--error-rate 0..1] [--vm-failure-rate 0..1] [--seed N] [--time-scale N]
        --target               pipeline base URL (default http://127.0.0.1:8080)
        --tickets-per-second   tickets started per second (default 5)
        --duration             seconds to send for (default 30)
        --agents               simulated agents (default 4)
        --error-rate           chance an LLM call fails, and that a push fails (default 0)
        --vm-failure-rate      chance a VM spawn fails (default 0)
        --seed                 makes the run repeatable (default: random, printed in the report)
        --time-scale           send each span when it ends, in wall time compressed N times (a 10-minute
                               ticket takes 10 s at 60); default 0: each ticket's spans are sent at once
      """;

  public SimOptions {
    if (!target.startsWith("http://") && !target.startsWith("https://")) {
      throw new IllegalArgumentException("--target must be an http(s) URL, not '" + target + "'");
    }
    target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    if (!(ticketsPerSecond > 0) || ticketsPerSecond > 100_000) {
      throw new IllegalArgumentException("--tickets-per-second must be in (0, 100000], not " + ticketsPerSecond);
    }
    if (!(durationSeconds > 0) || durationSeconds > 86_400) {
      throw new IllegalArgumentException("--duration must be in (0, 86400] seconds, not " + durationSeconds);
    }
    if (agents < 1 || agents > 10_000) {
      throw new IllegalArgumentException("--agents must be in [1, 10000], not " + agents);
    }
    rate("--error-rate", errorRate);
    rate("--vm-failure-rate", vmFailureRate);
    new TimeScale(timeScale); // validates
  }

  /** Without a time scale: every ticket's spans are sent at once. */
  public SimOptions(
      String target, double ticketsPerSecond, double durationSeconds, int agents, double errorRate,
      double vmFailureRate, long seed) {
    this(target, ticketsPerSecond, durationSeconds, agents, errorRate, vmFailureRate, seed, 0);
  }

  /** The same options with a time scale (0 = off). */
  public SimOptions withTimeScale(double factor) {
    return new SimOptions(target, ticketsPerSecond, durationSeconds, agents, errorRate, vmFailureRate, seed, factor);
  }

  TimeScale scale() {
    return new TimeScale(timeScale);
  }

  private static void rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, not " + value);
    }
  }

  public static SimOptions defaults() {
    return new SimOptions("http://127.0.0.1:8080", 5, 30, 4, 0, 0, ThreadLocalRandom.current().nextLong(1, 1L << 40));
  }

  /** Total tickets this run sends. */
  public long tickets() {
    return Math.max(1, Math.round(ticketsPerSecond * durationSeconds));
  }

  /** Parses {@code --name value} or {@code --name=value}; throws IllegalArgumentException with the problem. */
  public static SimOptions parse(String... args) {
    SimOptions d = defaults();
    String target = d.target;
    double tps = d.ticketsPerSecond;
    double duration = d.durationSeconds;
    int agents = d.agents;
    double errorRate = d.errorRate;
    double vmFailureRate = d.vmFailureRate;
    long seed = d.seed;
    double timeScale = d.timeScale;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(
              arg.startsWith("--") ? arg + " needs a value" : "unexpected argument '" + arg + "'");
        }
        value = args[++i];
      }
      switch (name.toLowerCase(Locale.ROOT)) {
        case "--target" -> target = value;
        case "--tickets-per-second" -> tps = number(name, value);
        case "--duration" -> duration = number(name, value);
        case "--agents" -> agents = (int) whole(name, value);
        case "--error-rate" -> errorRate = number(name, value);
        case "--vm-failure-rate" -> vmFailureRate = number(name, value);
        case "--seed" -> seed = whole(name, value);
        case "--time-scale" -> timeScale = number(name, value);
        default -> throw new IllegalArgumentException("unknown option '" + name + "'");
      }
    }
    return new SimOptions(target, tps, duration, agents, errorRate, vmFailureRate, seed, timeScale);
  }

  private static double number(String name, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, not '" + value + "'");
    }
  }

  private static long whole(String name, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
    }
  }
}
