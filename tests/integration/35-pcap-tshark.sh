#!/bin/bash
# 35-pcap-tshark.sh -- after pings (plain, fragmented, errors) both
# segments' pcaps decode in tshark with no malformed packets and no bad
# checksums (IP header checksum validation on; ICMP is always checked).
. "$LS_ROOT/tests/integration/lib.sh"
if ! command -v tshark > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y tshark > /dev/null 2>&1 || fail "cannot install tshark"
fi
ls_up "$LS_ROOT/tests/topologies/net-default.yaml"   # 203.0.113.0/24 unrouted there
ls_exec hosta ping -c 2 -i 0.05 -W 5 hostb > /dev/null || fail "ping"
ls_exec hosta ping -c 2 -i 0.05 -W 5 -s 3000 hostb > /dev/null || fail "ping -s 3000"
ls_exec hosta ping -c 1 -W 3 203.0.113.5 > /dev/null
ls_exec hosta traceroute -w 3 hostb > /dev/null || fail "traceroute"
ls_ctl down > /dev/null   # flush the captures
for seg in lan1 lan2; do
    f="$RUN/pcap/$seg.pcap"
    [ -s "$f" ] || fail "no capture $f"
    tshark -r "$f" -o ip.check_checksum:TRUE > "$RUN/$seg.txt" 2> "$RUN/$seg.err" || fail "tshark cannot read $f"
    tshark -r "$f" -o ip.check_checksum:TRUE -q -z expert > "$RUN/$seg.expert" 2>&1
    assert_no_grep '[Mm]alformed' "$RUN/$seg.txt"
    assert_no_grep '[Mm]alformed|[Cc]hecksum|^Errors|^Warns' "$RUN/$seg.expert"
    # ICMP checksums are verified by tshark: a bad one shows as [incorrect]
    assert_no_grep 'incorrect' "$RUN/$seg.txt"
done
assert_grep 'Echo \(ping\) reply .*ttl=63 \(request in [0-9]+\)' "$RUN/lan1.txt"
assert_grep 'Fragmented IP protocol' "$RUN/lan1.txt"
assert_grep 'Destination unreachable \(Network unreachable\)' "$RUN/lan1.txt"
assert_grep 'Time-to-live exceeded' "$RUN/lan1.txt"
[ "$(tshark -r "$RUN/pcap/lan1.pcap" -Y 'ip.flags.mf == 1' 2>/dev/null | wc -l)" -ge 4 ] || fail "tshark sees no fragments"
pass "pcaps decode cleanly"
