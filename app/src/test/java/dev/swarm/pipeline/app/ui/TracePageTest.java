package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.Await;
import dev.swarm.pipeline.app.ui.SwarmTraces.Llm;
import dev.swarm.pipeline.app.ui.SwarmTraces.Outcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/** The trace page /ui/trace/{id} against a real pipeline: header, verdict, waterfall, detail, find, keyboard. */
class TracePageTest {
  @RegisterExtension
  static final UiHarness.PerClass harness = new UiHarness.PerClass(Map.of());
  static UiHarness ui;
  static Browser browser;
  static String complete;
  static JsonArray completeSpans;
  static String failedPush;
  static String orphaned;
  static String skewed;
  static String lateMerged;
  static String hostile;
  static final String HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>";
  static final Instant T0 = Instant.now().minusSeconds(900).truncatedTo(ChronoUnit.MILLIS);

  @BeforeAll
  static void start() throws Exception {
    ui = harness.ui();
    browser = ui.browser;
    complete = SwarmTraces.traceId();
    completeSpans = SwarmTraces.ticket(complete, "acme", "T-TRACE-1", "agent-07", T0, Outcome.COMPLETED,
        List.of(new Llm("claude-sonnet", 1000, false), new Llm("claude-sonnet", 500, false), new Llm("claude-opus", 2000, false))).spans();
    ui.pipeline.post(completeSpans);

    failedPush = SwarmTraces.traceId();
    ui.pipeline.post(SwarmTraces.ticket(failedPush, "acme", "T-TRACE-2", "agent-07", T0.plusSeconds(60), Outcome.PUSH_FAILED,
        List.of(new Llm("claude-haiku", 300, true))).spans());

    orphaned = SwarmTraces.traceId();
    SwarmTraces o = new SwarmTraces(orphaned, T0.plusSeconds(120)).ids("acme", "T-TRACE-3", "agent-07");
    o.span("root", null, "http.request", "server", 0, 5000, "ok", null);
    o.span("claim", "root", "ticket.claim", "internal", 10, 4000, "ok", null);
    o.span("stray", "never-arrived", "agent.execute", "internal", 1000, 2000, "ok", SwarmTraces.attrs("agent_type", "coder"));
    o.span("stray-child", "stray", "llm.generate", "client", 1100, 500, "ok", SwarmTraces.attrs("model", "claude-haiku", "tokens", 77));
    ui.pipeline.post(o.spans());

    skewed = SwarmTraces.traceId();
    SwarmTraces sk = new SwarmTraces(skewed, T0.plusSeconds(180)).ids("acme", "T-TRACE-4", "agent-07");
    sk.span("parent", null, "http.request", "server", 1000, 2000, "ok", null);
    sk.span("early", "parent", "vm.spawn", "client", 0, 1500, "ok", null);
    ui.pipeline.post(sk.spans());

    hostile = SwarmTraces.traceId();
    SwarmTraces h = new SwarmTraces(hostile, T0.plusSeconds(240)).ids("acme", "T-TRACE-5", "agent-07");
    h.span("evil", null, HOSTILE_NAME, "server", 0, 100, "ok",
        SwarmTraces.attrs("note", "<script>window.__pwned=2</script>", "<b>key</b>", "\"><svg onload=window.__pwned=3>"));
    ui.pipeline.post(h.spans());

    ui.pipeline.awaitTrace(complete, 13);
    ui.pipeline.awaitTrace(failedPush, 10); // no pr.create
    ui.pipeline.awaitTrace(orphaned, t -> "incomplete".equals(t.getString("verdict")) && t.getInteger("span_count") == 4);
    ui.pipeline.awaitTrace(skewed, 2);
    ui.pipeline.awaitTrace(hostile, 1);

    // A span that arrives after its trace was stored is merged in late.
    lateMerged = SwarmTraces.traceId();
    SwarmTraces lm = new SwarmTraces(lateMerged, T0.plusSeconds(300)).ids("acme", "T-TRACE-6", "agent-07");
    lm.span("root", null, "http.request", "server", 0, 5000, "ok", null);
    lm.span("claim", "root", "ticket.claim", "internal", 10, 4000, "ok", null);
    ui.pipeline.post(lm.spans());
    ui.pipeline.awaitTrace(lateMerged, 2);
    SwarmTraces lmLate = new SwarmTraces(lateMerged, T0.plusSeconds(300)).ids("acme", "T-TRACE-6", "agent-07");
    lmLate.span("done", "root", "ticket.complete", "internal", 4500, 20, "ok", null);
    ui.pipeline.post(lmLate.spans());
    ui.pipeline.awaitTrace(lateMerged, 3);
  }

