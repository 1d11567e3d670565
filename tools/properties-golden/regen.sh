#!/usr/bin/env bash
# Regenerate crates/rzk-server/tests/golden/properties.txt: what the JDK's
# java.util.Properties.load makes of 2000 seeded random inputs, which
# rzk-server's reader must reproduce (tests/properties_golden.rs).
#
#   tools/properties-golden/regen.sh [OUTFILE]
#
# Needs a JDK (javac/java 17). No network access, no ZooKeeper jars.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
out="${1:-${repo_root}/crates/rzk-server/tests/golden/properties.txt}"
build="$(mktemp -d)"
trap 'rm -rf "${build}"' EXIT
javac -d "${build}" "${script_dir}/PropertiesGolden.java"
java -cp "${build}" PropertiesGolden >"${out}"
echo "wrote $(wc -l <"${out}") cases to ${out}"
