# Shared by bench/compare.sh and bench/validate_driver.sh: installing and
# starting Apache ZooKeeper 3.8 and rzk with equivalent settings on
# loopback, and stopping them by pid. Source it; it defines functions only.

ZK_JARS=/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar

# Installs Debian's Apache ZooKeeper 3.8 and a JDK when missing.
ensure_zookeeper() {
  local missing=0 j
  for j in ${ZK_JARS//:/ }; do [ -f "$j" ] || missing=1; done
  command -v java >/dev/null && command -v javac >/dev/null || missing=1
  command -v python3 >/dev/null || missing=1
  if [ "$missing" = 1 ]; then
    echo "installing Apache ZooKeeper 3.8, a JDK and python3 (Debian packages)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zookeeper zookeeper-bin libzookeeper-java \
      libslf4j-java default-jdk-headless python3 >/dev/null
  fi
  for j in ${ZK_JARS//:/ }; do
    [ -f "$j" ] || { echo "missing $j after installing zookeeper" >&2; return 1; }
  done
}

# The Debian package's version of Apache ZooKeeper.
zookeeper_version() {
  dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo unknown
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (bounded: 120 s) until the server on port $1 answers `srvr`.
wait_ready() {
  local port=$1 i
  for i in $(seq 1 1200); do
    # Bounded: Apache ZooKeeper can accept a four-letter word before it
    # serves and then never close the socket (an NPE in its command
    # thread), so an unbounded read would hang here.
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf srvr >&3 && cat <&3" 2>/dev/null |
      grep -q "Mode:"; then
      return 0
    fi
    sleep 0.1
  done
  echo "server on port $port did not start" >&2
  return 1
}

# write_config DIR PORT: the one zoo.cfg both servers run on. Every value
# that changes durability or batching is spelled out, at ZooKeeper's
# defaults, so the two servers cannot differ silently.
write_config() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  cat >"$dir/zoo.cfg" <<CFG
tickTime=${TICK_TIME:-2000}
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
snapCount=${SNAP_COUNT:-100000}
forceSync=yes
preAllocSize=${PREALLOC_KB:-65536}
globalOutstandingLimit=${OUTSTANDING_LIMIT:-1000}
autopurge.purgeInterval=0
admin.enableServer=false
4lw.commands.whitelist=*
CFG
}

# The command line that starts server $1 (apache|rzk) on config $2.
# Apache ZooKeeper runs as Debian's zkServer.sh runs it: no -Xmx, so the
# JVM's default heap (a quarter of RAM); ZK_JVMFLAGS adds flags.
server_cmd() {
  case "$1" in
    apache)
      # shellcheck disable=SC2086
      echo java ${ZK_JVMFLAGS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -cp "$ZK_JARS" org.apache.zookeeper.server.ZooKeeperServerMain "$2" ;;
    rzk) echo "$RZK" server "$2" ;;
    *) echo "unknown server $1" >&2; return 1 ;;
  esac
}

# start_server NAME DIR: starts it in the background on DIR/zoo.cfg, logging
# to DIR/server.log; sets SERVER_PID. Waits until it serves. With
# SERVER_CPUS set (a taskset list, e.g. 0), the server runs on those CPUs.
start_server() {
  local name=$1 dir=$2 port
  port=$(sed -n 's/^clientPort=//p' "$dir/zoo.cfg")
  # shellcheck disable=SC2046
  RZK_LOG=warn ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} $(server_cmd "$name" "$dir/zoo.cfg") \
    >>"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$port" || { tail -20 "$dir/server.log" >&2; return 1; }
}

# stop_server PID: SIGTERM, then a bounded wait (60 s), then SIGKILL.
stop_server() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  echo "server $pid ignored SIGTERM for 60 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# four_letter PORT WORD: the server's answer to a four-letter word.
four_letter() {
  local out
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf '%s' "$2" >&3
  out=$(cat <&3)
  exec 3<&-
  printf '%s\n' "$out"
}

# rss_kb PID: the process's resident set size.
rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Builds the release rzk binary; sets RZK.
build_rzk() {
  cargo build -q --release -p rzk
  RZK=${CARGO_TARGET_DIR:-target}/release/rzk
  [ -x "$RZK" ] || { echo "no rzk binary at $RZK" >&2; return 1; }
}
