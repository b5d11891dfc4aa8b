package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Plain YAML as maps and lists, with navigation that fails with the path that was missing. */
final class Yml {
  private Yml() {}

  static Map<String, Object> load(String yaml) {
    return map(new Load(LoadSettings.builder().build()).loadFromString(yaml), "document");
  }

  static List<Map<String, Object>> loadAll(String yaml) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(yaml)) {
      if (doc != null) {
        docs.add(map(doc, "document"));
      }
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value, String what) {
    assertNotNull(value, what + " is missing");
    assertInstanceOf(Map.class, value, what + " is not a mapping");
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value, String what) {
    assertNotNull(value, what + " is missing");
    assertInstanceOf(List.class, value, what + " is not a list");
    return (List<Object>) value;
  }

  /** The value at a dotted path ("services.kafka.environment"), failing with the path if any step is missing. */
  static Object at(Map<String, Object> root, String path) {
    Object current = root;
    StringBuilder walked = new StringBuilder();
    for (String key : path.split("\\.")) {
      walked.append(walked.length() == 0 ? "" : ".").append(key);
      current = map(current, walked.toString().contains(".") ? walked.substring(0, walked.lastIndexOf(".")) : "document").get(key);
      assertNotNull(current, walked + " is missing");
    }
    return current;
  }

  static Map<String, Object> mapAt(Map<String, Object> root, String path) {
    return map(at(root, path), path);
  }

  static List<Object> listAt(Map<String, Object> root, String path) {
    return list(at(root, path), path);
  }

  static String stringAt(Map<String, Object> root, String path) {
    return String.valueOf(at(root, path));
  }
}
