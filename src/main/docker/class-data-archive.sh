#!/bin/sh
# Makes a class data sharing archive for an unpacked infusion-fhir jar, so that the JVM maps the classes
# the server loads at start-up instead of reading and verifying them from ~250 jars. It is made by the
# same JVM that will use it (an archive from another Java build is ignored).
#
#   sh class-data-archive.sh APP_DIR
#
# APP_DIR holds infusion-fhir.jar and lib/, as `java -Djarmode=tools -jar infusion-fhir.jar extract
# --destination APP_DIR` leaves them. Writes APP_DIR/infusion-fhir.jsa; start the server with
# `java -XX:SharedArchiveFile=APP_DIR/infusion-fhir.jsa -Xshare:auto -jar APP_DIR/infusion-fhir.jar`.
# Used by the Dockerfile and by the benchmark harness. JAVA names the java command (default: java).
set -eu
app=${1:?usage: class-data-archive.sh APP_DIR}
java=${JAVA:-java}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A training start on a throw-away H2 database, stopped as soon as the Spring context is up, lists the
# classes loaded on the way.
if ! "$java" -XX:DumpLoadedClassList="$work/classes.lst" -Dspring.context.exit=onRefresh \
    -jar "$app/infusion-fhir.jar" --infusion.data-dir="$work/data" --infusion.hl7v2.mllp.enabled=false \
    --server.port=0 > "$work/training.log" 2>&1; then
  tail -n 40 "$work/training.log" >&2
  echo "class-data-archive: the training start failed" >&2
  exit 1
fi
# Lambda-proxy entries are left out: dumping them crashed OpenJDK 17 here, as did a dynamic archive
# (-XX:ArchiveClassesAtExit).
grep -v '^@lambda' "$work/classes.lst" > "$work/classes-static.lst"
if ! "$java" -Xshare:dump -XX:SharedClassListFile="$work/classes-static.lst" \
    -XX:SharedArchiveFile="$app/infusion-fhir.jsa" -cp "$app/infusion-fhir.jar" > "$work/dump.log" 2>&1; then
  tail -n 40 "$work/dump.log" >&2
  echo "class-data-archive: the archive could not be written" >&2
  exit 1
fi
# -Xshare:on refuses to start when the archive does not match this JVM and class path.
"$java" -Xshare:on -XX:SharedArchiveFile="$app/infusion-fhir.jsa" -cp "$app/infusion-fhir.jar" -version \
  > /dev/null 2>&1 || { echo "class-data-archive: the archive does not map with this JVM" >&2; exit 1; }
echo "class-data-archive: $(grep -c . "$work/classes-static.lst") classes archived in $app/infusion-fhir.jsa"
