package dev.swarm.pipeline.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process pipeline (embedded broker, SQLite file in a temporary directory) for all tests of a class:
 * {@code @RegisterExtension static PipelineExtension pipeline = new PipelineExtension(Map.of(...));}
 */
final class PipelineExtension implements BeforeAllCallback, AfterAllCallback {
  private final Supplier<Map<String, String>> overrides;
  private Path dir;
  private PipelineApp app;
  private Http http;

  PipelineExtension(Map<String, String> overrides) {
    this(() -> overrides);
  }

  /** Settings known only once other extensions have run (an external broker's address, say). */
  PipelineExtension(Supplier<Map<String, String>> overrides) {
    this.overrides = overrides;
  }

  PipelineExtension() {
    this(Map.of());
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("pipeline-test");
    app = TestPipeline.start(dir, overrides.get());
    http = new Http(app.config().httpPort());
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (app != null) {
      app.stop();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  PipelineApp app() {
    return app;
  }

  Http http() {
    return http;
  }
}
