#!/bin/bash
# run.sh -- `make bench`: the performance table of layerstack, side by side
# with the pipe ceiling (bench/pipe-ceiling.c) and with Linux (bench/linux-ref.sh).
#
# Call chain: make bench -> make build -> bench/run.sh
#   -> deps (iperf3 nftables ethtool gnuplot-nox valgrind through scripts/deps.sh)
#   -> for each run 1..RUNS:
#        pipe-ceiling --path lan|router      (frames/s, Gbit/s, 64-byte RTT)
#        stack lan:    stackctl up (lan.yaml + log_level info) -> ping, xfer 0%,
#                      xfer under 1/5/10 % loss (stackctl fault add), connection
#                      rate, 10,000 idle connections -> down
#        stack router: stackctl up (default.yaml + log_level info) -> ping, xfer,
#                      dnsperf against ns (cached, uncached, one at a time) -> down
#        linux-ref.sh  (netns + veth, iperf3 CUBIC/default CC, ping, nftables drop)
#        callgrind:    pipe-ceiling forwarders, then every lan service during a
#                      fixed transfer (min_rto 5s) -> instructions per PDU
#   -> report.py aggregate: table on stdout, bench/results/latest.json,
#      bench/results/latest-loss.svg (+ a dated baseline with --baseline)
#
# Every measurement writes one JSON fragment WORK/rN/<key>.json; a row that
# cannot be measured yet (program missing, command failed, time budget) is a
# fragment {"value": null, "reason": ...} and prints as "n/a (reason)".
#
#   bench/run.sh [--runs N] [--quick] [--baseline] [--keep] [--budget SECONDS]
#   env: BENCH_RUNS, BENCH_BUDGET, BENCH_BYTES (bulk transfer size)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BENCH_BIN:-$ROOT/build/bin}
STACKCTL=$BIN/stackctl
RUNS=${BENCH_RUNS:-3}
BUDGET=${BENCH_BUDGET:-540}       # seconds for the measurements: make bench stays < 10 min
XFER_BYTES=${BENCH_BYTES:-32000000}
LOSS_BYTES=${BENCH_LOSS_BYTES:-2000000}   # lossy transfers (and their 0% reference)
CG_BYTES=${BENCH_CG_BYTES:-1000000}
LOSSES="1 5 10"
LOG_LEVEL=info
SEED=7
QUICK=0
BASELINE=0
KEEP=0
CEIL_SECS=2
LINUX_SECS=2
PINGS=200
CONN_SECS=5
CONNS=${BENCH_CONNS:-10000}
DNS_SECS=3

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --baseline) BASELINE=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*) echo "bench: --runs: '$RUNS' is not a number" >&2; exit 2 ;; esac
if [ "$QUICK" = 1 ]; then
    CEIL_SECS=1; LINUX_SECS=1; PINGS=50; DNS_SECS=1; XFER_BYTES=4000000; LOSS_BYTES=1000000; CG_BYTES=300000; CONN_SECS=2; CONNS=${BENCH_CONNS:-1000}
fi

cd "$ROOT" || exit 2
EXTRA_PKGS="iperf3 nftables ethtool gnuplot-nox valgrind iputils-ping iproute2 python3 bc" ./scripts/deps.sh >&2 ||
    echo "bench: some optional packages are missing; their rows will say so" >&2

WORK=$(mktemp -d /tmp/lsb.XXXXXX)
T0=$(date +%s)
CUR_RUN_DIR=
cleanup() {
    [ -n "$CUR_RUN_DIR" ] && "$STACKCTL" --run-dir "$CUR_RUN_DIR" down >/dev/null 2>&1
    [ -n "${CG_STACKCTL:-}" ] && [ -n "${CG_RUN:-}" ] && "$CG_STACKCTL" --run-dir "$CG_RUN" down >/dev/null 2>&1
    if [ "$KEEP" = 1 ]; then echo "bench: work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: [$(( $(date +%s) - T0 ))s] $*" >&2; }
elapsed() { echo $(( $(date +%s) - T0 )); }
# over_budget SECONDS_NEEDED: true if starting a step now would break the budget
over_budget() { [ $(( $(elapsed) + $1 )) -gt "$BUDGET" ]; }

