#!/bin/bash
# 44-pipe-pcap.sh -- per-pipe captures: with `pipe_pcap: true` in the
# topology's settings, each net:link pipe is written (by its link-svc end,
# both directions) to RUN/pcap/HOST-net-link-IF.pcap as LINKTYPE_RAW IPv4;
# transport:net to HOST-transport-net.pcap (bare segments get an IPv4 header).
# Also: trace --flow follows a UDP exchange.
. "$(dirname "$0")/lib.sh"
sed 's/^seed: 1$/seed: 1\nsettings:\n  pipe_pcap: true/' "$LS_ROOT/topologies/default.yaml" > "$RUN/pcap-topo.yaml"
grep -q pipe_pcap "$RUN/pcap-topo.yaml" || fail "could not make the topology"
cp -r "$LS_ROOT/topologies/zones" "$RUN/" # the zone files it names, beside it
ls_up "$RUN/pcap-topo.yaml"
ls_exec hosta ping -c 3 -i 0.05 -W 5 hostb > /dev/null
assert_grep '3 packets transmitted, 3 received' "$OUT"
cap="$RUN/pcap/hosta-net-link-eth0.pcap"
wait_for 10 "[ -s '$cap' ]" || fail "no $cap"
# read it back with libpcap: linktype, then per packet the IPv4 protocol and addresses
"$LS_BIN/pcap-read" "$cap" > "$RUN/pcap.txt" || fail "pcap does not parse (libpcap)"
cat "$RUN/pcap.txt"
assert_grep '^linktype 101$' "$RUN/pcap.txt"
assert_subsequence "$RUN/pcap.txt" \
    '^v4 proto 1 192.0.2.10 > 198.51.100.10 len 84 type 8$' \
    '^v4 proto 1 198.51.100.10 > 192.0.2.10 len 84 type 0$' \
    '^v4 proto 1 192.0.2.10 > 198.51.100.10 len 84 type 8$' \
    '^v4 proto 1 198.51.100.10 > 192.0.2.10 len 84 type 0$'
[ -e "$RUN/pcap/router-net-link-eth1.pcap" ] || fail "no capture of router's net:link@eth1"

# transport:net: NET_TX carries a bare UDP segment; the capture synthesizes its IPv4 header
ls_ctl exec hostb udp-recv -e -c 1 5353 > "$RUN/recv.txt" 2>&1 &
wait_for 10 "grep -q 'listening on UDP port 5353' '$RUN/recv.txt'" || fail "udp-recv did not start"
ls_exec hosta udp-send -r -p 40000 hostb 5353 hello > /dev/null || fail "udp-send"
wait
tcap="$RUN/pcap/hosta-transport-net.pcap"
wait_for 10 "[ -s '$tcap' ]" || fail "no $tcap"
"$LS_BIN/pcap-read" "$tcap" > "$RUN/tpcap.txt" || fail "transport pcap does not parse (libpcap)"
cat "$RUN/tpcap.txt"
assert_subsequence "$RUN/tpcap.txt" '^linktype 101$' \
    '^v4 proto 17 192\.0\.2\.10\.40000 > 198\.51\.100\.10\.5353$' '^v4 proto 17 198\.51\.100\.10\.5353 > 192\.0\.2\.10\.40000$'

# and trace --flow follows that UDP exchange through every layer, both ways
ls_ctl trace --flow udp/5353 > "$RUN/flow.txt" || fail "trace --flow"
assert_subsequence "$RUN/flow.txt" '^== hosta' ' transport +down encap +\+l4 .*192\.0\.2\.10\.40000 > 198\.51\.100\.10\.5353: UDP' \
    ' net/eth0 +down encap +\+ip ' ' link/eth0 +down encap +\+eth .*ethertype IPv4' '^== hostb' \
    ' transport +up +demux +demux .*dport 5353 -> socket' '^== hosta' ' transport +up +demux +demux .*dport 40000 -> socket'
ls_ctl trace --flow 192.0.2.10:40000-198.51.100.10:5353 | grep -q 'UDP, length 5' || fail "trace --flow A:P-B:Q"
pass "net:link and transport:net pipes captured as raw IPv4; trace --flow follows the UDP flow"
