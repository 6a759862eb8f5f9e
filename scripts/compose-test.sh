#!/usr/bin/env bash
# compose-test.sh -- the docker-compose deployment, brought up for real with
# podman + podman-compose (Debian), tested end to end, and torn down.
#
# Call chain: make compose-test (after make build) -> this script ->
#   scripts/container-setup.sh (packages, containers.conf, base image cached
#   under /var/cache/layerstack) -> stackctl compose (staleness) ->
#   docker-compose config (static validation) -> podman build (Dockerfile) ->
#   podman-compose up -> `stackctl ...` inside the orchestrator container
#   (podman exec) -> podman-compose down + explicit removal of what is left.
#
# Every step prints "ok N - what (T s)" or "not ok N - what (T s)" with the tail
# of its output (full output in build/compose-test/NN-step.out). Steps after a
# failure still run where they can; a trap tears everything down whatever
# happens. The last line is "N passed, M failed"; exit 0 only if M is 0.
#
# Environment: LS_COMPOSE_PROJECT (default lsct), LS_COMPOSE_KEEP=1 (leave the
# deployment up for inspection; teardown and leftover checks are skipped),
# LS_CACHE (base image cache dir, default /var/cache/layerstack).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
P=${LS_COMPOSE_PROJECT:-lsct}
TOPO=topologies/default.yaml
COMPOSE=docker-compose.yml
STACKCTL=${LS_BIN:-$ROOT/build/bin}/stackctl
OUTDIR=$ROOT/build/compose-test
NET=${P}_stacknet
VOL=${P}_run
mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/*.out

passed=0
failed=0
n=0
T_START=$(date +%s.%N)

now() { date +%s.%N; }
ctr() { echo "${P}_$1_1"; }
# stackctl (or an app) inside the orchestrator container, like `docker compose exec`
oexec() { timeout 120 podman exec "$(ctr orchestrator)" "$@"; }
# poll: wait_for SECONDS CMD... (50 ms polling of a readiness condition)
wait_for() {
    local limit=$1; shift
    local end; end=$(( $(date +%s%N) + limit * 1000000000 ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.05 # polling interval, not a fixed delay
    done
}
missing() { echo "MISSING: $*"; return 1; }
have_bin() { grep -qx "$1" "$OUTDIR/image-bins.txt" 2>/dev/null; }

# step NAME FUNCTION: run it, time it, report.
step() {
    local name=$1 fn=$2
    n=$((n + 1))
    local out; out=$(printf '%s/%02d-%s.out' "$OUTDIR" "$n" "$fn")
    local t0; t0=$(now)
    ( set -uo pipefail; "$fn" ) >"$out" 2>&1
    local rc=$?
    local dt; dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        printf 'ok %d - %s (%.1f s)\n' "$n" "$name" "$dt"
    else
        failed=$((failed + 1))
        printf 'not ok %d - %s (%.1f s)\n' "$n" "$name" "$dt"
        tail -n 15 "$out" | sed 's/^/    # /'
    fi
    return $rc
}

# ---- teardown: containers, network, volume of project $P, whatever state
teardown() {
    [ -f "$COMPOSE" ] && timeout 180 podman-compose -p "$P" -f "$COMPOSE" down -v >/dev/null 2>&1
    local ids
    ids=$(podman ps -aq --filter "label=io.podman.compose.project=$P" 2>/dev/null)
    [ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
    podman network exists "$NET" 2>/dev/null && podman network rm -f "$NET" >/dev/null 2>&1
    podman volume exists "$VOL" 2>/dev/null && podman volume rm -f "$VOL" >/dev/null 2>&1
    return 0
}
on_exit() {
    if [ "${LS_COMPOSE_KEEP:-0}" != 1 ] && command -v podman >/dev/null 2>&1; then
        teardown
    fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- steps
s_setup() { "$ROOT/scripts/container-setup.sh"; }

s_fresh() {
    [ -x "$STACKCTL" ] || { missing "$STACKCTL (run make build)"; return 1; }
    "$STACKCTL" compose "$TOPO" > "$OUTDIR/generated.yml" || return 1
    diff -u "$COMPOSE" "$OUTDIR/generated.yml" && echo "$COMPOSE matches 'stackctl compose $TOPO'"
}

s_static() {
    # the Compose spec validator of Debian's docker-compose; no engine needed
    docker-compose -f "$COMPOSE" -p "$P" config -q || return 1
    docker-compose -f "$COMPOSE" -p "$P" config --services | sort > "$OUTDIR/services.txt"
    echo "$(wc -l < "$OUTDIR/services.txt") services:" $(cat "$OUTDIR/services.txt")
    # standard file: no engine-specific extensions
    ! grep -nE '^\s*(x-|podman)' "$COMPOSE" || { echo "engine-specific keys above"; return 1; }
    grep -q '^    internal: true$' "$COMPOSE" && grep -qE '^        - subnet: 198\.1[89]\.' "$COMPOSE"
}

IMAGE=$(awk '$1 == "image:" { print $2; exit }' "$COMPOSE" 2>/dev/null)
s_build() {
    [ -n "$IMAGE" ] || { echo "no image: in $COMPOSE"; return 1; }
    local targ; targ=$(awk '$1 == "TOPOLOGY:" { print $2; exit }' "$COMPOSE")
    podman build --network=host --pull=never -f Dockerfile --build-arg "TOPOLOGY=$targ" -t "$IMAGE" . \
        > "$OUTDIR/build.log" 2>&1 || { tail -n 30 "$OUTDIR/build.log"; return 1; }
    # slim runtime: our binaries and runtime libraries, no toolchain
    podman run --rm --network=none "$IMAGE" sh -c \
        'ls /opt/layerstack/bin; ! command -v gcc >/dev/null && ! command -v make >/dev/null' \
        > "$OUTDIR/image-bins.txt" || { echo "runtime image holds a toolchain"; return 1; }
    echo "image $IMAGE: $(podman image inspect -f '{{.Size}}' "$IMAGE") bytes; programs:" $(cat "$OUTDIR/image-bins.txt")
}

s_up() {
    teardown # leftovers of an aborted earlier run
    # podman-compose 1.0.3 ignores ipam: create the network exactly as the file declares it
    local subnet; subnet=$(awk '$1 == "-" && $2 == "subnet:" { print $3; exit }' "$COMPOSE")
    podman network create --internal --subnet "$subnet" --label "io.podman.compose.project=$P" \
        --label "com.docker.compose.project=$P" "$NET" >/dev/null || return 1
    timeout 300 podman-compose -p "$P" -f "$COMPOSE" up -d > "$OUTDIR/up.log" 2>&1
    local rc=$?
    grep -iE 'error|exit code: [1-9]' "$OUTDIR/up.log" | head -20
    podman ps -a --filter "label=io.podman.compose.project=$P" --format '{{.Names}} {{.Status}}'
    return $rc
}

s_ready() {
    if ! wait_for 120 oexec stackctl status; then
        oexec stackctl status
        for s in $(podman ps -a --filter "label=io.podman.compose.project=$P" --format '{{.Names}}'); do
            podman logs --tail 3 "$s" 2>&1 | sed "s/^/$s: /"
        done
        return 1
    fi
    oexec stackctl status
    # the network is the declared one
    podman network inspect -f '{{range .Subnets}}{{.Subnet}}{{end}} internal={{.Internal}}' "$NET"
    podman network inspect -f '{{range .Subnets}}{{.Subnet}}{{end}}' "$NET" | grep -q '^198\.1[89]\.'
}

s_arping() {
    oexec stackctl exec hosta arping -c 2 router | tee "$OUTDIR/arping.txt"
    grep -q 'Received 2 response' "$OUTDIR/arping.txt"
}

s_ping() {
    have_bin ping || { missing "apps/ping is not built (no ping in the image)"; return 1; }
    oexec stackctl exec hosta ping -c 3 -i 0.2 hostb | tee "$OUTDIR/ping.txt"
    grep -qE '3 packets transmitted, 3 (packets )?received' "$OUTDIR/ping.txt" && grep -q 'ttl=63' "$OUTDIR/ping.txt"
}

s_dns() {
    have_bin host || { missing "apps/host is not built"; return 1; }
    oexec stackctl exec hosta host -t A www.example.test | tee "$OUTDIR/dns.txt"
    grep -qx 'www.example.test has address 198.51.100.10' "$OUTDIR/dns.txt" || return 1
    oexec stackctl exec hosta dig @root +norecurse www.example.test | tee "$OUTDIR/dig.txt"
    grep -qP '^test\.\t172800\tIN\tNS\tns1\.nic\.test\.$' "$OUTDIR/dig.txt"
}

s_logformat() {
    # a per-PDU line written by a container on the volume, in the native per-layer format
    local f=/run/layerstack/log/hosta-link.log
    oexec grep -m1 '"ev":"encap"' "$f" | tee "$OUTDIR/logline.txt"
    grep -qE '^\{"t":[0-9]+\.[0-9]{9},"host":"hosta","svc":"hosta-link","layer":"link","dir":"down","ev":"encap","pdu":"[0-9a-f]{8}:[0-9a-f]{8}"' \
        "$OUTDIR/logline.txt" || return 1
    # the volume is laid out as a native run directory
    oexec sh -c 'cd /run/layerstack && ls -d log pcap topology.yaml hosts log/sw-lan1.log log/hosta-net.log'
    # and stackctl trace reads it
    oexec stackctl trace --host hosta > "$OUTDIR/trace.txt" || return 1
    head -n 5 "$OUTDIR/trace.txt"
    grep -q 'hosta-link' "$OUTDIR/trace.txt" && grep -q 'hosta-net' "$OUTDIR/trace.txt"
}

# xfer_run SIZE TAG: hostb receives on 5001 (in the background, in the orchestrator
# container), hosta sends SIZE; both ends' "sha256:" lines must match.
xfer_run() {
    local size=$1 tag=$2
    podman exec -d "$(ctr orchestrator)" sh -c \
        "stackctl exec hostb xfer -l 5001 > /run/layerstack/xfer-$tag-server.txt 2>&1" || return 1
    wait_for 30 sh -c "podman exec $(ctr orchestrator) stackctl ss hostb | grep -q ':5001'" \
        || { echo "hostb never listened on 5001"; oexec stackctl ss hostb; return 1; }
    oexec stackctl exec hosta xfer -s 7 hostb 5001 "$size" | tee "$OUTDIR/xfer-$tag-client.txt" || return 1
    wait_for 30 oexec grep -q '^sha256:' "/run/layerstack/xfer-$tag-server.txt" || return 1
    oexec cat "/run/layerstack/xfer-$tag-server.txt" | tee "$OUTDIR/xfer-$tag-server.txt"
    local a b
    a=$(awk '$1 == "sha256:" { print $2 }' "$OUTDIR/xfer-$tag-client.txt")
    b=$(awk '$1 == "sha256:" { print $2 }' "$OUTDIR/xfer-$tag-server.txt")
    [ -n "$a" ] && [ "$a" = "$b" ] || { echo "sha256 differ: sent $a, received $b"; return 1; }
    echo "sha256 match: $a"
}

s_xfer() {
    have_bin xfer || { missing "apps/xfer is not built (no xfer in the image): transfer + SHA-256 not tested"; return 1; }
    have_bin transport-svc || { missing "transport-svc is not built"; return 1; }
    xfer_run 256K clean
}

s_loss() {
    oexec stackctl fault add hosta net:link down loss 30% seed 7 | tee "$OUTDIR/fault.txt" || return 1
    grep -q 'in force' "$OUTDIR/fault.txt" || return 1
    if have_bin ping; then
        oexec stackctl exec hosta ping -c 20 -i 0.05 -W 1 hostb > "$OUTDIR/loss-ping.txt" 2>&1
        tail -n 3 "$OUTDIR/loss-ping.txt"
    else
        oexec stackctl exec hosta arping -c 1 router >/dev/null 2>&1
    fi
    oexec stackctl fault list
    # the drops, in the per-layer log of the service applying the rule, on the volume
    oexec grep -c '"ev":"fault"' /run/layerstack/log/hosta-net.log || return 1
    oexec grep -m2 '"ev":"fault"' /run/layerstack/log/hosta-net.log
}

s_retrans() {
    have_bin xfer || { missing "apps/xfer is not built: no TCP traffic to retransmit"; return 1; }
    oexec stackctl fault clear
    oexec stackctl fault add hosta net:link down loss 10% match tcp-data seed 7 || return 1
    xfer_run 64K lossy
    local rc=$?
    oexec stackctl fault list
    oexec stackctl fault clear
    [ $rc -eq 0 ] || return 1
    # retransmissions, from the per-layer log on the volume: the same sequence
    # range sent as two different PDUs by hosta's transport layer (a PDU may be
    # logged more than once on its way down: count distinct (pdu, range) pairs)
    oexec grep '"ev":"encap"' /run/layerstack/log/hosta-transport.log \
        | sed -nE 's/.*"pdu":"([0-9a-f:]+)".*seq ([0-9]+:[0-9]+).*/\1 \2/p' | sort -u \
        | awk '{ print "seq " $2 }' | sort | uniq -d > "$OUTDIR/retrans.txt"
    echo "retransmitted ranges in hosta-transport.log: $(wc -l < "$OUTDIR/retrans.txt")"
    head -n 3 "$OUTDIR/retrans.txt"
    oexec stackctl stats hosta | grep -E 'retransmit|fault' || true
    [ -s "$OUTDIR/retrans.txt" ]
}

