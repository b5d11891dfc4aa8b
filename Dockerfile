# syntax=docker/dockerfile:1
# Trace pipeline image: every role (ROLE=all|ingest|aggregator|storage) and the swarm-sim simulator.
# Build from the repository root:   docker build -t trace-pipeline:dev .
# Settings are environment variables (README.md, "Configuration"); nothing is baked in but the container
# defaults below. Not built on the machines this was written on (no Docker engine there): see docs/deploy.md.

# ---- build: Maven + JDK 17 -------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The poms first: this layer (all plugins and dependencies, fetched by building the still source-less modules)
# is reused until a pom changes. Every module named in the root pom must be listed, or Maven refuses the
# reactor; deploy-checks' DockerfileTest keeps this list in step with the root pom.
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY ingest-verticle/pom.xml ingest-verticle/
COPY kafka-consumer/pom.xml kafka-consumer/
COPY aggregator-verticle/pom.xml aggregator-verticle/
COPY storage-verticle/pom.xml storage-verticle/
COPY storage-postgres/pom.xml storage-postgres/
COPY tracer/pom.xml tracer/
COPY swarm-sim/pom.xml swarm-sim/
COPY web-ui/pom.xml web-ui/
COPY app/pom.xml app/
COPY examples/pom.xml examples/
COPY deploy-checks/pom.xml deploy-checks/
COPY ops-checks/pom.xml ops-checks/
# (dependency:go-offline cannot be used here: it fails on the not-yet-built sibling modules.) The empty jars it
# leaves are removed, so nothing of this pass can stand in for the real build below.
RUN mvn -B -q -DskipTests -pl app,swarm-sim -am package && rm -rf */target
COPY . .
RUN mvn -B -q -DskipTests -pl app,swarm-sim -am package

# ---- runtime: JRE 17 ---------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
# A fixed non-root uid/gid, so volume ownership (and Kubernetes' runAsUser/fsGroup) can name it.
RUN groupadd --system --gid 10001 pipeline \
 && useradd --system --uid 10001 --gid pipeline --home-dir /opt/trace-pipeline --no-create-home \
      --shell /usr/sbin/nologin pipeline \
 && mkdir -p /var/lib/trace-pipeline \
 && chown pipeline:pipeline /var/lib/trace-pipeline
WORKDIR /opt/trace-pipeline
# Thin jars with their dependencies in lib/ (the manifests' Class-Path points at lib/).
COPY --from=build /src/app/target/lib/ /opt/trace-pipeline/lib/
COPY --from=build /src/app/target/trace-pipeline.jar /opt/trace-pipeline/
COPY --from=build /src/swarm-sim/target/lib/ /opt/trace-pipeline/swarm-sim/lib/
COPY --from=build /src/swarm-sim/target/swarm-sim.jar /opt/trace-pipeline/swarm-sim/
COPY deploy/docker/healthcheck /usr/local/bin/healthcheck

# Containers listen on every interface; data (embedded broker's log, default SQLite file) under one volume.
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATA_DIR=/var/lib/trace-pipeline
# Heap from the container's memory limit, not the host's: 70% leaves room for what lives outside the heap
# (Netty and Kafka buffers, SQLite's page caches: ~100 MB in the storage role, thread stacks, metaspace).
# -XX:+ExitOnOutOfMemoryError: a half-dead JVM is worse than a restart (Kafka replays what was not committed).
# -XX:ThreadPriorityPolicy=1 lets DOWNSTREAM_PRIORITY=low lower assembly and storage below ingest (nice 4; no privilege
# is needed to lower, whatever the JVM's start-up warning for a non-root user says).
# JAVA_OPTS is added after these, for one-off overrides (e.g. -Xmx) without repeating them.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=25 -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -XX:+ExitOnOutOfMemoryError -XX:ThreadPriorityPolicy=1" \
    JAVA_OPTS=""

USER 10001:10001
VOLUME ["/var/lib/trace-pipeline"]
EXPOSE 8080
# Readiness, not liveness: an orchestrator that routes by health (compose depends_on) must wait for Kafka too.
HEALTHCHECK --interval=10s --timeout=6s --start-period=90s --retries=3 CMD ["/usr/local/bin/healthcheck", "/health/ready"]
# exec: java becomes PID 1 and gets SIGTERM directly (graceful drain, SHUTDOWN_TIMEOUT_MS).
# The simulator runs from the same image with another command:
#   java -jar /opt/trace-pipeline/swarm-sim/swarm-sim.jar --target http://ingest:8080 ...
CMD ["/bin/sh", "-c", "exec java $JAVA_OPTS -Dlog4j2.configurationFile=classpath:log4j2.xml -jar /opt/trace-pipeline/trace-pipeline.jar"]
