#!/usr/bin/env bash
# Checks the load driver: the same create and getData workloads run against
# Apache ZooKeeper 3.8 with `rzk bench run` and with an independent driver
# on ZooKeeper's own Java client (bench/java/ZkLoad.java), alternately, on a
# fresh server each time. Their throughputs must agree within TOLERANCE %.
# (Debian's C load_gen does not fit: it pipelines without bound on one
# session and prints no throughput.)
#
# The drivers differ in CPU cost (the Java client runs two threads per
# session), and on a small machine a driver's CPU is taken from the
# server. To compare what the drivers count rather than how much CPU they
# leave the server, the server runs on CPU 0 and the driver on CPU 1
# (SERVER_CPUS / DRIVER_CPUS; set both empty to share all CPUs).
#
#   bench/validate_driver.sh            # prints a Markdown section
#
# Environment: DURATION (s, 10), WARMUP (s, 3), ROUNDS (2), SESSIONS (8),
# IN_FLIGHT (16), KEYS (10000), VALUE_SIZE (100), TOLERANCE (20), WORK (a
# directory for data and logs; default a new temp dir, removed after).
# Exit status 1 when a workload disagrees by more than TOLERANCE %.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
SESSIONS=${SESSIONS:-8}
IN_FLIGHT=${IN_FLIGHT:-16}
KEYS=${KEYS:-10000}
VALUE_SIZE=${VALUE_SIZE:-100}
TOLERANCE=${TOLERANCE:-20}
if [ "$(nproc)" -ge 2 ]; then
  export SERVER_CPUS=${SERVER_CPUS-0}
  DRIVER_CPUS=${DRIVER_CPUS-1}
else
  export SERVER_CPUS=${SERVER_CPUS-}
  DRIVER_CPUS=${DRIVER_CPUS-}
fi
pin=${DRIVER_CPUS:+taskset -c $DRIVER_CPUS}

ensure_zookeeper
[ -n "${RZK:-}" ] || build_rzk
own_work=0
if [ -z "${WORK:-}" ]; then WORK=$(mktemp -d); own_work=1; fi
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && stop_server "$SERVER_PID"
  [ "$own_work" = 1 ] && rm -rf "$WORK"
  return 0
}
trap cleanup EXIT

mkdir -p "$WORK/classes" "$WORK/validate"
javac -implicit:none -d "$WORK/classes" -cp "$ZK_JARS" bench/java/ZkLoad.java

# one DRIVER OP ROUND: a fresh Apache ZooKeeper, one measurement; prints
# ops/s.
one() {
  local driver=$1 op=$2 round=$3 dir port rate
  dir="$WORK/validate/$op-$driver-$round"
  rm -rf "$dir"; mkdir -p "$dir"
  port=$(free_port)
  write_config "$dir" "$port"
  start_server apache "$dir"
  if [ "$driver" = rzk ]; then
    local mix="create=100"; [ "$op" = get ] && mix="get=100"
    $pin "$RZK" bench run --server "127.0.0.1:$port" --sessions "$SESSIONS" --in-flight "$IN_FLIGHT" \
      --mix "$mix" --keys "$KEYS" --value-size "$VALUE_SIZE" --duration "$DURATION" \
      --warmup "$WARMUP" --progress 0 --json "$dir/result.json" >"$dir/driver.out" 2>&1
    rate=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["ops_per_sec"])' "$dir/result.json")
  else
    $pin java -cp "$ZK_JARS:$WORK/classes" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ZkLoad \
      "127.0.0.1:$port" "$op" "$SESSIONS" "$IN_FLIGHT" "$DURATION" "$WARMUP" "$KEYS" "$VALUE_SIZE" \
      >"$dir/driver.out" 2>&1
    rate=$(sed -n 's/.*ops_per_sec=\([0-9.]*\).*/\1/p' "$dir/driver.out")
  fi
  stop_server "$SERVER_PID"; SERVER_PID=
  rm -rf "$dir/data"
  [ -n "$rate" ] || { echo "no throughput from $driver ($dir/driver.out):" >&2; cat "$dir/driver.out" >&2; return 1; }
  echo "$rate"
}

declare -A rates
for round in $(seq 1 "$ROUNDS"); do
  for op in create get; do
    for driver in rzk java; do
      r=$(one "$driver" "$op" "$round")
      echo "validate: $op $driver round $round: $r ops/s" >&2
      rates[$op-$driver]="${rates[$op-$driver]:-} $r"
    done
  done
done

python3 - "$TOLERANCE" "$SESSIONS" "$IN_FLIGHT" "$DURATION" "$ROUNDS" "$(zookeeper_version)" \
  "${SERVER_CPUS:-any}" "${DRIVER_CPUS:-any}" \
  "${rates[create-rzk]}" "${rates[create-java]}" "${rates[get-rzk]}" "${rates[get-java]}" <<'PY'
import statistics, sys
tol, sessions, inflight, duration, rounds, version, scpu, dcpu = sys.argv[1:9]
tol = float(tol)
vals = [list(map(float, a.split())) for a in sys.argv[9:13]]
rows, ok = [], True
for name, rzk, java in (("durable creates", vals[0], vals[1]), ("getData", vals[2], vals[3])):
    a, b = statistics.median(rzk), statistics.median(java)
    diff = abs(a - b) / b * 100 if b else float("inf")
    agree = diff <= tol
    ok &= agree
    rows.append(f"| {name} | {b:,.0f} | {a:,.0f} | {diff:.1f}% | {'yes' if agree else 'NO'} |")
print(f"Both drivers against Apache ZooKeeper {version}, {sessions} sessions x {inflight} in flight,")
print(f"{duration} s measured after a warm-up, fresh server per run, median of {rounds} runs each,")
print("alternating drivers. The independent driver is `bench/java/ZkLoad.java` on ZooKeeper's")
print("own Java client (async API, a semaphore per session). The server ran on CPU(s)")
print(f"{scpu} and each driver on CPU(s) {dcpu}, so that a driver's own CPU cost does not")
print("change what the server can do.")
print()
print("| workload | Java client driver (ops/s) | rzk bench (ops/s) | difference | within %d%% |" % tol)
print("|---|---|---|---|---|")
print("\n".join(rows))
print()
print("Result: " + ("the drivers agree." if ok else f"the drivers DISAGREE by more than {tol:.0f}%."))
sys.exit(0 if ok else 1)
PY