  static String idOf(JsonArray spans, String name, Predicate<JsonObject> more) {
    return spans.stream().map(x -> (JsonObject) x).filter(s -> s.getString("span_name").equals(name) && more.test(s))
        .findFirst().orElseThrow().getString("id");
  }

  void open(String trace) {
    browser.open("/ui/trace/" + trace);
    browser.waitReady("trace");
    browser.waitForCss("#self-time"); // the part rendered after the first rows
  }

  String field(String name) {
    return browser.one("[data-field=" + name + "]").getText();
  }

  @Test
  void theHeaderGivesTheVerdictCountsAndTheLifecycleOfTheTicket() {
    open(complete);
    assertEquals("complete", browser.one("#verdict").getText());
    assertEquals("13", field("span-count"));
    assertEquals("0", field("error-count"));
    assertEquals("5", field("depth"), "http.request > ticket.claim > vm.spawn > agent.execute > llm.generate");
    assertTrue(browser.all("#verdict-reasons").isEmpty(), "no reasons for a complete trace");
    assertEquals(13, browser.all(".row[data-span-id]").size(), "one row per span");
    List<WebElement> stages = browser.all("#lifecycle li");
    assertEquals(List.of("http.request", "ticket.claim", "vm.spawn", "agent.execute", "git.clone", "llm.generate", "file.write",
        "git.commit", "git.push", "pr.create", "ticket.complete"), stages.stream().map(e -> e.getAttribute("data-stage")).toList());
    assertTrue(stages.stream().allMatch(e -> "present".equals(e.getAttribute("data-state"))));

    assertEquals("2", browser.one("#llm-by-model tr[data-model='claude-sonnet'] td:nth-child(2)").getText());
    assertEquals("1,500", browser.one("#llm-by-model tr[data-model='claude-sonnet'] [data-field=tokens]").getText());
    assertEquals("2,000", browser.one("#llm-by-model tr[data-model='claude-opus'] [data-field=tokens]").getText());
    assertEquals("3", browser.one("#llm-calls").getText());
    assertEquals("3,500", browser.one("#llm-tokens").getText());
    assertEquals(11, browser.all("#self-time tbody tr").size(), "one self-time row per span name");

    List<String> critical = browser.all(".row.critical .name").stream().map(WebElement::getText).toList();
    assertTrue(critical.containsAll(List.of("http.request", "ticket.claim", "agent.execute", "pr.create", "ticket.complete")), critical.toString());
    browser.one("#show-critical").click();
    assertTrue(browser.all(".row.critical").isEmpty(), "the highlight can be switched off");
  }

