package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kubectl kustomize deploy/k8s/overlays/<dev|prod|postgres>} renders, and the rendered objects, parsed into
 * fabric8's typed model, say what the pipeline needs: the three workloads with their ROLE, the app's HTTP port
 * everywhere, probes on the health paths, resources on every container, Kafka per overlay; and with PostgreSQL,
 * aggregators that write to the CloudNativePG cluster's database and storage as stateless replicas without a volume.
 */
class KubernetesManifestsTest {
  static final List<String> OVERLAYS = List.of("dev", "prod", "postgres");
  static final List<String> ROLES = List.of("ingest", "aggregator", "storage");
  static final Map<String, String> EXPECTED_IMAGE = Map.of(
      "dev", "trace-pipeline:dev",
      "prod", "registry.example.com/swarm/trace-pipeline:0.1.0",
      "postgres", "registry.example.com/swarm/trace-pipeline:0.1.0");
  /** The example CloudNativePG Cluster the postgres overlay's Secret references come from (not in any overlay). */
  static final String CNPG_CLUSTER = "deploy/k8s/postgres/cnpg-cluster.yaml";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final Map<String, List<HasMetadata>> RENDERED = new HashMap<>();

  @BeforeAll
  static void render() {
    Repo.requireTool("kubectl", "kubernetes-client");
    for (String overlay : OVERLAYS) {
      RENDERED.put(overlay, parse(kustomize("deploy/k8s/overlays/" + overlay)));
    }
  }

  static String kustomize(String dir) {
    return Repo.runOk("kubectl", "kustomize", dir).stdout();
  }

