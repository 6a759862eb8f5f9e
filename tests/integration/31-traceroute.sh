#!/bin/bash
# 31-traceroute.sh -- traceroute hostb lists the router, then hostb
# (ICMP echo probes answered by time exceeded, then echo reply).
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/tests/topologies/net-default.yaml"   # no transport: -U must fail clearly

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

# -U needs transport-svc: on a host without one it says so
ls_exec hosta traceroute -U hostb && fail "traceroute -U without transport-svc succeeded"
assert_grep 'UDP probes need transport-svc' "$OUT"
pass "traceroute"

# -U on the full default topology: UDP probes to 33434+, answered by time
# exceeded (router) and port unreachable (hostb's transport-svc)
if [ -x "$LS_BIN/transport-svc" ]; then
    ls_ctl down > /dev/null
    ls_up "$LS_ROOT/topologies/default.yaml"
    ls_exec hosta traceroute -U -n -w 3 hostb || fail "traceroute -U"
    assert_subsequence "$OUT" '^traceroute to hostb \(198\.51\.100\.10\), 30 hops max, 60 byte packets$' \
        '^ 1  192\.0\.2\.1  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms$' '^ 2  198\.51\.100\.10  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms$'
    assert_grep '"msg":"IP \(.*proto UDP \(17\).*192\.0\.2\.10\.[0-9]+ > 198\.51\.100\.10\.3343[4-9]' "$RUN/log/hosta-net.log"
    pass "traceroute -U"
fi
