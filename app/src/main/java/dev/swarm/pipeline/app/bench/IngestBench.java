package dev.swarm.pipeline.app.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Load generator for {@code bin/trace-bench}: C connections each send one request at a time, B spans per
 * request, for D seconds, then it prints accepted spans/s and latency percentiles. {@code --format zipkin}
 * sends Zipkin v2 JSON to {@code /api/v2/spans} and {@code --format otlp} OTLP/HTTP protobuf to {@code /v1/traces},
 * so each format can be measured the same way in the same run.
 */
public final class IngestBench {
  private final URI target;
  private final int connections;
  private final int batch;
  private final int spansPerTrace;
  private final long durationMs;
  private final long warmupMs;
  private final String format;
  private final SpanBatchGenerator generator;

  private long[] latenciesNs = new long[1 << 16];
  private int latencyCount;
  private long acceptedSpans;
  private final Map<String, Integer> errors = new TreeMap<>();

  IngestBench(URI target, int connections, int batch, int spansPerTrace, long durationMs, long warmupMs, String format) {
    this.target = target;
    this.connections = connections;
    this.batch = batch;
    this.spansPerTrace = spansPerTrace;
    this.durationMs = durationMs;
    this.warmupMs = warmupMs;
    this.format = format;
    this.generator = new SpanBatchGenerator(batch, spansPerTrace);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(USAGE);
        return;
      }
      if (!a.startsWith("--") || !OPTIONS.contains(a.substring(2)) || i + 1 >= args.length) {
        System.err.println("trace-bench: bad argument " + a);
        usage();
        System.exit(2);
      }
      opts.put(a.substring(2), args[++i]);
    }
    String format = opts.getOrDefault("format", "native");
    String defaultPath = format.equals("zipkin") ? "/api/v2/spans" : format.equals("otlp") ? "/v1/traces" : "/api/traces";
    if (!format.equals("native") && !format.equals("zipkin") && !format.equals("otlp")) {
      System.err.println("trace-bench: --format must be native, zipkin or otlp");
      System.exit(2);
    }
    URI target = URI.create(opts.getOrDefault("target", "http://127.0.0.1:8080") + opts.getOrDefault("path", defaultPath));
    IngestBench bench = new IngestBench(
        target,
        Integer.parseInt(opts.getOrDefault("connections", "16")),
        Integer.parseInt(opts.getOrDefault("batch", "100")),
        Integer.parseInt(opts.getOrDefault("spans-per-trace", "10")),
        (long) (Double.parseDouble(opts.getOrDefault("duration", "20")) * 1000),
        (long) (Double.parseDouble(opts.getOrDefault("warmup", "10")) * 1000),
        format);
    bench.run();
  }

  private static final java.util.Set<String> OPTIONS = java.util.Set.of("target", "connections", "batch", "duration",
      "warmup", "spans-per-trace", "format", "path");

  private static final String USAGE = """
        usage: trace-bench [--target http://127.0.0.1:8080] [--connections 16] [--batch 100]
                           [--duration 20] [--warmup 10] [--spans-per-trace 10] [--format native|zipkin|otlp]
                           [--path /api/traces]""";

  private static void usage() {
    System.err.println(USAGE);
  }

  void run() throws InterruptedException {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost(target.getHost()).setDefaultPort(target.getPort()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
    // Warm-up: load that is not counted, so the JIT (of the server and of this client) and Kafka batching settle.
    long warmupEnd = System.currentTimeMillis() + warmupMs;
    long end = warmupEnd + durationMs;
    CountDownLatch done = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      vertx.runOnContext(v -> loop(client, warmupEnd, end, done));
    }
    done.await(durationMs + 120_000, TimeUnit.MILLISECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().join();
    report();
  }

  private void loop(HttpClient client, long warmupEnd, long end, CountDownLatch done) {
    if (System.currentTimeMillis() >= end) {
      done.countDown();
      return;
    }
    boolean otlp = format.equals("otlp");
    Buffer body = otlp ? Buffer.buffer(generator.otlpBody())
        : Buffer.buffer((format.equals("zipkin") ? generator.zipkinBody() : generator.nativeBody()).json());
    long t0 = System.nanoTime();
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(target.getRawPath())
        .putHeader("Content-Type", otlp ? "application/x-protobuf" : "application/json");
    client.request(ro)
        // An OTLP 200 with a body carries partial_success: some spans were rejected, so it is not counted.
        .compose(req -> req.send(body).compose(resp -> resp.body()
            .map(b -> otlp && resp.statusCode() == 200 && b.length() > 0 ? PARTIAL_SUCCESS : resp.statusCode())))
        .onComplete(ar -> {
          long t1 = System.nanoTime();
          if (t0 >= 0 && System.currentTimeMillis() > warmupEnd) {
            record(ar.succeeded() ? ar.result() : -1, ar.failed() ? ar.cause().getClass().getSimpleName() : null, t1 - t0);
          }
          loop(client, warmupEnd, end, done);
        });
  }

  private static final int PARTIAL_SUCCESS = -2;

  private synchronized void record(int status, String failure, long latencyNs) {
    if (status >= 200 && status < 300) {
      acceptedSpans += batch;
      if (latencyCount == latenciesNs.length) {
        latenciesNs = Arrays.copyOf(latenciesNs, latenciesNs.length * 2);
      }
      latenciesNs[latencyCount++] = latencyNs;
    } else {
      errors.merge(failure != null ? failure : status == PARTIAL_SUCCESS ? "partial_success" : "HTTP " + status, 1,
          Integer::sum);
    }
  }

  private synchronized void report() {
    long[] l = Arrays.copyOf(latenciesNs, latencyCount);
    Arrays.sort(l);
    double secs = durationMs / 1000.0;
    System.out.printf("target=%s format=%s connections=%d batch=%d duration=%.0fs%n", target, format, connections, batch, secs);
    System.out.printf("accepted_spans_per_sec=%.0f requests_per_sec=%.0f%n", acceptedSpans / secs, latencyCount / secs);
    if (l.length > 0) {
      System.out.printf("latency_ms p50=%.2f p99=%.2f max=%.2f%n", pct(l, 0.50), pct(l, 0.99), l[l.length - 1] / 1e6);
    }
    System.out.println("errors=" + (errors.isEmpty() ? "none" : errors));
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

}
