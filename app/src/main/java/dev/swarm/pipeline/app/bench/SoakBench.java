package dev.swarm.pipeline.app.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Soak benchmark ({@code bin/trace-soak}): runs the pipeline with {@code TRACE_RETENTION} under a steady, paced load
 * for a long time and samples its disk (database, WAL, broker log, data directory) and memory (heap after GC, RSS)
 * every few seconds into {@code soak.csv}, then draws {@code soak.svg}. With retention working, every size series
 * levels off once one retention period has passed.
 *
 * <p>By default it starts the pipeline itself as a child JVM on a fresh data directory and stops it at the end
 * (also on Ctrl-C); {@code --target} measures an already running pipeline instead. {@code --render soak.csv}
 * redraws the chart of an earlier run without running anything.
 */
public final class SoakBench {
  private static final String USAGE = """
      usage: trace-soak [--minutes 30] [--rate 10000] [--batch 100] [--connections 4] [--sample-seconds 10]
                        [--retention 5m] [--out docs/soak] [--data-dir DIR] [--port PORT]
                        [--target http://HOST:PORT [--pid PID]]
             trace-soak --render docs/soak/soak.csv [--rate SPANS_PER_SEC] [--retention 5m] [--minutes M]
      --rate 0 sends unpaced; --target uses a running pipeline (RSS then needs --pid, data_dir_bytes --data-dir).""";
  private static final Set<String> OPTIONS = Set.of("minutes", "rate", "batch", "connections", "sample-seconds",
      "retention", "out", "data-dir", "port", "target", "pid", "render");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");
  private static final String RUN_PROPERTIES = "soak.properties";
  private static final Map<String, String> HEAP = Map.of("area", "heap");
  private static final Map<String, String> ACCEPTED = Map.of("outcome", "accepted");
  private static final String[] PIPELINE_JVM = {"-Xms512m", "-Xmx2g", "-XX:+UseG1GC"};

  private final double minutes;
  private final double rate;
  private final int batch;
  private final int connections;
  private final double sampleSeconds;
  private final String retention;
  private final long retentionSeconds;
  private final Path out;
  private final Path csvPath;
  private final URI externalTarget;
  private final Integer requestedPort;
  private final Long externalPid;
  private Path dataDir;
  private boolean dataDirIsOurs;
  private URI target;
  private Process pipeline;

  private final java.net.http.HttpClient control = java.net.http.HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final SpanBatchGenerator generator;
  private Vertx vertx;
  private volatile boolean loadStopped;
  private long loadStartNanos;
  private long loadEndNanos;
  private final AtomicLong tickets = new AtomicLong();
  private final AtomicLong clientAcceptedSpans = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final Map<String, Integer> errors = new TreeMap<>();

  // Guards the CSV against the Ctrl-C hook: a row is written whole or not at all, and none after finish().
  private final Object lock = new Object();
  private boolean finished;
  private double previousAccepted = Double.NaN;
  private double previousElapsed = Double.NaN;

