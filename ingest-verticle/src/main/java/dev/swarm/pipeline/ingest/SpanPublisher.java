package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanWriter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Publishes validated spans to the spans topic, one record per trace per request (key = trace id, value = a
 * JSON array of that trace's spans), and completes only when Kafka has acknowledged every record.
 */
public final class SpanPublisher {
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final Timer publishTimer;

  public SpanPublisher(KafkaProducer<String, byte[]> producer, String topic, MeterRegistry registry) {
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

  /** Sends the spans; the future succeeds with the span count once every record is acknowledged. */
  public Future<Integer> publish(List<Span> spans) {
    Map<String, List<Span>> byTrace = groupByTrace(spans);
    List<Future<?>> acks = new ArrayList<>(byTrace.size());
    long start = System.nanoTime();
    for (Map.Entry<String, List<Span>> e : byTrace.entrySet()) {
      byte[] value = SpanWriter.writeArray(e.getValue());
      acks.add(producer.send(KafkaProducerRecord.create(topic, e.getKey(), value)));
    }
    return Future.all(acks)
        .map(
            done -> {
              publishTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
              return spans.size();
            });
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
