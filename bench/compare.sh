#!/usr/bin/env bash
# rzk against Apache ZooKeeper 3.8, side by side, and bench/BENCHMARKS.md.
#
#   bench/compare.sh                                  # the full run (about an hour)
#   ROUNDS=1 DURATION=3 WARMUP=1 LARGE=20000 IDLE=500 WATCHERS=100 bench/compare.sh   # a small run
#
# Both servers run standalone on loopback from one zoo.cfg (bench/lib.sh:
# same tickTime, snapCount, forceSync=yes, preAllocSize, outstanding limit),
# with their data under one temp dir on one disk, driven by the same driver
# (`rzk bench`) on the same machine. The disk's fsync latency is measured
# first. Each workload then runs alternately against each server — Apache
# ZooKeeper, rzk, Apache ZooKeeper, rzk … for ROUNDS rounds — on a fresh
# server with an empty data dir every time; the report gives the median of
# the rounds for each server and their ratio. fsync is measured again at the
# end, since a shared disk drifts. Finally the driver itself is
# checked against an independent one (bench/validate_driver.sh).
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10] s measured  WARMUP [3] s  KEYS [10000] for reads
#   VALUE_SIZE [100]  WATCHERS [1000]  FANOUT_ROUNDS [20]  IDLE [10000]
#   LARGE [1000000] znodes  SNAP_PROBE_RATE [5000]/s for SNAP_PROBE_SECS [25] s of
#   creates after the large load, while a snapshot of it is written  FSYNC_COUNT [2000]  WORK [a new dir under /var/tmp]
#   OUT [bench/BENCHMARKS.md]  ONLY [all; or a space-separated list of
#   workload ids]  SKIP_VALIDATE [0]  ZK_JVMFLAGS [none: Debian's default heap]
#   KEEP_WORK [0: remove WORK at the end]  RATE_FRACTION [0.7]  CREATE_RATE, GET_RATE
#   [RATE_FRACTION of Apache ZooKeeper's 8x16 throughput]  NOTE [text put at the
#   top of the report, e.g. to mark a small run]
# Needs root for apt-get when Apache ZooKeeper is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
KEYS=${KEYS:-10000}
VALUE_SIZE=${VALUE_SIZE:-100}
WATCHERS=${WATCHERS:-1000}
FANOUT_ROUNDS=${FANOUT_ROUNDS:-20}
IDLE=${IDLE:-10000}
LARGE=${LARGE:-1000000}
FSYNC_COUNT=${FSYNC_COUNT:-2000}
SNAP_PROBE_RATE=${SNAP_PROBE_RATE:-5000}
SNAP_PROBE_SECS=${SNAP_PROBE_SECS:-25}
OUT=${OUT:-bench/BENCHMARKS.md}
SKIP_VALIDATE=${SKIP_VALIDATE:-0}
ALL="create_1x1 create_1x16 create_8x16 create_64x1 get_8x16 get_64x1 mix90_8x16 create_8x16_rate get_8x16_rate fanout idle large"
# The open-loop runs offer both servers the same load: RATE_FRACTION of
# Apache ZooKeeper's closed-loop median at 8x16 (measured earlier in the
# same run), unless CREATE_RATE / GET_RATE give it in requests per second.
RATE_FRACTION=${RATE_FRACTION:-0.7}
ONLY=${ONLY:-$ALL}

ensure_zookeeper
build_rzk
# Sessions need a descriptor each, on both sides.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE > WATCHERS ? IDLE + 500 : WATCHERS + 500)) ]; then
  echo "open-file limit $(ulimit -n) is too low for $IDLE sessions" >&2; exit 1
fi
if [ -z "${WORK:-}" ]; then WORK=$(mktemp -d /var/tmp/rzk-compare.XXXXXX); fi
mkdir -p "$WORK/results"
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && stop_server "$SERVER_PID"
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
  return 0
}
trap cleanup EXIT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# fresh NAME ID ROUND: a new data dir and server; sets DIR, PORT, SERVER_PID.
fresh() {
  DIR="$WORK/run/$2-$1-$3"
  rm -rf "$DIR"; mkdir -p "$DIR"
  # The last workload's dirty pages (a stopped server's unsynced files, a
  # removed data dir) go to the disk now, not during this workload: without
  # it, each server's write latencies carry the other's writeback (rzk's
  # large-tree round always follows Apache ZooKeeper's 2.5 GB one).
  sync
  PORT=$(free_port)
  write_config "$DIR" "$PORT"
  start_server "$1" "$DIR"
}

# finish RESULT: records the server's RSS, stops it, drops its data.
finish() {
  rss_kb "$SERVER_PID" >"$1.rss" 2>/dev/null || true
  stop_server "$SERVER_PID"; SERVER_PID=
  rm -rf "$DIR/data"
}

