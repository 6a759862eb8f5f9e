#!/bin/bash
# Two hosts on one switch, each with tests/tools/fake-net standing in for
# net-svc (a swapped layer). Shows the ARP request and reply, the cache
# entries on both sides and a test datagram delivered; asserts on counters,
# logs and the segment pcap read back with libpcap. Then kill -9 hosta's
# link-svc: the orchestrator restarts it, it sends a gratuitous ARP, and
# traffic resumes without restarting any neighbour. Finally malformed
# envelopes and a malformed topology give clear errors and crash nothing.
. tests/integration/lib.sh

ls_up tests/topologies/link-fake.yaml
ls_ctl ctl hosta-net send 192.0.2.20 hello-1 >/dev/null || fail "send hello-1"
wait_for 10 "ls_ctl ctl hostb-net last | grep -q 'last: hello-1'" || fail "hello-1 not delivered to hostb"
pass "datagram delivered hosta -> hostb"

# ARP request from hosta, reply from hostb, in order in the merged trace
ls_ctl trace --layer link > "$RUN/trace.txt"
assert_subsequence "$RUN/trace.txt" \
    'hosta-link/eth0 +link +down encap .*Request who-has 192\.0\.2\.20 tell 192\.0\.2\.10' \
    'hostb-link/eth0 +link +up +decap .*Request who-has 192\.0\.2\.20 tell 192\.0\.2\.10' \
    'hostb-link/eth0 +link +down encap .*Reply 192\.0\.2\.20 is-at 02:00:00:00:00:0b' \
    'hosta-link/eth0 +link +up +decap .*Reply 192\.0\.2\.20 is-at 02:00:00:00:00:0b' \
    'hosta-link/eth0 +link +down encap .*ethertype IPv4' \
    'hostb-link/eth0 +link +up +demux .*ethertype 0x0800 -> ipv4'
grep -q '"ev":"deliver".*hello-1.*padding' "$RUN/log/hostb-net.log" || fail "fake-net on hostb did not log the delivery"
pass "ARP request/reply and delivery in order in the trace"

# cache entries on both sides
ls_ctl arp hosta > "$RUN/arp-a.txt"; ls_ctl arp hostb > "$RUN/arp-b.txt"
assert_grep '^hostb \(192\.0\.2\.20\) at 02:00:00:00:00:0b \[ether\] on eth0 +REACHABLE' "$RUN/arp-a.txt"
assert_grep '^hosta \(192\.0\.2\.10\) at 02:00:00:00:00:0a \[ether\] on eth0 +REACHABLE' "$RUN/arp-b.txt"
pass "ARP cache entries on both sides"

# counters
[ "$(counter hosta arp.tx.request)" -ge 1 ] || fail "hosta arp.tx.request"
[ "$(counter hostb arp.tx.reply)" -ge 1 ] || fail "hostb arp.tx.reply"
[ "$(counter hostb fake.rx.datagram)" -eq 1 ] || fail "hostb fake.rx.datagram != 1"
[ "$(counter hostb eth.drop.bad_fcs)" -eq 0 ] || fail "unexpected FCS drops"
ls_ctl mac lan1 > "$RUN/mac.txt"
assert_grep '02:00:00:00:00:0a +[0-9]+ +hosta-link/wire@eth0' "$RUN/mac.txt"
assert_grep '02:00:00:00:00:0b +[0-9]+ +hostb-link/wire@eth0' "$RUN/mac.txt"
pass "counters and switch table"

# the segment pcap, read back with libpcap
"$LS_BIN/pcap-read" "$RUN/pcap/lan1.pcap" > "$RUN/pcap.txt" || fail "pcap unreadable"
assert_subsequence "$RUN/pcap.txt" \
    '02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff 0x0806 60 ARP op 1 192\.0\.2\.10 > 192\.0\.2\.20' \
    '02:00:00:00:00:0b > 02:00:00:00:00:0a 0x0806 60 ARP op 2 192\.0\.2\.20 > 192\.0\.2\.10' \
    '02:00:00:00:00:0a > 02:00:00:00:00:0b 0x0800 60 IPv4 192\.0\.2\.10 > 192\.0\.2\.20 proto 253'
pass "pcap shows request, reply, datagram"

# restart: kill -9 hosta's link-svc
garp_before=$(grep -c 'Request who-has 192.0.2.10 tell 192.0.2.10' "$RUN/log/hostb-link.log")
old_pid=$(ls_ctl status | awk '$1 == "hosta-link" { print $2 }')
[ -n "$old_pid" ] || fail "no pid for hosta-link"
kill -9 "$old_pid"
wait_for 15 "ls_ctl status | awk '\$1 == \"hosta-link\" && \$3 == \"ready\" && \$4 == 1 && \$2 != $old_pid' | grep -q ." \
    || { ls_ctl status; fail "hosta-link not restarted"; }
grep -q '"ev":"restart".*hosta-link' "$RUN/log/orchestrator.log" || fail "restart not logged by the orchestrator"
wait_for 10 "[ \$(grep -c 'Request who-has 192.0.2.10 tell 192.0.2.10' $RUN/log/hostb-link.log) -gt $garp_before ]" \
    || fail "hostb did not see hosta's gratuitous ARP after the restart"
pass "hosta-link restarted by the orchestrator and sent a gratuitous ARP"
wait_for 10 "ls_ctl ctl hosta-net send 192.0.2.20 hello-2 >/dev/null; ls_ctl ctl hostb-net last | grep -q 'last: hello-2'" \
    || fail "traffic did not resume after the restart"
ls_ctl status > "$RUN/status.txt"
for svc in sw-lan1 hostb-link hosta-net hostb-net; do
    awk -v s=$svc '$1 == s && $4 == 0 { ok = 1 } END { exit !ok }' "$RUN/status.txt" || fail "$svc was restarted"
done
pass "traffic resumed; no neighbour restarted"

# malformed envelopes: rejected, counted, logged; the service keeps running
"$LS_BIN/send-garbage" "ipc://$RUN/s/hostb-link.eth0" >/dev/null || fail "send-garbage"
wait_for 10 "[ \$(counter hostb pipe.drop.version) -ge 1 ] && [ \$(counter hostb pipe.drop.kind) -ge 1 ]" \
    || { ls_ctl stats hostb; fail "malformed envelopes not counted"; }
[ "$(counter hostb pipe.drop.decode)" -ge 1 ] || fail "undecodable envelope not counted"
grep -q '"ev":"drop","reason":"pipe.drop.version".*wrong contract version' "$RUN/log/hostb-link.log" \
    || fail "version drop not logged with its reason"
ls_ctl ctl hostb-link status | grep -q 'service: hostb-link' || fail "hostb-link stopped answering"
awk '$1 == "hostb-link" && $4 == 0 { ok = 1 } END { exit !ok }' <(ls_ctl status) || fail "hostb-link crashed"
pass "malformed envelopes rejected and counted, service alive"

# a malformed topology: one clear line with file:line and reason, nothing started
bad="$LS_ROOT/tests/topologies/bad-address.yaml"
"$STACKCTL" --run-dir "$RUN/bad" up "$bad" > "$RUN/bad.txt" 2>&1 && fail "bad topology accepted"
[ "$(wc -l < "$RUN/bad.txt")" -eq 1 ] || { cat "$RUN/bad.txt"; fail "error is not one line"; }
assert_grep 'bad-address\.yaml:[0-9]+: .*address' "$RUN/bad.txt"
pass "malformed topology rejected: $(cat "$RUN/bad.txt")"