# put KEY JSON / na KEY REASON: write a fragment of the current run
put() { printf '%s\n' "$2" >"$RD/$1.json"; }
na() {
    local r=${2//\\/\\\\}; r=${r//\"/\\\"}; r=$(printf '%s' "$r" | tr '\n\t' '  ' | cut -c1-300)
    put "$1" "{\"value\": null, \"reason\": \"$r\"}"
    say "$1: n/a ($2)"
}
have() { [ -x "$BIN/$1" ]; }

# mk_topo SRC DST "key: value"...: SRC with extra global settings (log_level, min_rto)
mk_topo() {
    local src=$1 dst=$2; shift 2
    python3 - "$src" "$dst" "$@" <<'EOF'
import sys
src, dst, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(src).read().splitlines()
out, done = [], False
for i, l in enumerate(lines):
    if not done and l.rstrip() == "settings:":
        out.append(l)
        out.extend("  " + e for e in extra)
        done = True
        continue
    if not done and l.startswith("segments:"):
        out.append("settings:")
        out.extend("  " + e for e in extra)
        done = True
    out.append(l)
open(dst, "w").write("\n".join(out) + "\n")
EOF
}

# ---- pipe ceiling ----
ceiling() {
    local path=$1 out=$RD/ceiling-$1.txt
    if ! have pipe-ceiling; then na "ceiling.$path" "build/bin/pipe-ceiling not built"; return; fi
    say "pipe ceiling, $path path"
    if timeout 90 "$BIN/pipe-ceiling" --path "$path" --seconds "$CEIL_SECS" --pings 1000 \
        --log-level "$LOG_LEVEL" --json >"$out" 2>"$out.err"; then
        put "ceiling.$path" "$(cat "$out")"
    else
        na "ceiling.$path" "pipe-ceiling failed: $(tail -n 1 "$out.err")"
    fi
}

# ---- our stack ----
stack_up() { # stack_up TOPO RUN_DIR -> 0 / 1 (reason in $UP_ERR)
    CUR_RUN_DIR=$2
    if ! timeout 90 "$STACKCTL" --run-dir "$2" up "$1" >"$2.up.txt" 2>&1; then
        UP_ERR="stackctl up failed: $(grep -v '^$' "$2.up.txt" | tail -n 1)"
        "$STACKCTL" --run-dir "$2" down >/dev/null 2>&1
        CUR_RUN_DIR=
        return 1
    fi
    return 0
}
stack_down() { "$STACKCTL" --run-dir "$CUR_RUN_DIR" down >/dev/null 2>&1; CUR_RUN_DIR=; }
sx() { "$STACKCTL" --run-dir "$CUR_RUN_DIR" "$@"; }

ping_row() { # ping_row PATH
    local key=ours.$1.ping out=$RD/ping-$1.txt
    if ! have ping; then na "$key" "apps/ping not built yet"; return; fi
    say "ping $1 x$PINGS"
    sx exec hosta ping -c 3 hostb >/dev/null 2>&1   # ARP warm-up, not timed
    if ! timeout 60 "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta ping -c "$PINGS" -i 0.01 hostb >"$out" 2>&1; then
        # an app without sub-second intervals: fewer pings at its default pace
        timeout 60 "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta ping -c 20 hostb >"$out" 2>&1 ||
            { na "$key" "ping failed: $(tail -n 1 "$out")"; return; }
    fi
    put "$key" "$(python3 bench/report.py ping "$out")"
}

# xfer_once KEY PORT BYTES: one hosta -> hostb transfer, server on hostb
xfer_once() {
    local key=$1 port=$2 bytes=$3 cli=$RD/$1.cli srv=$RD/$1.srv
    "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hostb xfer -l "$port" >"$srv" 2>&1 &
    local spid=$!
    local i
    if ! wait_listen hostb "$port" $spid; then
        kill $spid 2>/dev/null; wait $spid 2>/dev/null
        na "$key" "xfer -l failed: $(tail -n 1 "$srv")"; return
    fi
    local t0 t1 rc
    t0=$(date +%s.%N)
    timeout 120 "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta xfer hostb "$port" "$bytes" >"$cli" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    for i in $(seq 40); do kill -0 $spid 2>/dev/null || break; sleep 0.05; done  # server's own report
    kill $spid 2>/dev/null; wait $spid 2>/dev/null
    if [ $rc != 0 ]; then
        na "$key" "xfer $([ $rc = 124 ] && echo "timed out after 120 s" || echo "failed (rc $rc): $(tail -n 1 "$cli")")"
        return
    fi
    put "$key" "$(python3 bench/report.py xfer "$cli" "$srv" "$bytes" "$(echo "$t1 - $t0" | bc)")"
}

xfer_row() { # xfer_row PATH
    local key=ours.$1.xfer.0
    if ! have xfer; then na "$key" "apps/xfer not built yet"; return; fi
    say "xfer $1 $XFER_BYTES bytes"
    xfer_once "$key" 5001 "$XFER_BYTES"
}

fault_add() { # fault_add PCT -> 0 / 1 (reason in FAULT_ERR)
    local out=$RD/fault.txt
    for pipe in net:link net:link@eth0; do
        if sx fault add hostb "$pipe" up loss "$1%" seed "$SEED" >"$out" 2>&1; then return 0; fi
    done
    FAULT_ERR="stackctl fault add failed: $(tail -n 1 "$out")"
    return 1
}
fault_clear() { sx fault clear >/dev/null 2>&1; }

loss_rows() {
    local l
    if have xfer; then
        say "xfer lan $LOSS_BYTES bytes, 0% loss (reference of the loss rows)"
        xfer_once ours.lan.xfer.0s 5010 "$LOSS_BYTES"
    else
        na ours.lan.xfer.0s "apps/xfer not built yet"
    fi
    for l in $LOSSES; do
        local key=ours.lan.xfer.$l
        if ! have xfer; then na "$key" "apps/xfer not built yet"; continue; fi
        if over_budget 60; then na "$key" "skipped: time budget of ${BUDGET}s"; continue; fi
        if ! fault_add "$l"; then na "$key" "$FAULT_ERR"; continue; fi
        say "xfer lan $LOSS_BYTES bytes under $l% loss"
        xfer_once "$key" $((5010 + l)) "$LOSS_BYTES"
        if ! fault_clear; then  # a rule that cannot be removed: start over clean
            stack_down; stack_up "$LAN_TOPO" "$RD/lan" || return
        fi
    done
}

# wait_listen HOST PORT PID: poll until HOST's transport lists a listener on PORT (or PID died)
wait_listen() {
    local i
    for i in $(seq 100); do
        sx ss "$1" 2>/dev/null | grep -q ":$2\b" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.05   # readiness poll
    done
    kill -0 "$3" 2>/dev/null
}

connrate_row() {
    local key=ours.lan.connrate
    if ! have connrate; then na "$key" "build/bin/connrate not built"; return; fi
    if over_budget 30; then na "$key" "skipped: time budget of ${BUDGET}s"; return; fi
    say "connection rate, ${CONN_SECS}s"
    "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hostb connrate -l 5100 >"$RD/connrate.srv" 2>&1 &
    local spid=$!
    if ! wait_listen hostb 5100 $spid; then
        na "$key" "connrate -l failed: $(tail -n 1 "$RD/connrate.srv")"; return
    fi
    if timeout $((CONN_SECS + 30)) "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta connrate --json hostb 5100 "$CONN_SECS" \
        >"$RD/connrate.out" 2>&1; then
        put "$key" "$(tail -n 1 "$RD/connrate.out")"
    else
        na "$key" "connrate failed: $(tail -n 1 "$RD/connrate.out")"
    fi
    kill $spid 2>/dev/null; wait $spid 2>/dev/null
}

# rss_kib PROGRAM HOST: resident KiB of HOST's PROGRAM in this run
rss_kib() {
    local pid
    pid=$(pgrep -f -- "$1 --host $2 .*--run-dir $CUR_RUN_DIR" | head -n 1)
    [ -n "$pid" ] && awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null
}

conns_row() {
    local key=ours.lan.conns
    if ! have connhold; then na "$key" "build/bin/connhold not built"; return; fi
    if over_budget 60; then na "$key" "skipped: time budget of ${BUDGET}s"; return; fi
    say "$CONNS idle connections"
    local a0 b0 a1= b1= line held i
    a0=$(rss_kib transport-svc hosta); b0=$(rss_kib transport-svc hostb)
    "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hostb connhold -l 5200 >"$RD/conns.srv" 2>&1 &
    local spid=$!
    if ! wait_listen hostb 5200 $spid; then
        na "$key" "connhold -l failed: $(tail -n 1 "$RD/conns.srv")"; return
    fi
    "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta connhold --json hostb 5200 "$CONNS" >"$RD/conns.out" 2>&1 &
    local cpid=$!
    for i in $(seq 1800); do  # until the client reports (<= 90 s) or dies
        grep -q '^{' "$RD/conns.out" 2>/dev/null && break
        kill -0 $cpid 2>/dev/null || break
        sleep 0.05
    done
    line=$(grep '^{' "$RD/conns.out" | tail -n 1)
    if [ -n "$line" ]; then
        held=$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["held"])')
        for i in $(seq 40); do  # let the server's accepts catch up (<= 2 s)
            [ "$(sx ss hostb 2>/dev/null | grep -c ESTAB)" -ge "$held" ] && break
            sleep 0.05
        done
        a1=$(rss_kib transport-svc hosta); b1=$(rss_kib transport-svc hostb)
    fi
    kill $cpid $spid 2>/dev/null; wait $cpid $spid 2>/dev/null
    if [ -z "$line" ]; then na "$key" "connhold failed: $(tail -n 1 "$RD/conns.out")"; return; fi
    put "$key" "$(python3 bench/report.py conns "$line" "${a0:-}" "${a1:-}" "${b0:-}" "${b1:-}")"
}

