package dev.swarm.pipeline.kafka;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka consumer run the way the pipeline's stages run theirs: subscribe to a topic in a group, poll on the
 * caller's Vert.x context, hand each polled batch to a {@link Handler} (decoded first by a {@link Decoder}, on a
 * worker thread if asked), and commit only the offsets the caller declares durable.
 *
 * <ul>
 *   <li><b>Backpressure.</b> Before every poll the loop asks {@link Handler#full()}. While it says full, the assigned
 *       partitions are paused and the loop <i>keeps polling</i> (with {@code pausedPollMs}, short), so the member
 *       keeps its place in the group instead of passing {@code max.poll.interval.ms} and being rebalanced away; the
 *       first poll after the handler has room resumes them. Partitions assigned while paused are paused too.
 *   <li><b>Commits.</b> {@link #commit} takes partition → next offset (the position after the last record that is
 *       durable downstream). Only partitions still assigned are committed, only offsets that moved forward, and one
 *       commit is in flight at a time (offsets given meanwhile go out in the next one). A failed commit is counted,
 *       logged (rate-limited) and tried again with the next call; the records are read again after a restart, never
 *       lost.
 *   <li><b>Rebalance.</b> Assigned and revoked partitions are logged and passed to the handler; a revoked
 *       partition's offsets are forgotten (its new owner continues from the committed offset).
 *   <li><b>Stop.</b> {@link #stop}: no poll after it; the poll (and decode) in flight is awaited and its records are
 *       not handed over (not committed either: read again after a restart); then the caller drains and returns its
 *       last durable offsets, which are committed; then the consumer is closed.
 *   <li><b>Logging.</b> Unreadable records ({@link UnreadableRecordException} from the decoder) are counted and
 *       logged at most {@code unreadableLogs} lines per window, with the record's key as {@code trace_id}; poll
 *       failures and consumer errors (e.g. a refused SASL login, repeated every poll) as one line with the cause, at
 *       most once per {@code failureLogWindowMs}, never with a stack trace.
 * </ul>
 *
 * <p>Not thread-safe: create it, {@link #start()}, {@link #commit} and {@link #stop} on one Vert.x context (a
 * verticle's event loop); the handler and the rebalance callbacks run there. The accessors for tests and metrics
 * ({@link #paused()}, {@link #polls()}, {@link #assigned()}, {@link #committed()}) may be read from any thread.
 *
 * @param <T> what the decoder makes of one record
 */
public final class KafkaConsumerLoop<T> {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaConsumerLoop.class);
  private static final int MAX_LOGGED_KEY_CHARS = 128;

  /** Reads one record; runs on a worker thread when the loop decodes there, so it must then be thread-safe. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(ConsumerRecord<byte[], byte[]> record) throws UnreadableRecordException;
  }

  /** The caller's side of the loop; every method runs on the loop's context. */
  public interface Handler<T> {
    /** One polled batch (never empty), in partition order as Kafka returned it; unreadable records included. */
    void handle(List<Polled<T>> records);

    /** True while the handler can take no more: the loop pauses the partitions until it says false. */
    boolean full();

    /** Partitions of the topic just assigned to this member. */
    default void assigned(Set<Integer> partitions) {}

    /** Partitions of the topic taken away from this member: their records now belong to another member. */
    default void revoked(Set<Integer> partitions) {}
  }

  /** One polled record: its position and decoded value, null when it was unreadable (already counted and logged). */
  public record Polled<T>(int partition, long offset, T value) {
    public boolean readable() {
      return value != null;
    }
  }

  private final Vertx vertx;
  private final Map<String, String> consumerConfig;
  private final String topic;
  private final String groupId;
  private final String name;
  private final long pollTimeoutMs;
  private final long pausedPollMs;
  private final long pollRetryMs;
  private final Decoder<T> decoder;
  private final boolean decodeOnWorker;
  private final Handler<T> handler;
  private final Counter unreadableCount;
  private final Counter commitFailureCount;
  private final LogRateLimit unreadableLog;
  private final LogRateLimit failureLog;
  private final LogRateLimit commitFailureLog;
  private final AtomicLong unreadableTotal = new AtomicLong();

  // Context-confined state.
  private KafkaConsumer<byte[], byte[]> consumer;
  private boolean stopping;
  private boolean closed;
  private boolean polling;
  private Promise<Void> pollIdle;
  private long retryTimer = -1;
  private boolean pausing;
  private boolean assignmentChanged;
  private final Set<Integer> assignedNow = new TreeSet<>();
  private final Map<Integer, Long> wanted = new HashMap<>();
  private final Map<Integer, Long> committedNow = new HashMap<>();
  private boolean committing;
  private Promise<Void> nextCommit;

  // Published for other threads.
  private volatile boolean pausedView;
  private volatile long polls;
  private volatile Set<Integer> assignedView = Set.of();
  private volatile Map<Integer, Long> committedView = Map.of();

  private KafkaConsumerLoop(Builder<T> b, Decoder<T> decoder, Handler<T> handler) {
    this.vertx = b.vertx;
    this.consumerConfig = consumerProperties(b.clientProps, b.groupId);
    this.topic = b.topic;
    this.groupId = b.groupId;
    this.name = b.name;
    this.pollTimeoutMs = b.pollTimeoutMs;
    this.pausedPollMs = Math.min(b.pausedPollMs, b.pollTimeoutMs);
    this.pollRetryMs = b.pollRetryMs;
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.decodeOnWorker = b.decodeOnWorker;
    this.handler = Objects.requireNonNull(handler, "handler");
    this.unreadableCount = b.unreadableCount;
    this.commitFailureCount = b.commitFailureCount;
    this.unreadableLog = new LogRateLimit(b.unreadableLogs, b.unreadableLogWindowMs, b.clock);
    this.failureLog = new LogRateLimit(1, b.failureLogWindowMs, b.clock);
    this.commitFailureLog = new LogRateLimit(1, b.failureLogWindowMs, b.clock);
  }

  /**
   * The consumer settings every stage's consumer gets, in one place: {@code group.id} and
   * {@code enable.auto.commit=false} always (the loop's consumer also reads keys and values as byte arrays); unless {@code clientProps} sets them, {@code auto.offset.reset=earliest},
   * {@code fetch.min.bytes=262144} and {@code fetch.max.wait.ms=50}, {@code session.timeout.ms=10000} and
   * {@code heartbeat.interval.ms=3000}.
   */
  public static Map<String, String> consumerProperties(Map<String, String> clientProps, String groupId) {
    Map<String, String> config = new HashMap<>(clientProps);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Fewer, fuller fetches: with the default (1 byte) every poll under load fetches a sliver, and the
    // broker spends more CPU per span on fetch requests than on the data. Adds at most 50 ms when idle.
    config.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(256 * 1024));
    config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    // A crashed member holds its partitions until its session times out: 10 s, not Kafka's 45 s, before the
    // restarted process (or another member) takes them over.
    config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    return config;
  }

  /**
   * @param clientProps at least {@code bootstrap.servers}; what {@link #consumerProperties} sets is added
   * @param topic the one topic consumed
   * @param groupId the consumer group
   */
  public static <T> Builder<T> builder(Vertx vertx, Map<String, String> clientProps, String topic, String groupId) {
    return new Builder<>(vertx, clientProps, topic, groupId);
  }

  /** Creates the consumer on the current context, subscribes, and starts polling once subscribed. */
  public Future<Void> start() {
    if (consumer != null) {
      throw new IllegalStateException("already started");
    }
    consumer = KafkaConsumer.create(vertx, consumerConfig, byte[].class, byte[].class);
    consumer.exceptionHandler(this::consumerError);
    consumer.partitionsAssignedHandler(this::onAssigned);
    consumer.partitionsRevokedHandler(this::onRevoked);
    return consumer.subscribe(topic)
        .onSuccess(v -> {
          LOG.info("{} consuming {} as group {}", name, topic, groupId);
          poll();
        })
        .recover(e -> close().transform(ignored -> Future.failedFuture(e)));
  }

  /**
   * Declares {@code nextOffsets} (partition → offset of the next record to read) durable and commits them: only
   * partitions still assigned, only offsets beyond what this member committed. Completes once a commit including
   * them has finished, successfully or not (a failure is counted and logged here; the offsets go out again with the
   * next call).
   */
  public Future<Void> commit(Map<Integer, Long> nextOffsets) {
    nextOffsets.forEach((partition, offset) -> {
      if (offset >= 0 && assignedNow.contains(partition)) {
        wanted.merge(partition, offset, Math::max);
      }
    });
    return flushCommits();
  }

  /**
   * Stops: no poll after this; the poll and decode in flight are awaited (their records are not handed over);
   * then {@code drain} is called, and the offsets its future gives (with those declared before) are committed;
   * then the consumer is closed. A failed drain still commits what was declared before. Never fails.
   *
   * @param drain the caller's last work (finish what was handed over), giving its durable offsets
   */
  public Future<Void> stop(Supplier<Future<Map<Integer, Long>>> drain) {
    if (consumer == null || closed) {
      return Future.succeededFuture();
    }
    stopping = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Future<Void> idle = polling ? pollIdle.future() : Future.succeededFuture();
    return idle
        .compose(v -> drain.get())
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("{}: draining before stop failed ({}); committing what was durable before", name,
                describeFailure(ar.cause()));
          }
          return commit(ar.succeeded() && ar.result() != null ? ar.result() : Map.of());
        })
        .eventually(this::close);
  }

  /** True while the partitions are paused because the handler is full. */
  public boolean paused() {
    return pausedView;
  }

  /** Polls completed so far (paused ones included). */
  public long polls() {
    return polls;
  }

  /** The topic's partitions assigned to this member now. */
  public Set<Integer> assigned() {
    return assignedView;
  }

  /** Partition → the offset this member last committed for it, for the partitions it still holds. */
  public Map<Integer, Long> committed() {
    return committedView;
  }

  // --- polling ----------------------------------------------------------------------------------------------------

  private void poll() {
    retryTimer = -1;
    if (stopping || polling) {
      return;
    }
    polling = true;
    pollIdle = Promise.promise();
    applyBackpressure()
        .compose(v -> consumer.poll(Duration.ofMillis(pausing ? pausedPollMs : pollTimeoutMs)))
        .compose(records -> records.isEmpty() || stopping
            ? Future.succeededFuture(List.<Polled<T>>of())
            : decodeOnWorker ? vertx.executeBlocking(() -> decode(records)) : Future.succeededFuture(decode(records)))
        .onComplete(ar -> {
          polling = false;
          polls++;
          if (ar.failed()) {
            pollIdle.complete();
            pollFailed(ar.cause());
            return;
          }
          if (!stopping && !ar.result().isEmpty()) {
            try {
              handler.handle(ar.result());
            } catch (RuntimeException e) {
              LOG.error("{}: handling {} records of {} failed", name, ar.result().size(), topic, e);
            }
          }
          pollIdle.complete();
          poll();
        });
  }

  /** Pauses the assigned partitions while the handler is full, resumes them once it has room. */
  private Future<Void> applyBackpressure() {
    if (handler.full()) {
      if (pausing && !assignmentChanged) {
        return Future.succeededFuture();
      }
      if (!pausing) {
        LOG.debug("{}: handler full, pausing {}", name, topic);
      }
      pausing = true;
      pausedView = true;
      assignmentChanged = false; // partitions assigned later start unpaused: pause them too
      return consumer.assignment().compose(parts -> parts.isEmpty() ? Future.succeededFuture() : consumer.pause(parts));
    }
    if (!pausing) {
      return Future.succeededFuture();
    }
    pausing = false;
    pausedView = false;
    LOG.debug("{}: handler has room, resuming {}", name, topic);
    return consumer.paused().compose(parts -> parts.isEmpty() ? Future.succeededFuture() : consumer.resume(parts));
  }

  /** Decodes each record; an unreadable one becomes a Polled without value. Runs on a worker or the context. */
  private List<Polled<T>> decode(KafkaConsumerRecords<byte[], byte[]> records) {
    List<Polled<T>> out = new ArrayList<>(records.size());
    for (ConsumerRecord<byte[], byte[]> r : records.records()) {
      T value = null;
      try {
        value = decoder.decode(r);
        if (value == null) {
          unreadable(r, "nothing decoded");
        }
      } catch (UnreadableRecordException e) {
        unreadable(r, e.getMessage());
      } catch (RuntimeException e) { // a decoder bug must not stop the partition: skip the record, loudly
        unreadable(r, e.toString());
      }
      out.add(new Polled<>(r.partition(), r.offset(), value));
    }
    return out;
  }

  private void unreadable(ConsumerRecord<byte[], byte[]> r, String reason) {
    long total = unreadableTotal.incrementAndGet();
    if (unreadableCount != null) {
      unreadableCount.increment();
    }
    long leftOut = unreadableLog.tryAcquire();
    if (leftOut >= 0) { // a flood of bad records must not flood the log
      String key = loggedKey(r.key());
      // trace_id as a key-value too, so the JSON log line carries it as a field (log-event.json).
      LOG.atWarn().addKeyValue("trace_id", key)
          .log("skipping unreadable {} record trace_id={} partition={} offset={} unreadable_total={}: {}{}", topic, key,
              r.partition(), r.offset(), total, reason, LogRateLimit.leftOut(leftOut));
    }
  }

  private static String loggedKey(byte[] key) {
    if (key == null) {
      return null;
    }
    String s = new String(key, StandardCharsets.UTF_8);
    return s.length() <= MAX_LOGGED_KEY_CHARS ? s : s.substring(0, MAX_LOGGED_KEY_CHARS) + "…";
  }

  private void pollFailed(Throwable cause) {
    long leftOut = failureLog.tryAcquire();
    if (leftOut >= 0) {
      LOG.warn("{}: polling {} failed, retrying every {} ms: {}{}", name, topic, pollRetryMs, describeFailure(cause),
          LogRateLimit.leftOut(leftOut));
    }
    if (!stopping) {
      retryTimer = vertx.setTimer(pollRetryMs, id -> poll());
    }
  }

  private void consumerError(Throwable e) {
    long leftOut = failureLog.tryAcquire();
    if (leftOut >= 0) {
      LOG.warn("{}: kafka consumer error on {}: {}{}", name, topic, describeFailure(e), LogRateLimit.leftOut(leftOut));
    }
  }

  /** One line: the failure and, when it differs, its root cause; no stack trace. */
  static String describeFailure(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? e.toString() : e + " (cause: " + root + ")";
  }

  // --- rebalance --------------------------------------------------------------------------------------------------

  private void onAssigned(Set<TopicPartition> partitions) {
    Set<Integer> mine = partitionsOfTopic(partitions);
    assignedNow.addAll(mine);
    assignmentChanged = true;
    assignedView = Set.copyOf(assignedNow);
    LOG.info("{} assigned {}", name, describe(mine));
    handler.assigned(mine);
  }

  private void onRevoked(Set<TopicPartition> partitions) {
    Set<Integer> mine = partitionsOfTopic(partitions);
    assignedNow.removeAll(mine);
    mine.forEach(p -> {
      wanted.remove(p);
      committedNow.remove(p);
    });
    assignedView = Set.copyOf(assignedNow);
    committedView = Map.copyOf(committedNow);
    LOG.info("{} revoked {}", name, describe(mine));
    handler.revoked(mine);
  }

  private Set<Integer> partitionsOfTopic(Set<TopicPartition> partitions) {
    Set<Integer> mine = new TreeSet<>();
    for (TopicPartition tp : partitions) {
      if (tp.getTopic().equals(topic)) {
        mine.add(tp.getPartition());
      }
    }
    return mine;
  }

  private String describe(Set<Integer> partitions) {
    List<String> names = new ArrayList<>();
    partitions.forEach(p -> names.add(topic + "-" + p));
    return names.toString();
  }

  // --- committing -------------------------------------------------------------------------------------------------

  private Future<Void> flushCommits() {
    if (closed || consumer == null) {
      return Future.succeededFuture();
    }
    if (committing) {
      if (nextCommit == null) {
        nextCommit = Promise.promise();
      }
      return nextCommit.future();
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<Integer, Long> sending = new HashMap<>();
    wanted.forEach((partition, offset) -> {
      Long done = committedNow.get(partition);
      if (done == null || offset > done) {
        offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(offset, ""));
        sending.put(partition, offset);
      }
    });
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    committing = true;
    Promise<Void> done = Promise.promise();
    consumer.commit(offsets).onComplete(ar -> {
      committing = false;
      if (ar.succeeded()) {
        sending.forEach((partition, offset) -> {
          if (assignedNow.contains(partition)) { // not revoked meanwhile
            committedNow.merge(partition, offset, Math::max);
          }
        });
        committedView = Map.copyOf(committedNow);
      } else {
        // What it covers is durable downstream; a lost commit means those records are read and handled again.
        if (commitFailureCount != null) {
          commitFailureCount.increment();
        }
        long leftOut = commitFailureLog.tryAcquire();
        if (leftOut >= 0) {
          LOG.warn("{}: committing {} offsets {} failed, tried again with the next commit: {}{}", name, topic, sending,
              describeFailure(ar.cause()), LogRateLimit.leftOut(leftOut));
        }
      }
      done.complete();
      Promise<Void> waiting = nextCommit;
      nextCommit = null;
      if (waiting != null) {
        flushCommits().onComplete(waiting);
      }
    });
    return done.future();
  }

  private Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    pausedView = false;
    return consumer.close().recover(e -> {
      LOG.warn("{}: closing the {} consumer failed: {}", name, topic, describeFailure(e));
      return Future.succeededFuture();
    });
  }

  /** How a loop is set up; every setting but the decoder and handler has a default. */
  public static final class Builder<T> {
    private final Vertx vertx;
    private final Map<String, String> clientProps;
    private final String topic;
    private final String groupId;
    private String name = "consumer";
    private long pollTimeoutMs = 100;
    private long pausedPollMs = 10;
    private long pollRetryMs = 1_000;
    private boolean decodeOnWorker;
    private LongSupplier clock = System::currentTimeMillis;
    private int unreadableLogs = 10;
    private long unreadableLogWindowMs = 10_000;
    private long failureLogWindowMs = 10_000;
    private Counter unreadableCount;
    private Counter commitFailureCount;

    private Builder(Vertx vertx, Map<String, String> clientProps, String topic, String groupId) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.clientProps = Map.copyOf(clientProps);
      this.topic = Objects.requireNonNull(topic, "topic");
      this.groupId = Objects.requireNonNull(groupId, "groupId");
    }

    /** What the log lines call this consumer (the stage: "aggregator", "storage"). */
    public Builder<T> name(String name) {
      this.name = name;
      return this;
    }

    /** Longest poll while the handler takes records (default 100 ms). */
    public Builder<T> pollTimeoutMs(long ms) {
      this.pollTimeoutMs = positive(ms, "pollTimeoutMs");
      return this;
    }

    /** Longest poll while paused (default 10 ms, at most the poll timeout): how soon room is noticed. */
    public Builder<T> pausedPollMs(long ms) {
      this.pausedPollMs = positive(ms, "pausedPollMs");
      return this;
    }

    /** Wait after a failed poll (default 1000 ms). */
    public Builder<T> pollRetryMs(long ms) {
      this.pollRetryMs = positive(ms, "pollRetryMs");
      return this;
    }

    /** Decodes polled records on a worker thread rather than on the context (the decoder must be thread-safe). */
    public Builder<T> decodeOnWorker() {
      this.decodeOnWorker = true;
      return this;
    }

    /** The time source of the log rate limits (default the wall clock). */
    public Builder<T> clock(LongSupplier clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** At most {@code lines} unreadable-record lines per {@code windowMs} (default 10 per 10 s). */
    public Builder<T> unreadableLogLimit(int lines, long windowMs) {
      this.unreadableLogs = lines;
      this.unreadableLogWindowMs = positive(windowMs, "windowMs");
      return this;
    }

    /** At most one poll-failure line, and one commit-failure line, per {@code windowMs} (default 10 s). */
    public Builder<T> failureLogWindowMs(long windowMs) {
      this.failureLogWindowMs = positive(windowMs, "windowMs");
      return this;
    }

    /** Incremented for every unreadable record. */
    public Builder<T> countUnreadable(Counter counter) {
      this.unreadableCount = counter;
      return this;
    }

    /** Incremented for every failed offset commit. */
    public Builder<T> countCommitFailures(Counter counter) {
      this.commitFailureCount = counter;
      return this;
    }

    public KafkaConsumerLoop<T> build(Decoder<T> decoder, Handler<T> handler) {
      return new KafkaConsumerLoop<>(this, decoder, handler);
    }

    private static long positive(long value, String what) {
      if (value <= 0) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return value;
    }
  }
}
