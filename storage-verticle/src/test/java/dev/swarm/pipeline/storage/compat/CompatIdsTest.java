package dev.swarm.pipeline.storage.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompatIdsTest {
  @Test
  void anUpperCaseNativeIdListedLowerCasedIsFoundAgain() {
    String stored = "4BF92F3577B34DA6A3CE929D0E0E4736";
    String listed = CompatIds.zipkinTraceId(stored);
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", listed);
    assertTrue(CompatIds.lookupCandidates(listed).contains(stored));
  }
}
