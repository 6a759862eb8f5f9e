#!/bin/bash
# 40-fault-loss.sh -- seeded 20% loss on hosta's net:link down: ping -c 100
# shows about that loss, and the "fault" lines in hosta's log name exactly
# the echo requests that never got an answer.
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml
ls_ctl fault add hosta net:link down loss 20% seed 7 > "$RUN/add.txt" || fail "fault add"
assert_grep 'rule 1: hosta net:link@eth0 down: loss 20% \(seed 7\), applied by hosta-net as it sends; in force' "$RUN/add.txt"
ls_exec hosta ping -c 100 -i 0.02 -W 5 hostb > /dev/null
stats=$(grep 'packets transmitted' "$OUT")
received=$(echo "$stats" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
lost=$((100 - received))
echo "ping: $stats"
[ "$lost" -ge 5 ] && [ "$lost" -le 38 ] || fail "expected about 20% loss, lost $lost of 100"

# the echo requests the fault engine dropped, by icmp_seq (via the datagram's encap line)
log="$RUN/log/hosta-net.log"
grep '"ev":"fault"' "$log" | grep '"reason":"fault.drop.loss"' | sed 's/.*"pdu":"\([^"]*\)".*/\1/' > "$RUN/dropped-ids"
[ "$(wc -l < "$RUN/dropped-ids")" -eq "$lost" ] || fail "$(wc -l < "$RUN/dropped-ids") fault drop lines, $lost lost"
while read -r id; do
    grep "\"ev\":\"encap\",\"pdu\":\"$id\"" "$log" | sed -n 's/.*echo request, id [0-9]*, seq \([0-9]*\),.*/\1/p'
done < "$RUN/dropped-ids" | sort -n > "$RUN/dropped-seqs"
# the sequence numbers ping never heard back about
for i in $(seq 1 100); do grep -q "icmp_seq=$i ttl" "$OUT" || echo "$i"; done > "$RUN/missing-seqs"
diff "$RUN/dropped-seqs" "$RUN/missing-seqs" || fail "fault lines name other echo requests than the missing ones"

# the rule's counters agree
ls_ctl fault list > "$RUN/list.txt"
cat "$RUN/list.txt"
assert_grep "^1 +hosta +net:link@eth0 +down +loss 20% +7 +[0-9]+ +$lost +0 " "$RUN/list.txt"
[ "$(counter hosta fault.drop)" = "$lost" ] || fail "hosta fault.drop != $lost"
pass "seeded loss: $lost of 100 echo requests dropped, each named by a fault line"
