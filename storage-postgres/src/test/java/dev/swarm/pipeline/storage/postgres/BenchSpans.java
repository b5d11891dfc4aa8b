package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic agent traces for the write benchmark: 15–25 spans a trace in a random tree, random 32-hex trace ids
 * and 16-hex span ids, 20 tenants, and about 1 KB of attributes per span (model, token counts, URL, tool arguments, a
 * prompt preview of natural-looking words, a commit hash) plus two events, as the agents' LLM and tool spans carry.
 */
final class BenchSpans {

  private static final String[] NAMES = {
    "agent.run", "agent.plan", "agent.reflect", "llm.chat", "llm.generate", "tool.search", "tool.browse",
    "tool.code_exec", "tool.file_read", "tool.file_write", "http.get", "http.post", "db.query", "cache.get",
    "queue.publish", "memory.recall", "memory.store", "git.clone", "git.commit", "ticket.update"
  };
  private static final String[] MODELS = {"gpt-4o-mini", "claude-sonnet", "llama-3-70b", "mistral-large"};
  private static final String[] SERVICES = {"agent-runner", "ticket-api", "tool-gateway", "llm-proxy", "git-mirror"};
  private static final String[] WORDS = {
    "the", "agent", "should", "refactor", "method", "into", "smaller", "functions", "and", "add", "tests", "for",
    "edge", "cases", "when", "input", "is", "empty", "null", "or", "very", "large", "please", "review", "diff",
    "below", "then", "explain", "which", "files", "changed", "why", "build", "failed", "on", "module", "storage",
    "retry", "with", "backoff", "timeout", "exceeded", "while", "calling", "upstream", "service", "ticket", "user",
    "reported", "that", "page", "renders", "slowly", "after", "login", "investigate", "query", "plan", "index"
  };

  private final SplittableRandom random;
  private long clockMillis;

  BenchSpans(long seed, long startMillis) {
    this.random = new SplittableRandom(seed);
    this.clockMillis = startMillis;
  }

  /** At least {@code count} spans, whole traces, in trace order; start times advance a few ms per trace. */
  List<Span> spans(int count) {
    List<Span> out = new ArrayList<>(count + 25);
    while (out.size() < count) {
      out.addAll(trace(15 + random.nextInt(11)));
    }
    return out.subList(0, count);
  }

  /** Whole traces of {@code minSpans}..{@code maxSpans} spans each, at least {@code count} spans in all. */
  List<List<Span>> traces(int count, int minSpans, int maxSpans) {
    List<List<Span>> out = new ArrayList<>();
    int spans = 0;
    while (spans < count) {
      List<Span> trace = trace(minSpans + random.nextInt(maxSpans - minSpans + 1));
      out.add(trace);
      spans += trace.size();
    }
    return out;
  }

  private List<Span> trace(int spanCount) {
    String traceId = hex(32);
    clockMillis += 1 + random.nextInt(5);
    long traceStart = clockMillis;
    String tenant = "tenant-" + random.nextInt(20);
    String ticket = "TCK-" + (10000 + random.nextInt(5000));
    String agent = "agent-" + random.nextInt(50);
    List<Span> spans = new ArrayList<>(spanCount);
    long[] starts = new long[spanCount];
    for (int i = 0; i < spanCount; i++) {
      int parentIndex = i == 0 ? -1 : random.nextInt(i);
      long start = i == 0 ? traceStart : starts[parentIndex] + random.nextInt(50);
      starts[i] = start;
      long duration = 1 + random.nextInt(2000);
      int r = random.nextInt(100);
      SpanStatus status = r < 3 ? SpanStatus.ERROR : r < 73 ? SpanStatus.OK : SpanStatus.UNSET;
      String name = i == 0 ? "agent.run" : NAMES[random.nextInt(NAMES.length)];
      SpanKind kind = name.startsWith("http") ? SpanKind.CLIENT : i == 0 ? SpanKind.SERVER : SpanKind.INTERNAL;
      spans.add(new Span(hex(16), traceId, parentIndex < 0 ? null : spans.get(parentIndex).id(), name, kind, status,
          start, start + duration, duration, tenant, ticket, agent, attributes(name, ticket), events(start), 2));
    }
    return spans;
  }

  private String attributes(String name, String ticket) {
    StringBuilder sb = new StringBuilder(1100);
    sb.append("{\"service.name\":\"").append(SERVICES[random.nextInt(SERVICES.length)]).append('"');
    sb.append(",\"component\":\"").append(name, 0, name.indexOf('.')).append('"');
    sb.append(",\"host.name\":\"worker-").append(random.nextInt(64)).append('"');
    sb.append(",\"llm.model\":\"").append(MODELS[random.nextInt(MODELS.length)]).append('"');
    sb.append(",\"llm.tokens.prompt\":").append(random.nextInt(8000));
    sb.append(",\"llm.tokens.completion\":").append(random.nextInt(2000));
    sb.append(",\"http.status_code\":").append(random.nextInt(10) == 0 ? 503 : 200);
    sb.append(",\"http.url\":\"https://tickets.internal/api/v2/tickets/").append(ticket).append("/attempts/")
        .append(1 + random.nextInt(5)).append('"');
    sb.append(",\"git.commit\":\"").append(hex(40)).append('"');
    sb.append(",\"tool.args\":\"{\\\"path\\\":\\\"src/main/java/dev/swarm/").append(WORDS[random.nextInt(WORDS.length)])
        .append('/').append(WORDS[random.nextInt(WORDS.length)]).append(".java\\\",\\\"line\\\":")
        .append(random.nextInt(900)).append("}\"");
    sb.append(",\"llm.prompt.preview\":\"");
    int target = 1000 - 3;
    while (sb.length() < target) {
      sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
    }
    sb.setLength(target);
    return sb.append("\"}").toString();
  }

  private String events(long start) {
    return "[{\"name\":\"retry\",\"time\":\"" + Timestamps.formatIso(start + random.nextInt(20))
        + "\",\"attributes\":{\"attempt\":" + (1 + random.nextInt(3)) + "}},"
        + "{\"name\":\"log\",\"time\":\"" + Timestamps.formatIso(start + 20 + random.nextInt(20))
        + "\",\"attributes\":{\"message\":\"cache miss for key " + hex(8) + "\"}}]";
  }

  private String hex(int chars) {
    StringBuilder sb = new StringBuilder(chars);
    for (int i = 0; i < chars; i++) {
      sb.append(Character.forDigit(random.nextInt(16), 16));
    }
    return sb.toString();
  }
}
