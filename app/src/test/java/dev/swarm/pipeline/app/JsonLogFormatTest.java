package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.junit.jupiter.api.Test;

/** The log line format operators parse: one JSON object with time, level, logger, message and trace_id. */
class JsonLogFormatTest {
  private final JsonTemplateLayout layout = JsonTemplateLayout.newBuilder()
      .setConfiguration(new DefaultConfiguration())
      .setEventTemplateUri("classpath:log-event.json")
      .build();

  @Test
  void aLineCarriesTheTraceIdAsAField() {
    SortedArrayStringMap mdc = new SortedArrayStringMap();
    mdc.putValue("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    String line = layout.toSerializable(Log4jLogEvent.newBuilder()
        .setLoggerName("dev.swarm.pipeline.aggregator.AggregatorVerticle")
        .setLevel(Level.WARN)
        .setMessage(new SimpleMessage("send failed"))
        .setTimeMillis(1_764_285_863_123L)
        .setContextData(mdc)
        .build());
    assertFalse(line.strip().contains("\n"), "one line per event");
    JsonObject json = new JsonObject(line);
    assertEquals("2025-11-27T23:24:23.123Z", json.getString("time"));
    assertEquals("WARN", json.getString("level"));
    assertEquals("dev.swarm.pipeline.aggregator.AggregatorVerticle", json.getString("logger"));
    assertEquals("send failed", json.getString("message"));
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", json.getString("trace_id"));
  }

  @Test
  void aLineWithoutTraceLeavesTheFieldOut() {
    String line = layout.toSerializable(Log4jLogEvent.newBuilder()
        .setLoggerName("x").setLevel(Level.INFO).setMessage(new SimpleMessage("ready")).build());
    JsonObject json = new JsonObject(line);
    assertTrue(json.containsKey("time"));
    assertFalse(json.containsKey("trace_id"));
  }
}