s_restart() {
    local c; c=$(ctr hosta-net)
    local before pid
    before=$(podman inspect -f '{{.RestartCount}}' "$c") || return 1
    pid=$(podman inspect -f '{{.State.Pid}}' "$c") || return 1
    echo "killing $c (pid $pid on the host, restarts so far $before)"
    kill -KILL "$pid" || return 1
    wait_for 60 sh -c "[ \"\$(podman inspect -f '{{.RestartCount}}' $c)\" -gt $before ]" \
        || { echo "the engine did not restart $c"; podman ps -a | grep hosta-net; return 1; }
    echo "engine restarted it: RestartCount $(podman inspect -f '{{.RestartCount}}' "$c")"
    wait_for 60 oexec stackctl status || { oexec stackctl status; return 1; }
    oexec stackctl status | tee "$OUTDIR/status-after.txt"
    awk '$1 == "hosta-net" && $3 == "ready" && $4 >= 1 { ok = 1 } END { exit !ok }' "$OUTDIR/status-after.txt" \
        || { echo "status does not show hosta-net ready with a restart"; return 1; }
    if have_bin ping; then
        wait_for 30 oexec stackctl exec hosta ping -c 1 -W 1 hostb || return 1
        echo "hosta reaches hostb again"
    fi
}

s_down() {
    timeout 180 podman-compose -p "$P" -f "$COMPOSE" down -v > "$OUTDIR/down.log" 2>&1 || true
    teardown
    local left
    left=$(podman ps -aq --filter "label=io.podman.compose.project=$P")
    [ -z "$left" ] || { echo "containers left: $left"; return 1; }
    ! podman network ls --format '{{.Name}}' | grep -q "^${P}_" || { echo "networks left"; podman network ls; return 1; }
    ! podman volume ls --format '{{.Name}}' | grep -q "^${P}_" || { echo "volumes left"; podman volume ls; return 1; }
    echo "podman ps -a:"; podman ps -a
    echo "podman network ls:"; podman network ls
}

