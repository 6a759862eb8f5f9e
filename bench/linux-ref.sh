#!/bin/bash
# linux-ref.sh -- the Linux reference for `make bench`: two network namespaces
# joined by a veth pair (198.18.0.0/15), offloads off so the kernel, too,
# handles every <= 1514-byte frame; iperf3 goodput with CUBIC and the default
# congestion control, ping RTT, then goodput under 1/5/10 % random drop done by
# an nftables rule on the receiver's ingress (this kernel has no netem),
# data direction only.
#
# Call chain: bench/run.sh -> linux-ref.sh --seconds S --loss "1 5 10" > run-N.json
# Prints ONE JSON object on stdout (progress on stderr); needs root. Without
# root, or without netns/veth/iperf3/nft, prints {"skipped": "reason"}.
#
#   bench/linux-ref.sh [--seconds S] [--loss "1 5 10"] [--pings N] [--cc-loss "cubic bbr"]
set -u

SECS=3
LOSSES="1 5 10"
PINGS=300
CC_LOSS="cubic bbr"
while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --loss) LOSSES=$2; shift 2 ;;
    --pings) PINGS=$2; shift 2 ;;
    --cc-loss) CC_LOSS=$2; shift 2 ;;
    -h|--help)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
        exit 0 ;;
    *) echo "linux-ref.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

skip() { printf '{"skipped": "%s"}\n' "$*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "not root: network namespaces need root"
for t in ip iperf3 nft ethtool ping python3; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed (make bench installs it through scripts/deps.sh)"
done

TAG=$$
NSA=lsbA$TAG
NSB=lsbB$TAG
VA=lsbva$TAG
VB=lsbvb$TAG
ADDR_A=198.18.0.1
ADDR_B=198.18.0.2
DATA_PORT=40000   # iperf3 --cport base: the data stream's client port (the rule's key);
                  # one port per test, so no test meets the last one's TIME-WAIT
TMP=$(mktemp -d /tmp/lsb-linux.XXXXXX)
SERVER_PID=

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "linux-ref: $*" >&2; }
A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }

ip netns add "$NSA" 2>"$TMP/err" || skip "ip netns add failed: $(head -c 200 "$TMP/err" | tr '\n"' '  ')"
ip netns add "$NSB" || skip "ip netns add failed"
ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" 2>"$TMP/err" ||
    skip "veth unavailable: $(head -c 200 "$TMP/err" | tr '\n"' '  ')"
A ip link set lo up; B ip link set lo up
A ip addr add $ADDR_A/30 dev "$VA"; B ip addr add $ADDR_B/30 dev "$VB"
A ip link set "$VA" mtu 1500 up; B ip link set "$VB" mtu 1500 up
OFFLOADS_OK=true
for side in A B; do
    dev=$VA; [ $side = B ] && dev=$VB
    $side ethtool -K "$dev" tso off gso off gro off lro off >/dev/null 2>"$TMP/err" || {
        # lro is "fixed" on veth; retry without it
        $side ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || OFFLOADS_OK=false
    }
done
OFFLOADS=$(A ethtool -k "$VA" | awk '/^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|large-receive-offload):/ {n=$1; sub(":", "", n); printf "%s%s=%s", sep, n, $2; sep=" "}')
DEFAULT_CC=$(A sysctl -n net.ipv4.tcp_congestion_control)
AVAIL_CC=$(A sysctl -n net.ipv4.tcp_available_congestion_control)
A ping -c 1 -W 2 $ADDR_B >/dev/null 2>&1 || skip "veth pair does not pass traffic"

B iperf3 -s -B $ADDR_B -D --logfile "$TMP/iperf3-server.log" --pidfile "$TMP/iperf3.pid" >/dev/null 2>&1 ||
    skip "iperf3 server did not start"
for _ in $(seq 100); do [ -s "$TMP/iperf3.pid" ] && break; sleep 0.05; done  # readiness poll
SERVER_PID=$(cat "$TMP/iperf3.pid" 2>/dev/null | tr -d '\0')

# nft_drop N PORT: replace the receiver's ingress rule with N % random drop of
# the data stream from client port PORT (N = 0: no rule).
nft_drop() {
    B nft delete table netdev lsbench 2>/dev/null
    [ "$1" = 0 ] && return 0
    B nft -f - <<EOF
table netdev lsbench {
    chain ingress {
        type filter hook ingress device "$VB" priority 0; policy accept;
        tcp sport $2 numgen random mod 100 < $1 counter drop
    }
}
EOF
}

