#!/bin/bash
# 44-pipe-pcap.sh -- per-pipe captures: with `pipe_pcap: true` in the
# topology's settings, each net:link pipe is written (by its link-svc end,
# both directions) to RUN/pcap/HOST-net-link-IF.pcap as LINKTYPE_RAW IPv4.
. "$(dirname "$0")/lib.sh"
sed 's/^seed: 1$/seed: 1\nsettings:\n  pipe_pcap: true/' "$LS_ROOT/topologies/default.yaml" > "$RUN/pcap-topo.yaml"
grep -q pipe_pcap "$RUN/pcap-topo.yaml" || fail "could not make the topology"
ls_up "$RUN/pcap-topo.yaml"
ls_exec hosta ping -c 3 -i 0.05 -W 1 hostb > /dev/null
assert_grep '3 packets transmitted, 3 received' "$OUT"
cap="$RUN/pcap/hosta-net-link-eth0.pcap"
wait_for 10 "[ -s '$cap' ]" || fail "no $cap"
# read it back: global header linktype, then per packet the IPv4 protocol and addresses
python3 - "$cap" > "$RUN/pcap.txt" <<'PY' || fail "pcap does not parse"
import struct, sys
d = open(sys.argv[1], 'rb').read()
magic, _, _, _, _, snap, link = struct.unpack('<IHHiIII', d[:24])
assert magic == 0xa1b2c3d4, hex(magic)
print('linktype', link)
off = 24
while off + 16 <= len(d):
    _, _, incl, orig = struct.unpack('<IIII', d[off:off + 16])
    p = d[off + 16: off + 16 + incl]
    off += 16 + incl
    print('v%d proto %d %s > %s len %d type %d' % (p[0] >> 4, p[9], '.'.join(map(str, p[12:16])),
          '.'.join(map(str, p[16:20])), struct.unpack('>H', p[2:4])[0], p[20]))
PY
cat "$RUN/pcap.txt"
assert_grep '^linktype 101$' "$RUN/pcap.txt"
assert_subsequence "$RUN/pcap.txt" \
    '^v4 proto 1 192.0.2.10 > 198.51.100.10 len 84 type 8$' \
    '^v4 proto 1 198.51.100.10 > 192.0.2.10 len 84 type 0$' \
    '^v4 proto 1 192.0.2.10 > 198.51.100.10 len 84 type 8$' \
    '^v4 proto 1 198.51.100.10 > 192.0.2.10 len 84 type 0$'
[ -e "$RUN/pcap/router-net-link-eth1.pcap" ] || fail "no capture of router's net:link@eth1"
pass "net:link pipes captured as raw IPv4"
