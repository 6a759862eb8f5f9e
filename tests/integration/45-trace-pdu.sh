#!/bin/bash
# 45-trace-pdu.sh -- `stackctl trace --pdu` on one ICMP echo request shows it
# at every layer of hosta, on the switch, at the router and on hostb, and the
# reply coming back up hosta; grouped per host with header tags.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml
ls_exec hosta ping -c 1 -W 5 hostb > /dev/null
assert_grep '1 packets transmitted, 1 received' "$OUT"
id=$(grep '"ev":"send"' "$RUN/log/hosta-net.log" | grep 'echo request' | tail -1 | sed 's/.*"pdu":"\([^"]*\)".*/\1/')
[ -n "$id" ] || fail "no echo request send line in hosta-net.log"
ls_ctl trace --pdu "$id" > "$RUN/trace.txt" || fail "trace --pdu $id"
cat "$RUN/trace.txt"
assert_subsequence "$RUN/trace.txt" \
    '^== hosta' \
    ' app +down send .*ICMP echo request' \
    ' net/eth0 +down encap +\+ip .*192\.0\.2\.10 > 198\.51\.100\.10: ICMP echo request' \
    ' link/eth0 +down encap +\+eth .*ethertype IPv4' \
    '^== lan1 \(switch\)' \
    ' switch +- +forward +switch ' \
    '^== router' \
    ' link/eth0 +up +decap +-eth ' \
    ' net/eth0 +up +decap +-ip .*ICMP echo request' \
    ' net/eth1 +down forward +ttl-1 .*ttl 63' \
    ' link/eth1 +down encap +\+eth .*ethertype IPv4' \
    '^== hostb' \
    ' link/eth0 +up +decap +-eth ' \
    ' net/eth0 +up +decap +-ip .*ICMP echo request' \
    ' net/eth0 +up +demux +demux .*proto 1 -> icmp' \
    ' net/eth0 +down encap +\+ip .*198\.51\.100\.10 > 192\.0\.2\.10: ICMP echo reply' \
    '^== router' \
    ' net/eth0 +down forward +ttl-1 .*ICMP echo reply' \
    '^== hosta' \
    ' net/eth0 +up +decap +-ip .*ICMP echo reply' \
    ' net/eth0 +up +demux +demux '
# --flat keeps the column layout; a bad --flow is one clear line
ls_ctl trace --pdu "$id" --flat | grep -q '^ *[0-9.]* hosta-net/eth0 ' || fail "--flat layout"
ls_ctl trace --flow tcp/x 2> "$RUN/err.txt" && fail "bad --flow accepted"
assert_grep "^stackctl trace: bad --flow 'tcp/x'" "$RUN/err.txt"
pass "trace --pdu follows the echo request through every layer and the reply back"