run_load() {  # RESULT SESSIONS IN_FLIGHT MIX [RATE]
  "$RZK" bench run --server "127.0.0.1:$PORT" --sessions "$2" --in-flight "$3" --mix "$4" \
    --keys "$KEYS" --value-size "$VALUE_SIZE" --duration "$DURATION" --warmup "$WARMUP" \
    ${5:+--rate "$5"} --progress 0 --json "$1.json" >"$1.out" 2>&1
}

# offered_rate CLOSED_LOOP_WORKLOAD OVERRIDE: the open-loop rate.
offered_rate() {
  if [ -n "$2" ]; then echo "$2"; return; fi
  python3 - "$WORK/results/$1" "$RATE_FRACTION" <<'PY'
import glob, json, os, statistics, sys
rates = []
for f in glob.glob(sys.argv[1] + "/apache-*.json"):
    if os.path.basename(f).count(".") == 1:
        rates.append(json.load(open(f))["total"]["ops_per_sec"])
if not rates:
    sys.exit("no closed-loop Apache ZooKeeper result to set the rate from")
print(round(statistics.median(rates) * float(sys.argv[2])))
PY
}

# workload ID SERVER RESULT: one measurement on a fresh server; the
# status is the workload's.
workload() {
  local id=$1 name=$2 res=$3 rc=0 rate
  fresh "$name" "$id" "$round"
  case "$id" in
    create_1x1)  run_load "$res" 1 1 create=100 || rc=$? ;;
    create_1x16) run_load "$res" 1 16 create=100 || rc=$? ;;
    create_8x16) run_load "$res" 8 16 create=100 || rc=$? ;;
    create_64x1) run_load "$res" 64 1 create=100 || rc=$? ;;
    get_8x16)    run_load "$res" 8 16 get=100 || rc=$? ;;
    get_64x1)    run_load "$res" 64 1 get=100 || rc=$? ;;
    mix90_8x16)  run_load "$res" 8 16 get=90,set=10 || rc=$? ;;
    create_8x16_rate)
      rate=$(offered_rate create_8x16 "${CREATE_RATE:-}" 2>"$res.out") &&
        run_load "$res" 8 16 create=100 "$rate" || rc=1 ;;
    get_8x16_rate)
      rate=$(offered_rate get_8x16 "${GET_RATE:-}" 2>"$res.out") &&
        run_load "$res" 8 16 get=100 "$rate" || rc=1 ;;
    fanout)
      "$RZK" bench watch-fanout --server "127.0.0.1:$PORT" --watchers "$WATCHERS" \
        --rounds "$FANOUT_ROUNDS" --value-size "$VALUE_SIZE" --json "$res.json" >"$res.out" 2>&1 || rc=$? ;;
    idle)
      "$RZK" bench idle-sessions --server "127.0.0.1:$PORT" --pid "$SERVER_PID" \
        --sessions "$IDLE" --hold-secs 5 --json "$res.json" >"$res.out" 2>&1 || rc=$? ;;
    large) large "$name" "$res"; return ;;
    *) echo "unknown workload $id (known: $ALL)" >&2; rc=2 ;;
  esac
  finish "$res"
  return "$rc"
}