echo "== compose-test: project $P, $COMPOSE from $TOPO"
if step "container engine set up (podman, podman-compose, runc, base image)" s_setup; then
    step "docker-compose.yml is what 'stackctl compose $TOPO' generates" s_fresh
    step "compose file validates statically (docker-compose config), standard keys only" s_static
    if step "images build (multi-stage; slim runtime)" s_build; then
        step "deployment comes up (podman-compose up -d)" s_up
        if step "every service ready (stackctl status in the orchestrator container)" s_ready; then
            step "arping hosta -> router across containers" s_arping
            step "ping hosta -> hostb (via the router)" s_ping
            step "DNS: host -t A through ns (root -> test. -> example.test.), dig +norecurse at the root" s_dns
            step "per-layer log lines on the volume in the native format; trace reads them" s_logformat
            step "xfer hosta -> hostb with SHA-256 check" s_xfer
            step "loss injected into hosta net:link down; drops in the per-layer log" s_loss
            step "retransmissions found in the per-layer logs" s_retrans
            step "killed layer container (hosta-net) restarted by the engine" s_restart
        fi
    fi
    if [ "${LS_COMPOSE_KEEP:-0}" = 1 ]; then
        echo "LS_COMPOSE_KEEP=1: deployment $P left up; tear down with: podman-compose -p $P down -v; podman network rm $NET"
    else
        step "teardown leaves no containers, networks or volumes" s_down
    fi
fi
awk -v a="$T_START" -v b="$(now)" 'BEGIN { printf "== compose-test took %.0f s\n", b - a }'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
