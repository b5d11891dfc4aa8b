package dev.swarm.pipeline.app.ui;

import dev.swarm.pipeline.app.ui.SwarmTraces.Llm;
import dev.swarm.pipeline.app.ui.SwarmTraces.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.openqa.selenium.By;

/**
 * Time to first rows of the trace page in headless Chromium: from navigation start until the first
 * {@code [data-span-id]} row is on screen (the page's {@code ui:first-rows} mark, set in the first animation frame
 * after the rows are in the DOM), for a 1,000- and a 10,000-span trace, against a pipeline started here.
 * Optionally writes the screenshots of docs/ui.md.
 *
 * <pre>bin/ui-bench [--runs 7] [--screenshots docs/ui]</pre>
 */
public final class UiRenderBench {
  private UiRenderBench() {}

  public static void main(String[] args) throws Exception {
    int runs = 7;
    Path shots = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--screenshots" -> shots = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--runs N, --screenshots DIR)");
      }
    }
    try (UiPipeline pipeline = UiPipeline.start(Map.of("MAX_SPANS_PER_TRACE", "50000"));
        Browser browser = Browser.start(pipeline.base)) {
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      String thousand = SwarmTraces.traceId();
      String tenThousand = SwarmTraces.traceId();
      // Two hours back, so the recent traces of the search screenshot are the tickets.
      pipeline.post(SwarmTraces.big(thousand, now.minusSeconds(7300), 9, 110).spans()); // 1 + 9 + 990 = 1,000
      pipeline.post(SwarmTraces.big(tenThousand, now.minusSeconds(7200), 99, 100).spans()); // 1 + 99 + 9,900 = 10,000
      List<String[]> tickets = postTickets(pipeline, now);
      pipeline.awaitTrace(thousand, 1000);
      pipeline.awaitTrace(tenThousand, 10000);
      for (String[] t : tickets) {
        pipeline.awaitTrace(t[0], d -> true);
      }

      System.out.printf("UiRenderBench: %d runs per size, first run is a warm-up (not in the median)%n", runs);
      for (String[] c : new String[][] {{"1,000", thousand}, {"10,000", tenThousand}}) {
        List<Double> firstRows = new ArrayList<>();
        List<Double> apiDone = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
          browser.open("/ui/assets/favicon.svg"); // leave the page, so each run is a fresh navigation
          browser.open("/ui/trace/" + c[1]);
          browser.waitReady("trace");
          double first = ((Number) browser.js("return performance.getEntriesByName('ui:first-rows')[0].startTime")).doubleValue();
          double api = ((Number) browser.js("const e = performance.getEntriesByType('resource').find(x => x.name.includes('/api/traces/'));"
              + "return e ? e.responseEnd : -1")).doubleValue();
          int rows = browser.all("[data-span-id]").size();
          if (rows == 0 || rows >= 1000) {
            throw new AssertionError(rows + " span rows in the DOM");
          }
          if (r > 0) {
            firstRows.add(first);
            apiDone.add(api);
          }
          System.out.printf("  %s spans, run %d: first rows at %.0f ms (API answer complete at %.0f ms), %d rows in the DOM%n",
              c[0], r + 1, first, api, rows);
        }
        System.out.printf("%s spans: time to first rows median %.0f ms (min %.0f, max %.0f); API answer complete median %.0f ms%n",
            c[0], median(firstRows), Collections.min(firstRows), Collections.max(firstRows), median(apiDone));
      }

      if (shots != null) {
        screenshots(browser, shots, tickets, tenThousand);
      }
    }
  }

  private static List<String[]> postTickets(UiPipeline pipeline, Instant now) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String[] tenants = {"acme", "globex", "umbrella", "initech"};
    String[] models = {"claude-sonnet", "claude-haiku", "claude-opus"};
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < 36; i++) {
      String trace = SwarmTraces.traceId();
      String ticket = "TCK-" + (4100 + i);
      Outcome outcome = i % 9 == 4 ? Outcome.PUSH_FAILED : i % 13 == 7 ? Outcome.VM_FAILED : Outcome.COMPLETED;
      List<Llm> llms = new ArrayList<>();
      int calls = 1 + r.nextInt(5);
      for (int k = 0; k < calls; k++) {
        boolean failed = r.nextInt(10) == 0;
        llms.add(new Llm(models[r.nextInt(models.length)], 300 + r.nextInt(3000), failed));
      }
      Instant start = now.minusSeconds(3000 - i * 80L + r.nextInt(40));
      pipeline.post(SwarmTraces.ticket(trace, tenants[i % tenants.length], ticket, "agent-0" + (1 + i % 4), start, outcome, llms).spans());
      out.add(new String[] {trace, ticket});
    }
    // A ticket tried three times: the VM failed, then the push, then it went through.
    String[] outcomes = {"VM_FAILED", "PUSH_FAILED", "COMPLETED"};
    for (int a = 0; a < 3; a++) {
      String trace = SwarmTraces.traceId();
      List<Llm> llms = a == 0 ? List.of() : a == 1 ? List.of(new Llm("claude-sonnet", 1800, false), new Llm("claude-sonnet", 0, true),
          new Llm("claude-haiku", 420, false)) : List.of(new Llm("claude-sonnet", 1650, false), new Llm("claude-opus", 2300, false));
      pipeline.post(SwarmTraces.ticket(trace, "acme", "TCK-17", "agent-03", now.minusSeconds(900 - a * 300L),
          Outcome.valueOf(outcomes[a]), llms).spans());
      out.add(new String[] {trace, "TCK-17"});
    }
    return out;
  }

  private static void screenshots(Browser browser, Path dir, List<String[]> tickets, String big) throws Exception {
    Files.createDirectories(dir);
    browser.open("/ui/");
    browser.waitReady("search");
    Files.write(dir.resolve("search.png"), browser.screenshot());

    String[] last = tickets.get(tickets.size() - 1);
    browser.open("/ui/trace/" + last[0]);
    browser.waitReady("trace");
    browser.waitForCss("#self-time");
    browser.all(".row[data-span-id]").stream().filter(e -> e.findElement(By.cssSelector(".name")).getText().equals("llm.generate"))
        .findFirst().orElseThrow().click();
    browser.waitForCss("#detail-attributes");
    Files.write(dir.resolve("trace.png"), browser.screenshot());
    browser.colorScheme("dark");
    browser.driver.navigate().refresh();
    browser.waitReady("trace");
    browser.waitForCss("#self-time");
    browser.all(".row[data-span-id]").stream().filter(e -> e.findElement(By.cssSelector(".name")).getText().equals("git.push"))
        .findFirst().orElseThrow().click();
    browser.waitForCss("#detail-attributes");
    Files.write(dir.resolve("trace-dark.png"), browser.screenshot());
    browser.colorScheme("light");

    browser.open("/ui/ticket/TCK-17");
    browser.waitReady("ticket");
    browser.waitForCss("#compare-table");
    Files.write(dir.resolve("ticket.png"), browser.screenshot());

    browser.open("/ui/trace/" + big + "?find=claude-opus");
    browser.waitReady("trace");
    browser.waitForCss("#minimap");
    browser.js("document.getElementById('waterfall').scrollTop = 120000");
    browser.waitFor("rows after scrolling", d -> !browser.all(".row[data-pos='5000']").isEmpty());
    Files.write(dir.resolve("big-trace.png"), browser.screenshot());
    System.out.println("screenshots written to " + dir.toAbsolutePath());
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
