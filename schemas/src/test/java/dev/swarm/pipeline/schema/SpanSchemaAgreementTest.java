package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** span.schema.json states the same constants as {@link SpanContract} and {@link SpanLimits#DEFAULTS}. */
class SpanSchemaAgreementTest {

  private static JsonNode schema;
  private static JsonNode batch;

  @BeforeAll
  static void load() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    schema = mapper.readTree(TestResources.text(TestResources.SPAN_SCHEMA));
    batch = mapper.readTree(TestResources.text(TestResources.BATCH_SCHEMA));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
    return out;
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static JsonNode property(String name) {
    return schema.get("properties").get(name);
  }

  @Test
  void isDraft202012() {
    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
    assertEquals("https://json-schema.org/draft/2020-12/schema", batch.get("$schema").asText());
  }

  @Test
  void topLevelPropertiesAreTheContractFieldsInWrittenOrder() {
    assertEquals(SpanContract.FIELDS, names(schema.get("properties")));
    assertFalse(schema.get("additionalProperties").asBoolean(true));
    assertEquals(SpanContract.REQUIRED_FIELDS, strings(schema.get("required")));
  }

  @Test
  void idDefinitionMatchesTheContract() {
    JsonNode id = schema.get("$defs").get("id");
    assertEquals(SpanContract.ID_PATTERN, id.get("pattern").asText());
    assertEquals(SpanContract.MAX_ID_CHARS, id.get("maxLength").asInt());
    assertEquals(1, id.get("minLength").asInt());
  }

  @Test
  void everyIdFieldUsesTheIdDefinition() {
    for (String field : SpanContract.ID_FIELDS) {
      String text = property(field).toString();
      assertTrue(text.contains("#/$defs/id") || text.contains("#/$defs/optionalId"), field + ": " + text);
    }
    assertTrue(schema.get("$defs").get("optionalId").toString().contains("#/$defs/id"));
  }

  @Test
  void tenantIdDefinitionIsTheTenantRule() {
    JsonNode tenant = schema.get("$defs").get("tenantId");
    assertEquals(TenantIds.PATTERN, tenant.get("pattern").asText());
    assertTrue(property(SpanContract.TENANT_ID).toString().contains("#/$defs/tenantId"));
    java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(TenantIds.PATTERN);
    for (String id : List.of("acme", "a.b_c-d", ".", "..", "...", "a:b", "", "a".repeat(150), "a".repeat(151), "é", "a b")) {
      boolean bySchema = pattern.matcher(id).matches() && !id.equals(".") && !id.equals("..");
      assertEquals(bySchema, TenantIds.problem(id) == null, id);
    }
  }

  @Test
  void timestampPatternIsTheOneTheDecoderUses() {
    assertEquals(SpanContract.TIME_PATTERN, schema.get("$defs").get("timestamp").get("pattern").asText());
    for (String field : List.of(SpanContract.START_TIME, SpanContract.END_TIME)) {
      assertTrue(property(field).toString().contains("#/$defs/timestamp"), field);
    }
  }

  @Test
  void enumsMatchTheJavaEnums() {
    List<String> kinds = strings(property(SpanContract.SPAN_KIND).get("enum"));
    kinds.remove(null);
    assertEquals(SpanContract.SPAN_KINDS, kinds);
    assertEquals(SpanKind.INTERNAL.wire(), property(SpanContract.SPAN_KIND).get("default").asText());
    List<String> statuses = strings(property(SpanContract.STATUS).get("enum"));
    statuses.remove(null);
    assertEquals(SpanContract.STATUSES, statuses);
    assertEquals(SpanStatus.UNSET.wire(), property(SpanContract.STATUS).get("default").asText());
  }

  @Test
  void limitsAreTheDefaults() {
    SpanLimits d = SpanLimits.DEFAULTS;
    assertEquals(d.maxSpanNameChars(), property(SpanContract.SPAN_NAME).get("maxLength").asInt());
    assertEquals(d.maxEventsPerSpan(), property(SpanContract.EVENTS).get("maxItems").asInt());
    // The byte limit is validator-only; the description must still state the right number.
    assertTrue(property(SpanContract.ATTRIBUTES).get("description").asText().contains(
        Integer.toString(d.maxAttributesBytes())));
    assertTrue(schema.get("description").asText().contains(Integer.toString(d.maxAttributesBytes())));
  }

  @Test
  void eventDefinitionMatchesTheContract() {
    JsonNode event = schema.get("$defs").get("event");
    assertEquals(SpanContract.EVENT_FIELDS, names(event.get("properties")));
    assertEquals(SpanContract.EVENT_REQUIRED_FIELDS, strings(event.get("required")));
    assertFalse(event.get("additionalProperties").asBoolean(true));
    assertEquals(
        SpanContract.MAX_EVENT_NAME_CHARS,
        event.get("properties").get(SpanContract.EVENT_NAME).get("maxLength").asInt());
    assertTrue(event.get("properties").get(SpanContract.EVENT_TIME).toString().contains("#/$defs/timestamp"));
    assertTrue(property(SpanContract.EVENTS).get("items").toString().contains("#/$defs/event"));
  }

  @Test
  void batchWrapperKeyIsTheContractOne() {
    JsonNode wrapper = batch.get("oneOf").get(2);
    assertEquals(List.of(SpanContract.BATCH_SPANS), names(wrapper.get("properties")));
    assertFalse(wrapper.get("additionalProperties").asBoolean(true));
  }

  @Test
  void idPatternAndHandWrittenIdCheckAgreeOnEveryCharacter() {
    Pattern pattern = Pattern.compile(SpanContract.ID_PATTERN);
    for (char c = 0; c < 0x3000; c++) {
      String one = String.valueOf(c);
      assertEquals(pattern.matcher(one).matches(), SpanContract.isValidId(one), "char " + (int) c);
    }
    for (int length : new int[] {0, 1, 63, 64, 65, 200}) {
      String id = "a".repeat(length);
      assertEquals(pattern.matcher(id).matches(), SpanContract.isValidId(id), "length " + length);
    }
  }
}
