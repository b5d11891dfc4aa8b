package dev.swarm.pipeline.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop.Polled;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop alone against a real KRaft broker in this JVM ({@link EmbeddedKafkaBroker}), each test on a topic and
 * group of its own: backpressure pauses and keeps polling, commits hold only what was declared durable for
 * partitions still held, stop drains and commits, a second member takes partitions away.
 */
class KafkaConsumerLoopTest {
  static final int PARTITIONS = 3;

  @TempDir
  static Path dir;

  static EmbeddedKafkaBroker broker;
  static Admin admin;
  static KafkaProducer<byte[], byte[]> producer;
  static Vertx vertx;
  static final AtomicInteger topics = new AtomicInteger();

  @BeforeAll
  static void startBroker() {
    broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, PARTITIONS, new BrokerRetentionConfig(
        BrokerRetentionConfig.DEFAULT_RETENTION_BYTES, BrokerRetentionConfig.DEFAULT_SEGMENT_BYTES,
        BrokerRetentionConfig.DEFAULT_SEGMENT_MS, 0)).start();
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (broker != null) {
      broker.stop();
    }
  }

  @Test
  void whileTheHandlerIsFullThePartitionsArePausedPollingGoesOnAndTheMemberKeepsThem() throws Exception {
    String topic = newTopic();
    Recorder handler = new Recorder();
    // A member that stopped polling for longer than this would be put out of its group.
    Member member = new Member(topic, "full-handler", handler, Map.of("max.poll.interval.ms", "1500"));
    member.start();
    send(topic, 0, 10, "first");
    await(() -> handler.records.size() == 10, "the first records are handed over");

    handler.full.set(true);
    await(member.loop::paused, "the loop pauses once the handler is full");
    send(topic, 0, 10, "second");
    long pollsWhenPaused = member.loop.polls();
    // 10 ms paused polls: 300 more take 3 s or longer, twice max.poll.interval.ms.
    await(() -> member.loop.polls() >= pollsWhenPaused + 300, "polling goes on while paused");
    assertEquals(10, handler.records.size(), "nothing is handed over while the handler is full");
    assertEquals(List.of(), handler.revoked, "the member kept its partitions");
    assertEquals(PARTITIONS, member.loop.assigned().size());

    handler.full.set(false);
    await(() -> handler.records.size() == 20, "the records sent while paused arrive once there is room");
    assertFalse(member.loop.paused());
    member.stop(Map::of);
  }

  @Test
  void commitsOnlyWhatTheCallerDeclaredDurableOnlyForwards() throws Exception {
    String topic = newTopic();
    Recorder handler = new Recorder();
    Member member = new Member(topic, "durable", handler, Map.of()).start();
    sendToEveryPartition(topic, 10);
    await(() -> handler.records.size() == 30, "every record is handed over");
    assertEquals(Map.of(), committed(member.group), "nothing is committed before the caller says so");

    member.onContext(() -> member.loop.commit(Map.of(0, 4L, 1, 10L)));
    assertEquals(Map.of(0, 4L, 1, 10L), committed(member.group), "exactly the declared offsets");
    assertEquals(Map.of(0, 4L, 1, 10L), member.loop.committed());

    member.onContext(() -> member.loop.commit(Map.of(0, 2L, 2, 7L, 7, 3L)));
    assertEquals(Map.of(0, 4L, 1, 10L, 2, 7L), committed(member.group),
        "never backwards, and nothing for a partition the member does not hold");
    member.stop(Map::of);
    assertEquals(Map.of(0, 4L, 1, 10L, 2, 7L), committed(member.group), "stop commits nothing more than declared");
  }

  @Test
  void stopAwaitsThePollInFlightHandsNothingOverLetsTheCallerDrainAndCommitsWhatItReturns() throws Exception {
    String topic = newTopic();
    Recorder handler = new Recorder();
    Member member = new Member(topic, "draining", handler, Map.of());
    member.start();
    send(topic, 1, 5, "before");
    await(() -> handler.records.size() == 5, "the records sent before stop are handed over");

    AtomicLong pollsAtDrain = new AtomicLong(-1);
    CompletableFuture<Void> draining = new CompletableFuture<>();
    Promise<Map<Integer, Long>> drained = Promise.promise();
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    member.context.runOnContext(v -> member.loop.stop(() -> {
      pollsAtDrain.set(member.loop.polls());
      draining.complete(null);
      return drained.future();
    }).onComplete(ar -> stopped.complete(null)));
    draining.get(30, TimeUnit.SECONDS);
    send(topic, 1, 5, "after"); // sent while the caller drains: never polled
    assertEquals(Map.of(), committed(member.group), "the final commit waits for the drain");
    member.context.runOnContext(v -> drained.complete(handler.nextOffsets()));
    stopped.get(30, TimeUnit.SECONDS);

    assertEquals(5, handler.records.size(), "nothing handed over after stop");
    assertEquals(pollsAtDrain.get(), member.loop.polls(), "no poll after the drain began");
    assertEquals(Map.of(1, 5L), committed(member.group), "the offsets the drain returned are committed");
    assertTrue(admin.describeConsumerGroups(List.of(member.group)).all().get().get(member.group).members().isEmpty(),
        "the consumer left its group");
  }

  @Test
  void aSecondMemberTakesPartitionsTheFirstIsToldAndCommitsOnlyWhatItStillHolds() throws Exception {
    String topic = newTopic();
    Recorder first = new Recorder();
    Member a = new Member(topic, "shared", first, Map.of()).start();
    sendToEveryPartition(topic, 4);
    await(() -> first.records.size() == 4 * PARTITIONS, "the only member reads every partition");
    assertEquals(Set.of(0, 1, 2), a.loop.assigned());

    Recorder second = new Recorder();
    Member b = new Member(topic, "shared", second, Map.of());
    b.start();
    await(() -> !first.revoked.isEmpty(), "the first member is told its partitions were revoked");
    await(() -> !b.loop.assigned().isEmpty() && !a.loop.assigned().isEmpty()
        && a.loop.assigned().size() + b.loop.assigned().size() == PARTITIONS, "the two members share the partitions");
    Set<Integer> held = a.loop.assigned();

    // The first member declares every partition it ever read durable; only those it still holds are committed.
    a.onContext(() -> a.loop.commit(Map.of(0, 4L, 1, 4L, 2, 4L)));
    Map<Integer, Long> expected = new HashMap<>();
    held.forEach(p -> expected.put(p, 4L));
    assertEquals(expected, committed(a.group));
    assertEquals(expected, a.loop.committed());
    a.stop(Map::of);
    b.stop(Map::of);
  }

  @Test
  void anUnreadableRecordIsCountedHandedOverWithoutValueAndCanBeCommittedPast() throws Exception {
    String topic = newTopic();
    Recorder handler = new Recorder();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Counter unreadable = registry.counter("unreadable");
    Member member = new Member(topic, "unreadable", handler, Map.of(), unreadable);
    member.start();
    send(topic, 2, 1, "good");
    send(topic, 2, 1, "bad");
    send(topic, 2, 1, "good");
    await(() -> handler.records.size() == 3, "all three are handed over");
    assertEquals(1.0, unreadable.count());
    assertNull(handler.records.get(1).value());
    assertFalse(handler.records.get(1).readable());
    assertEquals("good0", handler.records.get(2).value());
    member.onContext(() -> member.loop.commit(handler.nextOffsets()));
    assertEquals(Map.of(2, 3L), committed(member.group));
    member.stop(Map::of);
  }

  @Test
  void consumerDefaultsAreSetInOnePlaceAndGivenValuesWin() {
    Map<String, String> props = KafkaConsumerLoop.consumerProperties(
        Map.of("bootstrap.servers", "b:9092", "fetch.min.bytes", "1", "enable.auto.commit", "true"), "g");
    assertEquals("g", props.get("group.id"));
    assertEquals("false", props.get("enable.auto.commit"), "commits are the loop's, always");
    assertEquals("1", props.get("fetch.min.bytes"), "a value the client properties set wins");
    assertEquals("50", props.get("fetch.max.wait.ms"));
    assertEquals("earliest", props.get("auto.offset.reset"));
    assertEquals("10000", props.get("session.timeout.ms"));
    assertEquals("3000", props.get("heartbeat.interval.ms"));
  }

  @Test
  void aFailureIsOneLineWithItsRootCause() {
    Exception e = new IllegalStateException("poll failed", new RuntimeException("wrapped",
        new java.io.IOException("Authentication failed: Invalid username or password")));
    assertEquals("java.lang.IllegalStateException: poll failed (cause: java.io.IOException: Authentication failed: "
        + "Invalid username or password)", KafkaConsumerLoop.describeFailure(e));
    assertEquals("java.io.IOException: x", KafkaConsumerLoop.describeFailure(new java.io.IOException("x")));
  }

  // --- helpers ----------------------------------------------------------------------------------------------------

  /** A loop on a context of its own, as a verticle would run it. */
  static final class Member {
    final String group;
    final Context context = vertx.getOrCreateContext();
    final KafkaConsumerLoop<String> loop;

    Member(String topic, String group, Recorder handler, Map<String, String> extraProps) {
      this(topic, group, handler, extraProps, null);
    }

    Member(String topic, String group, Recorder handler, Map<String, String> extraProps, Counter unreadable) {
      this.group = topic + "-" + group;
      Map<String, String> props = new HashMap<>(extraProps);
      props.put("bootstrap.servers", broker.bootstrapServers());
      loop = KafkaConsumerLoop.<String>builder(vertx, props, topic, this.group)
          .name("test-" + group)
          .decodeOnWorker()
          .countUnreadable(unreadable)
          .build(r -> {
            String v = new String(r.value(), UTF_8);
            if (v.startsWith("bad")) {
              throw new UnreadableRecordException("not a good record");
            }
            return v;
          }, handler);
    }

    Member start() throws Exception {
      onContext(loop::start);
      return this;
    }

    void stop(Supplier<Map<Integer, Long>> lastOffsets) throws Exception {
      onContext(() -> loop.stop(() -> Future.succeededFuture(lastOffsets.get())));
    }

    <X> X onContext(Supplier<Future<X>> action) throws Exception {
      CompletableFuture<X> result = new CompletableFuture<>();
      context.runOnContext(v -> action.get().onComplete(ar -> {
        if (ar.succeeded()) {
          result.complete(ar.result());
        } else {
          result.completeExceptionally(ar.cause());
        }
      }));
      return result.get(60, TimeUnit.SECONDS);
    }
  }

  static final class Recorder implements KafkaConsumerLoop.Handler<String> {
    final List<Polled<String>> records = new CopyOnWriteArrayList<>();
    final List<Set<Integer>> revoked = new CopyOnWriteArrayList<>();
    final AtomicBoolean full = new AtomicBoolean();

    @Override
    public void handle(List<Polled<String>> polled) {
      records.addAll(polled);
    }

    @Override
    public boolean full() {
      return full.get();
    }

    @Override
    public void revoked(Set<Integer> partitions) {
      revoked.add(new TreeSet<>(partitions));
    }

    /** Partition → the offset after the last record handed over. */
    Map<Integer, Long> nextOffsets() {
      Map<Integer, Long> next = new HashMap<>();
      records.forEach(r -> next.merge(r.partition(), r.offset() + 1, Math::max));
      return next;
    }
  }

  static String newTopic() throws Exception {
    String topic = "loop-test-" + topics.incrementAndGet();
    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    return topic;
  }

  static void send(String topic, int partition, int count, String prefix) throws Exception {
    for (int i = 0; i < count; i++) {
      producer.send(new ProducerRecord<>(topic, partition, ("key-" + i).getBytes(UTF_8),
          (prefix + i).getBytes(UTF_8))).get(30, TimeUnit.SECONDS);
    }
  }

  static void sendToEveryPartition(String topic, int perPartition) throws Exception {
    for (int p = 0; p < PARTITIONS; p++) {
      send(topic, p, perPartition, "r");
    }
  }

  /** The group's committed offsets on the broker, partition → offset. */
  static Map<Integer, Long> committed(String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    Map<Integer, Long> out = new HashMap<>();
    offsets.forEach((tp, om) -> {
      if (om != null) {
        out.put(tp.partition(), om.offset());
      }
    });
    return out;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(20);
    }
  }
}
