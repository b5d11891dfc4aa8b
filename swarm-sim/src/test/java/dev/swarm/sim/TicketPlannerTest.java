package dev.swarm.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TicketPlannerTest {

  private static List<TicketPlan> plans(long seed, double errorRate, double vmFailureRate, int n) {
    TicketPlanner planner = new TicketPlanner(new SimOptions("http://x", 5, 30, 4, errorRate, vmFailureRate, seed));
    List<TicketPlan> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(planner.next());
    }
    return out;
  }

  @Test
  void sameSeedSamePlans() {
    assertEquals(plans(1, 0.2, 0.1, 200), plans(1, 0.2, 0.1, 200));
    assertNotEquals(plans(1, 0.2, 0.1, 50), plans(2, 0.2, 0.1, 50));
  }

  @Test
  void idsComeFromSmallDeterministicSets() {
    for (TicketPlan p : plans(4, 0, 0, 100)) {
      assertTrue(TicketPlanner.TENANTS.contains(p.tenantId()));
      assertTrue(p.agentId().matches("agent-0[1-4]"), p.agentId());
      assertTrue(p.ticketId().matches("TCK-\\d+"), p.ticketId());
      assertTrue(p.queueDepth() >= 0);
      assertTrue(p.vm().vmId().matches("vm-[0-9a-f]{8}"));
      assertTrue(p.agent().commitSha().matches("[0-9a-f]{40}"));
    }
  }

  @Test
  void zeroRatesNeverFail() {
    for (TicketPlan p : plans(5, 0, 0, 300)) {
      assertEquals(TicketPlan.Outcome.COMPLETED, p.outcome());
      assertNull(p.vm().failure());
      assertNull(p.agent().push().failure());
      assertNotNull(p.agent().pr());
      p.agent().llmCalls().forEach(c -> assertNull(c.failure()));
    }
  }

  @Test
  void rateOneAlwaysFails() {
    for (TicketPlan p : plans(6, 1, 0, 100)) {
      assertEquals(TicketPlan.Outcome.PUSH_FAILED, p.outcome());
      assertNull(p.agent().pr());
      p.agent().llmCalls().forEach(c -> assertNotNull(c.failure()));
    }
    for (TicketPlan p : plans(6, 0, 1, 100)) {
      assertEquals(TicketPlan.Outcome.VM_SPAWN_FAILED, p.outcome());
      assertNull(p.agent());
    }
  }

  @Test
  void intermediateRatesFailSometimes() {
    List<TicketPlan> plans = plans(7, 0.5, 0.5, 400);
    long vmFailed = plans.stream().filter(p -> p.outcome() == TicketPlan.Outcome.VM_SPAWN_FAILED).count();
    // 400 draws at p=0.5: far from both 0 and 400 (no statistical tightness asserted).
    assertTrue(vmFailed > 0 && vmFailed < 400, "vm failures: " + vmFailed);
  }

  @Test
  void childrenLieWithinTheirParents() {
    for (TicketPlan p : plans(8, 0.3, 0.3, 200)) {
      within(p.claim(), p.request());
      within(p.complete(), p.request());
      within(p.vm().time(), p.claim());
      if (p.agent() != null) {
        // vm.spawn ends when the VM is ready; the agent runs in it afterwards, still within the claim.
        assertEquals(p.vm().readyAt(), p.vm().time().end());
        assertTrue(p.agent().time().start() >= p.vm().time().end(), "the agent starts once the VM is ready");
        within(p.agent().time(), p.claim());
        within(p.agent().gitClone(), p.agent().time());
        p.agent().llmCalls().forEach(c -> within(c.time(), p.agent().time()));
        within(p.agent().push().time(), p.agent().time());
      }
      assertTrue(p.complete().start() >= p.claim().end(), "completion follows the claim");
    }
  }

  private static void within(TicketPlan.Interval child, TicketPlan.Interval parent) {
    assertTrue(parent.start() <= child.start() && child.end() <= parent.end(), child + " within " + parent);
  }
}
