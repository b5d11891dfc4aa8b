package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Spans posted over HTTP come out of the aggregator as assembled traces on the traces topic, when ROLE=all is
 * asked to publish them there too ({@code TRACES_TOPIC_ENABLED=true}): then a trace is in both places.
 */
class AggregationFlowTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300",
      "TRACE_MAX_WAIT_MS", "1500", "TRACES_TOPIC_ENABLED", "true"));
  static PipelineApp app;
  static Http http;

  @BeforeAll
  static void bind() {
    app = PIPELINE.app();
    http = PIPELINE.http();
  }

  @Test
  void spansSentInSeparateRequestsAssembleIntoOneCompleteTrace() {
    String trace = TestSpans.newTraceId();
    // Children first, root last: arrival order must not matter.
    assertEquals(202, http.postJson("/api/traces", TestSpans.span(trace, "c2", "c1").encode()).statusCode());
    assertEquals(202, http.postJson("/api/traces", TestSpans.span(trace, "c1", "root").encode()).statusCode());
    assertEquals(202, http.postJson("/api/traces", TestSpans.span(trace, "root", null).encode()).statusCode());

    JsonObject t = awaitTrace(trace);
    assertEquals("complete", t.getString("verdict"));
    assertTrue(t.getBoolean("complete"));
    assertEquals(3, t.getInteger("span_count"));
    assertEquals(0, t.getInteger("orphan_count"));
    JsonArray spans = t.getJsonArray("spans");
    assertEquals(3, spans.size());
    Await.until("the trace in storage as well", Duration.ofSeconds(30),
        () -> http.get("/api/traces/" + trace).statusCode(), code -> code == 200);
  }

  @Test
  void aTraceMissingItsParentIsEmittedIncompleteAfterMaxWait() {
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray()
        .add(TestSpans.span(trace, "root", null))
        .add(TestSpans.span(trace, "lost-child", "never-sent"));
    assertEquals(202, http.postJson("/api/traces", body.encode()).statusCode());

    JsonObject t = awaitTrace(trace);
    assertEquals("incomplete", t.getString("verdict"));
    assertFalse(t.getBoolean("complete"));
    assertEquals(1, t.getInteger("orphan_count"));
    assertEquals(2, t.getInteger("span_count"));
  }

  @Test
  void recordsFromAnotherProducerAreValidatedNormalisedAndStored() throws Exception {
    String trace = TestSpans.newTraceId();
    String bad = TestSpans.newTraceId();
    // No normalised-format header, whitespace, fields in another order, an empty parent.
    String foreign = "[ {\"span_name\" : \"root\", \"trace_id\" : \"" + trace + "\", \"id\" : \"r\","
        + " \"parent_span_id\" : \"\", \"start_time\" : \"2026-11-28T10:00:00Z\", \"attributes\" : { \"k\" : 1 } } ]";
    String invalid = "[{\"id\":\"r\",\"trace_id\":\"" + bad + "\",\"span_name\":\"x\",\"start_time\":\"soon\"}]";
    double invalidBefore = invalidRecords();
    Properties p = new Properties();
    p.put("bootstrap.servers", app.bootstrapServers());
    p.put("acks", "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(app.config().spansTopic(), bad, invalid)).get();
      producer.send(new ProducerRecord<>(app.config().spansTopic(), trace, foreign)).get();
    }

    JsonObject t = awaitTrace(trace);
    assertEquals("complete", t.getString("verdict"));
    JsonObject span = t.getJsonArray("spans").getJsonObject(0);
    assertEquals("{\"id\":\"r\",\"trace_id\":\"" + trace + "\",\"span_name\":\"root\",\"span_kind\":\"internal\","
        + "\"status\":\"unset\",\"start_time\":\"2026-11-28T10:00:00.000Z\",\"attributes\":{\"k\":1},\"events\":[]}",
        span.encode(), "buffered in the normalised form");
    Await.until("the stored trace", Duration.ofSeconds(30),
        () -> http.get("/api/traces/" + trace).statusCode(), code -> code == 200);
    // The invalid record is counted and skipped (once counted, it has been read), and never forwarded.
    Await.until("the invalid record counted", Duration.ofSeconds(30), AggregationFlowTest::invalidRecords,
        n -> n >= invalidBefore + 1);
    assertTrue(TopicReader.readAll(app.bootstrapServers(), app.config().tracesTopic()).stream()
        .noneMatch(r -> bad.equals(r.key())), "the invalid record is skipped, not forwarded");
  }

  private static double invalidRecords() {
    return http.metricSum("trace_aggregator_invalid_records_total");
  }

  private static JsonObject awaitTrace(String traceId) {
    List<TopicReader.Rec> recs = Await.until("trace " + traceId + " on the traces topic", Duration.ofSeconds(30),
        () -> TopicReader.readAll(app.bootstrapServers(), app.config().tracesTopic()).stream()
            .filter(r -> traceId.equals(r.key())).toList(),
        l -> !l.isEmpty());
    assertEquals(1, recs.size(), "one emission per trace");
    assertEquals("normalized-1", recs.get(0).format(), "storage may read it without validating again");
    return new JsonObject(recs.get(0).value());
  }
}
