package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.SpanContract;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes assembled traces to the traces topic (the documented swarm.traces record, keyed by trace id); a trace
 * is durable once Kafka acknowledged it with {@code acks=all}. Failed sends are retried every second until they
 * succeed or the sink closes. For the split deployment, where a separate storage role consumes the topic, and for
 * other consumers of it.
 *
 * <p>Create it on the aggregator's event loop: the producer's callbacks run on the context it was created on.
 */
public final class KafkaTraceSink implements TraceSink {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTraceSink.class);
  private static final long RETRY_DELAY_MS = 1_000;
  /** Room for the swarm.traces envelope around a trace's spans. */
  private static final int ENVELOPE_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final String topic;
  private final KafkaProducer<String, byte[]> producer;
  private boolean closing;

  /**
   * @param producerProps at least bootstrap.servers; anything given wins over the defaults of
   *     {@link #producerConfig}, except acks and idempotence, which durability needs
   * @param maxTraceBytes the largest trace the aggregator emits: requests are allowed to be that large
   */
  public KafkaTraceSink(Vertx vertx, String topic, Map<String, String> producerProps, int maxTraceBytes) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.producer = KafkaProducer.create(vertx, producerConfig(producerProps, maxTraceBytes), String.class, byte[].class);
    // Failures are handled per send; this only keeps them from being reported a second time as uncaught.
    producer.exceptionHandler(e -> LOG.debug("kafka producer error", e));
  }

  /** The producer's properties: the given ones over this sink's defaults, with acks=all and idempotence forced. */
  public static Map<String, String> producerConfig(Map<String, String> given, int maxTraceBytes) {
    Map<String, String> config = new HashMap<>();
    // A trace message may be up to maxTraceBytes of span JSON; the broker/topic limit must allow it too.
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxTraceBytes + ENVELOPE_BYTES));
    config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Trace JSON compresses well, and this topic crosses the network in the split deployment.
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.putAll(given);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return config;
  }

  @Override
  public Future<Void> store(AssembledTrace trace) {
    Promise<Void> done = Promise.promise();
    send(trace, trace.toJson(), done);
    return done.future();
  }

  private void send(AssembledTrace trace, byte[] json, Promise<Void> done) {
    KafkaProducerRecord<String, byte[]> record = KafkaProducerRecord.create(topic, trace.traceId(), json)
        .addHeader(SpanContract.FORMAT_HEADER, SpanContract.FORMAT_NORMALIZED); // every buffered span is normalised
    producer.send(record).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete();
      } else if (isUnsendable(ar.cause())) {
        done.fail(new UnstorableTraceException(json.length + " bytes refused by " + topic + ": " + ar.cause(), ar.cause()));
      } else if (closing) {
        done.fail(ar.cause());
      } else {
        LOG.atWarn().addKeyValue("trace_id", trace.traceId()).setCause(ar.cause())
            .log("send of trace_id={} to {} failed; retrying in {} ms", trace.traceId(), topic, RETRY_DELAY_MS);
        vertx.setTimer(RETRY_DELAY_MS, id -> {
          if (closing) {
            done.fail(new IllegalStateException("sink closed before the trace was sent"));
          } else {
            send(trace, json, done);
          }
        });
      }
    });
  }

  private static boolean isUnsendable(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof SerializationException;
  }

  @Override
  public String describe() {
    return "topic " + topic;
  }

  @Override
  public Future<Void> close() {
    closing = true;
    return producer.close();
  }
}
