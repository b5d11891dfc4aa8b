package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PipelineIdsTest {

  @Test
  void acceptsThePipelineAlphabet() {
    assertTrue(PipelineIds.isValid("a-Z_0.9:x"));
    assertTrue(PipelineIds.isValid("x".repeat(64)));
    assertFalse(PipelineIds.isValid("x".repeat(65)));
    assertFalse(PipelineIds.isValid(""));
    assertFalse(PipelineIds.isValid("a b"));
    assertFalse(PipelineIds.isValid("é"));
  }

  @Test
  void sanitiseTenantFollowsTheTenantRule() {
    assertEquals("acme", PipelineIds.sanitiseTenant("acme"));
    assertEquals("org_acme", PipelineIds.sanitiseTenant("org:acme"));
    assertEquals("_", PipelineIds.sanitiseTenant("."));
    assertEquals("__", PipelineIds.sanitiseTenant(" .. "));
    assertEquals(150, PipelineIds.sanitiseTenant("t".repeat(200)).length());
    assertNull(PipelineIds.sanitiseTenant(" "));
  }

  @Test
  void sanitiseRepairsOrDrops() {
    assertEquals("acme", PipelineIds.sanitise("acme"));
    assertEquals("acme_corp", PipelineIds.sanitise(" acme corp "));
    assertEquals("T_17_", PipelineIds.sanitise("T#17é"));
    assertEquals(64, PipelineIds.sanitise("y".repeat(100)).length());
    assertNull(PipelineIds.sanitise("  "));
    assertNull(PipelineIds.sanitise(null));
  }
}
