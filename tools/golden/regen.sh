#!/usr/bin/env bash
# Regenerate the golden fixtures from ZooKeeper's own Java classes.
#
#   tools/golden/regen.sh [OUTDIR]
#
# OUTDIR defaults to crates/rzk-proto/tests/golden; a relative OUTDIR is taken
# relative to the repository root. Stale *.hex files in OUTDIR are removed
# first, so afterwards OUTDIR holds exactly what Golden.java generates (plus
# MANIFEST.txt, which the generator also writes).
#
# Needs the Debian/Ubuntu package libzookeeper-java (ZooKeeper 3.8.0 jars in
# /usr/share/java) and a JDK (javac/java 17). No network access.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"

out="${1:-crates/rzk-proto/tests/golden}"
case "${out}" in
    /*) ;;
    *) out="${repo_root}/${out}" ;;
esac

jars=(
    /usr/share/java/zookeeper.jar
    /usr/share/java/zookeeper-jute.jar
    /usr/share/java/slf4j-api.jar
    /usr/share/java/slf4j-nop.jar
)
for jar in "${jars[@]}"; do
    if [[ ! -f "${jar}" ]]; then
        echo "error: ${jar} not found; install the ZooKeeper jars with: apt-get install -y libzookeeper-java" >&2
        exit 1
    fi
done
for tool in javac java; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
        echo "error: ${tool} not found on PATH; install a JDK (e.g. apt-get install -y openjdk-17-jdk-headless)" >&2
        exit 1
    fi
done
# zookeeper.jar's manifest Class-Path pulls in its other runtime dependencies
# (netty, jackson, ... in /usr/share/java); the generator only touches classes
# whose dependencies are present.
cp="$(IFS=:; echo "${jars[*]}")"

# Nothing from the environment may change the JVM's behaviour.
unset JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS CLASSPATH

classes="$(mktemp -d)"
trap 'rm -rf "${classes}"' EXIT

javac -encoding UTF-8 -nowarn -d "${classes}" -cp "${cp}" "${script_dir}/Golden.java"

mkdir -p "${out}"
find "${out}" -maxdepth 1 -type f -name '*.hex' -delete

# file.encoding: ZooKeeper calls String.getBytes() without a charset for the
# digest of a path and for the election address; pin UTF-8.
# The zookeeper.* properties are set to their defaults explicitly.
java \
    -Dfile.encoding=UTF-8 \
    -Dzookeeper.digest.enabled=true \
    -Dzookeeper.closeSessionTxn.enabled=true \
    -Dzookeeper.snapshot.compression.method= \
    -cp "${cp}:${classes}" \
    Golden "${out}"
