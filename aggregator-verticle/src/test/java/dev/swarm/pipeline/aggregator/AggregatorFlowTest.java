package dev.swarm.pipeline.aggregator;

import static dev.swarm.pipeline.aggregator.Spans.spans;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop.Polled;
import dev.swarm.pipeline.kafka.UnreadableRecordException;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The aggregator's state between its consumer loop and its sink, with a clock and a sink of the test's own. */
class AggregatorFlowTest {
  private static final long IDLE = 100;

  final AtomicLong clock = new AtomicLong(1_000);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final AggregatorConfig config = new AggregatorConfig("swarm.spans", "swarm.traces", "g",
      new AssemblerConfig(IDLE, 1_000, 1_000_000, 20_000, 1_000, 64 << 20), 100, 2, 1_000, SpanLimits.DEFAULTS);
  final Sink sink = new Sink();
  final AggregatorMetrics metrics = new AggregatorMetrics(registry, config.assembler());
  final AggregatorFlow flow = new AggregatorFlow(config, sink, metrics, clock::get);

  @Test
  void fullOnceTheSinkHoldsTheInFlightLimitAndCommitsOnlyWhatItMadeDurable() {
    flow.handle(List.of(record(0, 0, "t1", "a"), record(0, 1, "t2", "a"), record(0, 2, "t3", "a")));
    assertFalse(flow.full());
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    assertEquals(3, sink.stored.size(), "three idle complete traces emitted");
    assertTrue(flow.full(), "three traces await the sink, the limit is two");
    assertEquals(Map.of(0, 0L), flow.positions(), "nothing durable yet");

    sink.answer(0, null);
    assertTrue(flow.full());
    assertEquals(Map.of(0, 1L), flow.positions());
    sink.answer(1, null);
    assertFalse(flow.full(), "room again");
    sink.answer(2, null);
    assertEquals(Map.of(0, 3L), flow.positions());
    assertEquals(3.0, registry.get("trace.aggregator.traces.emitted").tag("verdict", "complete").counter().count());
    assertEquals(0.0, registry.get("trace.aggregator.inflight.traces").gauge().value());
  }

  @Test
  void theSinksSpanLimitMakesItFullToo() {
    sink.maxPendingSpans = 3;
    flow.handle(List.of(record(0, 0, "t1", "a", "b:a", "c:a")));
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    assertTrue(flow.full(), "three spans await the sink, which takes three");
    sink.answer(0, null);
    assertFalse(flow.full());
  }

  @Test
  void aTraceRefusedForGoodIsDroppedAndCommittedPastAnotherFailureHoldsItsOffset() {
    flow.handle(List.of(record(0, 0, "t1", "a"), record(1, 0, "t2", "a")));
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    sink.answer(0, new UnstorableTraceException("too large", null));
    sink.answer(1, new IllegalStateException("sink closed"));
    assertEquals(Map.of(0, 1L, 1, 0L), flow.positions());
    assertEquals(1.0, registry.get("trace.aggregator.dropped.traces").counter().count());
  }

  @Test
  void anUnreadableRecordIsSkippedSoItsOffsetCanBeCommitted() {
    flow.handle(List.of(new Polled<>(0, 0, null), record(0, 1, "t1", "a")));
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    sink.answer(0, null);
    assertEquals(Map.of(0, 2L), flow.positions());
  }

  @Test
  void aRevokedPartitionsTracesAreDroppedUnemitted() {
    flow.handle(List.of(record(0, 0, "t1", "a"), record(1, 0, "t2", "a")));
    flow.revoked(Set.of(1));
    assertEquals(1, flow.bufferedTraces());
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    assertEquals(1, sink.stored.size());
    assertEquals("t1", sink.stored.get(0).traceId());
    assertFalse(flow.positions().containsKey(1));
  }

  @Test
  void stopEmitsNothingMoreAndCompletesOnceTheSinkAnsweredEverything() {
    flow.handle(List.of(record(0, 0, "t1", "a")));
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    flow.handle(List.of(record(0, 1, "t2", "a")));
    Future<Void> idle = flow.stop();
    clock.addAndGet(IDLE + 1);
    flow.sweep();
    assertEquals(1, sink.stored.size(), "buffered traces stay unemitted: their records are read again");
    assertFalse(idle.isComplete());
    sink.answer(0, null);
    assertTrue(idle.succeeded());
    assertEquals(Map.of(0, 1L), flow.positions(), "t2's record stays uncommitted");
  }

  @Test
  void decodesTheKeyAndNormalisedSpansAndRefusesWhatItCannotRead() throws Exception {
    byte[] value = ("[" + new String(Spans.span("t1", "a", null).json(), StandardCharsets.UTF_8) + "]")
        .getBytes(StandardCharsets.UTF_8);
    ConsumerRecord<byte[], byte[]> normalised = new ConsumerRecord<>("swarm.spans", 0, 0, "t1".getBytes(), value);
    normalised.headers().add(SpanContract.FORMAT_HEADER, SpanContract.FORMAT_NORMALIZED.getBytes(StandardCharsets.UTF_8));
    AggregatorFlow.SpanRecord read = flow.decode(normalised);
    assertEquals("t1", read.traceId());
    assertEquals("a", read.spans().get(0).id());

    assertThrows(UnreadableRecordException.class,
        () -> flow.decode(new ConsumerRecord<>("swarm.spans", 0, 1, null, value)), "no key");
    assertThrows(UnreadableRecordException.class,
        () -> flow.decode(new ConsumerRecord<>("swarm.spans", 0, 2, "t1".getBytes(), "[{}]".getBytes())),
        "a foreign record that is not a valid span");
  }

  private static Polled<AggregatorFlow.SpanRecord> record(int partition, long offset, String traceId,
      String... idColonParent) {
    return new Polled<>(partition, offset, new AggregatorFlow.SpanRecord(traceId, spans(traceId, idColonParent)));
  }

  /** Holds every stored trace's promise for the test to answer. */
  static final class Sink implements TraceSink {
    final List<AssembledTrace> stored = new ArrayList<>();
    final List<Promise<Void>> answers = new ArrayList<>();
    long maxPendingSpans = Long.MAX_VALUE;

    @Override
    public Future<Void> store(AssembledTrace trace) {
      Promise<Void> answer = Promise.promise();
      stored.add(trace);
      answers.add(answer);
      return answer.future();
    }

    void answer(int index, Throwable failure) {
      if (failure == null) {
        answers.get(index).complete();
      } else {
        answers.get(index).fail(failure);
      }
    }

    @Override
    public long maxPendingSpans() {
      return maxPendingSpans;
    }

    @Override
    public String describe() {
      return "test sink";
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }
}
