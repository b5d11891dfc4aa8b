package dev.swarm.pipeline.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
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

  /** @param kafka the process's Kafka client properties, bound to the cluster */
  static void ensureTopics(KafkaClientProperties kafka, List<String> topics, int partitions, short replication,
      int maxRecordBytes, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> props = kafka.forAdmin(Map.of(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(Math.max(5000, timeout.toMillis()))),
        "trace-topic-setup");
    String bootstrap = props.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    try (Admin admin = Admin.create(new HashMap<String, Object>(props))) {
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
      String hint = cause instanceof AuthenticationException
          ? " (the cluster refused the credentials of KAFKA_CLIENT_PROPERTIES_FILE)"
          : cause instanceof AuthorizationException
              ? " (the credentials of KAFKA_CLIENT_PROPERTIES_FILE lack a permission the pipeline needs: docs/deploy.md)"
              : "";
      throw new IllegalStateException("cannot prepare Kafka topics " + topics + " at " + bootstrap + ": " + cause + hint,
          cause);
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
