package dev.swarm.sim;

import dev.swarm.sim.TicketPlan.AgentRun;
import dev.swarm.sim.TicketPlan.Failure;
import dev.swarm.sim.TicketPlan.Interval;
import dev.swarm.sim.TicketPlan.LlmCall;
import dev.swarm.sim.TicketPlan.Outcome;
import dev.swarm.sim.TicketPlan.PullRequest;
import dev.swarm.sim.TicketPlan.Push;
import dev.swarm.sim.TicketPlan.VmSpawn;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Decides what each simulated ticket does, from one seeded {@link Random}: the same options and seed give the
 * same sequence of plans. Durations are plausible for AI coding agents (VM boot in seconds, model calls of
 * seconds to a minute), laid out one after another as an agent works.
 *
 * <p>Failures: a VM spawn fails with {@code vmFailureRate} (the agent subtree is then absent); each LLM call
 * fails with {@code errorRate} (the agent carries on: the trace still has all eleven span types); the push
 * fails with {@code errorRate} (no {@code pr.create}).
 */
final class TicketPlanner {
  static final List<String> TENANTS = List.of("acme", "globex", "initech", "umbrella");
  static final List<String> REPOS = List.of("web-app", "billing-api", "mobile-client", "data-pipeline", "infra");
  static final List<String> AGENT_TYPES = List.of("coder", "reviewer", "test-writer", "doc-writer");
  static final List<String> MODELS = List.of("claude-sonnet", "claude-haiku", "claude-opus");
  static final List<String> VM_METHODS = List.of("warm_pool", "snapshot", "cold");
  static final int MAX_LLM_CALLS = 6;

  private static final List<Failure> VM_FAILURES =
      List.of(
          new Failure("VmCapacityExhausted", "no VM capacity in the pool"),
          new Failure("VmBootTimeout", "VM did not boot within 60 s"),
          new Failure("ImagePullFailed", "agent image could not be pulled"));
  private static final List<Failure> LLM_FAILURES =
      List.of(
          new Failure("RateLimited", "model API answered 429"),
          new Failure("Overloaded", "model API answered 529"),
          new Failure("Timeout", "model call timed out after 120 s"));
  private static final List<Failure> PUSH_FAILURES =
      List.of(
          new Failure("PushRejected", "remote rejected the push (protected branch)"),
          new Failure("AuthenticationFailed", "git credentials were refused"));

  private final Random random;
  private final SimOptions options;
  private final String[] agentTypes;
  private final long firstTicket;
  private long queueDepth;
  private long next;

  TicketPlanner(SimOptions options) {
    this.options = options;
    this.random = new Random(options.seed());
    this.agentTypes = new String[options.agents()];
    for (int i = 0; i < agentTypes.length; i++) {
      agentTypes[i] = pick(AGENT_TYPES);
    }
    this.firstTicket = 1_000 + random.nextInt(9_000);
    this.queueDepth = random.nextInt(20);
  }

  TicketPlan next() {
    long number = next++;
    String tenant = pick(TENANTS);
    int agent = random.nextInt(agentTypes.length);
    String agentId = String.format(Locale.ROOT, "agent-%02d", agent + 1);
    String agentType = agentTypes[agent];
    String ticketId = "TCK-" + (firstTicket + number);
    queueDepth = Math.max(0, queueDepth + random.nextInt(7) - 3); // a random walk, like a real queue

    Interval request;
    long claimStart = 2 + random.nextInt(8);
    long vmStart = claimStart + 5 + random.nextInt(60);

    String vmId = "vm-" + hex(8);
    String vmMethod = VM_METHODS.get(weighted(6, 3, 1));
    long boot =
        switch (vmMethod) {
          case "warm_pool" -> 300 + random.nextInt(900);
          case "snapshot" -> 800 + random.nextInt(1_700);
          default -> 3_000 + random.nextInt(6_000);
        };
    boolean vmFailed = random.nextDouble() < options.vmFailureRate();

    VmSpawn vm;
    AgentRun run = null;
    Outcome outcome;
    long claimEnd;
    if (vmFailed) {
      Failure failure = pick(VM_FAILURES);
      vm = new VmSpawn(vmId, vmMethod, new Interval(vmStart, vmStart + boot), null, failure);
      claimEnd = vm.time().end() + 1;
      outcome = Outcome.VM_SPAWN_FAILED;
    } else {
      // vm.spawn ends when the VM is ready (its duration is the boot time); the agent starts in it after that.
      vm = new VmSpawn(vmId, vmMethod, new Interval(vmStart, vmStart + boot), vmStart + boot, null);
      long agentStart = vm.time().end() + 20;
      run = planAgent(tenant, ticketId, agentType, agentStart);
      long teardown = 50 + random.nextInt(250);
      claimEnd = run.time().end() + teardown + 1;
      outcome = run.push().failure() == null ? Outcome.COMPLETED : Outcome.PUSH_FAILED;
    }
    Interval claim = new Interval(claimStart, claimEnd);
    long completeStart = claimEnd + 2;
    Interval complete = new Interval(completeStart, completeStart + 5 + random.nextInt(35));
    request = new Interval(0, complete.end() + 1);
    return new TicketPlan(
        number, tenant, ticketId, agentId, agentType, queueDepth, request, claim, vm, run, complete, outcome);
  }