  static List<HasMetadata> parse(String yaml) {
    Object parsed = SERIALIZATION.unmarshal(yaml);
    List<HasMetadata> objects = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      list.forEach(o -> objects.add((HasMetadata) o));
    } else {
      objects.add((HasMetadata) parsed);
    }
    return objects;
  }

  static <T extends HasMetadata> T one(String overlay, Class<T> type, String name) {
    List<T> found = RENDERED.get(overlay).stream()
        .filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name))
        .toList();
    assertEquals(1, found.size(), overlay + ": expected one " + type.getSimpleName() + " '" + name + "', found " + found.size());
    return found.get(0);
  }

  static <T extends HasMetadata> List<T> all(String overlay, Class<T> type) {
    return RENDERED.get(overlay).stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The pipeline's settings: the one generated ConfigMap (its name carries a content hash). */
  static ConfigMap settings(String overlay) {
    List<ConfigMap> maps = all(overlay, ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().startsWith("trace-pipeline-config"))
        .toList();
    assertEquals(1, maps.size(), overlay + ": expected one trace-pipeline-config ConfigMap");
    return maps.get(0);
  }

  static String setting(String overlay, String name) {
    String value = settings(overlay).getData().get(name);
    assertNotNull(value, overlay + ": ConfigMap has no " + name);
    return value;
  }

  /** The pod template of the workload named {@code role}: a Deployment, or a StatefulSet (SQLite's storage). */
  static PodTemplateSpec podTemplate(String overlay, String role) {
    return podTemplate(RENDERED.get(overlay), overlay, role);
  }

  static PodTemplateSpec podTemplate(List<HasMetadata> objects, String what, String role) {
    List<PodTemplateSpec> found = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o.getMetadata().getName().equals(role)) {
        if (o instanceof Deployment d) {
          found.add(d.getSpec().getTemplate());
        } else if (o instanceof StatefulSet s) {
          found.add(s.getSpec().getTemplate());
        }
      }
    }
    assertEquals(1, found.size(), what + ": expected one Deployment or StatefulSet '" + role + "', found " + found.size());
    return found.get(0);
  }

  static Container container(String overlay, String role) {
    List<Container> containers = podTemplate(overlay, role).getSpec().getContainers();
    assertEquals(1, containers.size(), overlay + "/" + role + ": one container expected");
    return containers.get(0);
  }

  static int resolvePort(Container c, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return c.getPorts().stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + ": no container port named " + port.getStrVal()))
        .getContainerPort();
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyKindThePipelineNeedsIsRendered(String overlay) {
    Set<String> kinds = RENDERED.get(overlay).stream().map(HasMetadata::getKind).collect(Collectors.toCollection(TreeSet::new));
    for (String kind : List.of("ConfigMap", "Deployment", "StatefulSet", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget")) {
      assertTrue(kinds.contains(kind), overlay + ": no " + kind + " among " + kinds);
    }
    one(overlay, Deployment.class, "ingest");
    one(overlay, Deployment.class, "aggregator");
    one(overlay, StatefulSet.class, "storage");
    for (String role : ROLES) {
      Service service = one(overlay, Service.class, role);
      Map<String, String> podLabels = podTemplate(overlay, role).getMetadata().getLabels();
      service.getSpec().getSelector().forEach((k, v) ->
          assertEquals(v, podLabels.get(k), overlay + ": Service " + role + " selects " + k + "=" + v + ", which its pods lack"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void storageIsOneStatefulSetReplicaWritingToItsOwnVolume(String overlay) {
    StatefulSet storage = one(overlay, StatefulSet.class, "storage");
    assertEquals(1, storage.getSpec().getReplicas(), overlay + ": SQLite takes one writer per file, so storage runs one replica");
    List<PersistentVolumeClaim> claims = storage.getSpec().getVolumeClaimTemplates();
    assertEquals(1, claims.size(), overlay + ": storage needs one volumeClaimTemplate");
    String claim = claims.get(0).getMetadata().getName();
    assertNotNull(claims.get(0).getSpec().getResources().getRequests().get("storage"), overlay + ": the claim requests no size");
    String sqlitePath = setting(overlay, "SQLITE_PATH");
    VolumeMount mount = container(overlay, "storage").getVolumeMounts().stream()
        .filter(m -> m.getName().equals(claim))
        .findFirst().orElseThrow(() -> new AssertionError(overlay + ": the claim '" + claim + "' is not mounted"));
    assertTrue(sqlitePath.startsWith(mount.getMountPath() + "/"),
        overlay + ": SQLITE_PATH " + sqlitePath + " is not on the claim mounted at " + mount.getMountPath());
    one(overlay, Service.class, storage.getSpec().getServiceName());
    assertEquals("RollingUpdate", storage.getSpec().getUpdateStrategy().getType());
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void containersUseTheOverlaysImage(String overlay) {
    for (String role : ROLES) {
      assertEquals(EXPECTED_IMAGE.get(overlay), container(overlay, role).getImage(), overlay + "/" + role + " image");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void everyPortIsTheAppsHttpPort(String overlay) {
    int httpPort = Integer.parseInt(setting(overlay, "HTTP_PORT"));
    assertEquals(AppSettings.integerDefault("HTTP_PORT"), httpPort, overlay + ": HTTP_PORT differs from the app's default");
    assertEquals("0.0.0.0", setting(overlay, "HTTP_HOST"), overlay + ": in a pod the app must listen on every interface");
    // Listening on every interface needs tokens (the app refuses to start otherwise): a Secret mounted as a directory.
    String tokensFile = setting(overlay, "AUTH_TOKENS_FILE");
    for (String role : ROLES) {
      String secret = podTemplate(overlay, role).getSpec().getVolumes().stream()
          .filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()).findFirst().orElse(null);
      assertEquals("trace-pipeline-tokens", secret, overlay + "/" + role + ": the tokens Secret");
      assertTrue(container(overlay, role).getVolumeMounts().stream()
          .anyMatch(m -> tokensFile.startsWith(m.getMountPath() + "/") && m.getSubPath() == null),
          overlay + "/" + role + ": AUTH_TOKENS_FILE=" + tokensFile + " in a directory mount (a subPath never updates)");
    }
    for (String role : ROLES) {
      Container c = container(overlay, role);
      assertEquals(1, c.getPorts().size(), overlay + "/" + role + ": one container port");
      assertEquals(httpPort, c.getPorts().get(0).getContainerPort(), overlay + "/" + role + ": container port");
      assertEquals(String.valueOf(httpPort), podTemplate(overlay, role).getMetadata().getAnnotations().get("prometheus.io/port"),
          overlay + "/" + role + ": prometheus.io/port");
      assertEquals("true", podTemplate(overlay, role).getMetadata().getAnnotations().get("prometheus.io/scrape"));
      assertEquals("/metrics", podTemplate(overlay, role).getMetadata().getAnnotations().get("prometheus.io/path"));
      for (ServicePort sp : one(overlay, Service.class, role).getSpec().getPorts()) {
        assertEquals(httpPort, resolvePort(c, sp.getTargetPort()), overlay + ": Service " + role + " targets another port");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void probesUseTheHealthPaths(String overlay) {
    int httpPort = Integer.parseInt(setting(overlay, "HTTP_PORT"));
    for (String role : ROLES) {
      Container c = container(overlay, role);
      assertProbe(overlay, c, "liveness", c.getLivenessProbe(), "/health/live", httpPort);
      assertProbe(overlay, c, "readiness", c.getReadinessProbe(), "/health/ready", httpPort);
      if (c.getStartupProbe() != null) {
        assertProbe(overlay, c, "startup", c.getStartupProbe(), "/health/live", httpPort);
      }
    }
  }

  static void assertProbe(String overlay, Container c, String kind, Probe probe, String path, int port) {
    assertNotNull(probe, overlay + "/" + c.getName() + ": no " + kind + " probe");
    HTTPGetAction get = probe.getHttpGet();
    assertNotNull(get, overlay + "/" + c.getName() + ": " + kind + " probe is not an HTTP GET");
    assertEquals(path, get.getPath(), overlay + "/" + c.getName() + ": " + kind + " probe path");
    assertEquals(port, resolvePort(c, get.getPort()), overlay + "/" + c.getName() + ": " + kind + " probe port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void everyContainerHasRequestsAndLimits(String overlay) {
    List<Container> containers = new ArrayList<>();
    all(overlay, Deployment.class).forEach(d -> containers.addAll(d.getSpec().getTemplate().getSpec().getContainers()));
    all(overlay, StatefulSet.class).forEach(s -> containers.addAll(s.getSpec().getTemplate().getSpec().getContainers()));
    assertTrue(containers.size() >= 3, overlay + ": too few containers: " + containers.size());
    for (Container c : containers) {
      ResourceRequirements r = c.getResources();
      assertNotNull(r, overlay + "/" + c.getName() + ": no resources");
      for (String resource : List.of("cpu", "memory")) {
        Quantity request = r.getRequests() == null ? null : r.getRequests().get(resource);
        Quantity limit = r.getLimits() == null ? null : r.getLimits().get(resource);
        assertNotNull(request, overlay + "/" + c.getName() + ": no " + resource + " request");
        assertNotNull(limit, overlay + "/" + c.getName() + ": no " + resource + " limit");
        assertTrue(request.getNumericalAmount().compareTo(limit.getNumericalAmount()) <= 0,
            overlay + "/" + c.getName() + ": " + resource + " request " + request + " above its limit " + limit);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void eachWorkloadRunsItsRoleWithTheSharedSettings(String overlay) {
    String configMap = settings(overlay).getMetadata().getName();
    for (String role : ROLES) {
      Container c = container(overlay, role);
      List<EnvVar> roleVars = c.getEnv().stream().filter(e -> e.getName().equals("ROLE")).toList();
      assertEquals(1, roleVars.size(), overlay + "/" + role + ": ROLE must be set once");
      assertEquals(role, roleVars.get(0).getValue(), overlay + "/" + role + ": ROLE");
      List<String> fromConfigMaps = c.getEnvFrom().stream()
          .map(EnvFromSource::getConfigMapRef).filter(ref -> ref != null).map(ref -> ref.getName()).toList();
      assertEquals(List.of(configMap), fromConfigMaps, overlay + "/" + role + ": settings come from the generated ConfigMap");
    }
    assertFalse(settings(overlay).getData().containsKey("ROLE"), overlay + ": ROLE belongs to each workload, not the shared settings");
  }

  @Test
  void kafkaIsSetPerOverlayAndProdReplicatesThreeTimes() {
    String devBootstrap = setting("dev", "KAFKA_BOOTSTRAP_SERVERS");
    String prodBootstrap = setting("prod", "KAFKA_BOOTSTRAP_SERVERS");
    assertTrue(devBootstrap.matches("[a-z0-9.-]+:\\d+(,[a-z0-9.-]+:\\d+)*"), "dev bootstrap: " + devBootstrap);
    assertTrue(prodBootstrap.matches("[a-z0-9.-]+:\\d+(,[a-z0-9.-]+:\\d+)*"), "prod bootstrap: " + prodBootstrap);
    assertNotEquals(devBootstrap, prodBootstrap, "dev and prod must not share a Kafka");
    assertEquals("3", setting("prod", "KAFKA_REPLICATION_FACTOR"), "prod: an acknowledged span must survive a broker's machine");
    assertEquals("1", setting("dev", "KAFKA_REPLICATION_FACTOR"));
    int prodPartitions = Integer.parseInt(setting("prod", "KAFKA_PARTITIONS"));
    int aggregators = one("prod", Deployment.class, "aggregator").getSpec().getReplicas();
    assertTrue(aggregators <= prodPartitions, "prod: " + aggregators + " aggregators for " + prodPartitions + " partitions leaves some idle");
    assertNotEquals(setting("dev", "KAFKA_PARTITIONS"), setting("prod", "KAFKA_PARTITIONS"));
  }

  @Test
  void overlaysDifferInReplicasAndResources() {
    HorizontalPodAutoscaler devHpa = one("dev", HorizontalPodAutoscaler.class, "ingest");
    HorizontalPodAutoscaler prodHpa = one("prod", HorizontalPodAutoscaler.class, "ingest");
    assertTrue(prodHpa.getSpec().getMinReplicas() > devHpa.getSpec().getMinReplicas(), "prod runs more ingest pods than dev");
    assertTrue(prodHpa.getSpec().getMinReplicas() >= 2, "prod: one ingest pod is a single point of failure");
    assertTrue(one("prod", Deployment.class, "aggregator").getSpec().getReplicas()
        > one("dev", Deployment.class, "aggregator").getSpec().getReplicas());
    for (String role : ROLES) {
      assertNotEquals(container("dev", role).getResources(), container("prod", role).getResources(), role + ": same resources in dev and prod");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void ingestScalesOnCpuAndKeepsReplicasThroughDrains(String overlay) {
    HorizontalPodAutoscaler hpa = one(overlay, HorizontalPodAutoscaler.class, "ingest");
    assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
    assertEquals("ingest", hpa.getSpec().getScaleTargetRef().getName());
    assertTrue(hpa.getSpec().getMaxReplicas() >= hpa.getSpec().getMinReplicas());
    List<MetricSpec> metrics = hpa.getSpec().getMetrics();
    assertTrue(metrics.stream().anyMatch(m -> m.getResource() != null && m.getResource().getName().equals("cpu")),
        overlay + ": the HPA does not scale on CPU");
    // A CPU utilisation target is a share of the request: without one the HPA cannot compute it.
    assertNotNull(container(overlay, "ingest").getResources().getRequests().get("cpu"));
    // The HPA owns the count; a replicas field in the Deployment would reset it on every apply.
    assertNull(one(overlay, Deployment.class, "ingest").getSpec().getReplicas(), overlay + ": ingest Deployment sets replicas");

    PodDisruptionBudget pdb = one(overlay, PodDisruptionBudget.class, "ingest");
    Map<String, String> podLabels = podTemplate(overlay, "ingest").getMetadata().getLabels();
    pdb.getSpec().getSelector().getMatchLabels().forEach((k, v) ->
        assertEquals(v, podLabels.get(k), overlay + ": the ingest PDB selects " + k + "=" + v + ", which ingest pods lack"));
    assertTrue(pdb.getSpec().getMaxUnavailable() != null || pdb.getSpec().getMinAvailable() != null);
    // One storage replica: a PDB with minAvailable 1 would block every node drain.
    assertTrue(all(overlay, PodDisruptionBudget.class).stream().noneMatch(p -> p.getMetadata().getName().equals("storage")
        && p.getSpec().getMinAvailable() != null && p.getSpec().getMinAvailable().getIntVal() != null
        && p.getSpec().getMinAvailable().getIntVal() >= 1), overlay + ": a storage PDB would block node drains");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod", "postgres"})
  void alertReceiversAreAReferencedSecretMountedWhereAlertmanagerReadsThem(String overlay) {
    assertTrue(all(overlay, Secret.class).isEmpty(), overlay + ": a Secret is rendered, so its values are committed");
    Deployment alertmanager = one(overlay, Deployment.class, "alertmanager");
    Container c = alertmanager.getSpec().getTemplate().getSpec().getContainers().get(0);
    Volume receivers = alertmanager.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getSecret() != null).findFirst()
        .orElseThrow(() -> new AssertionError(overlay + ": Alertmanager mounts no Secret"));
    assertEquals("swarm-alert-receivers", receivers.getSecret().getSecretName());
    String mountPath = c.getVolumeMounts().stream().filter(m -> m.getName().equals(receivers.getName()))
        .findFirst().orElseThrow().getMountPath();
    Set<String> provided = receivers.getSecret().getItems().stream()
        .map(i -> mountPath + "/" + i.getPath()).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(AlertmanagerSecrets.filesReadBy("alerts/alertmanager.yml"), provided,
        overlay + ": the Secret's files differ from the *_file paths alerts/alertmanager.yml reads");
    String configVolume = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/etc/alertmanager"))
        .findFirst().orElseThrow(() -> new AssertionError("no config mounted at /etc/alertmanager")).getName();
    assertTrue(c.getArgs().contains("--config.file=/etc/alertmanager/alertmanager.yml"));
    assertEquals("swarm-alertmanager", alertmanager.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(configVolume)).findFirst().orElseThrow().getConfigMap().getName());
  }

  @Test
  void serviceMonitorComponentScrapesEachRoleOnce(@TempDir Path dir) throws IOException {
    // Kustomize takes only relative paths to other kustomizations.
    Path rel = dir.toAbsolutePath().relativize(Repo.file("deploy/k8s"));
    Files.writeString(dir.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %s/overlays/prod
        components:
          - %s/components/servicemonitor
        """.formatted(rel, rel));
    Repo.Result rendered = Repo.run(dir, Map.of(), "kubectl", "kustomize", ".");
    assertEquals(0, rendered.exitCode(), "the prod overlay with the servicemonitor component:\n" + rendered.both());
    String yaml = rendered.stdout();
    List<Map<String, Object>> docs = Yml.loadAll(yaml);
    List<Map<String, Object>> monitors = docs.stream().filter(d -> "ServiceMonitor".equals(d.get("kind"))).toList();
    assertEquals(1, monitors.size(), "the component renders one ServiceMonitor:\n" + yaml.substring(0, Math.min(yaml.length(), 2000)));
    Map<String, Object> selector = Yml.mapAt(monitors.get(0), "spec.selector.matchLabels");
    Map<String, Object> endpoint = Yml.map(Yml.listAt(monitors.get(0), "spec.endpoints").get(0), "endpoint");
    assertEquals("/metrics", endpoint.get("path"));
    List<String> selected = new ArrayList<>();
    for (Service s : all("prod", Service.class)) {
      Map<String, String> labels = s.getMetadata().getLabels();
      if (selector.entrySet().stream().allMatch(e -> String.valueOf(e.getValue()).equals(labels.get(e.getKey())))) {
        selected.add(s.getMetadata().getName());
        assertTrue(s.getSpec().getPorts().stream().anyMatch(p -> endpoint.get("port").equals(p.getName())),
            "Service " + s.getMetadata().getName() + " has no port named " + endpoint.get("port"));
      }
    }
    assertEquals(new TreeSet<>(ROLES), new TreeSet<>(selected), "the ServiceMonitor must select each role's Service once");
    assertTrue(yaml.contains("replacement: trace-pipeline"), "alerts match up{job=\"trace-pipeline\"}: the job label must be set");
  }

  @Test
  void strimziExampleMatchesTheProdOverlay() {
    List<Map<String, Object>> docs = Yml.loadAll(Repo.read("deploy/k8s/kafka/strimzi.yaml"));
    Map<String, Object> kafka = docs.stream().filter(d -> "Kafka".equals(d.get("kind"))).findFirst()
        .orElseThrow(() -> new AssertionError("no Kafka resource"));
    Map<String, Object> config = Yml.mapAt(kafka, "spec.kafka.config");
    assertEquals(3, ((Number) config.get("default.replication.factor")).intValue());
    assertEquals(2, ((Number) config.get("min.insync.replicas")).intValue(), "acks=all needs two in-sync copies to survive a machine");
    assertEquals(false, config.get("unclean.leader.election.enable"));
    assertTrue(((Number) config.get("message.max.bytes")).longValue() >= AppSettings.maxRecordBytes());
    Map<String, Object> nodePool = docs.stream().filter(d -> "KafkaNodePool".equals(d.get("kind"))).findFirst().orElseThrow();
    assertTrue(((Number) Yml.at(nodePool, "spec.replicas")).intValue() >= 3, "three brokers for replication factor 3");

    // The prod bootstrap address is Strimzi's bootstrap service of this cluster and its plain listener.
    String name = Yml.stringAt(kafka, "metadata.name");
    Map<String, Object> listener = Yml.map(Yml.listAt(kafka, "spec.kafka.listeners").get(0), "listener");
    Matcher m = Pattern.compile("([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc(?:\\.cluster\\.local)?:(\\d+)")
        .matcher(setting("prod", "KAFKA_BOOTSTRAP_SERVERS"));
    assertTrue(m.matches(), "prod bootstrap is not <service>.<namespace>.svc:<port>");
    assertEquals(name + "-kafka-bootstrap", m.group(1));
    assertEquals(String.valueOf(listener.get("port")), m.group(3));

    int partitions = Integer.parseInt(setting("prod", "KAFKA_PARTITIONS"));
    Set<String> topics = new TreeSet<>();
    for (Map<String, Object> topic : docs.stream().filter(d -> "KafkaTopic".equals(d.get("kind"))).toList()) {
      topics.add(Yml.stringAt(topic, "spec.topicName"));
      assertEquals(partitions, ((Number) Yml.at(topic, "spec.partitions")).intValue(), "topic partitions vs KAFKA_PARTITIONS");
      assertEquals(Integer.parseInt(setting("prod", "KAFKA_REPLICATION_FACTOR")), ((Number) Yml.at(topic, "spec.replicas")).intValue());
      Map<String, Object> topicConfig = Yml.mapAt(topic, "spec.config");
      assertEquals(2, ((Number) topicConfig.get("min.insync.replicas")).intValue());
      assertTrue(((Number) topicConfig.get("max.message.bytes")).longValue() >= AppSettings.maxRecordBytes());
    }
    assertEquals(new TreeSet<>(List.of(setting("prod", "SPANS_TOPIC"), setting("prod", "TRACES_TOPIC"))), topics);
  }

  // --- The postgres overlay: PostgreSQL storage (docs/deploy.md, "Scale out with PostgreSQL") ---

  /** The env var {@code name} of a container, exactly once. */
  static EnvVar envVar(String overlay, String role, String name) {
    List<EnvVar> vars = container(overlay, role).getEnv().stream().filter(e -> e.getName().equals(name)).toList();
    assertEquals(1, vars.size(), overlay + "/" + role + ": " + name + " must be set once in the container's env");
    return vars.get(0);
  }

  static Map<String, Object> cnpgCluster() {
    List<Map<String, Object>> docs = Yml.loadAll(Repo.read(CNPG_CLUSTER));
    assertEquals(1, docs.size(), CNPG_CLUSTER + ": one document, the Cluster");
    return docs.get(0);
  }

  /** A size in the app's notation ({@code 400GiB}, {@code 500MiB}, bytes) or Kubernetes' ({@code 500Gi}), in bytes. */
  static long bytes(String size) {
    Matcher m = Pattern.compile("(\\d+)\\s*([KMGT]?)(i?B?)").matcher(size.strip());
    assertTrue(m.matches(), "not a size: " + size);
    int shift = switch (m.group(2)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    return Long.parseLong(m.group(1)) << shift;
  }

  @Test
  void postgresOverlayRunsStorageAsStatelessReplicasWithoutAVolume() {
    String overlay = "postgres";
    assertTrue(all(overlay, StatefulSet.class).isEmpty(), "postgres: storage keeps no file, so no StatefulSet");
    assertTrue(all(overlay, PersistentVolumeClaim.class).isEmpty(), "postgres: no PersistentVolumeClaim");
    Deployment storage = one(overlay, Deployment.class, "storage");
    assertTrue(storage.getSpec().getReplicas() >= 2, "postgres: storage serves reads from several stateless replicas");
    assertEquals("RollingUpdate", storage.getSpec().getStrategy().getType());
    for (Volume v : storage.getSpec().getTemplate().getSpec().getVolumes()) {
      assertNull(v.getPersistentVolumeClaim(), "postgres: storage mounts the claim " + v.getName());
      assertTrue(v.getEmptyDir() != null || v.getSecret() != null || v.getConfigMap() != null,
          "postgres: storage volume " + v.getName() + " is neither an emptyDir, a Secret nor a ConfigMap");
      if (v.getEmptyDir() != null) {
        assertNotNull(v.getEmptyDir().getSizeLimit(), "postgres: emptyDir " + v.getName() + " without a sizeLimit");
      }
    }
    // Every mount has its volume (the claim template's mount point is now an emptyDir).
    Set<String> volumes = storage.getSpec().getTemplate().getSpec().getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
    for (VolumeMount m : container(overlay, "storage").getVolumeMounts()) {
      assertTrue(volumes.contains(m.getName()), "postgres: storage mounts " + m.getName() + ", which is no volume of the pod");
    }
    // The StatefulSet's governing Service went with it; the query API's Service still selects the pods.
    assertTrue(all(overlay, Service.class).stream().noneMatch(s -> s.getMetadata().getName().equals("storage-headless")),
        "postgres: the headless Service belongs to the SQLite StatefulSet");
    Map<String, String> podLabels = podTemplate(overlay, "storage").getMetadata().getLabels();
    one(overlay, Service.class, "storage").getSpec().getSelector().forEach((k, v) ->
        assertEquals(v, podLabels.get(k), "postgres: Service storage selects " + k + "=" + v + ", which its pods lack"));
    // Several replicas: drains may take one at a time.
    PodDisruptionBudget pdb = one(overlay, PodDisruptionBudget.class, "storage");
    pdb.getSpec().getSelector().getMatchLabels().forEach((k, v) ->
        assertEquals(v, podLabels.get(k), "postgres: the storage PDB selects " + k + "=" + v + ", which storage pods lack"));
    assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), "postgres: the storage PDB lets drains take one replica at a time");
    // The SQLite size bound of the base's storage container is gone: retention is the aggregators' work.
    assertTrue(container(overlay, "storage").getEnv().stream().noneMatch(e -> e.getName().equals("STORAGE_MAX_BYTES")),
        "postgres: STORAGE_MAX_BYTES on storage; with PostgreSQL the aggregators keep the partitions");
  }

  @Test
  void postgresOverlayWritersAndReadersTakeTheDatabaseFromTheCloudNativePgSecret() {
    String overlay = "postgres";
    String secret = Yml.stringAt(cnpgCluster(), "metadata.name") + "-app";
    for (String role : List.of("aggregator", "storage")) {
      assertEquals("postgres", envVar(overlay, role, "STORAGE_BACKEND").getValue(), "postgres/" + role + ": STORAGE_BACKEND");
      EnvVar url = envVar(overlay, role, "POSTGRES_URL");
      assertNull(url.getValue(), "postgres/" + role + ": POSTGRES_URL holds a password: never a literal value");
      assertNotNull(url.getValueFrom(), "postgres/" + role + ": POSTGRES_URL must come from a Secret");
      assertNotNull(url.getValueFrom().getSecretKeyRef(), "postgres/" + role + ": POSTGRES_URL must come from a secretKeyRef");
      assertEquals(secret, url.getValueFrom().getSecretKeyRef().getName(),
          "postgres/" + role + ": POSTGRES_URL from CloudNativePG's generated Secret <cluster>-app of " + CNPG_CLUSTER);
      assertEquals("uri", url.getValueFrom().getSecretKeyRef().getKey(), "postgres/" + role + ": the Secret's key with the URI");
    }
    // Ingest is unchanged: it never talks to the database.
    for (String name : List.of("STORAGE_BACKEND", "POSTGRES_URL")) {
      assertTrue(container(overlay, "ingest").getEnv().stream().noneMatch(e -> e.getName().equals(name)), "postgres/ingest: " + name);
      assertFalse(settings(overlay).getData().containsKey(name), "postgres: " + name + " belongs to the workloads that use the database");
    }
    assertTrue(all(overlay, Secret.class).isEmpty(), "postgres: a Secret is rendered, so its values are committed");
  }

  @Test
  void postgresOverlayScalesOutTheAggregatorsAgainstProdsKafka() {
    String overlay = "postgres";
    int aggregators = one(overlay, Deployment.class, "aggregator").getSpec().getReplicas();
    int partitions = Integer.parseInt(setting(overlay, "KAFKA_PARTITIONS"));
    assertTrue(aggregators >= 3, "postgres: aggregators write at once, each for its partitions: scale them out, found " + aggregators);
    assertTrue(aggregators <= partitions, "postgres: " + aggregators + " aggregators for " + partitions + " partitions leaves some idle");
    for (String name : List.of("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_REPLICATION_FACTOR", "KAFKA_PARTITIONS")) {
      assertEquals(setting("prod", name), setting(overlay, name), "postgres: " + name + " as in prod (deploy/k8s/kafka/strimzi.yaml)");
    }
    assertEquals(one("prod", HorizontalPodAutoscaler.class, "ingest").getSpec(), one(overlay, HorizontalPodAutoscaler.class, "ingest").getSpec(),
        "postgres: ingest scales as in prod");
  }

  /** The base rendered alone: what the postgres overlay's workloads must keep of it. */
  @Test
  void postgresOverlayKeepsTheBasesProbesSecurityAndMounts() {
    List<HasMetadata> base = parse(kustomize("deploy/k8s/base"));
    String overlay = "postgres";
    for (String role : ROLES) {
      PodTemplateSpec was = podTemplate(base, "base", role);
      PodTemplateSpec is = podTemplate(overlay, role);
      Container before = was.getSpec().getContainers().get(0);
      Container after = container(overlay, role);
      String what = "postgres/" + role + ": ";
      assertEquals(before.getStartupProbe(), after.getStartupProbe(), what + "startup probe");
      assertEquals(before.getLivenessProbe(), after.getLivenessProbe(), what + "liveness probe");
      assertEquals(before.getReadinessProbe(), after.getReadinessProbe(), what + "readiness probe");
      assertEquals(before.getSecurityContext(), after.getSecurityContext(), what + "container securityContext");
      assertEquals(was.getSpec().getSecurityContext(), is.getSpec().getSecurityContext(), what + "pod securityContext");
      assertEquals(before.getPorts(), after.getPorts(), what + "ports");
      assertEquals(before.getVolumeMounts(), after.getVolumeMounts(), what + "volume mounts");
      assertEquals(was.getSpec().getTerminationGracePeriodSeconds(), is.getSpec().getTerminationGracePeriodSeconds(), what + "grace period");
      assertEquals(was.getMetadata().getAnnotations(), is.getMetadata().getAnnotations(), what + "scrape annotations");
      assertEquals(was.getMetadata().getLabels(), is.getMetadata().getLabels(), what + "pod labels");
      assertTrue(after.getSecurityContext().getReadOnlyRootFilesystem(), what + "read-only root filesystem");
      assertTrue(is.getSpec().getSecurityContext().getRunAsNonRoot(), what + "non-root");
    }
  }

  @Test
  void cloudNativePgClusterExampleMatchesThePostgresOverlay() {
    Map<String, Object> cluster = cnpgCluster();
    assertEquals("postgresql.cnpg.io/v1", cluster.get("apiVersion"));
    assertEquals("Cluster", cluster.get("kind"));
    assertFalse(Yml.mapAt(cluster, "metadata").containsKey("namespace"),
        "applied with -n into the pipeline's namespace: the pods read its Secret, which must be in their namespace");
    assertEquals(3, ((Number) Yml.at(cluster, "spec.instances")).intValue(), "a primary and two replicas");
    String database = Yml.stringAt(cluster, "spec.bootstrap.initdb.database");
    String owner = Yml.stringAt(cluster, "spec.bootstrap.initdb.owner");
    assertTrue(database.matches("[a-z_][a-z0-9_]*") && owner.matches("[a-z_][a-z0-9_]*"), "initdb database and owner: " + database + ", " + owner);
    assertEquals("UTF8", Yml.stringAt(cluster, "spec.bootstrap.initdb.encoding"), "the writer needs a UTF-8 database");
    long volume = bytes(Yml.stringAt(cluster, "spec.storage.size"));

    // The size bound the aggregators keep is below each instance's data volume.
    long maxBytes = bytes(envVar("postgres", "aggregator", "STORAGE_MAX_BYTES").getValue());
    assertTrue(maxBytes < volume, "STORAGE_MAX_BYTES " + maxBytes + " is not below the Cluster's volume " + volume);

    // Every pod's pool fits, with a rolling update's extra pod per Deployment.
    int pool = Integer.parseInt(setting("postgres", "POSTGRES_POOL_SIZE"));
    int pods = 0;
    for (String role : List.of("aggregator", "storage")) {
      Deployment d = one("postgres", Deployment.class, role);
      pods += d.getSpec().getReplicas() + d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal();
    }
    int maxConnections = Integer.parseInt(Yml.stringAt(cluster, "spec.postgresql.parameters.max_connections"));
    assertTrue(pods * pool < maxConnections, pods + " pods x " + pool + " connections do not fit max_connections " + maxConnections);
  }
}
