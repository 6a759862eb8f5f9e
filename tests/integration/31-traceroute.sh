#!/bin/bash
# 31-traceroute.sh -- issue 3: traceroute hostb lists the router, then hostb
# (ICMP echo probes answered by time exceeded, then echo reply).
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/tests/topologies/net-default.yaml"

ls_exec hosta traceroute -w 3 hostb || fail "traceroute exited non-zero"
assert_grep '^traceroute to hostb \(198\.51\.100\.10\), 30 hops max, 60 byte packets$' "$OUT"
assert_subsequence "$OUT" \
    '^ 1  router \(192\.0\.2\.1\)  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms$' \
    '^ 2  hostb \(198\.51\.100\.10\)  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms  [0-9]+\.[0-9]{3} ms$'
[ "$(wc -l < "$OUT")" -eq 3 ] || fail "traceroute did not stop at the destination"
[ "$(counter router icmp.tx.time_exceeded)" -ge 3 ] || fail "router sent no time exceeded"

ls_exec hosta traceroute -n -q 2 -m 5 -w 3 198.51.100.53 || fail "traceroute -n"
assert_subsequence "$OUT" '^ 1  192\.0\.2\.1  [0-9.]+ ms  [0-9.]+ ms$' '^ 2  198\.51\.100\.53  [0-9.]+ ms  [0-9.]+ ms$'

# no route: the router answers net unreachable (!N) and the trace stops
ls_exec hosta traceroute -n -w 3 203.0.113.5   # hop 1 is the router (ttl), hop 2 its !N
assert_grep "^ 2  192\\.0\\.2\\.1  [0-9.]+ ms !N" "$OUT"

# -U is documented; without transport-svc's socket library it says so
if ! ls_exec hosta traceroute -U hostb; then
    assert_grep 'UDP probes need transport-svc' "$OUT"
fi
pass "traceroute"
