#!/bin/bash
# 43-fault-restart.sh -- a rule survives a restart of the service it sits in:
# kill -9 hosta-net (it holds "hosta net:link down"), the orchestrator
# restarts it and pushes the rule again before calling it ready.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml
ls_ctl fault add hosta net:link down loss 100% match icmp-echo-request || fail "fault add"
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb > /dev/null
assert_grep '2 packets transmitted, 0 received' "$OUT"

pid=$(ls_ctl status | awk '$1 == "hosta-net" { print $2 }')
[ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "no pid for hosta-net"
kill -9 "$pid"
wait_for 20 "ls_ctl status | awk '\$1 == \"hosta-net\" && \$2 != \"$pid\" && \$3 == \"ready\" && \$4 == 1 { ok = 1 } END { exit !ok }'" \
    || { ls_ctl status; fail "hosta-net did not come back"; }
assert_grep 'rule\(s\) pushed to hosta-net' "$RUN/log/orchestrator.log"
[ "$(grep -c 'rule(s) pushed to hosta-net' "$RUN/log/orchestrator.log")" -ge 2 ] || fail "rule not pushed again"

# the restarted hosta-net holds the rule, and it is in force
ls_ctl ctl hosta-net fault-list > "$RUN/svc.txt" 2>&1
assert_grep 'loss 100% match icmp-echo-request' "$RUN/svc.txt"
ls_exec hosta ping -c 3 -i 0.05 -W 5 hostb > /dev/null
assert_grep '3 packets transmitted, 0 received' "$OUT"
ls_ctl fault list > "$RUN/list.txt"; cat "$RUN/list.txt"
assert_grep "^1 +hosta +net:link@eth0 +down +loss 100% match icmp-echo-request +1 +3 +3 " "$RUN/list.txt"

# and deleting it restores the path
ls_ctl fault del 1 > /dev/null || fail "fault del"
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb > /dev/null
assert_grep '2 packets transmitted, 2 received' "$OUT"
pass "rule re-pushed to the restarted hosta-net and in force"
