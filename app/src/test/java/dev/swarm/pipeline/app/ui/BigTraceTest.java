package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.Await;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/** Big traces: 10,000 spans wide and 10,000 deep open windowed, scroll to the end, and jump from the minimap. */
class BigTraceTest {
  @RegisterExtension
  static final UiHarness.PerClass harness = new UiHarness.PerClass(Map.of("MAX_SPANS_PER_TRACE", "50000", "TRACE_IDLE_MS", "500"));
  static UiHarness ui;
  static Browser browser;
  static String wide;
  static String deep;

  @BeforeAll
  static void start() throws Exception {
    // A trace reaching MAX_SPANS_PER_TRACE is emitted early (evicted); these are meant whole and complete.
    ui = harness.ui();
    browser = ui.browser;
    Instant t0 = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
    wide = SwarmTraces.traceId();
    ui.pipeline.post(SwarmTraces.big(wide, t0, 99, 100).spans()); // 1 + 99 + 9,900 = 10,000 spans
    deep = SwarmTraces.traceId();
    ui.pipeline.post(SwarmTraces.chain(deep, t0.plusSeconds(60), 10_000).spans());
    ui.pipeline.awaitTrace(wide, 10_000);
    // The tree of the chain nests deeper than the test's JSON parser allows: wait for its summary instead.
    String ticket = "T-DEEP-" + deep.substring(0, 6);
    Await.until("the chain stored whole", Duration.ofSeconds(60), () -> ui.pipeline.awaitSearch("ticket_id=" + ticket, 1),
        a -> a.getJsonObject(0).getInteger("span_count") == 10_000);
  }

  private int spanRows() {
    return browser.all("[data-span-id]").size();
  }

  /** True when the element lies inside the waterfall's visible area. */
  private boolean onScreen(WebElement e) {
    return (Boolean) browser.js("const r = arguments[0].getBoundingClientRect(), v = document.getElementById('waterfall').getBoundingClientRect();"
        + "return r.height > 0 && r.top >= v.top - 1 && r.bottom <= v.bottom + 1;", e);
  }

  private void scrollWaterfall(String to) {
    browser.js("const v = document.getElementById('waterfall'); v.scrollTop = " + to + ";");
  }

  @Test
  void tenThousandSpansOpenWindowedAndScrollToTheLastSpan() {
    browser.open("/ui/trace/" + wide);
    browser.waitReady("trace");
    assertEquals("10000", browser.one("[data-field=span-count]").getText());
    int rows = spanRows();
    assertTrue(rows > 10 && rows < 1000, rows + " span rows in the DOM");
    assertTrue(onScreen(ui.row("root")));

    scrollWaterfall("v.scrollHeight");
    WebElement last = browser.waitFor("the last span's row", d -> browser.all(".row[data-span-id='a98-99']").stream().findFirst().orElse(null));
    assertEquals("last.span", last.getText().split("\n")[0].trim());
    browser.waitFor("the last span on screen", d -> onScreen(ui.row("a98-99")));
    assertTrue(spanRows() < 1000, spanRows() + " span rows after scrolling");
    assertTrue(browser.all(".row[data-span-id='root']").isEmpty(), "rows scrolled away are removed");

    // Scrolling through the middle keeps the window small.
    for (String f : new String[] {"0.25", "0.5", "0.75"}) {
      scrollWaterfall("v.scrollHeight * " + f);
      browser.waitFor("rows at " + f, d -> (Boolean) browser.js("const v = document.getElementById('waterfall');"
          + "return [...document.querySelectorAll('.row[data-pos]')].some(r => Math.abs(r.dataset.pos * 24 - v.scrollTop) < 48)"));
      assertTrue(spanRows() < 1000);
    }
  }

  @Test
  void theMinimapJumpsAndCollapseAllLeavesTheRoot() {
    browser.open("/ui/trace/" + wide);
    browser.waitReady("trace");
    WebElement minimap = browser.waitForCss("#minimap");
    int h = minimap.getSize().getHeight();
    new Actions(browser.driver).moveToElement(minimap, 0, h / 2 - 2).click().perform();
    long scrollTop = ((Number) browser.js("return document.getElementById('waterfall').scrollTop")).longValue();
    long scrollHeight = ((Number) browser.js("return document.getElementById('waterfall').scrollHeight")).longValue();
    assertTrue(scrollTop > scrollHeight * 0.9, "a click at the bottom of the minimap jumps to the end: " + scrollTop + " of " + scrollHeight);
    browser.waitFor("rows near the end after the jump", d -> (Boolean) browser.js(
        "return [...document.querySelectorAll('.row[data-pos]')].some(r => Number(r.dataset.pos) > 9000)"));
    assertTrue(browser.all(".row[data-span-id='root']").isEmpty(), "the top is out of the window");

    browser.one("#collapse-all").click();
    assertEquals(1, spanRows());
    browser.one("#expand-all").click();
    assertTrue(spanRows() > 10 && spanRows() < 1000);
  }

  @Test
  void aChainTenThousandDeepOpensWithItsCriticalPathAndSelfTimes() {
    browser.open("/ui/trace/" + deep);
    browser.waitReady("trace");
    browser.waitForCss("#self-time");
    assertEquals("10000", browser.one("[data-field=depth]").getText());
    assertEquals("complete", browser.one("#verdict").getText());
    assertTrue(spanRows() < 1000);
    assertEquals("9,999", browser.one("#self-time tr[data-name='step'] td:nth-child(2)").getText(), "self time counted for every span");
    assertEquals("1", browser.one("#self-time tr[data-name='chain.end'] td:nth-child(2)").getText());
    scrollWaterfall("v.scrollHeight");
    WebElement end = browser.waitFor("the deepest span", d -> browser.all(".row[data-span-id='c9999']").stream().findFirst().orElse(null));
    assertTrue(end.getAttribute("class").contains("critical"), "the critical path reaches the deepest span");
    assertEquals("10000", end.getAttribute("aria-level"));
  }
}
