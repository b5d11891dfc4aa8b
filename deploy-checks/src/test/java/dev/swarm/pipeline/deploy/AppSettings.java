package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values the deployment must agree with, read from the app's source rather than repeated here (this module does
 * not depend on the app, so it builds and runs without the pipeline's jars).
 */
final class AppSettings {
  static final String PIPELINE_CONFIG = "app/src/main/java/dev/swarm/pipeline/app/PipelineConfig.java";

  private AppSettings() {}

  /** {@code PipelineConfig.MAX_RECORD_BYTES}: the largest Kafka record the pipeline writes. */
  static long maxRecordBytes() {
    String source = Repo.read(PIPELINE_CONFIG);
    Matcher shifted = Pattern.compile("MAX_RECORD_BYTES\\s*=\\s*(\\d+)\\s*<<\\s*(\\d+)\\s*;").matcher(source);
    if (shifted.find()) {
      return Long.parseLong(shifted.group(1)) << Integer.parseInt(shifted.group(2));
    }
    Matcher plain = Pattern.compile("MAX_RECORD_BYTES\\s*=\\s*([\\d_]+)\\s*;").matcher(source);
    if (plain.find()) {
      return Long.parseLong(plain.group(1).replace("_", ""));
    }
    fail("cannot find MAX_RECORD_BYTES = <n> or <a> << <b> in " + PIPELINE_CONFIG);
    return -1;
  }

  /** The default of an integer setting as PipelineConfig reads it: {@code r.integer("NAME", default, ...)}. */
  static int integerDefault(String name) {
    String source = Repo.read(PIPELINE_CONFIG);
    Matcher m = Pattern.compile("r\\.integer\\(\"" + Pattern.quote(name) + "\",\\s*([\\d_]+)\\s*,").matcher(source);
    if (!m.find()) {
      fail("cannot find r.integer(\"" + name + "\", <default>, ...) in " + PIPELINE_CONFIG);
    }
    return Integer.parseInt(m.group(1).replace("_", ""));
  }
}
