#!/bin/bash
# 33-route-link.sh -- control plane: `stackctl route` listing, routes
# added and deleted at run time take effect, `stackctl link router eth1
# down|up` withdraws and restores the interface.
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/tests/topologies/net-default.yaml"   # 203.0.113.0/24 unrouted there

ls_ctl route hosta > "$OUT" || fail "stackctl route hosta"
assert_grep '^Kernel IP routing table$' "$OUT"
assert_grep '^Destination +Gateway +Genmask +Flags Metric Ref +Use Iface$' "$OUT"
assert_grep '^192\.0\.2\.0 +0\.0\.0\.0 +255\.255\.255\.0 +U +0 +0 +[0-9]+ eth0$' "$OUT"
assert_grep '^0\.0\.0\.0 +192\.0\.2\.1 +0\.0\.0\.0 +UG +0 +0 +[0-9]+ eth0$' "$OUT"

# replace hosta's default route by a network route added at run time
ls_ctl route hosta del default > "$OUT" || fail "route del default"
ls_exec hosta ping -c 1 -W 1 hostb && fail "ping worked without a route"
ls_ctl route hosta add 198.51.100.0/24 via 192.0.2.1 metric 5 > "$OUT" || fail "route add"
assert_grep 'added 198\.51\.100\.0/24 via 192\.0\.2\.1 dev eth0' "$OUT"
ls_ctl route hosta > "$OUT"
assert_grep '^198\.51\.100\.0 +192\.0\.2\.1 +255\.255\.255\.0 +UG +5 ' "$OUT"
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb || fail "ping after route add"
assert_grep 'icmp_seq=2 ttl=63' "$OUT"
ls_ctl route hosta add 203.0.113.0/24 via 9.9.9.9 > "$OUT" 2>&1 && fail "a gateway off-link was accepted"
assert_grep 'not on a connected network' "$OUT"

# the router learns 203.0.113.0/24 via ns: no more net unreachable for it
ls_ctl route hosta add default via 192.0.2.1 > /dev/null || fail "route add default"
ls_ctl route router add 203.0.113.0/24 via 198.51.100.53 > /dev/null || fail "router route add"
before=$(counter ns ip.drop.not_for_us)
ls_exec hosta ping -c 1 -W 1 203.0.113.5 && fail "203.0.113.5 answered"
assert_no_grep 'Unreachable' "$OUT"
wait_for 10 '[ "$(counter ns ip.drop.not_for_us)" -gt "$before" ]' || fail "ns never saw the forwarded datagram"
ls_ctl route router del 203.0.113.0/24 > /dev/null || fail "router route del"
ls_exec hosta ping -c 1 -W 3 203.0.113.5
assert_grep 'Destination Net Unreachable' "$OUT"
pass "routes at run time"

ls_ctl link router eth1 down > "$OUT" || fail "link down"
ls_exec hosta ping -c 1 -W 3 hostb && fail "hostb answered with the router's eth1 down"
assert_grep 'From 192\.0\.2\.1 icmp_seq=1 Destination Net Unreachable' "$OUT"
ls_ctl route router > "$OUT"
assert_grep '^198\.51\.100\.0 +0\.0\.0\.0 +255\.255\.255\.0 +0 +0 ' "$OUT"   # flags without U
ls_ctl link router eth1 up > "$OUT" || fail "link up"
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb || fail "hostb unreachable after link up"
assert_grep 'icmp_seq=2 ttl=63' "$OUT"
pass "link down/up"
