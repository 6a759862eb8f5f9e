#!/bin/bash
# demo.sh -- `make demo`: bring the default topology up natively and walk
# through the lessons in scripts/demo.d/ (each NN-name.sh adds one), then
# leave the stack running and say how to explore and stop it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LS_ROOT=$ROOT
STACKCTL="$ROOT/build/bin/stackctl"
RUN=${LS_RUN_DIR:-$ROOT/run}
export LS_RUN_DIR=$RUN
sc() { "$STACKCTL" --run-dir "$RUN" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ stackctl %s\033[0m\n' "$*"; sc "$@"; }

sc down >/dev/null 2>&1
say "Bringing up the default topology (topologies/default.yaml)"
sc up "$ROOT/topologies/default.yaml" || exit 1
show status
for lesson in "$ROOT"/scripts/demo.d/*.sh; do
    [ -f "$lesson" ] || continue
    # shellcheck source=/dev/null
    . "$lesson"
done
say "Explore"
cat <<TXT
The stack is still running (run directory: $RUN).
  build/bin/stackctl status                       every service, pid, restarts
  build/bin/stackctl exec hosta arping router     ARP from hosta's link layer
  build/bin/stackctl arp hosta                    hosta's ARP cache (arp -a)
  build/bin/stackctl mac lan1                     the lan1 switch's MAC table
  build/bin/stackctl ifconfig router              interfaces and counters
  build/bin/stackctl stats hosta                  every counter, per layer
  build/bin/stackctl trace --host hosta           hosta's merged per-layer log
  tcpdump -e -n -r $RUN/pcap/lan1.pcap   the lan1 segment's capture
Stop it with:
  build/bin/stackctl down
TXT
