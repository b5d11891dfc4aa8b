package dev.swarm.tracer;

import static dev.swarm.tracer.TestSupport.await;
import static dev.swarm.tracer.TestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The exporter against real HTTP servers (or no server at all). */
class SpanExporterTest {
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    await(vertx.close());
  }

  private static void endSpans(Tracer tracer, int n) {
    for (int i = 0; i < n; i++) {
      tracer.startSpan("s" + i).end();
    }
  }

  @Test
  void retriesAfter503HonouringRetryAfterThenDelivers() {
    try (FakeIngest ingest =
        FakeIngest.start(
            vertx,
            n -> n <= 2 ? new FakeIngest.Answer(503, "1", "{\"error\":\"overloaded\"}") : FakeIngest.Answer.accepted())) {
      Tracer tracer = Tracer.create(vertx, new TracerOptions().setEndpoint(ingest.endpoint()).setFlushIntervalMs(20));
      endSpans(tracer, 10);
      until("10 spans exported", () -> tracer.stats().exported() == 10);
      assertEquals(3, ingest.requests(), "two refusals, then the same batch again");
      assertEquals(10, ingest.spans().size());
      await(tracer.close());
      assertEquals(new ExportStats(10, 0, 0, 0, 0), tracer.stats());
    }
  }

  @Test
  void badRequestIsCountedAsFailedAndNotRetried() {
    try (FakeIngest ingest =
        FakeIngest.start(vertx, n -> new FakeIngest.Answer(400, null, "{\"error\":\"invalid_spans\"}"))) {
      Tracer tracer = Tracer.create(vertx, new TracerOptions().setEndpoint(ingest.endpoint()).setFlushIntervalMs(20));
      endSpans(tracer, 5);
      until("5 failed", () -> tracer.stats().failed() == 5);
      endSpans(tracer, 5);
      until("10 failed", () -> tracer.stats().failed() == 10);
      await(tracer.close());
      assertEquals(2, ingest.requests(), "one request per batch, none repeated");
      assertEquals(new ExportStats(0, 0, 10, 0, 0), tracer.stats());
    }
  }

  @Test
  void tooLargeBatchesAreSplitInHalves() {
    try (FakeIngest ingest =
        FakeIngest.start(vertx, n -> n == 1 ? new FakeIngest.Answer(413, null, "{}") : FakeIngest.Answer.accepted())) {
      Tracer tracer =
          Tracer.create(
              vertx,
              new TracerOptions().setEndpoint(ingest.endpoint()).setBatchSize(10).setFlushIntervalMs(3_600_000));
      endSpans(tracer, 10);
      until("10 exported", () -> tracer.stats().exported() == 10);
      assertEquals(List.of(10, 5, 5), ingest.batchSizes());
      await(tracer.close());
    }
  }

  @Test
  void fullBatchesGoWithoutWaitingForTheIntervalAndCloseFlushesTheRest() {
    try (FakeIngest ingest = FakeIngest.start(vertx, n -> FakeIngest.Answer.accepted())) {
      Tracer tracer =
          Tracer.create(
              vertx,
              new TracerOptions().setEndpoint(ingest.endpoint()).setBatchSize(100).setFlushIntervalMs(3_600_000));
      endSpans(tracer, 250);
      until("two full batches exported", () -> tracer.stats().exported() == 200);
      assertEquals(50, tracer.stats().buffered(), "the partial batch waits for the interval");
      await(tracer.close());
      assertEquals(new ExportStats(250, 0, 0, 0, 0), tracer.stats());
      assertEquals(List.of(100, 100, 50), ingest.batchSizes());
      endSpans(tracer, 3);
      assertEquals(3, tracer.stats().dropped(), "after close, spans are dropped and counted");
    }
  }

  @Test
  void unreachablePipelineNeitherBlocksNorGrowsAndCountsDrops() {
    int capacity = 1_000;
    int spans = 50_000;
    Tracer tracer =
        Tracer.create(
            vertx,
            new TracerOptions()
                .setEndpoint("http://127.0.0.1:" + closedPort())
                .setBufferCapacity(capacity)
                .setBatchSize(100)
                .setInitialBackoffMs(10)
                .setMaxExportAttempts(3)
                .setCloseTimeoutMs(500));
    endSpans(tracer, spans); // returns: ending a span never waits for the network
    ExportStats during = tracer.stats();
    assertTrue(during.buffered() <= capacity, during::toString);
    assertTrue(during.dropped() >= spans - capacity - 100 - during.failed(), during::toString);
    assertEquals(0, during.exported());

    await(tracer.close()); // gives up after the close timeout instead of hanging
    ExportStats after = tracer.stats();
    assertEquals(0, after.buffered());
    assertEquals(0, after.inFlight());
    assertEquals(spans, after.exported() + after.dropped() + after.failed(), after::toString);
  }

  @Test
  void disabledExportKeepsNothing() {
    Tracer tracer = Tracer.create(vertx, new TracerOptions().setEnabled(false));
    endSpans(tracer, 100);
    assertEquals(new ExportStats(0, 0, 0, 0, 0), tracer.stats());
    await(tracer.close());
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
