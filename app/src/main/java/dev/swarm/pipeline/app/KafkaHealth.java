package dev.swarm.pipeline.app;

import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the cluster for its nodes every interval; readiness and the ingest fast path (503 while the broker is
 * down, instead of holding requests until the producer times out) read the latest answer.
 */
final class KafkaHealth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHealth.class);

  private final Vertx vertx;
  private final KafkaAdminClient admin;
  private final long timerId;
  private volatile boolean reachable = true;
  private volatile String lastError;
  private boolean checking;

  /** @param kafka the process's Kafka client properties, bound to the cluster */
  KafkaHealth(Vertx vertx, KafkaClientProperties kafka, long intervalMs) {
    this.vertx = vertx;
    Map<String, String> defaults = new HashMap<>();
    defaults.put("request.timeout.ms", Long.toString(Math.max(1000, intervalMs)));
    defaults.put("default.api.timeout.ms", Long.toString(Math.max(1500, intervalMs * 2)));
    defaults.put("reconnect.backoff.max.ms", "1000");
    this.admin = KafkaAdminClient.create(vertx, kafka.forAdmin(defaults, "trace-health"));
    this.timerId = vertx.setPeriodic(0, intervalMs, id -> check());
  }

  boolean reachable() {
    return reachable;
  }

  String lastError() {
    return lastError;
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    admin.describeCluster()
        .onComplete(ar -> {
          checking = false;
          boolean ok = ar.succeeded() && ar.result().getNodes() != null && !ar.result().getNodes().isEmpty();
          if (ok != reachable) {
            if (ok) {
              LOG.info("Kafka is reachable again");
            } else {
              LOG.warn("Kafka is unreachable: {}", ar.failed() ? ar.cause().toString() : "no nodes");
            }
          }
          lastError = ok ? null : (ar.failed() ? ar.cause().toString() : "cluster reports no nodes");
          reachable = ok;
        });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    admin.close();
  }
}
