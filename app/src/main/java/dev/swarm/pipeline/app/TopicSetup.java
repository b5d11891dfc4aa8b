package dev.swarm.pipeline.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics when missing and waits until every partition has a leader: producing right
 * after createTopics otherwise fails with NOT_LEADER_OR_FOLLOWER. Runs once at start-up, before Vert.x.
 */
final class TopicSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

  private TopicSetup() {}

  static void ensureTopics(String bootstrap, List<String> topics, int partitions, short replication, int maxRecordBytes,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(Math.max(5000, timeout.toMillis()))))) {
      Set<String> existing = admin.listTopics().names().get(remaining(deadline), TimeUnit.NANOSECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String t : topics) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, partitions, replication)
              .configs(Map.of("max.message.bytes", Integer.toString(maxRecordBytes))));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(remaining(deadline), TimeUnit.NANOSECONDS);
          LOG.info("created topics {} ({} partitions, replication {})", missing.stream().map(NewTopic::name).toList(), partitions, replication);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitLeaders(admin, topics, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing Kafka topics", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot prepare Kafka topics " + topics + " at " + bootstrap + ": " + cause, cause);
    }
  }

  private static void awaitLeaders(Admin admin, List<String> topics, long deadline)
      throws InterruptedException, ExecutionException, TimeoutException {
    while (true) {
      boolean allLed;
      try {
        Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(remaining(deadline), TimeUnit.NANOSECONDS);
        allLed = d.values().stream()
            .flatMap(td -> td.partitions().stream())
            .map(TopicPartitionInfo::leader)
            .allMatch(l -> l != null && !l.isEmpty());
      } catch (ExecutionException e) {
        // Just-created topics can be unknown to the broker's metadata for a moment.
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        allLed = false;
      }
      if (allLed) {
        return;
      }
      if (remaining(deadline) <= 0) {
        throw new TimeoutException("partitions of " + topics + " still have no leader");
      }
      Thread.sleep(100); // polling the broker's metadata; there is no leader-elected notification to await
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
