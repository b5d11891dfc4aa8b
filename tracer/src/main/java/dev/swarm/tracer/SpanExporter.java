package dev.swarm.tracer;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends finished spans to {@code <endpoint>/api/traces} in batches. Spans wait in a {@link DropOldestBuffer};
 * one batch is in flight at a time, retried with backoff on 429, 5xx and network errors. Everything after
 * {@link #export} runs on the exporter's own event-loop context, so the application's threads only ever pay
 * for one synchronized append, and nothing here can throw into them.
 */
final class SpanExporter {
  private static final Logger LOG = LoggerFactory.getLogger(SpanExporter.class);
  private static final int MAX_LOGGED_BODY_CHARS = 2_000;

  private final Vertx vertx;
  private final Context context;
  private final TracerOptions options;
  private final WebClient client;
  private final String url;
  private final DropOldestBuffer<SpanData> buffer;
  private final ExportBackoff backoff;

  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong droppedOther = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean pumpScheduled = new AtomicBoolean();
  private final Promise<Void> closed = Promise.promise();
  private volatile boolean closing;

  // Touched only on the exporter context.
  private final ArrayDeque<List<SpanData>> split = new ArrayDeque<>();
  private boolean busy;
  /** Identifies the batch in flight, so an answer arriving after close gave up on it is ignored. */
  private long batchNumber;
  private long periodicTimer = -1;
  private long closeTimer = -1;
  private long closeDeadline;
  private boolean loggedRefusal;
  private boolean outage;

  SpanExporter(Vertx vertx, TracerOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.context = vertx instanceof VertxInternal internal ? internal.createEventLoopContext() : vertx.getOrCreateContext();
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent("swarm-tracer")
                .setConnectTimeout((int) Math.min(options.requestTimeoutMs(), 5_000)));
    this.url = options.endpoint() + "/api/traces";
    this.buffer = new DropOldestBuffer<>(options.bufferCapacity());
    this.backoff =
        new ExportBackoff(
            options.initialBackoffMs(), options.maxBackoffMs(), () -> ThreadLocalRandom.current().nextDouble());
    context.runOnContext(v -> periodicTimer = vertx.setPeriodic(options.flushIntervalMs(), id -> pump()));
  }

  /** Queues a finished span; never blocks beyond one short lock, never throws. */
  void export(SpanData span) {
    if (closed.future().isComplete()) {
      droppedOther.incrementAndGet();
      return;
    }
    buffer.offer(span);
    if (buffer.size() >= options.batchSize() && pumpScheduled.compareAndSet(false, true)) {
      context.runOnContext(
          v -> {
            pumpScheduled.set(false);
            pump();
          });
    }
  }

  ExportStats stats() {
    return new ExportStats(
        exported.get(), buffer.dropped() + droppedOther.get(), failed.get(), buffer.size(), inFlight.get());
  }

  /** Sends what is buffered, for at most the close timeout, then stops; the rest counts as dropped. */
  Future<Void> close() {
    if (!closing) {
      closing = true;
      context.runOnContext(
          v -> {
            closeDeadline = System.currentTimeMillis() + options.closeTimeoutMs();
            vertx.cancelTimer(periodicTimer);
            closeTimer = vertx.setTimer(options.closeTimeoutMs(), id -> finishClose());
            pump();
          });
    }
    return closed.future();
  }

  private void pump() {
    if (busy || closed.future().isComplete()) {
      return;
    }
    List<SpanData> batch = split.pollFirst();
    if (batch == null) {
      batch = buffer.drain(options.batchSize());
    }
    if (batch.isEmpty()) {
      if (closing) {
        finishClose();
      }
      return;
    }
    busy = true;
    inFlight.set(batch.size());
    send(batch, 1, ++batchNumber);
  }

  private void send(List<SpanData> batch, int attempt, long number) {
    Buffer body;
    try {
      JsonArray array = new JsonArray();
      for (SpanData span : batch) {
        array.add(span.toJson());
      }
      body = array.toBuffer();
    } catch (RuntimeException e) {
      LOG.warn("could not encode {} spans; they are discarded", batch.size(), e);
      batchDone(batch, number, false);
      return;
    }
    HttpRequest<Buffer> request = client.postAbs(url)
        .timeout(options.requestTimeoutMs())
        .putHeader("Content-Type", "application/json");
    if (options.token() != null) {
      request.putHeader("Authorization", "Bearer " + options.token());
    }
    request
        .sendBuffer(body)
        .onComplete(ar -> onAnswer(batch, attempt, number, ar));
  }

  private void onAnswer(List<SpanData> batch, int attempt, long number, AsyncResult<HttpResponse<Buffer>> ar) {
    if (number != batchNumber || closed.future().isComplete()) {
      return; // close already counted this batch
    }
    if (ar.failed()) {
      retry(batch, attempt, number, null, String.valueOf(ar.cause()));
      return;
    }
    HttpResponse<Buffer> response = ar.result();
    int code = response.statusCode();
    if (code >= 200 && code < 300) {
      if (outage) {
        outage = false;
        LOG.info("span export to {} works again", url);
      }
      batchDone(batch, number, true);
    } else if (code == 413 && batch.size() > 1) {
      // Too large for the pipeline's body limit: send it again in halves.
      int half = batch.size() / 2;
      split.addFirst(List.copyOf(batch.subList(half, batch.size())));
      split.addFirst(List.copyOf(batch.subList(0, half)));
      busy = false;
      inFlight.set(0);
      pump();
    } else if (code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504) {
      retry(batch, attempt, number, response.getHeader("Retry-After"), "HTTP " + code);
    } else {
      if (!loggedRefusal) {
        loggedRefusal = true; // once: a bug that refuses every batch would otherwise flood the log
        LOG.warn(
            "the pipeline refused {} spans with HTTP {}; not retried (further refusals are counted, not logged): {}",
            batch.size(),
            code,
            truncate(response.bodyAsString()));
      }
      batchDone(batch, number, false);
    }
  }

  private void retry(List<SpanData> batch, int attempt, long number, String retryAfter, String why) {
    long now = System.currentTimeMillis();
    long delay = backoff.delayMs(attempt, retryAfter, now);
    boolean pastDeadline = closing && now + delay >= closeDeadline;
    if (attempt >= options.maxExportAttempts() || pastDeadline) {
      LOG.warn("giving up on {} spans after {} attempts: {}", batch.size(), attempt, why);
      batchDone(batch, number, false);
      return;
    }
    if (!outage) {
      outage = true;
      LOG.warn("span export to {} failed ({}); retrying with backoff, spans are buffered meanwhile", url, why);
    }
    vertx.setTimer(Math.max(1, delay), id -> {
      if (number == batchNumber && !closed.future().isComplete()) {
        send(batch, attempt + 1, number);
      }
    });
  }

  private void batchDone(List<SpanData> batch, long number, boolean success) {
    (success ? exported : failed).addAndGet(batch.size());
    busy = false;
    inFlight.set(0);
    if (closing || buffer.size() >= options.batchSize() || !split.isEmpty()) {
      pump();
    }
  }

  private void finishClose() {
    if (closed.future().isComplete()) {
      return;
    }
    vertx.cancelTimer(closeTimer);
    batchNumber++; // orphan the batch in flight, if any: its answer no longer counts
    failed.addAndGet(inFlight.getAndSet(0));
    long left = 0;
    for (List<SpanData> batch : split) {
      left += batch.size();
    }
    split.clear();
    left += buffer.drain(Integer.MAX_VALUE).size();
    busy = false;
    if (left > 0) {
      droppedOther.addAndGet(left);
      LOG.warn("tracer closed with {} spans not sent", left);
    }
    client.close();
    closed.complete();
  }

  private static String truncate(String text) {
    if (text == null) {
      return "";
    }
    return text.length() > MAX_LOGGED_BODY_CHARS ? text.substring(0, MAX_LOGGED_BODY_CHARS) + "…" : text;
  }
}
