#!/usr/bin/env bash
# Connection scale, side by side: N idle sessions held on Apache ZooKeeper
# 3.8 and on rzk (same machine, same driver, same tickTime and limits), the
# server's RSS before and after. Writes bench/IDLE_SESSIONS.md.
#
#   bench/idle_sessions.sh [SESSIONS]      (default 10000)
#
# Needs: apt-get install -y zookeeper libzookeeper-java; a JDK.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
# Each side needs one descriptor per session (client and server are
# separate processes).
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((n + 200)) ]; then
  echo "open-file limit $(ulimit -n) is too low for $n sessions" >&2; exit 1
fi
cargo build -q --release -p rzk
rzk=${CARGO_TARGET_DIR:-target}/release/rzk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 300); do
    if exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null && printf srvr >&3 && grep -q "Mode:" <&3; then exec 3>&-; return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}
config() {  # dir port
  mkdir -p "$1/data"
  cat >"$1/zoo.cfg" <<CFG
tickTime=2000
dataDir=$1/data
clientPort=$2
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
CFG
}

measure() {  # name port pid
  "$rzk" bench idle-sessions --server "127.0.0.1:$2" --pid "$3" --sessions "$n" --hold-secs 5
}

# Apache ZooKeeper with the heap upstream's zkEnv.sh gives it (1000 MB);
# Debian's packaged zkServer.sh sets none (the JVM default, a quarter of RAM).
pa=$(free_port); config "$work/apache" "$pa"
java -Xmx1000m -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar \
  org.apache.zookeeper.server.ZooKeeperServerMain "$work/apache/zoo.cfg" >"$work/apache.log" 2>&1 &
apid=$!
wait_ready "$pa"
apache=$(measure apache "$pa" "$apid")
kill "$apid"; wait "$apid" 2>/dev/null || true

pr=$(free_port); config "$work/rzk" "$pr"
RZK_LOG=warn "$rzk" server "$work/rzk/zoo.cfg" >"$work/rzk.log" 2>&1 &
rpid=$!
wait_ready "$pr"
ours=$(measure rzk "$pr" "$rpid")
kill "$rpid"; wait "$rpid" 2>/dev/null || true

field() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" <<<"$1"; }
ab=$(field "$apache" bytes_per_session); rb=$(field "$ours" bytes_per_session)
aa=$(field "$apache" rss_after_kb); ra=$(field "$ours" rss_after_kb)
{
  echo "# Idle sessions: server memory, rzk vs Apache ZooKeeper"
  echo
  echo "Produced by \`bench/idle_sessions.sh $n\` on $(date -u +%Y-%m-%d): $(nproc) cores,"
  echo "$(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr). Both servers standalone on loopback with"
  echo "tickTime=2000 and maxClientCnxns=0; the same driver (\`rzk bench idle-sessions\`) opens"
  echo "$n sessions (30 s timeout), holds them idle 5 s, and reads the server's VmRSS."
  echo "Apache ZooKeeper 3.8.0 (Debian) runs with -Xmx1000m, upstream zkEnv.sh's default heap."
  echo
  echo "| server | RSS before | RSS with $n sessions | per session |"
  echo "|---|---|---|---|"
  echo "| Apache ZooKeeper 3.8.0 | $(field "$apache" rss_before_kb) kB | $aa kB | $ab B |"
  echo "| rzk | $(field "$ours" rss_before_kb) kB | $ra kB | $rb B |"
  echo
  awk -v a="$ab" -v r="$rb" -v aa="$aa" -v ra="$ra" 'BEGIN {
    printf "rzk uses %.1fx less memory per idle session and %.1fx less in total.\n", a / (r > 0 ? r : 1), aa / (ra > 0 ? ra : 1) }'
  echo
  echo "One run on a shared machine; rerun the script to check. rzk holds the tree in"
  echo "memory only so far (durable storage is not implemented yet), which does not"
  echo "change what an idle session costs."
} > bench/IDLE_SESSIONS.md
cat bench/IDLE_SESSIONS.md
