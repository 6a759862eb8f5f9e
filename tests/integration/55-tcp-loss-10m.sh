#!/bin/bash
# 55-tcp-loss-10m.sh -- 10 MiB from hosta to hostb across the router with
# 1%, 5% and 10% seeded random loss on hostb's net:link pipe (up: the data
# segments arriving at hostb), each transfer intact (same SHA-256 at both
# ends). Then the congestion control in hosta's transport log: fast
# retransmits ("dupack #3" cwnd lines, tcp.tx.fast_retransmit) and the cwnd
# sawtooth -- the window shrinks on each loss and grows again between them.
#
# The services log at info (tests/topologies/tcp-info.yaml): per-PDU logging
# of 10 MiB three times would dominate the run; the cwnd lines for losses
# (dupack #3, partial/full ACK, RTO) are info lines, the per-ACK growth
# (slow start, CA) is not logged, so growth shows as the next loss line
# starting from a larger cwnd than the previous one left. The same topology
# sets min_rto 50 ms (the path RTT is ~2 ms) to keep the 10% run bounded
# (with the default 200 ms, 10 MiB through 10% loss takes minutes).
. "$(dirname "$0")/lib.sh"
ls_up tests/topologies/tcp-info.yaml

port=5101
for loss in 1 5 10; do
    ls_ctl fault clear > /dev/null
    ls_ctl fault add hostb net:link up loss "$loss%" seed 3 > "$RUN/add.txt" || { cat "$RUN/add.txt"; fail "fault add"; }
    "$STACKCTL" --run-dir "$RUN" exec hostb xfer -l $port > "$RUN/rx-$loss.txt" 2>&1 &
    rpid=$!
    wait_for 10 "grep -q 'listening on 0.0.0.0:$port' $RUN/rx-$loss.txt" || fail "xfer -l $port did not start"
    d0=$(counter hostb fault.drop.loss)
    t0=$(date +%s%N)
    timeout 90 "$STACKCTL" --run-dir "$RUN" exec hosta xfer -s "$loss" hostb $port 10M > "$RUN/tx-$loss.txt" 2>&1 \
        || { cat "$RUN/tx-$loss.txt"; fail "xfer sender failed at $loss% loss"; }
    wait "$rpid" || { cat "$RUN/rx-$loss.txt"; fail "xfer receiver failed at $loss% loss"; }
    secs=$(( ($(date +%s%N) - t0) / 1000000 ))
    assert_grep '^bytes: 10485760$' "$RUN/tx-$loss.txt"
    assert_grep '^bytes: 10485760$' "$RUN/rx-$loss.txt"
    tx=$(grep '^sha256:' "$RUN/tx-$loss.txt"); rx=$(grep '^sha256:' "$RUN/rx-$loss.txt")
    [ -n "$tx" ] && [ "$tx" = "$rx" ] || fail "$loss% loss: SHA-256 differs: sent '$tx', received '$rx'"
    drops=$(( $(counter hostb fault.drop.loss) - d0 ))
    echo "loss $loss%: 10 MiB intact in ${secs} ms, $(grep '^goodput' "$RUN/tx-$loss.txt"), fault drops: $drops," \
         "hosta retransmits so far: $(counter hosta tcp.tx.retransmits)"
    [ "$drops" -ge 10 ] || fail "$loss% loss: the fault dropped only $drops segments"
    port=$((port + 1))
done
pass "10 MiB intact through 1%, 5% and 10% loss"

log="$RUN/log/hosta-transport.log"
fr=$(counter hosta tcp.tx.fast_retransmit)
d3=$(grep -c '"ev":"cwnd".*(dupack #3)' "$log")
echo "fast retransmits: $fr, dupack #3 lines: $d3, RTOs: $(counter hosta tcp.cc.rto)," \
     "partial ACKs: $(counter hosta tcp.cc.partial_ack), full ACKs: $(counter hosta tcp.cc.full_ack)"
[ "$fr" -gt 0 ] || fail "no fast retransmit counted"
[ "$d3" -gt 0 ] || fail "no 'dupack #3' cwnd line in $log"
[ "$d3" -eq "$(counter hosta tcp.cc.dupack3)" ] || fail "dupack #3 lines ($d3) != tcp.cc.dupack3"
assert_subsequence "$log" \
    '"ev":"cwnd".*198\.51\.100\.10\.5101: cwnd 0 -> 14600, ssthresh 0 -> inf \(initial window\)' \
    '"ev":"cwnd".*198\.51\.100\.10\.5101: cwnd [0-9]+ -> [0-9]+, ssthresh [0-9a-z]+ -> [0-9]+ \(dupack #3\)' \
    '"ev":"cwnd".*198\.51\.100\.10\.5101: cwnd [0-9]+ -> [0-9]+, ssthresh [0-9]+ \((partial|full) ACK\)'

# the sawtooth: per connection, each logged change "cwnd A -> B"; a loss cuts
# (B < A), and between two logged changes the window grew when the next A is
# above the previous B
grep '"ev":"cwnd"' "$log" | sed -E 's/.*> 198\.51\.100\.10\.([0-9]+): cwnd ([0-9]+) -> ([0-9]+).*\(([^)]*)\)"\}$/\1 \2 \3 \4/' \
    > "$RUN/cwnd.txt"
awk '{ if ($1 == port && $2 > last) up++; if ($3 < $2) down++; port = $1; last = $3 }
     END { printf "cwnd cuts: %d, regrowths between losses: %d\n", down, up; exit !(down >= 10 && up >= 10) }' \
    "$RUN/cwnd.txt" || fail "no cwnd sawtooth in $log"
max=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$RUN/cwnd.txt")
[ "$max" -gt 14600 ] || fail "cwnd never grew above the initial window (max $max)"
pass "fast retransmits and the cwnd sawtooth in hosta's transport log (largest cwnd $max)"
