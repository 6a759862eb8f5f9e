#!/bin/bash
# 34-frag.sh -- fragmentation: ping -s 3000 is fragmented by hosta and
# reassembled by hostb (logs and the lan1 pcap show it); with lan2 at MTU 1000,
# `ping -M do -s 1200` gets "Frag needed" from the router and a plain
# `ping -s 1200` gets through, fragmented at the router.
. "$LS_ROOT/tests/integration/lib.sh"
ls_up "$LS_ROOT/topologies/default.yaml"

ls_exec hosta ping -c 2 -i 0.05 -W 5 -s 3000 hostb || fail "ping -s 3000"
assert_grep '^PING hostb \(198\.51\.100\.10\) 3000\(3028\) bytes of data\.$' "$OUT"
assert_grep '^3008 bytes from 198\.51\.100\.10: icmp_seq=2 ttl=63 ' "$OUT"
assert_grep '"ev":"fragment".*offset 1480, flags \[\+\]' "$RUN/log/hosta-net.log"
assert_grep '"ev":"reassemble".*length 3028\)' "$RUN/log/hostb-net.log"
[ "$(counter hostb ip.frag.created)" -ge 6 ] || fail "hostb did not fragment its replies"
# the capture of lan1: 3 frames per datagram (1514, 1514, 82 bytes with Ethernet)
"$LS_BIN/pcap-read" "$RUN/pcap/lan1.pcap" > "$RUN/lan1.txt" || fail "pcap-read"
[ "$(grep -c ' 1514 IPv4 192\.0\.2\.10 > 198\.51\.100\.10 proto 1' "$RUN/lan1.txt")" -ge 4 ] || fail "no full-size fragments on lan1"
assert_grep ' 82 IPv4 192\.0\.2\.10 > 198\.51\.100\.10 proto 1' "$RUN/lan1.txt"
ls_ctl down > /dev/null

ls_up "$LS_ROOT/topologies/mtu1000.yaml"
ls_exec hosta ping -c 1 -W 3 -M do -s 1200 hostb && fail "DF ping through MTU 1000 succeeded"
assert_grep '^From 192\.0\.2\.1 icmp_seq=1 Frag needed and DF set \(mtu = 1000\)$' "$OUT"
ls_exec hosta ping -c 2 -i 0.05 -W 5 -s 1200 hostb || fail "plain ping -s 1200 through MTU 1000"
assert_grep '^1208 bytes from 198\.51\.100\.10: icmp_seq=2 ttl=63 ' "$OUT"
assert_grep '"ev":"fragment","pdu":"[^"]*","parents":\["[^"]*"\],"if":"eth1"' "$RUN/log/router-net.log"
pass "fragmentation and reassembly"
