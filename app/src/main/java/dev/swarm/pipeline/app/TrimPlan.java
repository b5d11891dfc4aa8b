package dev.swarm.pipeline.app;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** Which records of the pipeline's topics no consumer group needs any more. */
final class TrimPlan {
  private TrimPlan() {}

  /**
   * For each partition of the given topics that the topic's own group has committed: the lowest offset committed
   * by any group on that partition. Records below it are read and durable downstream for every group. A partition
   * the own group has not committed yet is left alone (its consumer may not have started).
   *
   * @param topicToGroup topic → the pipeline group consuming it
   * @param committedByGroup group → committed offset by partition (every group of the cluster)
   */
  static Map<TopicPartition, Long> deleteBelow(Map<String, String> topicToGroup,
      Map<String, Map<TopicPartition, Long>> committedByGroup) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (Map.Entry<String, String> t : topicToGroup.entrySet()) {
      Map<TopicPartition, Long> own = committedByGroup.getOrDefault(t.getValue(), Map.of());
      for (Map.Entry<TopicPartition, Long> p : own.entrySet()) {
        if (!p.getKey().topic().equals(t.getKey())) {
          continue;
        }
        long min = p.getValue();
        for (Map<TopicPartition, Long> other : committedByGroup.values()) {
          Long o = other.get(p.getKey());
          if (o != null) {
            min = Math.min(min, o);
          }
        }
        if (min > 0) {
          out.put(p.getKey(), min);
        }
      }
    }
    return out;
  }
}
