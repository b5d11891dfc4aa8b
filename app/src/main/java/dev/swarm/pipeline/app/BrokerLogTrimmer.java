package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded broker's log down to what is still needed: every interval, records below the committed
 * offset of every consumer group of a topic are deleted ({@code deleteRecords}); the broker then removes the
 * segments wholly below that within seconds. Also measures the log's size per topic. Blocking admin calls on a
 * worker, one run at a time.
 */
final class BrokerLogTrimmer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerLogTrimmer.class);
  private static final long TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final Admin admin;
  private final Map<String, String> topicToGroup;
  private final Map<String, AtomicLong> logBytes = new HashMap<>();
  private final Map<TopicPartition, Long> trimmedTo = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final Counter failures;
  private final long timerId;
  private long failureLogAt;

  /**
   * @param kafka the process's Kafka client properties, bound to the embedded broker
   * @param topicToGroup each topic with the pipeline's own group consuming it: nothing of a partition is deleted
   *     before that group has committed on it
   * @param trimIntervalMs 0 measures only
   */
  BrokerLogTrimmer(Vertx vertx, KafkaClientProperties kafka, Map<String, String> topicToGroup, long trimIntervalMs,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.topicToGroup = Map.copyOf(topicToGroup);
    this.admin = Admin.create(new HashMap<String, Object>(kafka.forAdmin(Map.of(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS)), "trace-log-trimmer")));
    for (String topic : this.topicToGroup.keySet()) {
      AtomicLong bytes = new AtomicLong();
      logBytes.put(topic, bytes);
      Gauge.builder("trace.kafka.log.bytes", bytes, AtomicLong::get)
          .description("Bytes of the embedded broker's log for this topic (all partitions)")
          .baseUnit("bytes")
          .tag("topic", topic)
          .register(registry);
    }
    failures = Counter.builder("trace.kafka.trim.failures")
        .description("Runs of the embedded broker's log trimming that failed (tried again next interval)")
        .register(registry);
    long period = trimIntervalMs > 0 ? trimIntervalMs : 10_000;
    boolean trim = trimIntervalMs > 0;
    this.timerId = vertx.setPeriodic(Math.min(period, 5000), period, id -> run(trim));
  }

  private void run(boolean trim) {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> {
      if (trim) {
        trimOnce();
      }
      measure();
      return null;
    }, false).onComplete(ar -> {
      running.set(false);
      if (ar.failed()) {
        failures.increment();
        long now = System.currentTimeMillis();
        if (now - failureLogAt > 60_000) {
          failureLogAt = now;
          LOG.warn("trimming the embedded broker's log failed (retried every interval): {}", ar.cause().toString());
        }
      }
    });
  }

  /** Deletes what every group has committed; returns the offsets deleted below, by partition. */
  Map<TopicPartition, Long> trimOnce() throws Exception {
    Collection<ConsumerGroupListing> groups = admin.listConsumerGroups().all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<String, Map<TopicPartition, Long>> committed = new HashMap<>();
    for (ConsumerGroupListing g : groups) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(g.groupId())
          .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> byPartition = new HashMap<>();
      offsets.forEach((tp, om) -> {
        if (om != null) {
          byPartition.put(tp, om.offset());
        }
      });
      committed.put(g.groupId(), byPartition);
    }
    Map<TopicPartition, Long> plan = TrimPlan.deleteBelow(topicToGroup, committed);
    Map<TopicPartition, RecordsToDelete> todo = new HashMap<>();
    plan.forEach((tp, offset) -> {
      if (offset > trimmedTo.getOrDefault(tp, 0L)) {
        todo.put(tp, RecordsToDelete.beforeOffset(offset));
      }
    });
    if (!todo.isEmpty()) {
      admin.deleteRecords(todo).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      todo.forEach((tp, r) -> trimmedTo.put(tp, r.beforeOffset()));
    }
    return plan;
  }

  private void measure() throws Exception {
    Map<Integer, Map<String, LogDirDescription>> dirs =
        admin.describeLogDirs(List.of(1)).allDescriptions().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<String, Long> sums = new HashMap<>();
    for (Map<String, LogDirDescription> byDir : dirs.values()) {
      for (LogDirDescription d : byDir.values()) {
        for (Map.Entry<TopicPartition, ReplicaInfo> e : d.replicaInfos().entrySet()) {
          sums.merge(e.getKey().topic(), e.getValue().size(), Long::sum);
        }
      }
    }
    logBytes.forEach((topic, bytes) -> bytes.set(sums.getOrDefault(topic, 0L)));
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