# iperf CC LOSS: one iperf3 run; prints goodput in bit/s (receiver side) or "null".
iperf() {
    local cc=$1 loss=$2 out=$TMP/iperf-$1-$2.json
    local try port
    for try in 1 2 3; do
        port=$((DATA_PORT + $(ls "$TMP" | wc -l) + try))
        nft_drop "$loss" "$port" || { echo null; return; }
        # the server takes one test at a time; a retry covers a slow previous teardown
        if A iperf3 -c $ADDR_B -t "$SECS" -C "$cc" --cport "$port" -J >"$out" 2>"$TMP/iperf.err"; then
            break
        fi
        sleep 0.3   # back-off before retrying a refused test, not a timing wait
    done
    nft_drop 0 0
    python3 - "$out" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(d["end"]["sum_received"]["bits_per_second"])
except Exception as e:
    try:
        err = d.get("error") or repr(e)
    except Exception:
        err = repr(e)
    print("null")
    open(sys.argv[1] + ".error", "w").write(str(err).replace("\n", " ")[:200])
EOF
}

# ping RTT: p50/p99 over PINGS pings, 64-byte ICMP (56 data bytes)
log "ping x$PINGS"
A ping -n -q -c 3 $ADDR_B >/dev/null 2>&1
A ping -n -c "$PINGS" -i 0.002 -s 56 $ADDR_B >"$TMP/ping.txt" 2>&1
results="{}"
declare -A GP
for cc in cubic "$DEFAULT_CC"; do
    [ -n "${GP[$cc-0]:-}" ] && continue
    log "iperf3 $cc 0%"
    GP[$cc-0]=$(iperf "$cc" 0)
done
for cc in $CC_LOSS; do
    case " $AVAIL_CC " in *" $cc "*) ;; *) continue ;; esac
    [ -z "${GP[$cc-0]:-}" ] && { log "iperf3 $cc 0%"; GP[$cc-0]=$(iperf "$cc" 0); }
    for l in $LOSSES; do
        log "iperf3 $cc $l% drop"
        GP[$cc-$l]=$(iperf "$cc" "$l")
    done
done
{
    for k in "${!GP[@]}"; do echo "$k ${GP[$k]}"; done
} >"$TMP/gp.txt"
for f in "$TMP"/iperf-*.json.error; do
    [ -e "$f" ] || continue
    k=${f#"$TMP"/iperf-}; echo "${k%.json.error} $(cat "$f")"
done >"$TMP/errors.txt"

python3 - "$TMP/ping.txt" "$TMP/gp.txt" "$TMP/errors.txt" "$DEFAULT_CC" "$OFFLOADS" "$OFFLOADS_OK" "$SECS" "$(uname -r)" <<'EOF'
import json, re, sys
ping_txt, gp_txt, err_txt, default_cc, offloads, offloads_ok, secs, kernel = sys.argv[1:9]
rtts = sorted(float(m.group(1)) * 1000.0 for m in re.finditer(r"time=([0-9.]+) ms", open(ping_txt).read()))
def pct(v, p):
    if not v: return None
    import math
    k = max(1, min(len(v), math.ceil(p * len(v))))
    return v[k - 1]
gp = {}
for line in open(gp_txt):
    k, v = line.split()
    cc, loss = k.rsplit("-", 1)
    gp.setdefault(cc, {})[loss] = None if v == "null" else float(v) / 1e9
out = {
    "kernel": kernel,
    "setup": "2 netns + veth, 198.18.0.0/30, MTU 1500, offloads: " + offloads,
    "offloads_off": offloads_ok == "true",
    "default_cc": default_cc,
    "seconds": float(secs),
    "drop": "nftables netdev ingress on the receiver, data stream only: numgen random mod 100 < N drop",
    "ping_us": {"n": len(rtts), "p50": pct(rtts, 0.5), "p99": pct(rtts, 0.99),
                "min": rtts[0] if rtts else None, "max": rtts[-1] if rtts else None},
    "goodput_gbit_s": gp,
    "errors": dict(l.rstrip("\n").split(" ", 1) for l in open(err_txt) if " " in l),
}
print(json.dumps(out))
EOF
