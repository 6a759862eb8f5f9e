#!/bin/bash
# 41-fault-drop-nth.sh -- "drop the 2nd ICMP echo request": exactly icmp_seq=2
# is lost; bad pipe names and rule texts are refused with one clear line.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml
ls_ctl fault add hosta net:link down drop nth 2 match icmp-echo-request || fail "fault add"
ls_exec hosta ping -c 4 -i 0.05 -W 5 hostb > /dev/null
for i in 1 3 4; do assert_grep "icmp_seq=$i ttl=63" "$OUT"; done
assert_no_grep "icmp_seq=2 " "$OUT"
assert_grep '4 packets transmitted, 3 received, 25% packet loss' "$OUT"
assert_grep '"ev":"fault".*"reason":"fault.drop.nth"' "$RUN/log/hosta-net.log"

# clear one-line errors
ls_ctl fault add hosta net:lnk down loss 10% 2> "$RUN/err.txt" && fail "bad pipe accepted"
assert_grep "^stackctl fault add: hosta has no pipe 'net:lnk' \(pipes: net:link@eth0, wire@eth0, transport:net, dns:transport\)$" "$RUN/err.txt"
ls_ctl fault add router net:link down loss 10% 2> "$RUN/err.txt" && fail "ambiguous pipe accepted"
assert_grep "^stackctl fault add: router has 3 interfaces: say which" "$RUN/err.txt"
ls_ctl fault add hosta net:link down loss 120% 2> "$RUN/err.txt" && fail "bad spec accepted"
assert_grep "^stackctl fault add: loss" "$RUN/err.txt"
ls_ctl fault add hosta net:link sideways loss 1% 2> "$RUN/err.txt" && fail "bad direction accepted"
assert_grep "bad direction 'sideways'" "$RUN/err.txt"
ls_ctl fault del 99 2> "$RUN/err.txt" && fail "del of an unknown rule succeeded"
assert_grep "no fault rule 99" "$RUN/err.txt"
ls_ctl fault --help | grep -q "usage: stackctl fault add" || fail "fault --help"

# del: the rule is gone from the registry and from hosta-net
ls_ctl fault del 1 || fail "fault del 1"
ls_ctl fault list > "$RUN/list.txt"
assert_grep "no fault rules" "$RUN/list.txt"
ls_ctl ctl hosta-net fault-list > "$RUN/svc.txt" 2>&1 || true
assert_no_grep "drop nth" "$RUN/svc.txt"
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb > /dev/null
assert_grep '2 packets transmitted, 2 received, 0% packet loss' "$OUT"
pass "drop nth 2 lost exactly icmp_seq=2; errors are one line"
