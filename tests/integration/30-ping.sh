#!/bin/bash
# 30-ping.sh -- ping across the router (ttl=63), the per-layer trace of
# one echo request (stackctl trace --pdu), and self-ping (own address, 127.0.0.1).
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/topologies/default.yaml"

ls_exec hosta ping -c 3 -i 0.05 -W 5 hostb || fail "ping hostb exited non-zero"
assert_grep '^PING hostb \(198\.51\.100\.10\) 56\(84\) bytes of data\.$' "$OUT"
for s in 1 2 3; do
    assert_grep "^64 bytes from 198\.51\.100\.10: icmp_seq=$s ttl=63 time=[0-9.]+ ms$" "$OUT"
done
assert_grep '^--- hostb ping statistics ---$' "$OUT"
assert_grep '^3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms$' "$OUT"
assert_grep '^rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$' "$OUT"
[ "$(counter hostb icmp.tx.echo_reply)" -ge 3 ] || fail "hostb sent no echo replies"
[ "$(counter router ip.forwarded)" -ge 6 ] || fail "router forwarded fewer than 6 datagrams"

# follow the first echo request through every layer and back
id=$(grep -m1 '"ev":"send"' "$RUN/log/hosta-net.log" | sed 's/.*"pdu":"\([^"]*\)".*/\1/')
[ -n "$id" ] || fail "no app send line in hosta-net.log"
ls_ctl trace --pdu "$id" --flat > "$RUN/trace.txt"
assert_subsequence "$RUN/trace.txt" \
    'hosta-net +app +down +send .*ICMP echo request, id [0-9]+, seq 1' \
    'hosta-net/eth0 +net +down +encap .*ttl 64,.* 192\.0\.2\.10 > 198\.51\.100\.10: ICMP echo request' \
    'hosta-link/eth0 +link +down +encap .*02:00:00:00:00:0a > 02:00:00:00:01:01, ethertype IPv4' \
    'sw-lan1 +switch .*forward' \
    'router-link/eth0 +link +up +demux .*-> ipv4' \
    'router-net/eth0 +net +up +decap .*ttl 64,' \
    'router-net/eth1 +net +up +route .*198\.51\.100\.0/24 dev eth1.*ttl 64 -> 63' \
    'router-net/eth1 +net +down +forward .*ttl 63,' \
    'router-link/eth1 +link +down +encap .*02:00:00:00:01:02 > 02:00:00:00:00:0b' \
    'sw-lan2 +switch .*forward' \
    'hostb-net/eth0 +net +up +demux .*proto 1 -> icmp' \
    'hostb-net/eth0 +net +down +encap .*198\.51\.100\.10 > 192\.0\.2\.10: ICMP echo reply' \
    'router-net/eth0 +net +down +forward .*ICMP echo reply' \
    'hosta-net/eth0 +net +up +demux .*proto 1 -> icmp' \
    'hosta-net/eth0 +net +up +demux .*icmp id [0-9]+ -> raw socket'
pass "ping across the router, traced"

ls_exec hosta ping -c 2 -i 0.05 -W 5 192.0.2.10 || fail "self-ping by address"
assert_grep '^64 bytes from 192\.0\.2\.10: icmp_seq=2 ttl=64 ' "$OUT"
ls_exec hosta ping -c 2 -i 0.05 -W 5 127.0.0.1 || fail "self-ping 127.0.0.1"
assert_grep '^64 bytes from 127\.0\.0\.1: icmp_seq=2 ttl=64 ' "$OUT"
assert_grep '^2 packets transmitted, 2 received, 0% packet loss' "$OUT"
pass "self-ping"