  private SoakBench(Map<String, String> o) {
    minutes = positive(o, "minutes", "30");
    rate = Double.parseDouble(o.getOrDefault("rate", "10000"));
    batch = (int) positive(o, "batch", "100");
    connections = (int) positive(o, "connections", "4");
    sampleSeconds = positive(o, "sample-seconds", "10");
    retention = o.getOrDefault("retention", "5m");
    retentionSeconds = parseDurationSeconds(retention);
    out = Path.of(o.getOrDefault("out", "docs/soak"));
    csvPath = out.resolve("soak.csv");
    externalTarget = o.containsKey("target") ? URI.create(o.get("target")) : null;
    requestedPort = o.containsKey("port") ? Integer.valueOf(o.get("port")) : null;
    externalPid = o.containsKey("pid") ? Long.valueOf(o.get("pid")) : null;
    dataDir = o.containsKey("data-dir") ? Path.of(o.get("data-dir")).toAbsolutePath() : null;
    generator = new SpanBatchGenerator(batch, 10);
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must be 0 (unpaced) or more");
    }
  }

  public static void main(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("-h") || args[i].equals("--help")) {
        System.out.println(USAGE);
        return;
      }
      String key = args[i].startsWith("--") ? args[i].substring(2) : "";
      if (!OPTIONS.contains(key) || i + 1 >= args.length) {
        System.err.println("trace-soak: bad argument " + args[i] + "\n" + USAGE);
        System.exit(2);
      }
      o.put(key, args[++i]);
    }
    int exit;
    try {
      exit = o.containsKey("render") ? render(Path.of(o.get("render")), o) : new SoakBench(o).run();
    } catch (IllegalArgumentException e) {
      System.err.println("trace-soak: " + e.getMessage());
      exit = 2;
    } catch (Exception e) {
      System.err.println("trace-soak: " + e);
      exit = 1;
    }
    // Outside any lock: exit runs the shutdown hook, which takes it.
    System.exit(exit);
  }

  private int run() throws Exception {
    Files.createDirectories(out);
    writeRunProperties();
    int exit = 0;
    // Opened (and so emptied) first: a run that fails to start must not leave an older run's rows to be charted.
    try (BufferedWriter csv = Files.newBufferedWriter(csvPath, StandardCharsets.UTF_8)) {
      csv.write(SoakCsv.headerLine() + "\n");
      csv.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(this::finish, "trace-soak-stop"));
      if (externalTarget == null) {
        startPipeline();
      } else {
        target = externalTarget;
      }
      awaitReady(Duration.ofMinutes(3));
      PrometheusText first = fetchMetrics();
      checkRetention(first);
      double acceptedBaseline = first == null ? Double.NaN : first.sum("trace_ingest_spans_total", ACCEPTED).orElse(0);
      System.out.println(SoakCsv.headerLine());
      startLoad();
      long sampleNanos = (long) (sampleSeconds * 1e9);
      for (long k = 0; ; k++) {
        long due = Math.min(loadStartNanos + k * sampleNanos, loadEndNanos);
        sleepUntil(due);
        String row = SoakCsv.line(sample(acceptedBaseline));
        synchronized (lock) {
          if (finished) {
            break;
          }
          csv.write(row + "\n");
          csv.flush(); // a killed run keeps every row so far
          System.out.println(row);
        }
        if (due == loadEndNanos) {
          break;
        }
        if (pipeline != null && !pipeline.isAlive()) {
          System.err.printf("trace-soak: the pipeline exited (code %d); see %s%n", pipeline.exitValue(),
              out.resolve("pipeline.log"));
          exit = 1;
          break;
        }
      }
    }
    finish();
    return exit;
  }

  // ---- the pipeline under test

  private void startPipeline() throws IOException {
    int port = requestedPort != null ? requestedPort : freePort();
    if (dataDir == null) {
      dataDir = Files.createTempDirectory("trace-soak-");
      dataDirIsOurs = true;
    }
    Path jar = pipelineJar();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(PIPELINE_JVM));
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(out.resolve("pipeline.log").toFile());
    pb.environment().put("DATA_DIR", dataDir.toString());
    pb.environment().put("HTTP_PORT", Integer.toString(port));
    pb.environment().put("EMBEDDED_KAFKA_PORT", "0");
    pb.environment().put("TRACE_RETENTION", retention);
    target = URI.create("http://127.0.0.1:" + port);
    System.err.printf("trace-soak: starting the pipeline on %s, data in %s, log in %s%n", target, dataDir,
        out.resolve("pipeline.log"));
    pipeline = pb.start();
  }

  /** The jar this class was loaded from (bin/trace-soak runs it with -cp), else the usual build output. */
  private static Path pipelineJar() {
    try {
      Path self = Path.of(SoakBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (self.toString().endsWith(".jar")) {
        return self;
      }
    } catch (Exception e) {
      // not loaded from a file: fall through
    }
    return Path.of("app/target/trace-pipeline.jar").toAbsolutePath();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long started = System.nanoTime();
    while (true) {
      if (pipeline != null && !pipeline.isAlive()) {
        throw new IOException("the pipeline exited with code " + pipeline.exitValue() + " before it was ready; see "
            + out.resolve("pipeline.log"));
      }
      try {
        HttpResponse<Void> r = control.send(HttpRequest.newBuilder(target.resolve("/health/ready"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          System.err.printf("trace-soak: pipeline ready after %.1fs%n", (System.nanoTime() - started) / 1e9);
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(target + "/health/ready did not answer 200 within " + timeout.toSeconds() + "s");
      }
      Thread.sleep(250);
    }
  }

  /** Warns when the pipeline's own retention (if it reports one) is not the one the chart will mark. */
  private void checkRetention(PrometheusText metrics) {
    if (metrics == null) {
      return;
    }
    metrics.sum("trace_storage_retention_seconds").ifPresentOrElse(reported -> {
      if (reported != retentionSeconds) {
        System.err.printf("trace-soak: warning: the pipeline reports retention %.0fs, --retention is %ds%n", reported,
            retentionSeconds);
      }
    }, () -> System.err.println("trace-soak: warning: the pipeline exposes no trace_storage_retention_seconds"));
  }

  private void stopPipeline() {
    if (pipeline == null) {
      return;
    }
    try {
      if (pipeline.isAlive()) {
        System.err.println("trace-soak: stopping the pipeline");
        pipeline.destroy();
        // The pipeline drains for up to SHUTDOWN_TIMEOUT_MS (20 s by default) before it exits.
        if (!pipeline.waitFor(60, TimeUnit.SECONDS)) {
          System.err.println("trace-soak: the pipeline did not stop within 60s; killing it");
          pipeline.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      int code = pipeline.exitValue();
      // 143 = 128 + SIGTERM: how a JVM exits after its shutdown hooks ran on destroy().
      System.err.println("trace-soak: pipeline exit code " + code + (code == 143 ? " (stopped by SIGTERM)" : ""));
    } catch (InterruptedException e) {
      pipeline.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (IllegalThreadStateException e) {
      System.err.println("trace-soak: the pipeline is still running (pid " + pipeline.pid() + ")");
    }
  }

  // ---- load

  private void startLoad() {
    vertx = Vertx.vertx();
    String host = target.getHost();
    int port = target.getPort() > 0 ? target.getPort() : 80;
    HttpClient client = vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost(host).setDefaultPort(port).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
    loadStartNanos = System.nanoTime();
    loadEndNanos = loadStartNanos + (long) (minutes * 60e9);
    for (int c = 0; c < connections; c++) {
      vertx.runOnContext(v -> next(client));
    }
  }

  /**
   * Each connection takes the next request of one shared schedule (request n is due n batches into the run at
   * {@code --rate}) and waits for its time. A connection that fell behind sends at once, so the average rate is
   * kept unless the pipeline cannot take it.
   */
  private void next(HttpClient client) {
    if (loadStopped) {
      return;
    }
    long ticket = tickets.getAndIncrement();
    long due = rate > 0 ? loadStartNanos + (long) (ticket * batch * 1e9 / rate) : System.nanoTime();
    if (due >= loadEndNanos) {
      return;
    }
    long waitMs = (due - System.nanoTime()) / 1_000_000;
    if (waitMs >= 1) {
      vertx.setTimer(waitMs, id -> post(client));
    } else {
      post(client);
    }
  }

  private void post(HttpClient client) {
    if (loadStopped) {
      return;
    }
    Buffer body = Buffer.buffer(generator.nativeBody().json());
    requests.incrementAndGet();
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/traces")
            .putHeader("Content-Type", "application/json").setIdleTimeout(30_000))
        .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> resp.statusCode())))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 202) {
            clientAcceptedSpans.addAndGet(batch);
            next(client);
            return;
          }
          synchronized (errors) {
            errors.merge(ar.succeeded() ? "HTTP " + ar.result() : ar.cause().getClass().getSimpleName(), 1, Integer::sum);
          }
          // Back off briefly so a pipeline that refuses (503, disk low) or is down is not hammered.
          vertx.setTimer(200, id -> next(client));
        });
  }

  // ---- samples

  private double[] sample(double acceptedBaseline) throws InterruptedException {
    double elapsed = Math.round((System.nanoTime() - loadStartNanos) / 1e8) / 10.0;
    PrometheusText m = fetchMetrics();
    double accepted = value(m, "trace_ingest_spans_total", ACCEPTED);
    if (!Double.isNaN(accepted) && !Double.isNaN(acceptedBaseline)) {
      accepted -= acceptedBaseline; // a --target pipeline may have counted spans before this run
    }
    double spansPerSecond = Double.NaN;
    if (!Double.isNaN(accepted)) {
      if (!Double.isNaN(previousAccepted) && elapsed > previousElapsed) {
        spansPerSecond = (accepted - previousAccepted) / (elapsed - previousElapsed);
      }
      previousAccepted = accepted;
      previousElapsed = elapsed;
    }
    // What survives young collections: G1's old generation. (Micrometer's jvm_gc_live_data_size_bytes stays 0 until
    // a mixed or full collection, which a run with a roomy heap may never have.) Its saw-tooth bottoms are the live
    // heap; a leak shows as rising bottoms.
    double heapAfterGc = value(m, "jvm_memory_used_bytes", Map.of("id", "G1 Old Gen"));
    Long pid = pipeline != null ? Long.valueOf(pipeline.pid()) : externalPid;
    return new double[] {
        elapsed,
        accepted,
        spansPerSecond,
        value(m, "trace_storage_db_bytes", Map.of()),
        value(m, "trace_storage_wal_bytes", Map.of()),
        value(m, "trace_kafka_log_bytes", Map.of()),
        dataDir == null ? Double.NaN : directoryBytes(dataDir),
        heapAfterGc,
        value(m, "jvm_memory_used_bytes", HEAP),
        pid == null ? Double.NaN : rssBytes(pid),
        value(m, "trace_consumer_lag_records", Map.of()),
        value(m, "trace_storage_oldest_trace_age_seconds", Map.of()),
        value(m, "trace_storage_retention_deleted_spans_total", Map.of()),
    };
  }

  private static double value(PrometheusText metrics, String name, Map<String, String> labels) {
    return metrics == null ? Double.NaN : metrics.sum(name, labels).orElse(Double.NaN);
  }

  /** The pipeline's metrics, or null when they cannot be fetched now (that row's metric columns stay empty). */
  private PrometheusText fetchMetrics() throws InterruptedException {
    try {
      HttpResponse<String> r = control.send(HttpRequest.newBuilder(target.resolve("/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? PrometheusText.parse(r.body()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Total size of the regular files under {@code dir}; files the pipeline deletes during the walk are skipped.
   * Apparent sizes, so the broker's preallocated (sparse) index files count in full: a constant offset per segment.
   */
  static double directoryBytes(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Double.NaN;
    }
    long[] total = {0};
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            total[0] += attrs.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      return Double.NaN;
    }
    return total[0];
  }

  /** VmRSS of a Linux process in bytes; NaN when there is no such process or no /proc. */
  static double rssBytes(long pid) {
    try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:"))
          .map(l -> l.replaceAll("[^0-9]", ""))
          .filter(digits -> !digits.isEmpty())
          .mapToDouble(digits -> Long.parseLong(digits) * 1024.0)
          .findFirst().orElse(Double.NaN);
    } catch (IOException | java.io.UncheckedIOException e) {
      return Double.NaN;
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long waitNanos;
    while ((waitNanos = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(waitNanos);
    }
  }

  // ---- the end: stop, chart, summary

  /** Runs once, at the normal end or from the shutdown hook on Ctrl-C, whichever comes first. */
  private void finish() {
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      loadStopped = true;
      if (vertx != null) {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // closing the load generator's event loops is best effort
        }
      }
      stopPipeline();
      synchronized (errors) {
        System.out.printf("load: %d spans accepted (202) in %d requests; target %s; errors %s%n",
            clientAcceptedSpans.get(), requests.get(), rate > 0 ? String.format(Locale.ROOT, "%.0f spans/s", rate)
                : "unpaced", errors.isEmpty() ? "none" : errors);
      }
      try {
        if (Files.exists(csvPath)) {
          render(csvPath, Map.of());
        }
      } catch (Exception e) {
        System.err.println("trace-soak: could not render the chart: " + e);
      }
      if (dataDirIsOurs) {
        deleteTree(dataDir);
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("trace-soak: could not delete " + dir + ": " + e);
    }
  }

  private void writeRunProperties() throws IOException {
    Properties p = new Properties();
    p.setProperty("rate", SoakCsv.cell(rate));
    p.setProperty("batch", Integer.toString(batch));
    p.setProperty("connections", Integer.toString(connections));
    p.setProperty("minutes", SoakCsv.cell(minutes));
    p.setProperty("sample_seconds", SoakCsv.cell(sampleSeconds));
    p.setProperty("retention", retention);
    p.setProperty("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    if (externalTarget != null) {
      p.setProperty("target", externalTarget.toString());
    }
    try (BufferedWriter w = Files.newBufferedWriter(out.resolve(RUN_PROPERTIES), StandardCharsets.UTF_8)) {
      p.store(w, "trace-soak run settings, read by trace-soak --render");
    }
  }

  /**
   * Writes {@code soak.svg} beside {@code csvFile} and prints the summary. The run's settings come from the
   * {@code soak.properties} beside it; {@code overrides} (command-line options) win.
   */
  static int render(Path csvFile, Map<String, String> overrides) throws IOException {
    Properties run = new Properties();
    Path props = csvFile.resolveSibling(RUN_PROPERTIES);
    if (Files.exists(props)) {
      try (Reader r = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
        run.load(r);
      }
    }
    overrides.forEach((k, v) -> run.setProperty(k.replace('-', '_'), v));
    SoakCsv csv = SoakCsv.read(csvFile);
    String retention = run.getProperty("retention", "");
    long retentionSeconds = retention.isEmpty() ? 0 : parseDurationSeconds(retention);
    Path svg = csvFile.resolveSibling("soak.svg");
    Files.writeString(svg, SoakChart.render(csv, title(run, csv), subtitle(run), retentionSeconds),
        StandardCharsets.UTF_8);
    System.out.println("chart: " + svg);
    printSummary(csv, retentionSeconds, System.out);
    return 0;
  }

  private static String title(Properties run, SoakCsv csv) {
    double ranMinutes = 0;
    for (double e : csv.column("elapsed_s")) {
      if (!Double.isNaN(e)) {
        ranMinutes = Math.max(ranMinutes, e / 60);
      }
    }
    String planned = run.getProperty("minutes");
    String duration = SoakCsv.cell(Math.round(ranMinutes * 10) / 10.0) + " min";
    if (planned != null && ranMinutes < Double.parseDouble(planned) - 0.5) {
      duration += " of " + planned + " planned";
    }
    String rate = run.getProperty("rate");
    return "Trace pipeline soak: " + (rate == null ? "" : rate.equals("0") ? "unpaced, " : rate + " spans/s, ")
        + "retention " + run.getProperty("retention", "unknown") + ", " + duration;
  }

  private static String subtitle(Properties run) {
    List<String> parts = new ArrayList<>();
    if (run.getProperty("batch") != null) {
      parts.add("batch " + run.getProperty("batch") + " spans");
    }
    if (run.getProperty("connections") != null) {
      parts.add(run.getProperty("connections") + " connections");
    }
    if (run.getProperty("sample_seconds") != null) {
      parts.add("sampled every " + run.getProperty("sample_seconds") + " s");
    }
    if (run.getProperty("started") != null) {
      parts.add("started " + run.getProperty("started"));
    }
    if (run.getProperty("target") != null) {
      parts.add("target " + run.getProperty("target"));
    }
    parts.add("dashed line: one retention period after the load started");
    return String.join("  ·  ", parts);
  }

  /**
   * Per series: its value at the first sample at least one retention period + 1 minute into the run (the stores
   * have had time to fill and be trimmed), its last value and its maximum.
   */
  static void printSummary(SoakCsv csv, long retentionSeconds, PrintStream out) {
    double[] elapsed = csv.column("elapsed_s");
    int steady = -1;
    for (int i = 0; i < elapsed.length && steady < 0; i++) {
      if (elapsed[i] >= retentionSeconds + 60) {
        steady = i;
      }
    }
    String at = steady < 0 ? "retention+1m" : "at " + SoakCsv.cell(elapsed[steady]) + "s";
    out.printf("summary (%d samples; retention+1m = %ds%s):%n", csv.size(), retentionSeconds + 60,
        steady < 0 ? ", not reached" : "");
    out.printf("  %-20s %14s %14s %14s %9s%n", "series", at, "last", "max", "last/at");
    List<SoakChart.Series> series = new ArrayList<>(SoakChart.SERIES);
    series.add(new SoakChart.Series("oldest_trace_age_s", "", SoakChart.Unit.COUNT));
    series.add(new SoakChart.Series("deleted_spans", "", SoakChart.Unit.COUNT));
    for (SoakChart.Series s : series) {
      double[] v = csv.column(s.column());
      double atSteady = steady < 0 ? Double.NaN : v[steady];
      double last = Double.NaN;
      double max = Double.NaN;
      for (double x : v) {
        if (!Double.isNaN(x)) {
          last = x;
          max = Double.isNaN(max) ? x : Math.max(max, x);
        }
      }
      String ratio = Double.isNaN(atSteady) || Double.isNaN(last) || atSteady == 0 ? "-"
          : String.format(Locale.ROOT, "%.2f", last / atSteady);
      out.printf("  %-20s %14s %14s %14s %9s%n", s.column(), SoakChart.human(atSteady, s.unit()),
          SoakChart.human(last, s.unit()), SoakChart.human(max, s.unit()), ratio);
    }
  }

  /** Seconds of a duration as TRACE_RETENTION takes it: a whole number and s, m, h or d. */
  static long parseDurationSeconds(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text + " (a whole number and s, m, h or d, e.g. 5m)");
    }
    long n = Long.parseLong(m.group(1));
    return n * switch (m.group(2)) {
      case "s" -> 1L;
      case "m" -> 60L;
      case "h" -> 3600L;
      default -> 86_400L;
    };
  }

  private static double positive(Map<String, String> o, String key, String def) {
    double v = Double.parseDouble(o.getOrDefault(key, def));
    if (!(v > 0)) {
      throw new IllegalArgumentException("--" + key + " must be more than 0");
    }
    return v;
  }
}
