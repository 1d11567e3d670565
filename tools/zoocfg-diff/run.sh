#!/usr/bin/env bash
# Differential test of zoo.cfg parsing: every case of cases.txt through
# ZooKeeper's own QuorumPeerConfig (Debian's 3.8.0 jars) and through rzk's
# ServerConfig, compared on acceptance and on the resolved values. Cases
# where rzk deliberately differs are listed, with the reason, in
# expected-differences.txt; any other difference fails.
#
#   tools/zoocfg-diff/run.sh
#
# Needs libzookeeper-java and a JDK, like tools/golden/regen.sh.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
cp="/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar"
for jar in ${cp//:/ }; do
    [[ -f "${jar}" ]] || { echo "error: ${jar} not found; apt-get install -y libzookeeper-java" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
javac -cp "${cp}" -d "${tmp}/classes" "${script_dir}/ZooCfgDiff.java"
java -cp "${tmp}/classes:${cp}" ZooCfgDiff "${script_dir}/cases.txt" "${tmp}/java" >"${tmp}/java.out"
(cd "${repo_root}" && cargo run --quiet -p rzk-server --example zoocfg_diff -- \
    "${script_dir}/cases.txt" "${tmp}/rzk") >"${tmp}/rzk.out"

expected="$(grep -v '^#' "${script_dir}/expected-differences.txt" | awk 'NF {print $1}' | sort)"
fail=0
seen=()
while IFS=$'\t' read -r name java_result && IFS=$'\t' read -r rname rzk_result <&3; do
    [[ "${name}" == "${rname}" ]] || { echo "case order differs: ${name} / ${rname}" >&2; exit 1; }
    if [[ "${java_result}" != "${rzk_result}" ]]; then
        if grep -qx "${name}" <<<"${expected}"; then
            seen+=("${name}")
        else
            echo "UNEXPECTED ${name}: java '${java_result}' rzk '${rzk_result}'"
            fail=1
        fi
    fi
done <"${tmp}/java.out" 3<"${tmp}/rzk.out"
for name in ${expected}; do
    if ! printf '%s\n' "${seen[@]}" | grep -qx "${name}"; then
        echo "STALE ${name}: listed in expected-differences.txt but now agrees"
        fail=1
    fi
done
total=$(wc -l <"${tmp}/java.out")
echo "${total} cases, ${#seen[@]} expected differences"
exit "${fail}"
