#!/bin/bash
# 52-tcp-loss.sh -- 1 MiB over TCP with 5% seeded loss on hosta's
# net:link pipe (down): retransmissions repair it, the SHA-256 matches.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml
ls_ctl fault add hosta net:link down loss 5% seed 3 > "$RUN/add.txt" || { cat "$RUN/add.txt"; fail "fault add"; }

"$STACKCTL" --run-dir "$RUN" exec hostb xfer -l 5001 > "$RUN/rx.txt" 2>&1 &
rpid=$!
wait_for 10 "grep -q 'listening on 0.0.0.0:5001' $RUN/rx.txt" || fail "xfer -l did not start"
timeout 60 "$STACKCTL" --run-dir "$RUN" exec hosta xfer -s 5 hostb 5001 1M > "$RUN/tx.txt" 2>&1 || { cat "$RUN/tx.txt"; fail "xfer sender failed"; }
wait "$rpid" || { cat "$RUN/rx.txt"; fail "xfer receiver failed"; }
cat "$RUN/tx.txt"
assert_grep '^bytes: 1048576$' "$RUN/rx.txt"
tx=$(grep '^sha256:' "$RUN/tx.txt"); rx=$(grep '^sha256:' "$RUN/rx.txt")
[ -n "$tx" ] && [ "$tx" = "$rx" ] || fail "SHA-256 differs: sent '$tx', received '$rx'"
pass "1 MiB intact through 5% loss"

dropped=$(grep -c '"reason":"fault.drop.loss"' "$RUN/log/hosta-net.log")
rexmit=$(counter hosta tcp.tx.retransmits)
echo "fault drops: $dropped, retransmitted segments: $rexmit"
[ "$dropped" -ge 5 ] || fail "expected loss, the fault dropped $dropped"
[ "$rexmit" -ge 1 ] || fail "no retransmissions counted"
pass "losses were repaired by retransmission"
