package dev.swarm.pipeline.schema;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the schema documents and corpus from the classpath; builds Vert.x JSON Schema validators. */
final class TestResources {

  static final String BASE_URI = "https://swarm.example/schemas/";
  static final String SPAN_SCHEMA = "/schemas/span.schema.json";
  static final String BATCH_SCHEMA = "/schemas/span-batch.schema.json";

  private TestResources() {}

  static String text(String resource) {
    try (InputStream in = TestResources.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonSchemaOptions options() {
    return new JsonSchemaOptions()
        .setDraft(Draft.DRAFT202012)
        .setBaseUri(BASE_URI)
        .setOutputFormat(OutputFormat.Basic);
  }

  /** A repository holding both schema documents, so the batch schema's relative $ref resolves offline. */
  private static SchemaRepository repository() {
    SchemaRepository repository = SchemaRepository.create(options());
    repository.dereference(JsonSchema.of(new JsonObject(text(SPAN_SCHEMA))));
    repository.dereference(JsonSchema.of(new JsonObject(text(BATCH_SCHEMA))));
    return repository;
  }

  static Validator spanSchemaValidator() {
    return repository().validator(BASE_URI + "span.schema.json");
  }

  static Validator batchSchemaValidator() {
    return repository().validator(BASE_URI + "span-batch.schema.json");
  }
}
