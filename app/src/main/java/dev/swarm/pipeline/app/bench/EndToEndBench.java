package dev.swarm.pipeline.app.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end benchmark ({@code bin/trace-e2e-bench}): posts N spans as fast as the pipeline accepts them, then
 * waits until storage has written them all, and reports spans/s from the first POST to the last row, database
 * bytes per million spans, and how long after its 202 a sampled trace became queryable (complete) through
 * {@code GET /api/traces/{id}}.
 */
public final class EndToEndBench {
  private final URI target;
  private final List<URI> writers;
  private final long totalSpans;
  private final int connections;
  private final int batch;
  private final int spansPerTrace;
  private final int queryEvery;
  private final double ratePerSec;
  private final SpanBatchGenerator generator;
  private long startNanos;
  private final AtomicLong acceptedSpans = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicInteger outstandingProbes = new AtomicInteger();
  private final List<Long> queryLatenciesMs = new ArrayList<>();
  private final Map<String, Integer> errors = new TreeMap<>();

  EndToEndBench(URI target, List<URI> writers, long totalSpans, int connections, int batch, int spansPerTrace,
      int queryEvery, double ratePerSec) {
    this.target = target;
    this.writers = List.copyOf(writers);
    this.totalSpans = totalSpans;
    this.connections = connections;
    this.batch = batch;
    this.spansPerTrace = spansPerTrace;
    this.queryEvery = queryEvery;
    this.ratePerSec = ratePerSec;
    this.generator = new SpanBatchGenerator(batch, spansPerTrace);
  }

  static final String USAGE = """
      usage: trace-e2e-bench [--target URL] [--spans N] [--connections N] [--batch N] [--spans-per-trace N]
                             [--query-every N] [--rate SPANS_PER_SEC] [--writers URL,URL…]
      Posts spans to a running pipeline and measures them end to end: from the first POST until the last span is
      in storage (trace_storage_spans_written_total), with a read by id every --query-every batches.
        --target            pipeline base URL (default http://127.0.0.1:8080)
        --spans             spans to send (default 5000000)
        --connections       concurrent POSTs (default 8)
        --batch             spans per POST (default 100)
        --spans-per-trace   (default 10)
        --query-every       batches between reads by id (default 200)
        --rate              spans per second at most; 0 = as fast as accepted (default 0)
        --writers           base URLs of every process that writes storage, whose written spans are summed (default:
                            the target; with PostgreSQL, the target and each extra ROLE=aggregator process)
      """;

