package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanWriter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes validated spans to the spans topic, one record per trace per request (key = trace id, value = a
 * JSON array of that trace's spans), and completes only when Kafka has acknowledged every record.
 */
public final class SpanPublisher {
  /**
   * The worker pool of ingest's blocking work (Kafka sends, large decodes): a pool of its own, so it keeps normal
   * priority where Vert.x's shared worker pool runs below ingest (app's DownstreamThreads, ROLE=all).
   */
  public static final String WORKER_POOL = "trace-ingest-worker";
  /** Vert.x's default worker pool size, which ingest used before it had a pool of its own. */
  public static final int WORKER_POOL_SIZE = 20;

  private final Vertx vertx;
  private final io.vertx.core.WorkerExecutor workers;
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final Timer publishTimer;

  public SpanPublisher(Vertx vertx, KafkaProducer<String, byte[]> producer, String topic, MeterRegistry registry) {
    this.vertx = vertx;
    this.workers = vertx.createSharedWorkerExecutor(WORKER_POOL, WORKER_POOL_SIZE);
    this.producer = producer;
    this.topic = topic;
    this.publishTimer =
        Timer.builder("trace.ingest.publish")
            .description("Time from handing a request's records to Kafka until all are acknowledged (acks=all)")
            .publishPercentileHistogram()
            .register(registry);
  }

  /** Producer settings the delivery guarantee depends on; the caller adds bootstrap servers and the like. */
  public static Map<String, String> producerDefaults(long maxInflightBytes) {
    Map<String, String> p = new HashMap<>();
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("linger.ms", "5");
    p.put("batch.size", Integer.toString(512 * 1024));
    p.put("compression.type", "none");
    // Room for everything the in-flight budget admits, so send() never blocks on a full accumulator.
    p.put("buffer.memory", Long.toString(maxInflightBytes + (32L << 20)));
    p.put("max.block.ms", "3000");
    p.put("request.timeout.ms", "5000");
    p.put("delivery.timeout.ms", "15000");
    p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    return p;
  }

  /**
   * Sends the spans; the future succeeds with the span count once every record is acknowledged, and fails if
   * any record fails. The Kafka client's {@code send} is handed all of a request's records in one worker task
   * (it can block on metadata while the broker is away), rather than one task per record.
   */
  private static final byte[] NORMALIZED = SpanContract.formatNormalizedBytes();

  public Future<Integer> publish(List<Span> spans) {
    Map<String, List<Span>> byTrace = groupByTrace(spans);
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(byTrace.size());
    for (Map.Entry<String, List<Span>> e : byTrace.entrySet()) {
      SpanWriter.Written written = SpanWriter.writeIndexed(e.getValue());
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, e.getKey(), written.value());
      record.headers().add(SpanContract.FORMAT_HEADER, NORMALIZED); // validated here: consumers need not again
      record.headers().add(SpanContract.SPAN_LENGTHS_HEADER, written.spanLengths()); // the aggregator need not scan
      records.add(record);
    }
    Context context = vertx.getOrCreateContext();
    Promise<Integer> acked = Promise.promise();
    AtomicInteger pending = new AtomicInteger(records.size());
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    long start = System.nanoTime();
    Runnable oneDone = () -> {
      if (pending.decrementAndGet() == 0) {
        context.runOnContext(v -> {
          Throwable failure = firstFailure.get();
          if (failure != null) {
            acked.fail(failure);
          } else {
            publishTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            acked.complete(spans.size());
          }
        });
      }
    };
    Producer<String, byte[]> kafka = producer.unwrap();
    workers.executeBlocking(() -> {
      int sent = 0;
      try {
        for (ProducerRecord<String, byte[]> r : records) {
          kafka.send(r, (metadata, err) -> {
            if (err != null) {
              firstFailure.compareAndSet(null, err);
            }
            oneDone.run();
          });
          sent++;
        }
      } catch (RuntimeException e) {
        // send() itself failed (metadata timeout, closed producer): the unsent records count as failed.
        firstFailure.compareAndSet(null, e);
        for (int i = sent; i < records.size(); i++) {
          oneDone.run();
        }
      }
      return null;
    }, false);
    return acked.future();
  }

  public Future<Void> close() {
    return producer.close();
  }

  private static Map<String, List<Span>> groupByTrace(List<Span> spans) {
    if (spans.size() == 1) {
      return Map.of(spans.get(0).traceId(), spans);
    }
    Map<String, List<Span>> byTrace = new LinkedHashMap<>();
    for (Span s : spans) {
      byTrace.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
    }
    return byTrace;
  }
}
