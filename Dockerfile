# syntax=docker/dockerfile:1
# Build: a Maven stage builds the jar and unpacks it (class loading from an unpacked jar starts faster).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY profiles profiles
COPY fixtures fixtures
RUN mvn -B -q package -DskipTests \
 && java -Djarmode=tools -jar target/infusion-fhir.jar extract --destination /app

# Run: a small JRE image, a non-root user, data on a volume.
FROM eclipse-temurin:17-jre-alpine
RUN addgroup -S infusion && adduser -S -G infusion -h /app infusion \
 && mkdir -p /data && chown infusion:infusion /data
WORKDIR /app
COPY --from=build --chown=infusion:infusion /app /app
COPY --from=build --chown=infusion:infusion /src/fixtures /app/fixtures
USER infusion
# Class data sharing: a training start lists the classes the server loads, and this image's JVM archives
# them pre-parsed (src/main/docker/class-data-archive.sh, which the benchmark harness runs too). Start-up
# measured about 30 % shorter with it (docs/performance.md). Should the archive not be made, the JVM
# starts without it (-Xshare:auto).
COPY --chown=infusion:infusion src/main/docker/class-data-archive.sh /tmp/class-data-archive.sh
RUN sh /tmp/class-data-archive.sh /app; rm -f /tmp/class-data-archive.sh
ENV INFUSION_DATA_DIR=/data \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:SharedArchiveFile=/app/infusion-fhir.jsa -Xshare:auto"
VOLUME /data
EXPOSE 8080 2575
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/infusion-fhir.jar \"$@\"", "--"]