  private static final java.util.Set<String> OPTIONS =
      java.util.Set.of("target", "spans", "connections", "batch", "spans-per-trace", "query-every", "rate",
          "writers");

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new TreeMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.print(USAGE);
        return;
      }
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !OPTIONS.contains(name) || i + 1 >= args.length) {
        System.err.println("trace-e2e-bench: " + (name == null || !OPTIONS.contains(name)
            ? "unknown option " + args[i] : args[i] + " needs a value"));
        System.err.print(USAGE);
        System.exit(2);
      }
      o.put(name, args[i + 1]);
    }
    EndToEndBench bench;
    try {
      URI target = URI.create(o.getOrDefault("target", "http://127.0.0.1:8080"));
      List<URI> writers = new ArrayList<>();
      for (String w : o.getOrDefault("writers", target.toString()).split(",")) {
        writers.add(URI.create(w.trim()));
      }
      bench = new EndToEndBench(target, writers,
          Long.parseLong(o.getOrDefault("spans", "5000000")),
          Integer.parseInt(o.getOrDefault("connections", "8")),
          Integer.parseInt(o.getOrDefault("batch", "100")),
          Integer.parseInt(o.getOrDefault("spans-per-trace", "10")),
          Integer.parseInt(o.getOrDefault("query-every", "200")),
          Double.parseDouble(o.getOrDefault("rate", "0")));
    } catch (IllegalArgumentException e) {
      System.err.println("trace-e2e-bench: bad option value: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      bench.run();
    } catch (Exception e) {
      System.err.println("trace-e2e-bench: " + (e.getCause() != null ? e.getCause() : e));
      System.exit(1);
    }
    System.exit(0); // the Vert.x threads would keep the JVM alive
  }

  void run() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost(target.getHost()).setDefaultPort(target.getPort()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections + 16));
    List<HttpClient> writerClients = new ArrayList<>();
    for (URI w : writers) {
      writerClients.add(vertx.createHttpClient(new HttpClientOptions().setDefaultHost(w.getHost())
          .setDefaultPort(w.getPort()).setKeepAlive(true)));
    }
    double written0 = metric(writerClients, "trace_storage_spans_written_total");
    long start = System.currentTimeMillis();
    startNanos = System.nanoTime();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    AtomicInteger running = new AtomicInteger(connections);
    for (int c = 0; c < connections; c++) {
      vertx.runOnContext(v -> post(vertx, client, sent, running));
    }
    sent.get();
    long sendEnd = System.currentTimeMillis();
    long accepted = acceptedSpans.get();
    double written;
    while ((written = metric(writerClients, "trace_storage_spans_written_total")) - written0 < accepted) {
      Thread.sleep(250);
    }
    long allStored = System.currentTimeMillis();
    while (outstandingProbes.get() > 0) {
      Thread.sleep(50);
    }
    // One database: every writer reports it (PostgreSQL), or there is one writer (SQLite).
    double dbBytes = metric(writerClients.get(0), "trace_storage_db_bytes");
    vertx.close().toCompletionStage().toCompletableFuture().join();

    System.out.printf("spans=%d requests=%d batch=%d connections=%d writers=%d target_rate=%s%n", accepted,
        requests.get(), batch, connections, writers.size(), ratePerSec > 0 ? String.format("%.0f/s", ratePerSec) : "unpaced");
    System.out.printf("ingest_spans_per_sec=%.0f (%.1fs)%n", accepted * 1000.0 / (sendEnd - start), (sendEnd - start) / 1000.0);
    System.out.printf("end_to_end_spans_per_sec=%.0f (first POST to last span written: %.1fs; written=%.0f)%n",
        accepted * 1000.0 / (allStored - start), (allStored - start) / 1000.0, written - written0);
    System.out.printf("db_bytes=%.0f db_bytes_per_million_spans=%.0f (whole file, all runs so far)%n", dbBytes,
        written > 0 ? dbBytes / (written / 1e6) : 0);
    synchronized (queryLatenciesMs) {
      long[] l = queryLatenciesMs.stream().mapToLong(Long::longValue).sorted().toArray();
      if (l.length > 0) {
        System.out.printf("queryable_after_ack_ms samples=%d p50=%d p99=%d max=%d%n", l.length, pct(l, 0.5), pct(l, 0.99),
            l[l.length - 1]);
      }
    }
    System.out.println("errors=" + (errors.isEmpty() ? "none" : errors));
  }

  private void post(Vertx vertx, HttpClient client, CompletableFuture<Void> sent, AtomicInteger running) {
    if (acceptedSpans.get() >= totalSpans) {
      if (running.decrementAndGet() == 0) {
        sent.complete(null);
      }
      return;
    }
    long n = requests.incrementAndGet();
    if (ratePerSec > 0) {
      // Paced: request n is due when n batches fit into the elapsed time at the target rate.
      long dueNanos = startNanos + (long) ((n - 1) * batch * 1e9 / ratePerSec);
      long waitMs = (dueNanos - System.nanoTime()) / 1_000_000;
      if (waitMs > 0) {
        requests.decrementAndGet();
        vertx.setTimer(waitMs, id -> post(vertx, client, sent, running));
        return;
      }
    }
    SpanBatchGenerator.Body body = generator.nativeBody();
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/traces")
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(Buffer.buffer(body.json())).compose(resp -> resp.body().map(b -> resp.statusCode())))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 202) {
            acceptedSpans.addAndGet(batch);
            if (n % queryEvery == 0 && outstandingProbes.get() < 64) {
              outstandingProbes.incrementAndGet();
              probe(vertx, client, body.lastTraceId(), System.currentTimeMillis());
            }
          } else {
            synchronized (errors) {
              errors.merge(ar.succeeded() ? "HTTP " + ar.result() : ar.cause().getClass().getSimpleName(), 1, Integer::sum);
            }
            if (ar.succeeded() && ar.result() == 503) {
              vertx.setTimer(200, t -> post(vertx, client, sent, running));
              return;
            }
          }
          post(vertx, client, sent, running);
        });
  }

  /** Polls the query API until the trace is stored complete with all its spans. */
  private void probe(Vertx vertx, HttpClient client, String traceId, long ackedAt) {
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/traces/" + traceId))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() == 200 ? b : null)))
        .onComplete(ar -> {
          JsonObject t = ar.succeeded() && ar.result() != null ? ar.result().toJsonObject() : null;
          if (t != null && Boolean.TRUE.equals(t.getBoolean("complete")) && t.getInteger("span_count", 0) == spansPerTrace) {
            synchronized (queryLatenciesMs) {
              queryLatenciesMs.add(System.currentTimeMillis() - ackedAt);
            }
            outstandingProbes.decrementAndGet();
          } else if (System.currentTimeMillis() - ackedAt > 120_000) {
            synchronized (errors) {
              errors.merge("trace never queryable", 1, Integer::sum);
            }
            outstandingProbes.decrementAndGet();
          } else {
            vertx.setTimer(50, id -> probe(vertx, client, traceId, ackedAt));
          }
        });
  }

  /** Sum of a metric over several processes. */
  private double metric(List<HttpClient> clients, String name) throws Exception {
    double sum = 0;
    for (HttpClient c : clients) {
      sum += metric(c, name);
    }
    return sum;
  }

  /** Sum of every series of a metric in the pipeline's Prometheus text. */
  private double metric(HttpClient client, String name) throws Exception {
    String text = client.request(HttpMethod.GET, "/metrics")
        .compose(req -> req.send().compose(resp -> resp.body()))
        .map(Buffer::toString)
        .toCompletionStage().toCompletableFuture().get();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static long pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
