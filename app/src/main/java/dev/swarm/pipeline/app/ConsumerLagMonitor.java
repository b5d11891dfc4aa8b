package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.ListOffsetsResultInfo;
import io.vertx.kafka.admin.OffsetSpec;
import io.vertx.kafka.admin.TopicDescription;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer lag per group and topic (records between the group's committed offset and the log end), read from the
 * broker every interval: the queue depth in front of the aggregator and of storage. Committed offsets, not
 * positions: lag also counts what was read but is not yet durable downstream.
 */
final class ConsumerLagMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLagMonitor.class);

  record Watched(String group, String topic, AtomicLong lag) {}

  private final Vertx vertx;
  private final Map<String, String> props;
  private KafkaAdminClient admin;
  private boolean authFailed;
  private final List<Watched> watched;
  private final long timerId;
  private boolean running;

  /** @param kafka the process's Kafka client properties, bound to the cluster */
  ConsumerLagMonitor(Vertx vertx, KafkaClientProperties kafka, Map<String, String> groupToTopic, MeterRegistry registry,
      long intervalMs) {
    this.vertx = vertx;
    this.props = kafka.forAdmin(Map.of("request.timeout.ms", "5000", "default.api.timeout.ms", "8000"),
        "trace-lag-monitor");
    this.admin = KafkaAdminClient.create(vertx, props);
    this.watched = groupToTopic.entrySet().stream()
        .map(e -> new Watched(e.getKey(), e.getValue(), new AtomicLong()))
        .toList();
    for (Watched w : watched) {
      Gauge.builder("trace.consumer.lag", w.lag(), AtomicLong::get)
          .description("Records in the topic not yet committed by the consumer group (queue depth before the stage)")
          .baseUnit("records")
          .tag("group", w.group())
          .tag("topic", w.topic())
          .register(registry);
    }
    this.timerId = vertx.setPeriodic(intervalMs, intervalMs, id -> refresh());
  }

  private void refresh() {
    if (running) {
      return;
    }
    running = true;
    Future<?> all = Future.succeededFuture();
    for (Watched w : watched) {
      all = all.compose(v -> measure(w).onSuccess(w.lag()::set).recover(err -> {
        LOG.debug("consumer lag of {} on {} unavailable: {}", w.group(), w.topic(), err.toString());
        authFailed |= KafkaHealth.isAuthenticationFailure(err);
        return Future.succeededFuture();
      }));
    }
    all.onComplete(ar -> {
      running = false;
      if (authFailed) {
        // Kafka's admin client never retries a refused authentication (see KafkaHealth): a fresh one does.
        authFailed = false;
        admin.close();
        admin = KafkaAdminClient.create(vertx, props);
      }
    });
  }

  private Future<Long> measure(Watched w) {
    return admin.describeTopics(List.of(w.topic())).compose(desc -> {
      TopicDescription td = desc.get(w.topic());
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      td.getPartitions().forEach(p -> {
        latest.put(new TopicPartition(w.topic(), p.getPartition()), OffsetSpec.LATEST);
        earliest.put(new TopicPartition(w.topic(), p.getPartition()), OffsetSpec.EARLIEST);
      });
      Future<Map<TopicPartition, OffsetAndMetadata>> committed = admin.listConsumerGroupOffsets(w.group());
      Future<Map<TopicPartition, ListOffsetsResultInfo>> ends = admin.listOffsets(latest);
      Future<Map<TopicPartition, ListOffsetsResultInfo>> starts = admin.listOffsets(earliest);
      return Future.all(committed, ends, starts).map(cf -> {
        long lag = 0;
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.result().entrySet()) {
          OffsetAndMetadata c = committed.result().get(e.getKey());
          long from = c != null ? c.getOffset() : starts.result().get(e.getKey()).getOffset();
          lag += Math.max(0, e.getValue().getOffset() - from);
        }
        return lag;
      });
    });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    admin.close();
  }
}
