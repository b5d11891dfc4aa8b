package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-compose config} (Debian's docker-compose validates without a Docker engine) accepts
 * deploy/docker-compose.yml with no .env and with .env.example, with and without the sim and postgres profiles; the
 * rendered stack wires the roles, Kafka, the gateway and the monitoring files of the repository together, and the
 * postgres profile's roles to its PostgreSQL.
 */
class ComposeStackTest {
  static final String COMPOSE = "deploy/docker-compose.yml";
  static final String ENV_EXAMPLE = "deploy/.env.example";
  static final List<String> ROLES = List.of("ingest", "aggregator", "storage");
  /** The postgres profile's pipeline services and the role each runs (ingest is shared with the default stack). */
  static final Map<String, String> POSTGRES_ROLES = Map.of("aggregator-pg", "aggregator", "storage-pg", "storage");
  static Map<String, Object> stack;

  /** The stack as docker-compose renders it with .env.example and the sim and postgres profiles (also a validation). */
  @BeforeAll
  static synchronized void renderWithEnvExample() {
    Repo.requireTool("docker-compose", "docker-compose");
    if (stack == null) {
      stack = Yml.load(compose(Repo.file(ENV_EXAMPLE), "--profile", "sim", "--profile", "postgres", "config").stdout());
    }
  }

  /** docker-compose with an explicit env file, so a developer's deploy/.env never changes the result. */
  static Repo.Result compose(Path envFile, String... args) {
    List<String> command = new ArrayList<>(List.of("docker-compose", "--env-file", envFile.toString(), "-f", COMPOSE));
    command.addAll(List.of(args));
    Repo.Result r = Repo.run(Repo.root(), Map.of(), command);
    assertEquals(0, r.exitCode(), String.join(" ", command) + " failed:\n" + r.both());
    return r;
  }

  static Map<String, Object> service(String name) {
    return Yml.mapAt(stack, "services." + name);
  }

  static Map<String, Object> env(String service) {
    return Yml.mapAt(stack, "services." + service + ".environment");
  }

  /** Volume entries as rendered: "source:target[:mode]" with absolute sources for bind mounts. */
  static List<String[]> volumes(String service) {
    Object v = service(service).get("volumes");
    if (v == null) {
      return List.of();
    }
    return Yml.list(v, service + ".volumes").stream().map(o -> String.valueOf(o).split(":")).toList();
  }

  static Path bindSource(String service, String target) {
    for (String[] v : volumes(service)) {
      if (v.length >= 2 && v[1].equals(target)) {
        assertTrue(v[0].startsWith("/"), service + ": " + target + " is not a bind mount");
        return Path.of(v[0]);
      }
    }
    throw new AssertionError(service + " mounts nothing at " + target);
  }

  @Test
  void configIsValidWithoutAnyEnvFile(@TempDir Path dir) throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.env"));
    compose(empty, "config", "-q");
    compose(empty, "--profile", "sim", "config", "-q");
    compose(empty, "--profile", "postgres", "config", "-q");
  }

  @Test
  void configIsValidWithTheEnvExample() {
    // With the sim and postgres profiles it was rendered (and so validated) in renderWithEnvExample.
    compose(Repo.file(ENV_EXAMPLE), "config", "-q");
    compose(Repo.file(ENV_EXAMPLE), "--profile", "postgres", "config", "-q");
  }

  @Test
  void everyVariableTheStackReadsIsDocumentedInTheEnvExample() {
    Set<String> used = new TreeSet<>();
    Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(Repo.read(COMPOSE));
    while (m.find()) {
      used.add(m.group(1));
    }
    Set<String> documented = Repo.read(ENV_EXAMPLE).lines()
        .filter(l -> l.matches("[A-Z0-9_]+=.*"))
        .map(l -> l.substring(0, l.indexOf('=')))
        .collect(Collectors.toCollection(TreeSet::new));
    used.removeAll(documented);
    assertEquals(Set.of(), used, "variables used in " + COMPOSE + " but missing from " + ENV_EXAMPLE);
  }

  @Test
  void eachRoleTalksToTheComposeKafkaAndWaitsForIt() {
    for (String role : ROLES) {
      Map<String, Object> env = env(role);
      assertEquals(role, env.get("ROLE"), role + ": ROLE");
      assertEquals("kafka:9092", env.get("KAFKA_BOOTSTRAP_SERVERS"), role + ": KAFKA_BOOTSTRAP_SERVERS");
      assertEquals("1", String.valueOf(env.get("KAFKA_REPLICATION_FACTOR")), role + ": one broker, one replica");
      assertEquals("0.0.0.0", env.get("HTTP_HOST"), role + ": a container must listen on every interface");
      // Listening on every interface needs tokens (the app refuses to start otherwise): the compose secret.
      assertEquals("/run/secrets/pipeline-tokens", env.get("AUTH_TOKENS_FILE"), role + ": AUTH_TOKENS_FILE");
      assertTrue(String.valueOf(Yml.at(service(role), "secrets")).contains("pipeline-tokens"), role + ": the tokens secret");
      assertEquals(String.valueOf(AppSettings.integerDefault("HTTP_PORT")), String.valueOf(env.get("HTTP_PORT")), role + ": HTTP_PORT");
      assertEquals("service_healthy", Yml.stringAt(service(role), "depends_on.kafka.condition"), role + " must wait for Kafka");
      assertTrue(String.valueOf(Yml.at(service(role), "healthcheck.test")).contains("/health/ready"), role + ": healthcheck on /health/ready");
    }
  }

  @Test
  void ingestScalesBehindTheGatewayWithoutHostPorts() {
    Map<String, Object> ingest = service("ingest");
    assertFalse(ingest.containsKey("ports"), "ingest publishes a host port: --scale ingest=N would collide");
    assertFalse(ingest.containsKey("container_name"), "a fixed container_name prevents --scale");
    assertEquals("service_healthy", Yml.stringAt(service("gateway"), "depends_on.ingest.condition"));
    assertEquals(Repo.file("deploy/haproxy/haproxy.cfg"), bindSource("gateway", "/usr/local/etc/haproxy/haproxy.cfg"));
    String haproxy = Repo.read("deploy/haproxy/haproxy.cfg");
    assertTrue(haproxy.contains("server-template ingest-") && haproxy.contains("ingest:8080"),
        "the gateway must balance over every ingest replica found in DNS");
    assertTrue(haproxy.contains("server storage storage:8080"), "the gateway must route trace reads to storage");
  }

  @Test
  void theLockoutCountsTheClientTheGatewayForwardsAndOnlyTheGatewayIsPublished() {
    // HTTP_TRUSTED_PROXIES covers the stack's private network; that is safe only while no role is reachable from
    // outside but through the gateway, which appends the client's address to X-Forwarded-For.
    for (String role : ROLES) {
      assertEquals("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16", env(role).get("HTTP_TRUSTED_PROXIES"),
          role + ": HTTP_TRUSTED_PROXIES");
      assertFalse(service(role).containsKey("ports"), role + " publishes a host port: anyone could reach it, and"
          + " Docker's proxy connects from a private address it trusts, so any X-Forwarded-For would be believed");
    }
    String haproxy = Repo.read("deploy/haproxy/haproxy.cfg");
    String api = haproxy.substring(haproxy.indexOf("frontend api"), haproxy.indexOf("backend ingest"));
    assertTrue(api.lines().anyMatch(l -> l.strip().equals("option forwardfor")),
        "the gateway's frontend api must append the client's address to X-Forwarded-For");
  }

  @Test
  void storageKeepsSqliteOnANamedVolume() {
    String sqlitePath = String.valueOf(env("storage").get("SQLITE_PATH"));
    String[] mount = volumes("storage").stream()
        .filter(v -> v.length >= 2 && sqlitePath.startsWith(v[1] + "/"))
        .findFirst().orElseThrow(() -> new AssertionError("SQLITE_PATH " + sqlitePath + " is on no volume"));
    assertFalse(mount[0].startsWith("/"), "storage's database should be on a named volume, not a bind mount: " + mount[0]);
    assertTrue(Yml.mapAt(stack, "volumes").containsKey(mount[0]), "volume " + mount[0] + " is not declared");
  }

  @Test
  void kafkaIsASingleKraftNodeThatTakesThePipelinesLargestRecords() {
    Map<String, Object> kafka = service("kafka");
    assertTrue(String.valueOf(kafka.get("image")).startsWith("apache/kafka:3.9."), "pin apache/kafka 3.9.x: " + kafka.get("image"));
    Map<String, Object> env = env("kafka");
    assertEquals("broker,controller", env.get("KAFKA_PROCESS_ROLES"));
    assertTrue(String.valueOf(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).startsWith(env.get("KAFKA_NODE_ID") + "@kafka:"));
    assertTrue(String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS")).contains("PLAINTEXT://kafka:9092"));
    assertEquals("1", String.valueOf(env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")));
    assertTrue(Long.parseLong(String.valueOf(env.get("KAFKA_MESSAGE_MAX_BYTES"))) >= AppSettings.maxRecordBytes(),
        "KAFKA_MESSAGE_MAX_BYTES below PipelineConfig.MAX_RECORD_BYTES");
    assertNotNull(kafka.get("healthcheck"), "kafka needs a healthcheck for depends_on: service_healthy");
    assertTrue(volumes("kafka").stream().anyMatch(v -> v[1].equals(env.get("KAFKA_LOG_DIRS")) && !v[0].startsWith("/")),
        "Kafka's log directory must be a named volume");
  }

  @Test
  void everyHealthyConditionWaitsOnAServiceWithAHealthcheck() {
    Map<String, Object> services = Yml.mapAt(stack, "services");
    services.forEach((name, s) -> {
      Object deps = Yml.map(s, name).get("depends_on");
      if (deps instanceof Map<?, ?> map) {
        map.forEach((dep, cond) -> {
          String condition = String.valueOf(Yml.map(cond, name + ".depends_on." + dep).get("condition"));
          if (condition.equals("service_healthy")) {
            Map<String, Object> target = service(String.valueOf(dep));
            Object hc = target.get("healthcheck");
            assertTrue(hc instanceof Map<?, ?> h && !Boolean.TRUE.equals(h.get("disable")) && h.get("test") != null,
                name + " waits for " + dep + " to be healthy, but " + dep + " has no healthcheck");
          }
        });
      }
    });
  }

  @Test
  void bindMountsPointAtFilesOfTheRepository() {
    Map<String, Object> services = Yml.mapAt(stack, "services");
    int binds = 0;
    for (String name : services.keySet()) {
      for (String[] v : volumes(name)) {
        if (v[0].startsWith("/")) {
          binds++;
          assertTrue(Files.exists(Path.of(v[0])), name + " mounts " + v[0] + ", which does not exist");
          assertTrue(Path.of(v[0]).normalize().startsWith(Repo.root()), name + " mounts " + v[0] + " from outside the repository");
        }
      }
    }
    assertTrue(binds >= 5, "expected the gateway, Prometheus, Alertmanager and Grafana files to be mounted, found " + binds);
  }

  @Test
  void prometheusLoadsTheRepositorysConfigAndAlertRules() {
    Path config = bindSource("prometheus", "/etc/prometheus/prometheus.yml");
    assertEquals(Repo.file("deploy/prometheus/prometheus.yml"), config);
    Map<String, Object> prometheusYml = Yml.load(Repo.read("deploy/prometheus/prometheus.yml"));
    List<Path> ruleFiles = new ArrayList<>();
    for (Object pattern : Yml.listAt(prometheusYml, "rule_files")) {
      ruleFiles.addAll(hostFilesMatching("prometheus", String.valueOf(pattern)));
    }
    assertTrue(ruleFiles.contains(Repo.file("alerts/swarm-alerts.yml")),
        "Prometheus' rule_files do not reach alerts/swarm-alerts.yml through its mounts: " + ruleFiles);
    String alerting = String.valueOf(Yml.at(prometheusYml, "alerting"));
    assertTrue(alerting.contains("alertmanager:9093"), "Prometheus must send alerts to the alertmanager service");
  }

  @Test
  void grafanaGetsTraceDataSourcesThatReachTheStorageReads() {
    List<Path> provisioned = hostFilesMatching("grafana", "/etc/grafana/provisioning/datasources/*.yml");
    Map<String, String> urlByType = new java.util.HashMap<>();
    for (Path file : provisioned) {
      for (Object ds : Yml.listAt(Yml.load(Repo.read(Repo.root().relativize(file).toString())), "datasources")) {
        Map<?, ?> d = (Map<?, ?>) ds;
        urlByType.put(String.valueOf(d.get("type")), String.valueOf(d.get("url")));
      }
    }
    assertEquals("http://gateway:8080/zipkin", urlByType.get("zipkin"), "provisioned: " + urlByType);
    assertEquals("http://gateway:8080/tempo", urlByType.get("tempo"), "provisioned: " + urlByType);
    // The host and port exist in the stack: the gateway listens on 8080 and routes these reads to storage.
    assertTrue(service("gateway") != null, "no gateway service");
    String haproxy = Repo.read("deploy/haproxy/haproxy.cfg");
    assertTrue(haproxy.contains("path_beg /api/traces/ /zipkin/ /tempo/") && haproxy.contains("server storage storage:8080"),
        "the gateway no longer sends /zipkin/ and /tempo/ reads to storage");
  }

  /** The host files a glob in a container path refers to, through the service's bind mounts. */
  static List<Path> hostFilesMatching(String service, String containerGlob) {
    for (String[] v : volumes(service)) {
      if (v.length >= 2 && v[0].startsWith("/") && containerGlob.startsWith(v[1] + "/")) {
        String relative = containerGlob.substring(v[1].length() + 1);
        var matcher = Path.of(v[0]).getFileSystem().getPathMatcher("glob:" + relative);
        try (Stream<Path> files = Files.walk(Path.of(v[0]))) {
          return files.filter(f -> matcher.matches(Path.of(v[0]).relativize(f))).toList();
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
    return List.of();
  }

  @Test
  void alertmanagerGetsItsReceiversSecretsFromTheEnvFile() {
    assertEquals(Repo.file("alerts/alertmanager.yml"), bindSource("alertmanager", "/etc/alertmanager/alertmanager.yml"));
    Set<String> needed = AlertmanagerSecrets.filesReadBy("alerts/alertmanager.yml");
    String script = String.valueOf(service("alert-secrets").get("command"));
    for (String file : needed) {
      Path path = Path.of(file);
      String dir = path.getParent().toString();
      String[] mount = volumes("alertmanager").stream().filter(v -> v[1].equals(dir)).findFirst()
          .orElseThrow(() -> new AssertionError("alertmanager.yml reads " + file + " but nothing is mounted at " + dir));
      assertTrue(volumes("alert-secrets").stream().anyMatch(v -> v[0].equals(mount[0])),
          "the alert-secrets service does not write the volume " + mount[0]);
      assertTrue(script.contains("/secrets/" + path.getFileName()), "alert-secrets does not write " + path.getFileName());
    }
    Map<String, Object> secretEnv = env("alert-secrets");
    assertTrue(secretEnv.containsKey("SLACK_WEBHOOK_URL") && secretEnv.containsKey("PAGERDUTY_ROUTING_KEY"));
    assertEquals("service_completed_successfully", Yml.stringAt(service("alertmanager"), "depends_on.alert-secrets.condition"));
  }

  @Test
  void grafanaIsProvisionedWithTheDataSourceAndTheDashboards() throws IOException {
    assertEquals(Repo.file("deploy/grafana/provisioning"), bindSource("grafana", "/etc/grafana/provisioning"));
    Map<String, Object> providers = Yml.load(Repo.read("deploy/grafana/provisioning/dashboards/dashboards.yml"));
    String dashboardsPath = Yml.stringAt(Yml.map(Yml.listAt(providers, "providers").get(0), "provider"), "options.path");
    Path dashboards = bindSource("grafana", dashboardsPath);
    assertEquals(Repo.file("dashboards"), dashboards);
    try (Stream<Path> files = Files.list(dashboards)) {
      assertEquals(5, files.filter(f -> f.toString().endsWith(".json")).count(), "the five dashboards");
    }
    String home = String.valueOf(env("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
    assertTrue(Files.exists(dashboards.resolve(Path.of(dashboardsPath).relativize(Path.of(home)))), "home dashboard " + home + " is missing");
  }

  @Test
  void simulatorRunsFromThePipelineImageInTheSimProfileAgainstTheGateway() {
    Map<String, Object> sim = service("swarm-sim");
    assertEquals(List.of("sim"), Yml.list(sim.get("profiles"), "swarm-sim.profiles"));
    assertEquals(service("ingest").get("image"), sim.get("image"), "the simulator runs from the pipeline's image");
    List<Object> command = Yml.list(sim.get("command"), "swarm-sim.command");
    String jar = String.valueOf(command.get(command.indexOf("-jar") + 1));
    assertTrue(Repo.read("Dockerfile").contains("/src/swarm-sim/target/swarm-sim.jar " + Path.of(jar).getParent() + "/"),
        "the Dockerfile does not copy swarm-sim.jar to " + jar);
    assertEquals("http://gateway:8080", String.valueOf(command.get(command.indexOf("--target") + 1)));
    assertEquals("service_healthy", Yml.stringAt(sim, "depends_on.gateway.condition"));
  }

  // --- profile postgres (docs/deploy.md, "Scale out with PostgreSQL") ---

  static List<Object> profiles(String service) {
    Object p = service(service).get("profiles");
    return p == null ? List.of() : Yml.list(p, service + ".profiles");
  }

  /** The services only the postgres profile starts that run the pipeline's image. */
  static List<String> postgresPipelineServices() {
    Object image = service("ingest").get("image");
    return Yml.mapAt(stack, "services").keySet().stream()
        .filter(name -> profiles(name).contains("postgres") && image.equals(service(name).get("image")))
        .sorted().toList();
  }

  @Test
  void postgresProfileRunsPostgresqlOnANamedVolumeWithAReadinessCheck() {
    Map<String, Object> postgres = service("postgres");
    assertEquals(List.of("postgres"), profiles("postgres"), "the postgres service belongs to the postgres profile only");
    assertTrue(String.valueOf(postgres.get("image")).matches("postgres:1[67](\\.[0-9.]+)?"),
        "the official image, PostgreSQL 16 or 17: " + postgres.get("image"));
    String[] data = volumes("postgres").stream().filter(v -> v.length >= 2 && v[1].equals("/var/lib/postgresql/data"))
        .findFirst().orElseThrow(() -> new AssertionError("postgres: nothing mounted at the image's PGDATA"));
    assertFalse(data[0].startsWith("/"), "postgres: the database belongs on a named volume, not a bind mount: " + data[0]);
    assertTrue(Yml.mapAt(stack, "volumes").containsKey(data[0]), "volume " + data[0] + " is not declared");
    String check = String.valueOf(Yml.at(postgres, "healthcheck.test"));
    assertTrue(check.contains("pg_isready"), "postgres: healthcheck with pg_isready: " + check);
    // TCP, where the pipeline connects: the image's first-start initdb runs a server on the unix socket only.
    assertTrue(check.contains("-h 127.0.0.1"), "postgres: pg_isready must check TCP, not the socket: " + check);
    assertFalse(postgres.containsKey("ports"), "postgres publishes a host port: its password is the example's");
    // Credentials from .env, each with a default (the stack must render without any .env).
    String compose = Repo.read(COMPOSE);
    Map<String, Object> env = env("postgres");
    for (String name : List.of("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")) {
      assertTrue(compose.contains(name + ": ${" + name + ":-"), "postgres: " + name + " from .env with a default");
      assertFalse(String.valueOf(env.get(name)).isBlank(), "postgres: " + name + " is empty with .env.example");
    }
  }

  @Test
  void postgresProfileRolesStoreInThePostgresServiceAndWaitForIt() {
    assertEquals(new TreeSet<>(POSTGRES_ROLES.keySet()), new TreeSet<>(postgresPipelineServices()),
        "the pipeline services of the postgres profile");
    Map<String, Object> db = env("postgres");
    for (Map.Entry<String, String> e : POSTGRES_ROLES.entrySet()) {
      String name = e.getKey();
      Map<String, Object> env = env(name);
      assertEquals(e.getValue(), env.get("ROLE"), name + ": ROLE");
      assertEquals("postgres", env.get("STORAGE_BACKEND"), name + ": STORAGE_BACKEND");
      URI url = URI.create(String.valueOf(env.get("POSTGRES_URL")));
      assertEquals("postgresql", url.getScheme(), name + ": POSTGRES_URL " + url);
      assertEquals("postgres", url.getHost(), name + ": POSTGRES_URL must name the postgres service");
      assertEquals(5432, url.getPort(), name + ": POSTGRES_URL port");
      assertEquals(db.get("POSTGRES_USER") + ":" + db.get("POSTGRES_PASSWORD"), url.getUserInfo(), name + ": the postgres service's owner");
      assertEquals("/" + db.get("POSTGRES_DB"), url.getPath(), name + ": the postgres service's database");
      assertEquals("service_healthy", Yml.stringAt(service(name), "depends_on.postgres.condition"), name + " must wait for PostgreSQL");
      assertEquals("service_healthy", Yml.stringAt(service(name), "depends_on.kafka.condition"), name + " must wait for Kafka");
      // What every role of the default stack has (eachRoleTalksToTheComposeKafkaAndWaitsForIt and the lockout test).
      assertEquals("kafka:9092", env.get("KAFKA_BOOTSTRAP_SERVERS"), name + ": KAFKA_BOOTSTRAP_SERVERS");
      assertEquals("0.0.0.0", env.get("HTTP_HOST"), name + ": HTTP_HOST");
      assertEquals("/run/secrets/pipeline-tokens", env.get("AUTH_TOKENS_FILE"), name + ": AUTH_TOKENS_FILE");
      assertEquals(env("ingest").get("HTTP_TRUSTED_PROXIES"), env.get("HTTP_TRUSTED_PROXIES"), name + ": HTTP_TRUSTED_PROXIES");
      assertEquals(String.valueOf(AppSettings.integerDefault("HTTP_PORT")), String.valueOf(env.get("HTTP_PORT")), name + ": HTTP_PORT");
      assertTrue(String.valueOf(Yml.at(service(name), "healthcheck.test")).contains("/health/ready"), name + ": healthcheck on /health/ready");
      // Scalable and reached only through gateway-pg.
      assertFalse(service(name).containsKey("ports"), name + " publishes a host port");
      assertFalse(service(name).containsKey("container_name"), name + ": a fixed container_name prevents --scale");
      // No SQLite: no volume (the database is PostgreSQL's), no SQLite file setting.
      assertEquals(List.of(), volumes(name).stream().map(v -> String.join(":", v)).toList(),
          name + " mounts a volume: with PostgreSQL the pipeline keeps no SQLite file");
      assertFalse(env.containsKey("SQLITE_PATH"), name + ": SQLITE_PATH");
    }
    // The writer keeps the day partitions.
    assertTrue(env("aggregator-pg").containsKey("TRACE_RETENTION"), "aggregator-pg drops the days past TRACE_RETENTION");
    // Beside the default stack's aggregator (the SQLite path), in a group of its own, or the two would split the
    // partitions of swarm.spans and each backend would get only part of the traces.
    Object group = env("aggregator-pg").get("AGGREGATOR_GROUP_ID");
    assertNotNull(group, "aggregator-pg: AGGREGATOR_GROUP_ID");
    assertFalse(String.valueOf(group).equals(String.valueOf(env("aggregator").getOrDefault("AGGREGATOR_GROUP_ID", "trace-aggregator"))),
        "aggregator-pg shares the default aggregator's consumer group");
  }

  @Test
  void postgresProfileHasItsOwnGatewayInFrontOfTheStoragePgReplicas() {
    Map<String, Object> gateway = service("gateway-pg");
    assertEquals(List.of("postgres"), profiles("gateway-pg"));
    assertEquals(service("gateway").get("image"), gateway.get("image"), "the same HAProxy as the default gateway");
    assertEquals(Repo.file("deploy/haproxy/haproxy-postgres.cfg"), bindSource("gateway-pg", "/usr/local/etc/haproxy/haproxy.cfg"));
    assertEquals("service_healthy", Yml.stringAt(gateway, "depends_on.storage-pg.condition"));
    assertEquals("service_healthy", Yml.stringAt(gateway, "depends_on.ingest.condition"));
    String haproxy = Repo.read("deploy/haproxy/haproxy-postgres.cfg");
    assertTrue(haproxy.contains("storage-pg:8080") && haproxy.contains("ingest:8080"),
        "gateway-pg must send reads to storage-pg and writes to ingest");
    List<Object> ports = Yml.list(gateway.get("ports"), "gateway-pg.ports");
    String defaultApi = String.valueOf(Yml.list(service("gateway").get("ports"), "gateway.ports").get(0));
    assertEquals(1, ports.size(), "gateway-pg publishes its API port only");
    assertTrue(String.valueOf(ports.get(0)).contains(":8080"), "gateway-pg publishes HAProxy's :8080");
    assertFalse(String.valueOf(ports.get(0)).equals(defaultApi), "gateway-pg and gateway on the same host port");
  }

  @Test
  void prometheusScrapesThePostgresProfilesRoles() {
    Set<String> names = new TreeSet<>();
    for (Object job : Yml.listAt(Yml.load(Repo.read("deploy/prometheus/prometheus.yml")), "scrape_configs")) {
      Object sd = Yml.map(job, "scrape_config").get("dns_sd_configs");
      if (sd != null) {
        Yml.list(sd, "dns_sd_configs").forEach(c -> names.addAll(Yml.listAt(Yml.map(c, "dns_sd_config"), "names").stream().map(String::valueOf).toList()));
      }
    }
    for (String name : POSTGRES_ROLES.keySet()) {
      assertTrue(names.contains(name), "deploy/prometheus/prometheus.yml does not find " + name + "'s replicas through DNS: " + names);
    }
  }
}
