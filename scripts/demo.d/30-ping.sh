# Lesson: IPv4 and ICMP across the router -- ping, its per-layer trace, traceroute.
say "Lesson: ping hostb from hosta, through the router (ttl 64 -> 63)"
printf '\033[2m$ stackctl exec hosta ping -c 3 -i 0.2 hostb\033[0m\n'
sc exec hosta ping -c 3 -i 0.2 hostb
show route hosta
show route router
say "One echo request followed through every layer: stackctl trace --pdu <its id>"
# the app's "send" line in hosta-net's log names the first echo request
ping_pdu=$(grep '"ev":"send"' "$RUN/log/hosta-net.log" | grep 'seq 1,' | tail -1 | sed 's/.*"pdu":"\([^"]*\)".*/\1/')
printf '\033[2m$ stackctl trace --pdu %s | grep -vE "ARP|arp|0x0806"\033[0m\n' "$ping_pdu"
sc trace --pdu "$ping_pdu" | grep -vE "ARP|arp|0x0806" \
    | awk '/^== /{ hdr = $0; next } { if (hdr != "") { print hdr; hdr = "" } print }' | head -40
say "traceroute: each hop answers the probe whose TTL ran out there"
printf '\033[2m$ stackctl exec hosta traceroute hostb\033[0m\n'
sc exec hosta traceroute -w 2 hostb
say "Errors: no such host on lan3 (the router's ARP gives up: host unreachable), and TTL 1 (time exceeded)"
printf '\033[2m$ stackctl exec hosta ping -c 1 -W 5 203.0.113.5\033[0m\n'
sc exec hosta ping -c 1 -W 5 203.0.113.5
printf '\033[2m$ stackctl exec hosta ping -c 1 -W 2 -t 1 hostb\033[0m\n'
sc exec hosta ping -c 1 -W 2 -t 1 hostb
say "Fragmentation: a 3000-byte ping leaves hosta as 3 fragments and is reassembled by hostb"
printf '\033[2m$ stackctl exec hosta ping -c 1 -s 3000 hostb\033[0m\n'
sc exec hosta ping -c 1 -s 3000 hostb
sc trace --host hosta --ev fragment | tail -3
sc trace --host hostb --ev reassemble | tail -1