stack_lan() {
    local keys="ours.lan.ping ours.lan.xfer.0 ours.lan.xfer.0s ours.lan.connrate ours.lan.conns" k l
    for l in $LOSSES; do keys="$keys ours.lan.xfer.$l"; done
    if ! have net-svc; then for k in $keys; do na "$k" "net-svc not built yet"; done; return; fi
    if over_budget 60; then for k in $keys; do na "$k" "skipped: time budget of ${BUDGET}s"; done; return; fi
    say "stack up: lan"
    if ! stack_up "$LAN_TOPO" "$RD/lan"; then for k in $keys; do na "$k" "$UP_ERR"; done; return; fi
    ping_row lan
    xfer_row lan
    loss_rows
    [ -n "$CUR_RUN_DIR" ] && connrate_row
    [ -n "$CUR_RUN_DIR" ] && conns_row
    for k in $keys; do [ -e "$RD/$k.json" ] || na "$k" "stack went away during the run"; done
    stack_down
}

# dns_one KEY ARGS...: one dnsperf measurement from hosta against ns
dns_one() {
    local key=$1; shift
    if timeout $((DNS_SECS + 30)) "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta dnsperf --json "$@" ns "$DNS_SECS" \
        >"$RD/$key.out" 2>&1; then
        put "$key" "$(tail -n 1 "$RD/$key.out")"
    else
        na "$key" "dnsperf failed: $(tail -n 1 "$RD/$key.out")"
    fi
}

