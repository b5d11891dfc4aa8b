package dev.swarm.pipeline.ingest.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // Route templates are kept as they are.
    "/api/tickets/:id/run, /api/tickets/:id/run",
    "/api/tickets/{ticketId}, /api/tickets/{ticketId}",
    "/api/traces, /api/traces",
    "/, /",
    "unmatched, unmatched",
    // Raw paths lose their ids.
    "/api/tickets/1234, /api/tickets/:id",
    "/api/tickets/TCK-1234/run, /api/tickets/:id/run",
    "/api/vms/vm-3fa2b1c0, /api/vms/:id",
    "/api/agents/agent-03/runs/17, /api/agents/:id/runs/:id",
    "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736, /api/traces/:id",
    "/api/items/550e8400-e29b-41d4-a716-446655440000, /api/items/:id",
    "/api/commits/9fceb02d0ae598e95dc970b74767f19372d61af8, /api/commits/:id",
    "/files/aGVsbG8gd29ybGQgdGhpcyBpcyBh1, /files/:id",
    "/repos/abc12345/pulls, /repos/:id/pulls",
    // Words and versions stay.
    "/api/v2/oauth2/callback, /api/v2/oauth2/callback",
    "/api/ipv6/config, /api/ipv6/config",
    "/api-v2/health, /api-v2/health",
    // Query and fragment are dropped.
    "/api/tickets/42?token=secret, /api/tickets/:id",
    "/search#top, /search",
  })
  void normalizes(String raw, String expected) {
    assertEquals(expected, PathNormalizer.normalize(raw));
  }

  @ParameterizedTest
  @CsvSource({"''", "'   '"})
  void blankIsUnknown(String raw) {
    assertEquals(LabelLimiter.UNKNOWN, PathNormalizer.normalize(raw));
  }

  @org.junit.jupiter.api.Test
  void nullIsUnknownAndDeepPathsAreCut() {
    assertEquals(LabelLimiter.UNKNOWN, PathNormalizer.normalize(null));
    assertEquals("/a/b/c/d/e/f/g/h/…", PathNormalizer.normalize("/a/b/c/d/e/f/g/h/i/j/k"));
  }
}
