#!/usr/bin/env bash
# Regenerate rzk-storage's compressed-snapshot fixtures from ZooKeeper's own
# Java classes: one tree written as snapshot.<zxid>, snapshot.<zxid>.gz and
# snapshot.<zxid>.snappy (see SnapFixtures.java).
#
#   tools/snapshot-fixtures/regen.sh [OUTDIR]
#
# OUTDIR defaults to crates/rzk-storage/tests/fixtures/compressed; a relative
# OUTDIR is taken relative to the repository root. Old snapshot.* files there
# are removed first.
#
# Needs libzookeeper-java (ZooKeeper 3.8 jars), libsnappy-java and
# libsnappy-jni (snappy-java and its native library) and a JDK. No network.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"

out="${1:-crates/rzk-storage/tests/fixtures/compressed}"
case "${out}" in
    /*) ;;
    *) out="${repo_root}/${out}" ;;
esac

jars=(
    /usr/share/java/zookeeper.jar
    /usr/share/java/zookeeper-jute.jar
    /usr/share/java/snappy-java.jar
    /usr/share/java/slf4j-api.jar
    /usr/share/java/slf4j-nop.jar
)
for jar in "${jars[@]}"; do
    if [[ ! -f "${jar}" ]]; then
        echo "error: ${jar} not found; install with: apt-get install -y libzookeeper-java libsnappy-java libsnappy-jni" >&2
        exit 1
    fi
done
for tool in javac java; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
        echo "error: ${tool} not found on PATH; install a JDK (e.g. apt-get install -y openjdk-17-jdk-headless)" >&2
        exit 1
    fi
done
cp="$(IFS=:; echo "${jars[*]}")"

unset JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS CLASSPATH

classes="$(mktemp -d)"
trap 'rm -rf "${classes}"' EXIT

javac -encoding UTF-8 -nowarn -d "${classes}" -cp "${cp}" "${script_dir}/SnapFixtures.java"

mkdir -p "${out}"
find "${out}" -maxdepth 1 -type f -name 'snapshot.*' -delete

# Debian's snappy-java loads its native library from the JNI directory.
java \
    -Dfile.encoding=UTF-8 \
    -Dzookeeper.digest.enabled=true \
    -Dorg.xerial.snappy.use.systemlib=true \
    -Djava.library.path=/usr/lib/x86_64-linux-gnu/jni \
    -cp "${cp}:${classes}" \
    SnapFixtures "${out}"