  @Test
  void clickingASpanOpensItsDetailWithAttributesEventsAndRawJson() {
    open(complete);
    String opus = idOf(completeSpans, "llm.generate", s -> "claude-opus".equals(s.getJsonObject("attributes").getString("model")));
    ui.row(opus).click();
    WebElement detail = browser.waitForCss("#detail:not([hidden])");
    assertEquals(opus, detail.getAttribute("data-span-id"));
    assertEquals("claude-opus", browser.one("#detail-attributes tr[data-key='model'] td").getText());
    assertEquals("2000", browser.one("#detail-attributes tr[data-key='tokens'] td").getText());
    String fields = browser.one("#detail-fields").getText();
    assertTrue(fields.contains("kind client"), fields);
    assertTrue(fields.contains("status ok"), fields);
    assertTrue(fields.contains(opus), fields);
    JsonObject raw = new JsonObject(browser.one("#detail-raw").getAttribute("textContent"));
    assertEquals(opus, raw.getString("id"));
    assertEquals(complete, raw.getString("trace_id"));
    assertTrue(ui.row(opus).getAttribute("class").contains("selected"), "the clicked row is selected");

    String vm = idOf(completeSpans, "vm.spawn", s -> true);
    ui.row(vm).click();
    browser.waitFor("the vm.spawn detail", d -> vm.equals(browser.one("#detail").getAttribute("data-span-id")));
    assertTrue(browser.one("#detail-events").getText().contains("vm.ready"));
    assertTrue(browser.one("#detail-events").getText().contains("boot_ms"));
    browser.one("#detail-close").click();
    assertFalse(browser.one("#detail").isDisplayed());
  }

  @Test
  void aFailedPushShowsAsFailedAndMissingStages() {
    open(failedPush);
    Map<String, String> states = browser.all("#lifecycle li").stream()
        .collect(Collectors.toMap(e -> e.getAttribute("data-stage"), e -> e.getAttribute("data-state")));
    assertEquals("failed", states.get("git.push"));
    assertEquals("missing", states.get("pr.create"));
    assertEquals("failed", states.get("ticket.complete"));
    assertEquals("failed", states.get("llm.generate"), "its one LLM call failed");
    assertEquals("present", states.get("git.clone"));
    assertEquals("5", field("error-count"));
  }

  @Test
  void spansMergedAfterTheTraceWasStoredAreAReasonOfTheVerdict() {
    open(lateMerged);
    assertEquals("complete", browser.one("#verdict").getText());
    assertEquals("1 span merged late", browser.one("#verdict-reasons [data-reason=late]").getText());
  }

  @Test
  void aMissingParentIsShownAsItsOwnSubtreeUnderAMarker() {
    open(orphaned);
    assertEquals("incomplete", browser.one("#verdict").getText());
    assertEquals("1 subtree whose parent never arrived", browser.one("#verdict-reasons [data-reason=orphans]").getText());
    WebElement marker = browser.one(".row.marker[data-missing-parent='never-arrived']");
    assertEquals("missing parent never-arrived", marker.getText().replace("⚠", "").trim());
    int markerPos = Integer.parseInt(marker.getAttribute("data-pos"));
    WebElement stray = ui.row("stray");
    WebElement strayChild = ui.row("stray-child");
    assertEquals(markerPos + 1, Integer.parseInt(stray.getAttribute("data-pos")), "the orphan subtree follows its marker");
    assertEquals(markerPos + 2, Integer.parseInt(strayChild.getAttribute("data-pos")));
    assertEquals("1", stray.getAttribute("aria-level"));
    assertEquals("2", strayChild.getAttribute("aria-level"));
    assertTrue(Integer.parseInt(ui.row("claim").getAttribute("data-pos")) < markerPos, "the root tree comes first");
    stray.click();
    assertTrue(browser.waitForCss("#detail-fields").getText().contains("never-arrived (missing from this trace)"));
  }

  @Test
  void findHighlightsMatchingRowsAndLivesInTheUrl() {
    browser.open("/ui/trace/" + complete + "?find=llm.generate");
    browser.waitReady("trace");
    assertEquals("llm.generate", browser.one("#find").getAttribute("value"));
    assertEquals(3, browser.all(".row.match").size());
    assertEquals("3 matches", browser.one("#find-count").getText());
    assertTrue(browser.one(".row.selected").getAttribute("class").contains("match"), "the first match is selected");

    WebElement find = browser.one("#find");
    find.clear();
    find.sendKeys("model=claude-opus");
    browser.waitFor("find in the URL", d -> browser.path().endsWith("?find=model%3Dclaude-opus"));
    browser.waitFor("one match", d -> browser.all(".row.match").size() == 1);
    find.clear();
    find.sendKeys("git.push");
    browser.waitFor("find in the URL", d -> browser.path().endsWith("?find=git.push"));
    assertEquals(1, browser.all(".row.match").size());
  }

