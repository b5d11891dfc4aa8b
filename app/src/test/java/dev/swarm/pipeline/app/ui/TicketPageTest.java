package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.ui.SwarmTraces.Llm;
import dev.swarm.pipeline.app.ui.SwarmTraces.Outcome;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ticket page /ui/ticket/{id}: every attempt newest first, and two attempts compared. */
class TicketPageTest {
  @RegisterExtension
  static final UiHarness.PerClass harness = new UiHarness.PerClass(Map.of());
  static UiHarness ui;
  static Browser browser;
  static final String TICKET = "TCK-" + SwarmTraces.spanId().substring(0, 5);
  static String vmFailed;
  static String pushFailed;
  static String completed;

  @BeforeAll
  static void start() throws Exception {
    ui = harness.ui();
    browser = ui.browser;
    Instant t0 = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
    vmFailed = SwarmTraces.traceId();
    pushFailed = SwarmTraces.traceId();
    completed = SwarmTraces.traceId();
    ui.pipeline.post(SwarmTraces.ticket(vmFailed, "acme", TICKET, "agent-02", t0, Outcome.VM_FAILED, List.of()).spans());
    ui.pipeline.post(SwarmTraces.ticket(pushFailed, "acme", TICKET, "agent-02", t0.plusSeconds(600), Outcome.PUSH_FAILED,
        List.of(new Llm("claude-sonnet", 1800, false), new Llm("claude-sonnet", 0, true))).spans());
    ui.pipeline.post(SwarmTraces.ticket(completed, "acme", TICKET, "agent-02", t0.plusSeconds(1200), Outcome.COMPLETED,
        List.of(new Llm("claude-sonnet", 1650, false), new Llm("claude-opus", 2300, false), new Llm("claude-haiku", 50, false))).spans());
    ui.pipeline.post(SwarmTraces.ticket(SwarmTraces.traceId(), "acme", "TCK-other", "agent-02", t0.plusSeconds(900), Outcome.COMPLETED,
        List.of(new Llm("claude-sonnet", 10, false))).spans());
    ui.pipeline.awaitSearch("ticket_id=" + TICKET, 3);
  }

  private String cell(String row, String side) {
    return browser.one("#compare-table tr[data-row='" + row + "'] td[data-side='" + side + "']").getText();
  }

  private List<String> attempts() {
    return browser.all("#attempts .attempt[data-trace-id]").stream().map(e -> e.getAttribute("data-trace-id")).toList();
  }

  @Test
  void everyAttemptIsListedNewestFirstAndTheTwoNewestAreCompared() {
    browser.open("/ui/ticket/" + TICKET);
    browser.waitReady("ticket");
    assertEquals(List.of(completed, pushFailed, vmFailed), attempts());
    assertEquals("3 attempts · open as a search", browser.one("#attempt-count").getText());
    browser.waitForCss("#compare-table");
    assertEquals("Compare attempts #2 and #3", browser.one("#compare h2").getText());
    assertEquals("push_failed", cell("outcome", "a"));
    assertEquals("completed", cell("outcome", "b"));
    assertEquals("2", cell("llm-calls", "a"));
    assertEquals("3", cell("llm-calls", "b"));
    assertEquals("1,800", cell("llm-tokens", "a"));
    assertEquals("4,000", cell("llm-tokens", "b"));
    assertEquals("+2,200", browser.one("#compare-table tr[data-row='llm-tokens'] td.delta").getText());
    assertEquals("5", cell("errors", "a"), "the failed LLM call, then git.push, agent.execute, ticket.complete, http.request");
    assertEquals("0", cell("errors", "b"));
    assertEquals("missing", cell("stage:pr.create", "a"));
    assertEquals("1.40 s", cell("stage:pr.create", "b"));
    assertTrue(cell("stage:git.push", "a").contains("error"), cell("stage:git.push", "a"));
    assertEquals("3.30 s ×2 (1 error)", cell("stage:llm.generate", "a"), "duration summed over the stage's spans");
  }

  @Test
  void tickingAnotherAttemptComparesThatPair() {
    browser.open("/ui/ticket/" + TICKET);
    browser.waitReady("ticket");
    browser.waitForCss("#compare-table");
    browser.one("#attempts .attempt[data-trace-id='" + vmFailed + "'] input.pick").click();
    browser.waitFor("the comparison of #1 and #2", d -> "Compare attempts #1 and #2".equals(browser.one("#compare h2").getText())
        && !browser.all("#compare-table").isEmpty());
    assertEquals(false, browser.one("#attempts .attempt[data-trace-id='" + completed + "'] input.pick").isSelected(),
        "the earliest ticked attempt makes room");
    assertEquals("vm_spawn_failed", cell("outcome", "a"));
    assertEquals("missing", cell("stage:agent.execute", "a"));
    assertTrue(cell("stage:vm.spawn", "a").contains("error"));
    assertEquals("0", cell("llm-calls", "a"));

    browser.one("#attempts .attempt[data-trace-id='" + vmFailed + "'] input.pick").click();
    browser.waitFor("a prompt for a second attempt", d -> browser.one("#compare").getText().contains("Tick two attempts"));
  }

  @Test
  void anUnknownTicketHasNoAttempts() {
    browser.open("/ui/ticket/TCK-none");
    browser.waitReady("ticket");
    assertEquals("0 attempts · open as a search", browser.one("#attempt-count").getText());
    assertTrue(browser.one(".msg-info").getText().contains("No trace carries this ticket id"));
  }
}
