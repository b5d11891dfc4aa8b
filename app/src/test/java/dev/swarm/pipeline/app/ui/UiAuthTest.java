package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.TestPipeline;
import dev.swarm.pipeline.ui.UiRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

/**
 * The future bearer-token auth, against a stand-in API (the pipeline has no auth yet): a 401 brings one token
 * prompt, the token is kept in sessionStorage and sent on every API call, a 403 is said plainly.
 */
class UiAuthTest {
  static final String TOKEN = "s3cret-token";
  static final String READ_NOTHING = "no-rights-token";
  static Vertx vertx;
  static Browser browser;
  static final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    UiRoutes.mount(router);
    router.get("/api/traces/:id").handler(ctx -> {
      if (authorized(ctx)) {
        JsonObject root = new JsonObject().put("id", "r").put("trace_id", ctx.pathParam("id")).put("span_name", "http.request")
            .put("start_time", "2026-12-03T10:00:00.000Z").put("end_time", "2026-12-03T10:00:01.000Z").put("duration_ms", 1000)
            .put("status", "ok").put("attributes", new JsonObject()).put("events", new JsonArray()).put("children", new JsonArray());
        ctx.json(new JsonObject().put("trace_id", ctx.pathParam("id")).put("complete", true).put("verdict", "complete")
            .put("span_count", 1).put("orphan_count", 0).put("root_count", 1).put("cycle_count", 0).put("error_count", 0)
            .put("duration_ms", 1000).put("start_time", "2026-12-03T10:00:00.000Z").put("end_time", "2026-12-03T10:00:01.000Z")
            .put("root", root).put("orphans", new JsonArray()));
      }
    });
    router.get("/api/traces").handler(ctx -> {
      if (authorized(ctx)) {
        ctx.json(new JsonObject().put("traces", new JsonArray().add(new JsonObject().put("trace_id", "secret-trace")
            .put("root_span_name", "http.request").put("start_time", "2026-12-03T10:00:00.000Z").put("duration_ms", 1000)
            .put("span_count", 1).put("error_count", 0).put("complete", true).put("verdict", "complete"))).putNull("next_cursor"));
      }
    });
    int port = TestPipeline.freePort();
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    browser = Browser.start("http://127.0.0.1:" + port);
  }

  private static boolean authorized(RoutingContext ctx) {
    String auth = ctx.request().getHeader("Authorization");
    seen.add(ctx.request().path() + " " + auth);
    if (("Bearer " + TOKEN).equals(auth)) {
      return true;
    }
    int status = ("Bearer " + READ_NOTHING).equals(auth) ? 403 : 401;
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", status == 403 ? "forbidden" : "token required").encode());
    return false;
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void fresh() {
    browser.open("/ui/assets/favicon.svg");
    browser.js("sessionStorage.clear()");
    seen.clear();
  }

  @AfterEach
  void cleanPage() {
    assertEquals(List.of(), browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR));
    assertEquals(List.of(), browser.foreignRequests());
  }

  private WebElement prompt() {
    return browser.waitForCss("dialog#token-dialog[open]");
  }

  @Test
  void a401AsksForATokenThatIsThenSentOnEveryCall() {
    browser.open("/ui/");
    WebElement dialog = prompt();
    assertTrue(dialog.getText().contains("answered 401"), dialog.getText());
    browser.one("#token-input").sendKeys("wrong-token");
    browser.one("#token-submit").click();
    browser.waitFor("the prompt again, saying the token was refused",
        d -> !browser.all("dialog#token-dialog[open]").isEmpty() && browser.one("#token-dialog").getText().contains("refused"));
    browser.one("#token-input").sendKeys(TOKEN);
    browser.one("#token-submit").click();
    browser.waitReady("search");
    assertEquals(List.of("secret-trace"), browser.all("#results .result[data-trace-id]").stream().map(e -> e.getAttribute("data-trace-id")).toList());
    assertEquals(List.of("/api/traces null", "/api/traces Bearer wrong-token", "/api/traces Bearer " + TOKEN), seen);
    assertEquals(TOKEN, browser.js("return Object.keys(sessionStorage).map(k => sessionStorage.getItem(k))[0]"));

    // Next page of the same tab: the token goes along at once, no prompt.
    seen.clear();
    browser.open("/ui/trace/secret-trace");
    browser.waitReady("trace");
    assertTrue(browser.all("dialog#token-dialog[open]").isEmpty());
    assertEquals(List.of("/api/traces/secret-trace Bearer " + TOKEN), seen);
  }

  @Test
  void aCancelledPromptLeavesAPlainMessage() {
    browser.open("/ui/ticket/T-1");
    prompt();
    browser.one("#token-cancel").click();
    String text = browser.waitForCss(".msg-error").getText();
    assertTrue(text.contains("401") && text.contains("token"), text);
  }

  @Test
  void a403IsSaidPlainly() {
    browser.js("sessionStorage.setItem('swarm-trace-ui.token', arguments[0])", READ_NOTHING);
    browser.open("/ui/trace/secret-trace");
    String text = browser.waitForCss(".msg-error").getText();
    assertTrue(text.contains("403 Forbidden"), text);
    assertTrue(browser.all("dialog#token-dialog[open]").isEmpty(), "a 403 is no reason to ask again");
    assertEquals(List.of("/api/traces/secret-trace Bearer " + READ_NOTHING), seen);
  }
}