  @Test
  void rowsCollapseAndExpandOneLevelAndAllAtOnce() {
    open(complete);
    String agent = idOf(completeSpans, "agent.execute", s -> true);
    String clone = idOf(completeSpans, "git.clone", s -> true);
    WebElement agentRow = ui.row(agent);
    assertEquals("true", agentRow.getAttribute("aria-expanded"));
    agentRow.findElement(By.cssSelector(".tog")).click();
    browser.waitFor("children hidden", d -> browser.all(".row[data-span-id='" + clone + "']").isEmpty());
    assertEquals(13 - 8, browser.all(".row[data-span-id]").size(), "agent.execute's eight children are hidden");
    assertEquals("false", ui.row(agent).getAttribute("aria-expanded"));
    assertEquals("+8", ui.row(agent).findElement(By.cssSelector(".hidden-count")).getText());
    ui.row(agent).findElement(By.cssSelector(".tog")).click();
    browser.waitFor("children back", d -> !browser.all(".row[data-span-id='" + clone + "']").isEmpty());

    browser.one("#collapse-all").click();
    assertEquals(1, browser.all(".row[data-span-id]").size(), "only the root");
    // One level: expanding the root shows its child, still collapsed.
    ui.row(idOf(completeSpans, "http.request", s -> true)).findElement(By.cssSelector(".tog")).click();
    assertEquals(2, browser.all(".row[data-span-id]").size());
    browser.one("#expand-all").click();
    assertEquals(13, browser.all(".row[data-span-id]").size());
  }

  @Test
  void aChildStartingBeforeItsParentIsNoticedWithRawTimes() {
    open(skewed);
    String notice = browser.waitForCss("#skew-notice").getText();
    JsonObject doc = ui.pipeline.awaitTrace(skewed, 2);
    String parentStart = doc.getJsonObject("root").getString("start_time");
    String childStart = doc.getJsonObject("root").getJsonArray("children").getJsonObject(0).getString("start_time");
    assertTrue(notice.contains("1 span starts before its parent"), notice);
    assertTrue(notice.contains(childStart) && notice.contains(parentStart), "raw times as sent: " + notice);
    assertTrue(notice.contains("1.00 s earlier"), notice);
    assertTrue(ui.row("early").getAttribute("class").contains("skew"));
    assertEquals(T0.plusSeconds(180), Instant.parse(childStart), "never adjusted");
  }

  @Test
  void theKeyboardMovesTheSelectionOpensAndClosesTheDetail() {
    open(complete);
    Actions keys = new Actions(browser.driver);
    keys.sendKeys("/").perform();
    assertEquals("find", browser.driver.switchTo().activeElement().getAttribute("id"), "/ focuses the search box");
    keys.sendKeys(Keys.ESCAPE).perform();
    assertFalse("find".equals(browser.driver.switchTo().activeElement().getAttribute("id")));

    keys.sendKeys(Keys.ARROW_DOWN).perform();
    assertEquals("http.request", browser.one(".row.selected .name").getText());
    keys.sendKeys(Keys.ARROW_DOWN).sendKeys(Keys.ARROW_DOWN).perform();
    assertEquals("vm.spawn", browser.one(".row.selected .name").getText());
    keys.sendKeys(Keys.ARROW_UP).perform();
    assertEquals("ticket.claim", browser.one(".row.selected .name").getText());
    assertEquals("true", browser.one(".row.selected").getAttribute("aria-selected"));
    assertFalse(browser.one("#detail").isDisplayed());

    keys.sendKeys(Keys.ENTER).perform();
    WebElement detail = browser.waitForCss("#detail:not([hidden])");
    assertEquals(browser.one(".row.selected").getAttribute("data-span-id"), detail.getAttribute("data-span-id"));
    assertEquals("ticket.claim", browser.one("#detail h2").getText());
    keys.sendKeys(Keys.ARROW_DOWN).perform();
    browser.waitFor("the detail follows the selection", d -> "vm.spawn".equals(browser.one("#detail h2").getText()));
    keys.sendKeys(Keys.ESCAPE).perform();
    browser.waitFor("detail closed", d -> !browser.one("#detail").isDisplayed());
  }