# The large tree: load it, stop the server cleanly, time its restart.
large() {
  local name=$1 res=$2 last desc
  "$RZK" bench large-tree --server "127.0.0.1:$PORT" --count "$LARGE" --value-size "$VALUE_SIZE" \
    --pid "$SERVER_PID" --json "$res.json" >"$res.out" 2>&1 || { finish "$res"; return 1; }
  rss_kb "$SERVER_PID" >"$res.rss"
  # Writes while a snapshot of the whole tree is written: an open-loop
  # create load of SNAP_PROBE_RATE/s for SNAP_PROBE_SECS. With snapCount
  # 100000 a snapshot falls due within 100,000 txns, so the probe offers at
  # least that many; the snapshot files before and after show one was
  # taken during it.
  local before after
  before=$(ls "$DIR/data/version-2" | grep -c '^snapshot\.' || true)
  # The server's own txn log sync times over the probe (mntr's fsynctime
  # summary, which srst resets; both servers keep it): a write stalled by
  # the disk shows there, one stalled by the server does not.
  four_letter "$PORT" srst >/dev/null || log "srst on $name failed"
  "$RZK" bench run --server "127.0.0.1:$PORT" --sessions 8 --in-flight 16 --mix create=100 \
    --value-size "$VALUE_SIZE" --rate "$SNAP_PROBE_RATE" --duration "$SNAP_PROBE_SECS" --warmup 0 \
    --progress 0 --json "$res.snapprobe.json" >"$res.snapprobe.out" 2>&1 || log "snapshot probe on $name failed"
  # A snapshot still being written finishes before the files are counted.
  for _ in $(seq 1 60); do
    after=$(ls "$DIR/data/version-2" | grep -c '^snapshot\.' || true)
    [ "$after" -gt "$before" ] && break
    sleep 1
  done
  echo "{\"snapshots_before\": $before, \"snapshots_after\": $after}" >"$res.snapcount.json"
  four_letter "$PORT" mntr | awk -F'\t' '
    $1 == "zk_max_fsynctime" { max = $2 } $1 == "zk_cnt_fsynctime" { cnt = $2 }
    END { if (cnt != "") printf "{\"max_ms\": %s, \"count\": %s}\n", max, cnt }' >"$res.probefsync.json" || true
  stop_server "$SERVER_PID"; SERVER_PID=
  # Bytes on disk for the tree (snapshots and logs; a log is preallocated).
  du -sb "$DIR/data" | awk '{ print "{\"bytes\": " $1 "}" }' >"$res.disk.json"
  last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_path"])' "$res.json")
  desc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["descendants"])' "$res.json")
  # shellcheck disable=SC2046
  RZK_LOG=warn "$RZK" bench restart-time --server "127.0.0.1:$PORT" --path "$last" \
    --count-under /rzk-large --expect-descendants "$desc" --stop --log "$DIR/server.log" \
    --json "$res.restart.json" -- $(server_cmd "$name" "$DIR/zoo.cfg") >"$res.restart.out" 2>&1 || {
      log "restart of $name failed: $(tail -1 "$res.restart.out")"
    }
  rm -rf "$DIR/data"
}

log "work dir $WORK; rzk $RZK; Apache ZooKeeper $(zookeeper_version)"
log "fsync latency of the disk under $WORK"
"$RZK" bench fsync --dir "$WORK" --count "$FSYNC_COUNT" --json "$WORK/results/fsync.json" >&2

for round in $(seq 1 "$ROUNDS"); do
  for id in $ONLY; do
    mkdir -p "$WORK/results/$id"
    for name in apache rzk; do
      log "round $round/$ROUNDS: $id on $name"
      if ! workload "$id" "$name" "$WORK/results/$id/$name-$round"; then
        log "$id on $name failed: $(tail -3 "$WORK/results/$id/$name-$round.out" 2>/dev/null)"
        [ -n "$SERVER_PID" ] && { stop_server "$SERVER_PID"; SERVER_PID=; }
      fi
    done
  done
done

# Again at the end: a shared or virtual disk drifts, and the report shows both.
log "fsync latency again, after the workloads"
"$RZK" bench fsync --dir "$WORK" --count "$FSYNC_COUNT" --json "$WORK/results/fsync_end.json" >&2

validation="(skipped: SKIP_VALIDATE=1)"
if [ "$SKIP_VALIDATE" != 1 ]; then
  log "validating the driver against an independent one"
  validation=$(WORK="$WORK/validate-work" RZK="$RZK" DURATION="$DURATION" WARMUP="$WARMUP" \
    ROUNDS=$(( ROUNDS < 2 ? ROUNDS : 2 )) KEYS="$KEYS" VALUE_SIZE="$VALUE_SIZE" \
    bench/validate_driver.sh) || true
  [ -n "$validation" ] || validation="(the validation failed to run; see its log above)"
fi

# Machine facts.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
dev=$(df -P "$WORK" | awk 'NR == 2 { print $1 }')
fs=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
heap=$(java ${ZK_JVMFLAGS:-} -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" { printf "%.0f MiB", $4 / 1048576 }')
jvm=$(java -version 2>&1 | head -1)
python3 bench/report.py "$WORK/results" "$OUT" \
  --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" --keys "$KEYS" \
  --value-size "$VALUE_SIZE" --watchers "$WATCHERS" --fanout-rounds "$FANOUT_ROUNDS" \
  --idle "$IDLE" --large "$LARGE" --nproc "$(nproc)" --cpu "$cpu" --mem "$mem" \
  --kernel "$(uname -sr)" --disk "$dev ($fs)" --zookeeper "$(zookeeper_version)" \
  --jvm "$jvm, max heap $heap${ZK_JVMFLAGS:+ (flags: $ZK_JVMFLAGS)}" \
  --rzk "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --command "$(env | grep -E '^(ROUNDS|DURATION|WARMUP|KEYS|VALUE_SIZE|WATCHERS|FANOUT_ROUNDS|IDLE|LARGE|ONLY|ZK_JVMFLAGS)=' | sort | tr '\n' ' ')bench/compare.sh" \
  --validation "$validation" --note "${NOTE:-}"
log "wrote $OUT"
