package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.Await;
import dev.swarm.pipeline.app.Http;
import dev.swarm.pipeline.app.auth.TokenFile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UI against a real pipeline with AUTH_TOKENS_FILE (UiAuthTest checks the UI's token flow in detail against a
 * stand-in): the page loads without a token, the API's 401 brings the UI's own prompt (no Basic dialog of the
 * browser's), and with the token the search shows the stored trace.
 */
class UiAuthPipelineTest {
  static final String TOKEN = "ui-reader-token-of-every-tenant";
  static UiPipeline pipeline;
  static Browser browser;
  static Path tokens;

  @BeforeAll
  static void start() throws Exception {
    tokens = Files.createTempFile("ui-tokens", ".json");
    Files.writeString(tokens, "{\"tokens\": [{\"sha256\": \"" + TokenFile.sha256Hex(TOKEN)
        + "\", \"tenant\": \"*\", \"scopes\": [\"write\", \"read\", \"admin\"]}]}");
    pipeline = UiPipeline.start(Map.of("AUTH_TOKENS_FILE", tokens.toString()));
    Http http = new Http(pipeline.app().config().httpPort());
    JsonObject span = new JsonObject().put("id", "r").put("trace_id", "uiauth0001").put("span_name", "ticket.claim")
        .put("start_time", "2026-12-03T10:00:00Z").put("end_time", "2026-12-03T10:00:01Z");
    assertEquals(202, http.postJson("/api/traces", new JsonArray().add(span).encode(),
        "Authorization", "Bearer " + TOKEN).statusCode());
    Await.until("the trace stored", Duration.ofSeconds(60),
        () -> http.get("/api/traces/uiauth0001", "Authorization", "Bearer " + TOKEN).statusCode(), s -> s == 200);
    browser = Browser.start(pipeline.base);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
    Files.deleteIfExists(tokens);
  }

  @Test
  void theUiAsksForTheTokenAndThenShowsTheTrace() {
    browser.open("/ui/");
    browser.waitForCss("dialog#token-dialog[open]");
    browser.one("#token-input").sendKeys(TOKEN);
    browser.one("#token-submit").click();
    browser.waitReady("search");
    List<String> shown = browser.all("#results .result[data-trace-id]").stream()
        .map(e -> e.getAttribute("data-trace-id")).toList();
    assertEquals(List.of("uiauth0001"), shown);
    assertEquals(List.of(), browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR));
    assertTrue(pipeline.get("/metrics").body().contains("trace_auth_requests_total{outcome=\"unauthenticated\"}"));
  }
}
