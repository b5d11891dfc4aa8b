package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic generator of realistic agent traces for tests and benchmarks: random W3C-style ids, one root,
 * a random tree below it, 3–5 attributes and two events per span.
 */
final class SyntheticTraces {

  private static final String[] NAMES = {
    "agent.run", "agent.plan", "agent.reflect", "llm.chat", "llm.embed", "tool.search", "tool.browse",
    "tool.code_exec", "tool.file_read", "tool.file_write", "http.get", "http.post", "db.query", "cache.get",
    "queue.publish", "memory.recall", "memory.store", "git.clone", "git.commit", "ticket.update"
  };
  private static final String[] MODELS = {"gpt-4o-mini", "claude-sonnet", "llama-3-70b", "mistral-large"};
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final SplittableRandom random;
  private long clockMillis;

  SyntheticTraces(long seed) {
    this(seed, Instant.parse("2026-11-27T00:00:00Z").toEpochMilli());
  }

  SyntheticTraces(long seed, long startMillis) {
    this.random = new SplittableRandom(seed);
    this.clockMillis = startMillis;
  }

  static String iso(long epochMillis) {
    return ISO.format(Instant.ofEpochMilli(epochMillis));
  }

  String hex(int chars) {
    StringBuilder sb = new StringBuilder(chars);
    for (int i = 0; i < chars; i++) {
      sb.append(Character.forDigit(random.nextInt(16), 16));
    }
    return sb.toString();
  }

  /** A trace of {@code spanCount} spans: span 0 is the root, every other span hangs under an earlier one. */
  List<Span> trace(int spanCount) {
    String traceId = hex(32);
    clockMillis += 1 + random.nextInt(5);
    long traceStart = clockMillis;
    String tenant = "tenant-" + random.nextInt(20);
    String ticket = "TCK-" + (10000 + random.nextInt(5000));
    String agent = "agent-" + random.nextInt(50);
    List<Span> spans = new ArrayList<>(spanCount);
    long[] starts = new long[spanCount];
    for (int i = 0; i < spanCount; i++) {
      Span parent = i == 0 ? null : spans.get(random.nextInt(i));
      long start = i == 0 ? traceStart : starts[spans.indexOf(parent)] + random.nextInt(50);
      starts[i] = start;
      long duration = 1 + random.nextInt(2000);
      int r = random.nextInt(100);
      SpanStatus status = r < 3 ? SpanStatus.ERROR : r < 73 ? SpanStatus.OK : SpanStatus.UNSET;
      String name = i == 0 ? "agent.run" : NAMES[random.nextInt(NAMES.length)];
      SpanKind kind = name.startsWith("http") ? SpanKind.CLIENT : i == 0 ? SpanKind.SERVER : SpanKind.INTERNAL;
      spans.add(new Span(hex(16), traceId, parent == null ? null : parent.id(), name, kind, status, start,
          start + duration, duration, tenant, ticket, agent, attributes(name), events(start), 2));
    }
    return spans;
  }

  /** A trace of 15..25 spans (20 on average). */
  List<Span> trace() {
    return trace(15 + random.nextInt(11));
  }

  private String attributes(String name) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"component\":\"").append(name, 0, name.indexOf('.')).append('"');
    sb.append(",\"host.name\":\"worker-").append(random.nextInt(64)).append('"');
    sb.append(",\"llm.model\":\"").append(MODELS[random.nextInt(MODELS.length)]).append('"');
    int extra = random.nextInt(3);
    if (extra >= 1) {
      sb.append(",\"llm.tokens.prompt\":").append(random.nextInt(8000));
    }
    if (extra >= 2) {
      sb.append(",\"http.status_code\":").append(random.nextBoolean() ? 200 : 503);
    }
    return sb.append('}').toString();
  }

  private String events(long start) {
    return "[{\"name\":\"retry\",\"time\":\"" + iso(start + random.nextInt(20))
        + "\",\"attributes\":{\"attempt\":" + (1 + random.nextInt(3)) + "}},"
        + "{\"name\":\"log\",\"time\":\"" + iso(start + 20 + random.nextInt(20))
        + "\",\"attributes\":{\"message\":\"cache miss for key " + hex(8) + "\"}}]";
  }
}