  private AgentRun planAgent(String tenant, String ticketId, String agentType, long start) {
    String repo = pick(REPOS);
    String repoUrl = "https://github.com/" + tenant + "/" + repo + ".git";
    String branch = "swarm/" + ticketId.toLowerCase(Locale.ROOT);
    long t = start + 5;
    Interval clone = new Interval(t, t + 1_500 + random.nextInt(6_500));
    t = clone.end() + 10;

    int calls = 1 + random.nextInt(MAX_LLM_CALLS);
    List<LlmCall> llm = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      String model = modelFor(agentType);
      long tokens = 200 + random.nextInt(7_800);
      long duration = 800 + tokens * (3 + random.nextInt(5));
      boolean failed = random.nextDouble() < options.errorRate();
      Failure failure = failed ? pick(LLM_FAILURES) : null;
      if (failed) {
        duration = 200 + random.nextInt(5_000);
      }
      // A failed call used no tokens: the dashboards sum tokens for cost.
      llm.add(new LlmCall(model, failed ? 0 : tokens, new Interval(t, t + duration), failure));
      t += duration + 10;
    }

    long fileCount = 1 + random.nextInt(25);
    long bytes = fileCount * (200 + random.nextInt(20_000));
    Interval write = new Interval(t, t + 5 + fileCount * (1 + random.nextInt(4)));
    t = write.end() + 5;
    String sha = hex(40);
    Interval commit = new Interval(t, t + 20 + random.nextInt(200));
    t = commit.end() + 5;
    boolean pushFailed = random.nextDouble() < options.errorRate();
    Push push =
        new Push(branch, new Interval(t, t + 400 + random.nextInt(2_600)), pushFailed ? pick(PUSH_FAILURES) : null);
    t = push.time().end() + 5;
    PullRequest pr = null;
    if (!pushFailed) {
      long number = 100 + random.nextInt(5_000);
      pr =
          new PullRequest(
              number, "https://github.com/" + tenant + "/" + repo + "/pull/" + number, new Interval(t, t + 300 + random.nextInt(1_500)));
      t = pr.time().end() + 5;
    }
    return new AgentRun(
        new Interval(start, t), repoUrl, branch, clone, llm, fileCount, bytes, write, sha, commit, push, pr);
  }

  /** Reviewers and doc writers lean on the cheaper models; coders on the stronger ones. */
  private String modelFor(String agentType) {
    return switch (agentType) {
      case "coder" -> MODELS.get(weighted(6, 1, 3));
      case "test-writer" -> MODELS.get(weighted(6, 3, 1));
      default -> MODELS.get(weighted(3, 6, 1));
    };
  }

  private int weighted(int... weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return i;
      }
    }
    throw new AssertionError();
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  private String hex(int digits) {
    StringBuilder out = new StringBuilder(digits);
    for (int i = 0; i < digits; i++) {
      out.append(Character.forDigit(random.nextInt(16), 16));
    }
    return out.toString();
  }
}