# the recursive resolver on ns: lookups/s from its cache and uncached, a cached lookup's latency
dns_rows() {
    local k
    if ! have dnsperf || ! have dns-svc; then
        for k in ours.dns.cached ours.dns.uncached ours.dns.lat; do na $k "dnsperf or dns-svc not built"; done
        return
    fi
    say "dns: lookups/s cached and uncached (16 in flight), cached latency (one at a time), ${DNS_SECS}s each"
    "$STACKCTL" --run-dir "$CUR_RUN_DIR" exec hosta dnsperf -w 1 ns 1 >/dev/null 2>&1   # warm the resolver's cache
    dns_one ours.dns.cached -m cached -w 16
    dns_one ours.dns.uncached -m uncached -w 16
    dns_one ours.dns.lat -m cached -w 1
}

stack_router() {
    local keys="ours.router.ping ours.router.xfer.0 ours.dns.cached ours.dns.uncached ours.dns.lat" k
    if ! have net-svc; then for k in $keys; do na "$k" "net-svc not built yet"; done; return; fi
    if over_budget 40; then for k in $keys; do na "$k" "skipped: time budget of ${BUDGET}s"; done; return; fi
    say "stack up: router"
    if ! stack_up "$ROUTER_TOPO" "$RD/rt"; then for k in $keys; do na "$k" "$UP_ERR"; done; return; fi
    ping_row router
    xfer_row router
    dns_rows
    stack_down
}

linux_row() {
    if over_budget 40; then na linux "skipped: time budget of ${BUDGET}s"; return; fi
    say "Linux reference (netns + veth)"
    local out=$RD/linux.out
    if bench/linux-ref.sh --seconds "$LINUX_SECS" --loss "$LOSSES" --pings "$PINGS" >"$out" 2>"$RD/linux.err" &&
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
        put linux "$(cat "$out")"
    else
        na linux "linux-ref.sh failed: $(tail -n 1 "$RD/linux.err")"
    fi
}

