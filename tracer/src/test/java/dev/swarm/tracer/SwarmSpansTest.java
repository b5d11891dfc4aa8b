package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmSpansTest {

  @Test
  void theTableHasElevenTypesAndEveryTypeButTheRootHasAParent() {
    assertEquals(11, SwarmSpans.SPAN_TYPES.size());
    assertNull(SwarmSpans.PARENT_TYPE.get("http.request"));
    for (String type : SwarmSpans.SPAN_TYPES.subList(1, 11)) {
      assertEquals(true, SwarmSpans.SPAN_TYPES.contains(SwarmSpans.PARENT_TYPE.get(type)), type);
    }
    for (String step : List.of("git.clone", "llm.generate", "file.write", "git.commit", "git.push", "pr.create")) {
      assertEquals("agent.execute", SwarmSpans.PARENT_TYPE.get(step));
    }
    assertEquals("http.request", SwarmSpans.PARENT_TYPE.get("ticket.complete"));
  }

  @Test
  void redactUrlRemovesCredentialsAndQueries() {
    assertEquals(
        "https://github.com/acme/app.git",
        SwarmSpans.redactUrl("https://x-access-token:ghp_abc@github.com/acme/app.git"));
    assertEquals("https://github.com/acme/app/pull/3", SwarmSpans.redactUrl("https://github.com/acme/app/pull/3?token=x#y"));
    assertEquals("https://git.acme.dev:8443/a.git", SwarmSpans.redactUrl("https://u:p@git.acme.dev:8443/a.git"));
    assertEquals("git@github.com:acme/app.git", SwarmSpans.redactUrl("git@github.com:acme/app.git"));
    assertEquals("https://github.com/a b", SwarmSpans.redactUrl("https://user:pw@github.com/a b"));
    assertNull(SwarmSpans.redactUrl(null));
  }
}
