package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spans the tracer produces satisfy the pipeline's span contract: they validate against the pipeline's own
 * JSON Schema (read from the schemas module, so the two cannot drift), with fields in contract order.
 */
class SpanJsonContractTest {
  private static final Path SCHEMA = Path.of("../schemas/src/main/resources/schemas/span.schema.json");
  private static final long T0 = Instant.parse("2026-11-27T23:24:23.123Z").toEpochMilli();
  private static Validator validator;

  private final List<SpanData> finished = new ArrayList<>();
  private final Tracer tracer = Tracer.withSink(new TracerOptions(), finished::add);

  @BeforeAll
  static void loadSchema() throws Exception {
    JsonSchemaOptions options =
        new JsonSchemaOptions()
            .setDraft(Draft.DRAFT202012)
            .setBaseUri("https://swarm.example/schemas/")
            .setOutputFormat(OutputFormat.Basic);
    SchemaRepository repository = SchemaRepository.create(options);
    repository.dereference(JsonSchema.of(new JsonObject(Files.readString(SCHEMA))));
    validator = repository.validator("https://swarm.example/schemas/span.schema.json");
  }

  private static void assertValid(JsonObject span) {
    OutputUnit result = validator.validate(span);
    assertTrue(result.getValid(), () -> span.encode() + "\n" + result.getErrors());
  }

  @Test
  void rootSpanHasContractFieldsInOrderAndOmitsAbsentOnes() {
    Span span = tracer.spanBuilder("http.request").setKind(SpanKind.SERVER).setStartTime(T0).startSpan();
    span.setAttribute("method", "GET").setAttribute("status_code", 200).setStatus(SpanStatus.OK);
    span.end(T0 + 1877);
    JsonObject json = finished.get(0).toJson();
    assertValid(json);
    assertEquals(
        List.of(
            "id", "trace_id", "span_name", "span_kind", "status", "start_time", "end_time", "duration_ms",
            "attributes", "events"),
        new ArrayList<>(json.fieldNames()));
    assertEquals("2026-11-27T23:24:23.123Z", json.getString("start_time"));
    assertEquals("2026-11-27T23:24:25.000Z", json.getString("end_time"));
    assertEquals(1877L, json.getLong("duration_ms"));
    assertEquals("server", json.getString("span_kind"));
    assertEquals("ok", json.getString("status"));
    assertEquals(new JsonObject().put("method", "GET").put("status_code", 200L), json.getJsonObject("attributes"));
  }

  @Test
  void childSpanWithSwarmIdsEventsAndExceptionValidates() {
    Span root = tracer.spanBuilder("http.request").setTenantId("acme").setStartTime(T0).startSpan();
    Span claim;
    try (Scope s = root.makeCurrent()) {
      claim = tracer.swarm().ticketClaim("T-17", "agent-3", 4);
    }
    claim.addEvent("lock.acquired", Map.of("wait_ms", 12, "queue", "default", "fair", true, "ratio", 0.5));
    claim.recordException(new IllegalStateException("ticket already claimed"));
    claim.end();
    root.end();
    JsonObject json = finished.get(0).toJson();
    assertValid(json);
    assertEquals(
        List.of(
            "id", "trace_id", "parent_span_id", "span_name", "span_kind", "status", "start_time", "end_time",
            "duration_ms", "tenant_id", "ticket_id", "agent_id", "attributes", "events"),
        new ArrayList<>(json.fieldNames()));
    assertEquals(root.spanId(), json.getString("parent_span_id"));
    assertEquals("acme", json.getString("tenant_id"));
    assertEquals("T-17", json.getString("ticket_id"));
    assertEquals("error", json.getString("status"));
    JsonArray events = json.getJsonArray("events");
    assertEquals("exception", events.getJsonObject(1).getString("name"));
    assertEquals(
        new JsonObject().put("type", "java.lang.IllegalStateException").put("message", "ticket already claimed"),
        events.getJsonObject(1).getJsonObject("attributes"));
    assertTrue(events.getJsonObject(0).getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
    assertValid(finished.get(1).toJson());
  }

  @Test
  void hostileInputStillProducesValidSpans() {
    Span span =
        tracer
            .spanBuilder("x".repeat(1_000))
            .setTenantId("Acme Corp / EU")
            .setTicketId("t".repeat(200))
            .setAgentId("   ")
            .startSpan();
    for (int i = 0; i < 300; i++) {
      span.addEvent("");
      span.setAttribute("k" + i, "é".repeat(10_000));
    }
    span.setAttribute("nan", Double.NaN);
    span.end(span.startEpochMillis() - 5_000); // before the start: clamped
    JsonObject json = finished.get(0).toJson();
    assertValid(json);
    assertEquals(256, json.getString("span_name").length());
    assertEquals("Acme_Corp___EU", json.getString("tenant_id"));
    assertEquals(64, json.getString("ticket_id").length());
    assertFalse(json.containsKey("agent_id"));
    assertEquals(0L, json.getLong("duration_ms"));
    assertEquals(128, json.getJsonArray("events").size());
    assertTrue(json.getJsonObject("attributes").encode().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 65_536);
  }

  @Test
  void everySwarmHelperProducesAValidSpan() {
    Span root = tracer.swarm().httpRequest("POST", "/api/tickets/:id/run");
    try (Scope r = root.makeCurrent()) {
      Span claim = tracer.swarm().ticketClaim("T-1", "agent-1", 3);
      try (Scope c = claim.makeCurrent()) {
        Span vm = tracer.swarm().vmSpawn("vm-1", "warm_pool");
        try (Scope v = vm.makeCurrent()) {
          Span agent = tracer.swarm().agentExecute("coder");
          try (Scope a = agent.makeCurrent()) {
            tracer.swarm().gitClone("https://x-access-token:secret@github.com/acme/app.git?ref=x", "main").end();
            tracer.swarm().llmGenerate("claude-sonnet", 1234).end();
            tracer.swarm().fileWrite(3, 4096).end();
            tracer.swarm().gitCommit("0123456789abcdef0123456789abcdef01234567").end();
            tracer.swarm().gitPush("swarm/T-1").end();
            tracer.swarm().prCreate(42, "https://github.com/acme/app/pull/42").end();
          }
          agent.end();
        }
        vm.end();
      }
      claim.end();
      tracer.swarm().ticketComplete(61_000).end();
    }
    SwarmSpans.httpResponse(root, 200).end();
    assertEquals(11, finished.size());
    for (SpanData span : finished) {
      assertValid(span.toJson());
    }
    assertEquals(
        "https://github.com/acme/app.git",
        finished.stream().filter(s -> s.name().equals("git.clone")).findFirst().orElseThrow().attributes().get("repo_url"));
  }
}
