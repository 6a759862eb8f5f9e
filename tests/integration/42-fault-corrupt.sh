#!/bin/bash
# 42-fault-corrupt.sh -- corruption is caught where it is detected:
#  - a frame corrupted on the wire (hosta wire down) fails the FCS check of
#    the receiving link (router-link eth.drop.bad_fcs);
#  - a frame corrupted as hostb's link receives it (hostb wire up) likewise;
#  - a datagram corrupted on hosta's net:link down keeps a valid FCS (the
#    link frames the damaged bytes) and is caught by the receiving IP header
#    checksum (router-net ip.drop.bad_checksum) when the bit hit the header.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml

ls_ctl fault add hosta wire down corrupt 100% match icmp-echo-request seed 3 || fail "fault add wire down"
ls_exec hosta ping -c 3 -i 0.05 -W 5 hostb > /dev/null
assert_grep '3 packets transmitted, 0 received' "$OUT"
wait_for 10 '[ "$(counter router eth.drop.bad_fcs)" -ge 3 ]' || fail "router-link bad_fcs $(counter router eth.drop.bad_fcs) < 3"
assert_grep '"ev":"fault".*corrupt byte' "$RUN/log/hosta-link.log"
assert_grep '"ev":"drop".*"reason":"eth.drop.bad_fcs"' "$RUN/log/router-link.log"
ls_ctl fault clear > /dev/null || fail "fault clear"

ls_ctl fault add hostb wire up corrupt 100% match icmp-echo-request seed 3 || fail "fault add wire up"
ls_exec hosta ping -c 3 -i 0.05 -W 5 hostb > /dev/null
assert_grep '3 packets transmitted, 0 received' "$OUT"
wait_for 10 '[ "$(counter hostb eth.drop.bad_fcs)" -ge 3 ]' || fail "hostb-link bad_fcs $(counter hostb eth.drop.bad_fcs) < 3"
ls_ctl fault clear > /dev/null

ls_ctl fault add hosta net:link down corrupt 100% match icmp-echo-request seed 5 || fail "fault add net:link"
ls_exec hosta ping -c 40 -i 0.02 -W 5 hostb > /dev/null
assert_grep '40 packets transmitted, 0 received' "$OUT"
wait_for 10 '[ "$(counter router ip.drop.bad_checksum)" -ge 1 ]' || fail "router-net ip.drop.bad_checksum is 0"
[ "$(counter router eth.drop.bad_fcs)" -eq 3 ] || fail "net:link corruption must not fail the FCS"
ls_ctl fault list > "$RUN/list.txt"; cat "$RUN/list.txt"
assert_grep "net:link@eth0 +down +corrupt 100% match icmp-echo-request +5 +40 +0 +0 +0 +0 +40$" "$RUN/list.txt"
pass "wire corruption -> FCS drops at the receiving link; net:link corruption -> IP checksum drops ($(counter router ip.drop.bad_checksum) of 40)"
