#!/bin/bash
# 32-unreachable.sh -- error cases: Destination Net Unreachable (no
# route at the router), Destination Host Unreachable (ARP gives up: short
# arp_retry in the test topology), Time to live exceeded, and a local
# "Network is unreachable" when the host itself has no route.
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/tests/topologies/net-default.yaml"

ls_exec hosta ping -c 2 -i 0.05 -W 3 203.0.113.5 && fail "ping with no route succeeded"
assert_grep '^From 192\.0\.2\.1 icmp_seq=1 Destination Net Unreachable$' "$OUT"
assert_grep '^2 packets transmitted, 0 received, \+2 errors, 100% packet loss' "$OUT"
[ "$(counter router ip.drop.no_route)" -ge 2 ] || fail "router did not count no_route"

ls_exec hosta ping -c 1 -W 5 198.51.100.99 && fail "ping to an absent host succeeded"
assert_grep '^From 192\.0\.2\.1 icmp_seq=1 Destination Host Unreachable$' "$OUT"
[ "$(counter router ip.drop.resolve_failed)" -ge 1 ] || fail "router did not count resolve_failed"

# an absent neighbour of hosta itself: the error comes from our own address
ls_exec hosta ping -c 1 -W 5 192.0.2.99 && fail "ping to an absent neighbour succeeded"
assert_grep '^From 192\.0\.2\.10 icmp_seq=1 Destination Host Unreachable$' "$OUT"

ls_exec hosta ping -c 1 -t 1 -W 3 hostb && fail "ttl 1 ping succeeded"
assert_grep '^From 192\.0\.2\.1 icmp_seq=1 Time to live exceeded$' "$OUT"

ls_ctl route hosta del default > /dev/null || fail "route del default"
ls_exec hosta ping -c 1 -W 1 hostb && fail "ping without a route succeeded"
assert_grep '^ping: connect: Network is unreachable$' "$OUT"
pass "unreachable cases"
