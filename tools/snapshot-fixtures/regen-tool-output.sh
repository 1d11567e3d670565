#!/usr/bin/env bash
# Regenerate the expected outputs of `rzk snapshot dump` and `rzk txnlog dump`
# (crates/rzk/tests/fixtures/tools) by running Apache ZooKeeper 3.8's own
# tools on the committed fixtures:
#   SnapshotFormatter (zkSnapShotToolkit.sh) on the golden snapshot
#     (crates/rzk-proto/tests/golden/disk.snapshot.hex, as snapshot.10000000b)
#     and on the .snappy compressed fixture of rzk-storage;
#   TxnLogToolkit (zkTxnLogToolkit.sh) on the golden txn log
#     (crates/rzk-proto/tests/golden/disk.txnlog.hex, as log.100000001).
# The JVM runs in UTC with the en_US locale and UTF-8 output, which is what
# rzk's tools print.
#
#   tools/snapshot-fixtures/regen-tool-output.sh [OUTDIR]
#
# Needs libzookeeper-java, libsnappy-java, libsnappy-jni, a JDK and xxd.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"

out="${1:-crates/rzk/tests/fixtures/tools}"
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
for tool in java xxd; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
        echo "error: ${tool} not found on PATH" >&2
        exit 1
    fi
done
cp="$(IFS=:; echo "${jars[*]}")"
unset JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS CLASSPATH

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
golden="${repo_root}/crates/rzk-proto/tests/golden"
xxd -r -p "${golden}/disk.snapshot.hex" > "${work}/snapshot.10000000b"
xxd -r -p "${golden}/disk.txnlog.hex" > "${work}/log.100000001"
snappy="${repo_root}/crates/rzk-storage/tests/fixtures/compressed/snapshot.20000000f.snappy"

run() {
    java \
        -Duser.timezone=UTC -Duser.language=en -Duser.country=US \
        -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 \
        -Dorg.xerial.snappy.use.systemlib=true \
        -Djava.library.path=/usr/lib/x86_64-linux-gnu/jni \
        -cp "${cp}" "$@"
}

mkdir -p "${out}"
run org.apache.zookeeper.server.SnapshotFormatter "${work}/snapshot.10000000b" > "${out}/snapshot.10000000b.txt"
run org.apache.zookeeper.server.SnapshotFormatter -d "${work}/snapshot.10000000b" > "${out}/snapshot.10000000b.data.txt"
run org.apache.zookeeper.server.SnapshotFormatter "${snappy}" > "${out}/snapshot.20000000f.txt"
run org.apache.zookeeper.server.persistence.TxnLogToolkit "${work}/log.100000001" > "${out}/log.100000001.txt"
ls -l "${out}"
