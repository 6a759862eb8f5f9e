#!/bin/bash
# 50-udp.sh -- UDP across the router: udp-recv -e on hostb echoes what
# udp-send -r sends from hosta (round trip with the payload intact); the
# transport logs show decap and the demux decisions; a datagram to a closed
# port is handed back to net-svc for ICMP port unreachable (RFC 1122 4.1.3.1).
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml

"$STACKCTL" --run-dir "$RUN" exec hostb udp-recv -e -c 1 7777 > "$RUN/recv.txt" 2>&1 &
rpid=$!
wait_for 10 "grep -q 'listening on UDP port 7777' $RUN/recv.txt" || fail "udp-recv did not start"
ls_exec hosta udp-send -r -w 5 hostb 7777 "hello over udp" > /dev/null || fail "udp-send -r failed"
assert_grep '^sent 14 bytes to 198\.51\.100\.10:7777$' "$OUT"
assert_grep '^reply from 198\.51\.100\.10:7777: 14 bytes: hello over udp$' "$OUT"
wait "$rpid" || fail "udp-recv exited with an error"
assert_grep '^192\.0\.2\.10:[0-9]+: 14 bytes: hello over udp$' "$RUN/recv.txt"
pass "UDP round trip hosta -> hostb -> hosta"

log="$RUN/log/hostb-transport.log"
assert_subsequence "$log" \
    '"ev":"decap".*IP 192\.0\.2\.10\.[0-9]+ > 198\.51\.100\.10\.7777: UDP, length 14' \
    '"ev":"demux".*proto 17 -> udp' \
    '"ev":"demux".*dport 7777 -> socket [0-9]+' \
    '"ev":"encap".*IP 198\.51\.100\.10\.7777 > 192\.0\.2\.10\.[0-9]+: UDP, length 14'
[ "$(counter hostb udp.rx.datagrams)" -ge 1 ] || fail "hostb udp.rx.datagrams"
[ "$(counter hosta udp.rx.datagrams)" -ge 1 ] || fail "hosta udp.rx.datagrams"
pass "transport trace and counters"

# a closed port: no reply, ICMP port unreachable requested from net-svc
ls_exec hosta udp-send -r -w 1 hostb 7778 "nobody home" > /dev/null && fail "a reply from a closed port?"
assert_grep 'no reply' "$OUT"
wait_for 5 '[ "$(counter hostb udp.rx.no_port)" -ge 1 ]' || fail "hostb udp.rx.no_port"
[ "$(counter hostb transport.tx.icmp_error)" -ge 1 ] || fail "hostb transport.tx.icmp_error"
assert_grep '"ev":"demux".*dport 7778 -> no socket \(port unreachable\)' "$log"
pass "closed port -> ICMP port unreachable handed to net-svc"
