package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The secret files an Alertmanager configuration reads ({@code routing_key_file}, {@code api_url_file}, …). */
final class AlertmanagerSecrets {
  private AlertmanagerSecrets() {}

  static Set<String> filesReadBy(String configPath) {
    Set<String> files = new TreeSet<>();
    collect(Yml.load(Repo.read(configPath)), files);
    assertFalse(files.isEmpty(), configPath + " reads no *_file secret: the deployment checks expect the receivers' secrets in files");
    return files;
  }

  private static void collect(Object node, Set<String> files) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (String.valueOf(k).endsWith("_file") && v instanceof String path) {
          files.add(path);
        } else {
          collect(v, files);
        }
      });
    } else if (node instanceof List<?> list) {
      list.forEach(item -> collect(item, files));
    }
  }
}
