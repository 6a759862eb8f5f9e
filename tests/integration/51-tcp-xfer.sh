#!/bin/bash
# 51-tcp-xfer.sh -- 10 MiB over TCP from hosta to hostb across the router:
# both ends print the same byte count and SHA-256; the handshake is in the
# transport trace; afterwards hosta (the side that closed first) sits in
# TIME_WAIT and no data stayed queued.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml

"$STACKCTL" --run-dir "$RUN" exec hostb xfer -l 5001 > "$RUN/rx.txt" 2>&1 &
rpid=$!
wait_for 10 "grep -q 'listening on 0.0.0.0:5001' $RUN/rx.txt" || fail "xfer -l did not start"
timeout 60 "$STACKCTL" --run-dir "$RUN" exec hosta xfer hostb 5001 10M > "$RUN/tx.txt" 2>&1 || { cat "$RUN/tx.txt"; fail "xfer sender failed"; }
wait "$rpid" || { cat "$RUN/rx.txt"; fail "xfer receiver failed"; }
cat "$RUN/tx.txt"
assert_grep '^bytes: 10485760$' "$RUN/tx.txt"
assert_grep '^bytes: 10485760$' "$RUN/rx.txt"
tx=$(grep '^sha256:' "$RUN/tx.txt"); rx=$(grep '^sha256:' "$RUN/rx.txt")
[ -n "$tx" ] && [ "$tx" = "$rx" ] || fail "SHA-256 differs: sent '$tx', received '$rx'"
pass "10 MiB intact ($tx)"

assert_subsequence "$RUN/log/hosta-transport.log" \
    '"ev":"encap".*IP 192\.0\.2\.10\.[0-9]+ > 198\.51\.100\.10\.5001: Flags \[S\]' \
    '"ev":"decap".*IP 198\.51\.100\.10\.5001 > 192\.0\.2\.10\.[0-9]+: Flags \[S\.\]' \
    '"ev":"encap".*IP 192\.0\.2\.10\.[0-9]+ > 198\.51\.100\.10\.5001: Flags \[\.\]'
assert_subsequence "$RUN/log/hostb-transport.log" \
    '"ev":"demux".*proto 6 -> tcp' \
    '"ev":"demux".*dport 5001 -> socket [0-9]+'
pass "three-way handshake and demux in the trace"

ls_ctl netstat hosta > "$RUN/netstat-a.txt"
cat "$RUN/netstat-a.txt"
assert_grep '^tcp +0 +0 192\.0\.2\.10:[0-9]+ +198\.51\.100\.10:5001 +TIME_WAIT$' "$RUN/netstat-a.txt"
[ "$(counter hostb tcp.rx.data_segs)" -ge 7000 ] || fail "hostb tcp.rx.data_segs too low"
pass "TIME_WAIT on the active closer; segments counted"
