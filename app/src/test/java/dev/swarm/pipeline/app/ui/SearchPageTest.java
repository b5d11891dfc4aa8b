package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.ui.SwarmTraces.Llm;
import dev.swarm.pipeline.app.ui.SwarmTraces.Outcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/** The search page /ui/ against a real pipeline: the URL is the search, results, sorting, scatter plot, errors. */
class SearchPageTest {
  @RegisterExtension
  static final UiHarness.PerClass harness = new UiHarness.PerClass(Map.of());
  static UiHarness ui;
  static Browser browser;
  static final String TICKET = "T-SEARCH-" + SwarmTraces.spanId().substring(0, 6);
  static String okAttempt;
  static String failedAttempt;
  static final List<String> all = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    ui = harness.ui();
    browser = ui.browser;
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    okAttempt = SwarmTraces.traceId();
    failedAttempt = SwarmTraces.traceId();
    ui.pipeline.post(SwarmTraces.ticket(failedAttempt, "acme", TICKET, "agent-01", now.minusSeconds(600), Outcome.PUSH_FAILED,
        List.of(new Llm("claude-sonnet", 900, false))).spans());
    ui.pipeline.post(SwarmTraces.ticket(okAttempt, "acme", TICKET, "agent-01", now.minusSeconds(300), Outcome.COMPLETED,
        List.of(new Llm("claude-sonnet", 1200, false), new Llm("claude-opus", 3000, false))).spans());
    all.add(okAttempt);
    all.add(failedAttempt);
    String[] tenants = {"globex", "umbrella", "initech"};
    for (int i = 0; i < 3; i++) {
      String id = SwarmTraces.traceId();
      List<Llm> llms = new ArrayList<>();
      for (int k = 0; k <= i; k++) {
        llms.add(new Llm("claude-haiku", 200 + k, false));
      }
      ui.pipeline.post(SwarmTraces.ticket(id, tenants[i], "T-OTHER-" + i, "agent-0" + (i + 2), now.minusSeconds(1200 + 100L * i),
          i == 1 ? Outcome.VM_FAILED : Outcome.COMPLETED, llms).spans());
      all.add(id);
    }
    ui.pipeline.awaitSearch("ticket_id=" + TICKET, 2);
    ui.pipeline.awaitSearch("limit=100", all.size());
  }

  @Test
  void recentTracesShowBeforeAnySearch() {
    browser.open("/");
    browser.waitReady("search");
    assertEquals("/ui/", browser.path(), "/ redirects to the search page");
    assertEquals("Recent traces", browser.one("#search-status h2").getText());
    List<String> expected = ui.pipeline.awaitSearch("", all.size()).stream().map(o -> ((JsonObject) o).getString("trace_id")).toList();
    assertEquals(expected, ui.resultIds(), "the newest traces, in the API's order (a plain GET /api/traces)");
    assertEquals(Set.copyOf(all), Set.copyOf(ui.resultIds()));
    WebElement first = browser.one("#results .result[data-trace-id='" + okAttempt + "']");
    assertEquals("http.request", first.findElement(By.cssSelector(".root-name")).getText());
    assertEquals("complete", first.findElement(By.cssSelector(".verdict")).getText());
    assertEquals("12", first.findElement(By.cssSelector("[data-field=spans]")).getText(), "eleven stages, two LLM calls");
    assertEquals("0", first.findElement(By.cssSelector("[data-field=errors]")).getText());
    assertEquals("4", browser.one("#results .result[data-trace-id='" + failedAttempt + "'] [data-field=errors]").getText(),
        "git.push, agent.execute, ticket.complete and http.request are errors when the push failed");
  }

  @Test
  void aSearchInTheUrlShowsExactlyThatTicketsTraces() {
    browser.open("/ui/?ticket_id=" + TICKET);
    browser.waitReady("search");
    assertEquals("Search results", browser.one("#search-status h2").getText());
    assertEquals(Set.of(okAttempt, failedAttempt), Set.copyOf(ui.resultIds()));
    assertEquals(List.of(okAttempt, failedAttempt), ui.resultIds(), "newest first");
    assertEquals(TICKET, browser.one("#f-ticket_id").getAttribute("value"), "the form shows the URL's search");
    assertEquals(2, browser.all("#scatter circle[data-trace]").size(), "one dot per trace");
  }

  @Test
  void theFormPutsTheSearchInTheUrlWithTheApiNames() {
    browser.open("/ui/");
    browser.waitReady("search");
    browser.one("#f-ticket_id").sendKeys(TICKET);
    new Select(browser.one("#f-status")).selectByValue("error");
    browser.one("#f-min_duration_ms").sendKeys("10");
    browser.one("#search-submit").click();
    browser.waitFor("a search of one trace", d -> ui.resultIds().equals(List.of(failedAttempt)));
    String query = browser.path().substring(browser.path().indexOf('?') + 1);
    assertEquals(Set.of("ticket_id=" + TICKET, "status=error", "min_duration_ms=10"), Set.of(query.split("&")));
    browser.driver.navigate().back();
    browser.waitFor("back to the recent traces", d -> browser.path().equals("/ui/") && ui.resultIds().size() == all.size());
  }

  @Test
  void resultsSortByStartDurationAndSpans() {
    browser.open("/ui/");
    browser.waitReady("search");
    JsonArray api = ui.pipeline.awaitSearch("", all.size());
    List<JsonObject> summaries = api.stream().map(o -> (JsonObject) o).toList();

    browser.one("#sort-duration").click();
    assertEquals(idsBy(summaries, Comparator.comparingLong((JsonObject o) -> o.getLong("duration_ms")).reversed()), ui.resultIds());
    assertTrue(browser.path().contains("sort=-duration"), browser.path());
    browser.one("#sort-duration").click();
    assertEquals(idsBy(summaries, Comparator.comparingLong((JsonObject o) -> o.getLong("duration_ms"))), ui.resultIds());

    browser.one("#sort-spans").click();
    List<Integer> spans = browser.all("#results .result[data-trace-id] [data-field=spans]").stream()
        .map(e -> Integer.parseInt(e.getText())).toList();
    List<Integer> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.reverseOrder());
    assertEquals(sorted, spans, "most spans first");

    browser.one("#sort-start").click();
    assertEquals(idsBy(summaries, Comparator.comparing((JsonObject o) -> o.getString("start_time")).reversed()), ui.resultIds());

    browser.open("/ui/?sort=-duration");
    browser.waitReady("search");
    assertEquals(idsBy(summaries, Comparator.comparingLong((JsonObject o) -> o.getLong("duration_ms")).reversed()), ui.resultIds(),
        "the sort is kept in the URL");
  }

  private static List<String> idsBy(List<JsonObject> summaries, Comparator<JsonObject> order) {
    return summaries.stream().sorted(order).map(o -> o.getString("trace_id")).toList();
  }

  @Test
  void aDotOfTheScatterPlotOpensItsTrace() {
    browser.open("/ui/");
    browser.waitReady("search");
    assertEquals(all.size(), browser.all("#scatter circle[data-trace]").size());
    browser.one("#scatter circle[data-trace='" + failedAttempt + "']").click();
    browser.waitReady("trace");
    // The link carries the trace's tenant, so a reader of every tenant opens this tenant's trace of the id.
    assertEquals("/ui/trace/" + failedAttempt + "?tenant_id=acme", browser.path());
    assertEquals("complete", browser.one("#verdict").getText());
  }

  @Test
  void filtersTheApiDoesNotKnowYetStayInTheFormAndTheUrlAndItsAnswerIsShown() {
    browser.open("/ui/?service=billing&max_duration_ms=60000&attr=model%3Dclaude-opus&attr=tokens%3D3000");
    browser.waitFor("the search answered", d -> {
      Object ready = browser.js("return document.body.dataset.ready || ''");
      return "search".equals(ready) || "search-error".equals(ready);
    });
    assertEquals("billing", browser.one("#f-service").getAttribute("value"));
    assertEquals("60000", browser.one("#f-max_duration_ms").getAttribute("value"));
    List<String> attrs = browser.all("#attr-inputs input").stream().map(e -> e.getAttribute("value")).filter(v -> !v.isEmpty()).toList();
    assertEquals(List.of("model=claude-opus", "tokens=3000"), attrs);
    if (browser.all(".msg-error").isEmpty()) {
      // The API supports them (the server side has been extended): a normal answer, never a blank page.
      browser.waitForCss("#result-count");
    } else {
      String error = browser.one(".msg-error").getText();
      assertTrue(error.contains("400"), error);
      assertTrue(error.contains("service") || error.contains("max_duration_ms") || error.contains("attr"),
          "the refusal names the parameter: " + error);
    }
    browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR); // drops the expected 400 entry, if any
  }

  @Test
  void aBadValueIsRefusedByTheApiAndTheMessageShownPlainly() {
    browser.open("/ui/?min_duration_ms=soon");
    browser.waitReady("search-error");
    String error = browser.one(".msg-error").getText();
    assertTrue(error.contains("invalid query parameters"), error);
    assertTrue(error.contains("min_duration_ms: must be an integer"), error);
    assertTrue(browser.all("#results [data-trace-id]").isEmpty());
    assertEquals(List.of(), browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR));
  }

  @Test
  void llmFiguresAndServicesShowWhenTheSummariesCarryThem() {
    browser.open("/ui/?ticket_id=" + TICKET);
    browser.waitReady("search");
    JsonObject summary = ui.pipeline.awaitSearch("ticket_id=" + TICKET, 2).getJsonObject(0);
    assertEquals(okAttempt, summary.getString("trace_id"));
    WebElement tokens = browser.one("#results .result[data-trace-id='" + okAttempt + "'] [data-field=llm-tokens]");
    if (summary.containsKey("llm_tokens")) {
      assertTrue(tokens.getText().startsWith(String.format("%,d", summary.getLong("llm_tokens"))), tokens.getText());
    } else {
      assertEquals("—", tokens.getText(), "absent from the summary: a dash, no failure");
    }
    WebElement services = browser.one("#results .result[data-trace-id='" + okAttempt + "'] .services");
    if (summary.containsKey("services")) {
      assertEquals(summary.getJsonArray("services").stream().map(String::valueOf).collect(Collectors.joining()),
          services.getText().replace("\n", "").replace(" ", ""));
    } else {
      assertEquals("—", services.getText());
    }
  }

  @Test
  void theTenantPickerOffersTheTenantsSeenAndSlashFocusesTheSearchBox() {
    browser.open("/ui/");
    browser.waitReady("search");
    Set<String> tenants = browser.all("#tenant-list option").stream().map(e -> e.getAttribute("value")).collect(Collectors.toSet());
    assertEquals(Set.of("acme", "globex", "umbrella", "initech"), tenants);
    assertEquals("tenant-list", browser.one("#f-tenant_id").getAttribute("list"));
    new Actions(browser.driver).sendKeys("/").perform();
    assertEquals("f-ticket_id", browser.driver.switchTo().activeElement().getAttribute("id"));
    new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
    assertFalse("f-ticket_id".equals(browser.driver.switchTo().activeElement().getAttribute("id")), "Esc leaves the box");
  }

  @Test
  void aTimePresetFillsFromAndTheSearchKeepsIt() {
    browser.open("/ui/");
    browser.waitReady("search");
    new Select(browser.one("#f-range")).selectByValue("1h");
    String from = browser.one("#f-from").getAttribute("value");
    Instant fromTime = Instant.parse(from);
    assertTrue(Math.abs(fromTime.toEpochMilli() - (System.currentTimeMillis() - 3_600_000)) < 60_000, from);
    browser.one("#search-submit").click();
    browser.waitFor("the search with from", d -> browser.path().contains("from=") && "search".equals(browser.js("return document.body.dataset.ready || ''")));
    assertEquals(Set.of(okAttempt, failedAttempt, all.get(2), all.get(3), all.get(4)), Set.copyOf(ui.resultIds()),
        "all five started within the last hour");
    assertEquals("custom", new Select(browser.one("#f-range")).getFirstSelectedOption().getAttribute("value"),
        "an absolute from in the URL reads back as a custom range");
  }
}