# ---- callgrind: instructions per PDU ----
CG_OPTS="--tool=callgrind --collect-atstart=no --toggle-collect=ls_loop_run"

cg_forwarder() {
    local d=$RD/cg-fwd
    if ! command -v valgrind >/dev/null; then na cg.forwarder "valgrind not installed"; return; fi
    if ! have pipe-ceiling; then na cg.forwarder "build/bin/pipe-ceiling not built"; return; fi
    if over_budget 30; then na cg.forwarder "skipped: time budget of ${BUDGET}s"; return; fi
    say "callgrind: pipe forwarders"
    mkdir -p "$d"
    # shellcheck disable=SC2086
    if timeout 120 valgrind $CG_OPTS --callgrind-out-file="$d/cg.%p" "$BIN/pipe-ceiling" --path lan \
        --frames 4000 --pings 0 --log-level "$LOG_LEVEL" --json >"$d/ceiling.json" 2>"$d/vg.err"; then
        put cg.forwarder "{\"stations\": $(python3 bench/report.py callgrind --map "$d/ceiling.json" "$d"/cg.*)}"
    else
        na cg.forwarder "pipe-ceiling under callgrind failed: $(tail -n 1 "$d/vg.err")"
    fi
}

# A private bin dir whose link-svc/net-svc/transport-svc are wrappers that run
# the real program under callgrind; stackctl is copied there so it finds them.
cg_bindir() {
    local b=$1 p layer
    mkdir -p "$b"
    cp "$STACKCTL" "$b/stackctl"
    for p in "$BIN"/*; do
        case "$(basename "$p")" in stackctl|link-svc|net-svc|transport-svc|dns-svc) ;; *) ln -sf "$p" "$b/" ;; esac
    done
    for p in link-svc net-svc transport-svc; do
        [ -x "$BIN/$p" ] || continue
        layer=${p%-svc}
        cat >"$b/$p" <<EOF
#!/bin/bash
# callgrind wrapper made by bench/run.sh: runs $BIN/$p under callgrind with
# this pid (the supervisor matches a service's ready reply to the pid it started).
name=$p prev=
for a in "\$@"; do
    case \$prev in --host) name=\$a-$layer ;; --switch) name=sw-\$a ;; esac
    prev=\$a
done
echo \$\$ >>$b/../pids
exec valgrind $CG_OPTS --callgrind-out-file=$b/../cg.\$name.%p "$BIN/$p" "\$@"
EOF
        chmod +x "$b/$p"
    done
}

cg_stack() {
    local key=cg.stack d=$RD/cg-stack
    if ! command -v valgrind >/dev/null; then na $key "valgrind not installed"; return; fi
    if ! have transport-svc || ! have xfer; then
        na $key "needs transport-svc and apps/xfer for the fixed transfer"; return
    fi
    if over_budget 90; then na $key "skipped: time budget of ${BUDGET}s"; return; fi
    say "callgrind: lan services during a ${CG_BYTES}-byte transfer (min_rto 5s)"
    mkdir -p "$d"
    cg_bindir "$d/bin"
    mk_topo topologies/lan.yaml "$d/lan-cg.yaml" "log_level: $LOG_LEVEL" "min_rto: 5s"
    CG_STACKCTL=$d/bin/stackctl
    CG_RUN=$d/run
    local save=$STACKCTL
    STACKCTL=$CG_STACKCTL
    if ! stack_up "$d/lan-cg.yaml" "$CG_RUN"; then STACKCTL=$save; na $key "$UP_ERR"; return; fi
    xfer_once cg.xfer 5300 "$CG_BYTES"
    # Stop the profiled services ourselves and wait while valgrind writes the
    # profiles (the supervisor's stop would SIGKILL them after 3 s); the
    # supervisor restarts them, and only these pids' profiles are read.
    local pids p i alive files=
    pids=$(sort -u "$d/pids" 2>/dev/null)
    for p in $pids; do kill -TERM "$p" 2>/dev/null; done
    for i in $(seq 600); do  # <= 60 s
        alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    stack_down
    STACKCTL=$save
    if [ ! -e "$RD/cg.xfer.json" ] || grep -q '"value": null' "$RD/cg.xfer.json"; then
        na $key "the transfer under callgrind failed: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reason"))' "$RD/cg.xfer.json" 2>/dev/null)"
        return
    fi
    for p in $pids; do files="$files $(ls "$d"/cg.*."$p" 2>/dev/null)"; done
    [ -n "${files// /}" ] || { na $key "no callgrind profile was written"; return; }
    # shellcheck disable=SC2086
    put $key "{\"bytes\": $CG_BYTES, \"services\": $(python3 bench/report.py callgrind $files)}"
}

# ---- main ----
LAN_TOPO=$WORK/lan.yaml
ROUTER_TOPO=$WORK/default.yaml
mk_topo topologies/lan.yaml "$LAN_TOPO" "log_level: $LOG_LEVEL"
mk_topo topologies/default.yaml "$ROUTER_TOPO" "log_level: $LOG_LEVEL"
cp -r topologies/zones "$WORK/"   # the zone files default.yaml names, beside its copy

say "$RUNS run(s), budget ${BUDGET}s, services at log level $LOG_LEVEL, work dir $WORK"
for run in $(seq "$RUNS"); do
    RD=$WORK/r$run
    mkdir -p "$RD"
    say "=== run $run of $RUNS"
    ceiling lan
    ceiling router
    stack_lan
    stack_router
    linux_row
    cg_forwarder
    cg_stack
done

# ---- report ----
mkdir -p bench/results
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
HOSTN=$(hostname -s 2>/dev/null || echo unknown)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$WORK/meta.json" <<EOF
import json, sys
meta = {
  "date": "$DATE",
  "machine": {"hostname": "$HOSTN", "cpu": "$CPU", "cores": $(nproc), "memory": "$MEM",
              "kernel": "$(uname -r)", "commit": "$COMMIT",
              "summary": "$HOSTN, $(nproc) x $CPU, $MEM, Linux $(uname -r), commit $COMMIT"},
  "log_level": "$LOG_LEVEL",
  "losses": "$LOSSES".split(),
  "commands": {
    "all": "make bench",
    "ceiling": "build/bin/pipe-ceiling --path lan|router --seconds $CEIL_SECS --pings 1000 --json",
    "linux": "bench/linux-ref.sh --seconds $LINUX_SECS --loss '$LOSSES' --pings $PINGS",
    "tcp": "stackctl exec hostb xfer -l PORT & stackctl exec hosta xfer hostb PORT $XFER_BYTES",
    "loss": "stackctl fault add hostb net:link up loss N% seed $SEED; xfer of $LOSS_BYTES bytes, against a $LOSS_BYTES-byte transfer at 0%",
    "connections": "connrate -l / connrate hostb PORT $CONN_SECS; connhold -l / connhold hostb PORT $CONNS (RSS from /proc of transport-svc)",
    "ping": "stackctl exec hosta ping -c $PINGS -i 0.01 hostb",
    "dns": "stackctl exec hosta dnsperf --json -m cached|uncached -w 16 ns $DNS_SECS; -m cached -w 1 (latency)",
    "callgrind": "valgrind $CG_OPTS (every lan service; pipe-ceiling --frames 4000)"
  },
  "notes": [
    "ratios are computed inside each run, then min/median/max are taken over the runs",
    "TCP goodput ratio = goodput (payload bits/s) / ceiling frame bits/s (1514-byte frames): conservative by 1460/1514",
    "router path: 10 processes, 10 hops (router-link crossed twice); lan path: 7 processes, 6 hops",
    "the ceiling's switch is a pipe-library DEALER station; the real switch is a ZeroMQ ROUTER doing the same unpack/pack",
    "loss rows: random loss on hostb's net:link pipe, direction up (data only); Linux: nftables drop on the receiver's ingress, data stream only",
    "instructions per PDU: Ir inside ls_loop_run / max(envelopes received, envelopes sent) per process; transport-svc's Ir includes the socket API (application data arrives over its ctl socket)",
    "machine shared with other jobs while measured: expect noise"
  ]
}
json.dump(meta, open(sys.argv[1], "w"))
EOF
say "report"
python3 bench/report.py aggregate "$WORK" bench/results/latest.json --plot bench/results/latest-loss.svg \
    --meta "$WORK/meta.json" || exit 1
if [ "$BASELINE" = 1 ]; then
    base=bench/results/$(date -u +%Y-%m-%d)-$HOSTN
    cp bench/results/latest.json "$base.json"
    [ -e bench/results/latest-loss.svg ] && cp bench/results/latest-loss.svg "$base-loss.svg"
    echo "baseline: $base.json"
fi
echo "results: bench/results/latest.json, plot: bench/results/latest-loss.svg ($(elapsed) s)"
