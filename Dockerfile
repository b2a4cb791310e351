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
# Class data sharing: one training start (on a throw-away H2 database, stopped once the Spring context is
# up) lists the classes the server loads, and this image's JVM archives them pre-parsed. Start-up measured
# about 30 % shorter with it (README "Performance"). Lambda-proxy entries are left out of the list: dumping
# them crashed OpenJDK 17 here. Should the archive not be made, the JVM starts without it (-Xshare:auto).
RUN java -XX:DumpLoadedClassList=/tmp/classes.lst -Dspring.context.exit=onRefresh -jar /app/infusion-fhir.jar \
      --infusion.data-dir=/tmp/cds-training --infusion.hl7v2.mllp.enabled=false --server.port=0 > /tmp/training.log 2>&1 \
 && grep -v '^@lambda' /tmp/classes.lst > /tmp/classes-static.lst \
 && java -Xshare:dump -XX:SharedClassListFile=/tmp/classes-static.lst -XX:SharedArchiveFile=/app/infusion-fhir.jsa \
      -cp /app/infusion-fhir.jar > /tmp/dump.log 2>&1 \
 ; rm -rf /tmp/cds-training /tmp/classes*.lst /tmp/*.log
ENV INFUSION_DATA_DIR=/data \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:SharedArchiveFile=/app/infusion-fhir.jsa -Xshare:auto"
VOLUME /data
EXPOSE 8080 2575
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/infusion-fhir.jar \"$@\"", "--"]
