package dev.swarm.pipeline.app;

import dev.swarm.pipeline.schema.SpanContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic, from the beginning to its current end, with a plain Kafka consumer (no group). */
final class TopicReader {
  private TopicReader() {}

  /** @param format the record's {@code swarm.span-format} header, null without one */
  /** One record; {@code spanLengths} is its span lengths header (null when absent). */
  record Rec(int partition, long offset, String key, String value, String format, byte[] spanLengths) {}

  static List<Rec> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.auto.commit", "false");
    p.put("isolation.level", "read_uncommitted");
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(i -> new TopicPartition(topic, i.partition()))
          .collect(Collectors.toList());
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(10));
      List<Rec> out = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (parts.stream().anyMatch(tp -> c.position(tp, Duration.ofSeconds(10)) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end offsets " + end);
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          Header format = r.headers().lastHeader(SpanContract.FORMAT_HEADER);
          Header lengths = r.headers().lastHeader(SpanContract.SPAN_LENGTHS_HEADER);
          out.add(new Rec(r.partition(), r.offset(), r.key(), new String(r.value(), StandardCharsets.UTF_8),
              format == null ? null : new String(format.value(), StandardCharsets.UTF_8),
              lengths == null ? null : lengths.value()));
        }
      }
      return out;
    }
  }

  /** Sum of the end offsets of every partition: zero means nothing was ever published. */
  static long recordCount(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(i -> new TopicPartition(topic, i.partition()))
          .collect(Collectors.toList());
      return c.endOffsets(parts, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