  @Test
  void untrustedNamesAndAttributesStayText() {
    open(hostile);
    assertEquals(HOSTILE_NAME, ui.row("evil").findElement(By.cssSelector(".name")).getText());
    assertEquals(HOSTILE_NAME, browser.one(".trace-head h1").getText());
    ui.row("evil").click();
    assertEquals("<script>window.__pwned=2</script>", browser.waitForCss("#detail-attributes tr[data-key='note'] td").getText());
    assertEquals("\"><svg onload=window.__pwned=3>", browser.one("#detail-attributes tr[data-key='<b>key</b>'] td").getText());
    assertNull(browser.js("return window.__pwned === undefined ? null : window.__pwned"));
    assertEquals(0L, browser.js("return document.querySelectorAll('main img, main script, main b, main .row svg').length"));
  }

  @Test
  void theJsonDownloadIsTheApiAnswer() throws Exception {
    open(complete);
    browser.one("#download-json").click();
    Path file = browser.downloads.resolve("trace-" + complete + ".json");
    Await.until("the download " + file, Duration.ofSeconds(20), () -> Files.exists(file), done -> done);
    JsonObject saved = Await.until("the whole file", Duration.ofSeconds(20), () -> {
      try {
        return new JsonObject(Files.readString(file));
      } catch (Exception partial) {
        return null;
      }
    }, j -> j != null);
    assertEquals(complete, saved.getString("trace_id"));
    assertEquals(13, saved.getInteger("span_count"));
    assertEquals(new JsonObject(ui.pipeline.get("/api/traces/" + complete).body()), saved);
  }

  @Test
  void theTicketLinkOpensEveryAttempt() {
    open(complete);
    browser.one(".trace-head a.button").click();
    browser.waitReady("ticket");
    assertEquals("/ui/ticket/T-TRACE-1", browser.path());
    assertEquals(List.of(complete), browser.all("#attempts .attempt[data-trace-id]").stream().map(e -> e.getAttribute("data-trace-id")).toList());
  }

  @Test
  void theThemeFollowsPrefersColorScheme() {
    try {
      browser.colorScheme("dark");
      open(complete);
      assertTrue(brightness("body") < 0.2, "dark background: " + browser.js("return getComputedStyle(document.body).backgroundColor"));
      assertTrue(brightness("#waterfall .row .name") > 0.7, "light text");
      browser.colorScheme("light");
      open(complete);
      assertTrue(brightness("body") > 0.9, "light background");
    } finally {
      browser.colorScheme("light");
    }
  }

  /** 0 (black) to 1 (white): the mean of the element's background (body) or text colour channels. */
  private double brightness(String css) {
    String prop = css.equals("body") ? "backgroundColor" : "color";
    String rgb = (String) browser.js("return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]", css, prop);
    String[] parts = rgb.replaceAll("[^0-9,.]", "").split(",");
    return (Double.parseDouble(parts[0]) + Double.parseDouble(parts[1]) + Double.parseDouble(parts[2])) / (3 * 255.0);
  }

  @Test
  void theTenantOfTheLinkChoosesWhichTenantsTraceOpens() {
    // A search result links to its trace with its tenant (one trace id may name traces of several tenants).
    browser.open("/ui/trace/" + complete + "?tenant_id=no-such-tenant");
    String text = browser.waitForCss(".msg-error").getText();
    assertTrue(text.contains("(404)"), text);
    assertEquals(List.of(), browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR));
  }

  @Test
  void anUnknownTraceSaysSoPlainly() {
    browser.open("/ui/trace/0123456789abcdef0123456789abcdef");
    String text = browser.waitForCss(".msg-error").getText();
    assertTrue(text.contains("No trace with this id is stored (404)"), text);
    assertEquals(List.of(), browser.severeLogs(UiHarness.EXPECTED_HTTP_ERROR));
  }
}
