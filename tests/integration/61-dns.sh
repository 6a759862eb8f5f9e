#!/bin/bash
# 61-dns.sh -- dns-svc end to end on the default topology (with per-pipe
# captures): names in every app through the stub, host's and dig's output
# (dig parsed field by field), stackctl dns, a restart of dns-svc and of the
# transport-svc under it, the captures decoding in tshark with no malformed
# DNS, and a broken zone file refused by `stackctl up` with file:line.
. "$(dirname "$0")/lib.sh"
sed 's/^seed: 1$/seed: 1\nsettings:\n  pipe_pcap: true/' "$LS_ROOT/topologies/default.yaml" > "$RUN/dns-topo.yaml"
cp -r "$LS_ROOT/topologies/zones" "$RUN/"
ls_up "$RUN/dns-topo.yaml"

# ---- every app takes a name; unknown names fail as the classic tools say
ls_exec hosta ping -c 1 -W 5 www.example.test || fail "ping by name"
assert_grep '^PING www\.example\.test \(198\.51\.100\.10\) 56\(84\) bytes of data\.$' "$OUT"
ls_exec hosta ping -c 1 www.nope.test; [ $? -eq 2 ] || fail "ping: an unknown name must exit 2"
assert_grep '^ping: www\.nope\.test: Name or service not known$' "$OUT"
ls_exec hosta traceroute -n -w 3 www.example.test > /dev/null || fail "traceroute by name"
assert_grep '^traceroute to www\.example\.test \(198\.51\.100\.10\)' "$OUT"
ls_exec hosta traceroute www.nope.test && fail "traceroute of an unknown name"
assert_grep '^www\.nope\.test: Name or service not known$' "$OUT"
for app in "udp-send www.nope.test 9 x" "echo-client www.nope.test 7" "nc www.nope.test 7" "xfer www.nope.test 7 1k"; do
    ls_exec hosta $app < /dev/null && fail "$app exited 0"
    assert_grep "^${app%% *}: www\\.nope\\.test: Name or service not known$" "$OUT"
done
ls_exec hosta http-get http://www.nope.test/ && fail "http-get of an unknown name"
assert_grep 'Could not resolve host: www\.nope\.test' "$OUT"
"$STACKCTL" --run-dir "$RUN" exec hostb udp-recv -e -c 1 7777 > "$RUN/recv.txt" 2>&1 &
rpid=$!
wait_for 10 "grep -q 'listening on UDP port 7777' $RUN/recv.txt" || fail "udp-recv did not start"
ls_exec hosta udp-send -r -w 5 www.example.test 7777 "by name" > /dev/null || fail "udp-send by name"
assert_grep '^reply from 198\.51\.100\.10:7777: 7 bytes: by name$' "$OUT"
wait "$rpid"
# the search list (example.test) and the hosts file (topology names)
ls_exec hosta getent hosts www || fail "getent hosts www"
assert_grep '^198\.51\.100\.10 +www\.example\.test$' "$OUT"
ls_exec hosta getent hosts hostb || fail "getent hosts hostb"
assert_grep '^198\.51\.100\.10 +hostb$' "$OUT"
ls_exec hosta getent hosts nothing.example.test; [ $? -eq 2 ] || fail "getent: a missing name must exit 2"
pass "names in every app; unknown names; search list; hosts file"

# ---- host
ls_exec hosta host www.example.test || fail "host"
assert_grep '^www\.example\.test has address 198\.51\.100\.10$' "$OUT"
ls_exec hosta host -t MX example.test || fail "host -t MX"
assert_grep '^example\.test mail is handled by 10 mail\.example\.test\.$' "$OUT"
ls_exec hosta host docs.example.test || fail "host docs"
assert_subsequence "$OUT" '^docs\.example\.test is an alias for web\.example\.test\.$' \
    '^web\.example\.test is an alias for www\.example\.test\.$' '^www\.example\.test has address 198\.51\.100\.10$'
[ "$(grep -c 'is an alias for' "$OUT")" -eq 2 ] || fail "host prints a CNAME chain once (not again for AAAA and MX)"
ls_exec hosta host nope.example.test; [ $? -eq 1 ] || fail "host NXDOMAIN must exit 1"
assert_grep '^Host nope\.example\.test not found: 3\(NXDOMAIN\)$' "$OUT"
ls_exec hosta host -t A www.example.test ns || fail "host with a server"
assert_subsequence "$OUT" '^Using domain server:$' '^Name: ns$' '^Address: 198\.51\.100\.53#53$' \
    '^www\.example\.test has address 198\.51\.100\.10$'
ls_exec hosta host 198.51.100.10 || fail "host ADDRESS"
assert_grep '^10\.100\.51\.198\.in-addr\.arpa domain name pointer www\.example\.test\.$' "$OUT"
ls_exec hosta host -t TXT example.test || fail "host -t TXT"
assert_grep '^example\.test descriptive text "v=spf1 mx -all"$' "$OUT"
ls_exec hosta host -v -t NS example.test || fail "host -v"
assert_subsequence "$OUT" '^Trying "example\.test\."$' '^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: [0-9]+$' \
    '^;; ANSWER SECTION:$' '^example\.test\.	[0-9]+	IN	NS	ns1\.example\.test\.$' \
    '^Received [0-9]+ bytes from 198\.51\.100\.53#53 in [0-9]+ ms$'
pass "host"

# ---- dig, field by field
ls_exec hosta dig www.example.test > /dev/null || fail "dig"
awk -F'\t' -v out="$RUN/dig.fields" '
    /^;; ->>HEADER<<-/ { n = split($0, h, /[ ,:]+/); for (i = 1; i <= n; i++) { if (h[i] == "status") st = h[i+1]; if (h[i] == "id") id = h[i+1] } }
    /^;; flags:/ { flags = $0; sub(/^;; flags: /, "", flags); sub(/;.*/, "", flags)
                   n = split($0, c, /[ ,:;]+/); for (i = 1; i <= n; i++) if (c[i] ~ /^(QUERY|ANSWER|AUTHORITY|ADDITIONAL)$/) cnt[c[i]] = c[i+1] }
    /^; EDNS:/ { udp = $0; sub(/.*udp: /, "", udp) }
    /^;www/ { q = $0 }
    /^www\.example\.test\.\t/ { an_name = $1; an_ttl = $2; an_class = $3; an_type = $4; an_data = $5 }
    /^;; Query time: / { qt = $0; sub(/^;; Query time: /, "", qt) }
    /^;; SERVER: / { srv = $0; sub(/^;; SERVER: /, "", srv) }
    /^;; MSG SIZE  rcvd: / { size = $0; sub(/^;; MSG SIZE  rcvd: /, "", size) }
    END {
        printf "id=%s\nstatus=%s\nflags=%s\nQUERY=%s\nANSWER=%s\nAUTHORITY=%s\nADDITIONAL=%s\nudp=%s\n", id, st, flags, cnt["QUERY"], cnt["ANSWER"], cnt["AUTHORITY"], cnt["ADDITIONAL"], udp > out
        printf "question=%s\nname=%s\nttl=%s\nclass=%s\ntype=%s\ndata=%s\nquery_time=%s\nserver=%s\nsize=%s\n", q, an_name, an_ttl, an_class, an_type, an_data, qt, srv, size > out
    }' "$OUT"
f() { sed -n "s/^$1=//p" "$RUN/dig.fields"; }
[[ "$(f id)" =~ ^[0-9]+$ ]] && [ "$(f id)" -le 65535 ] || fail "dig id '$(f id)'"
assert_eq "$(f status)" NOERROR "dig status"
assert_eq "$(f flags)" "qr rd ra" "dig flags"
assert_eq "$(f QUERY)/$(f ANSWER)/$(f AUTHORITY)/$(f ADDITIONAL)" "1/1/0/1" "dig counts"
assert_eq "$(f udp)" 1232 "dig EDNS udp size"
assert_eq "$(f question)" ";www.example.test.		IN	A" "dig question line"
assert_eq "$(f name) $(f class) $(f type) $(f data)" "www.example.test. IN A 198.51.100.10" "dig answer"
[ "$(f ttl)" -ge 0 ] && [ "$(f ttl)" -le 300 ] || fail "dig answer TTL '$(f ttl)'"
[[ "$(f query_time)" =~ ^[0-9]+\ msec$ ]] || fail "dig query time '$(f query_time)'"
assert_eq "$(f server)" "198.51.100.53#53(198.51.100.53) (UDP)" "dig server"
assert_eq "$(f size)" 61 "dig message size"
ls_exec hosta dig +short docs.example.test > /dev/null || fail "dig +short"
assert_eq "$(tr '\n' ' ' < "$OUT")" "web.example.test. www.example.test. 198.51.100.10 " "dig +short chain"
ls_exec hosta dig -x 198.51.100.10 +short > /dev/null || fail "dig -x"
assert_eq "$(cat "$OUT")" "www.example.test." "dig -x"
ls_exec hosta dig +tcp www.example.test > /dev/null || fail "dig +tcp"
assert_grep '^;; SERVER: 198\.51\.100\.53#53\(198\.51\.100\.53\) \(TCP\)$' "$OUT"
ls_exec hosta dig nope.example.test > /dev/null || fail "dig of NXDOMAIN exits 0, as dig does"
assert_grep 'status: NXDOMAIN' "$OUT"
ls_exec hosta dig @198.51.100.99 +time=1 +tries=1 www.example.test > /dev/null; [ $? -eq 9 ] || fail "dig without a server must exit 9"
assert_grep '^;; connection timed out; no servers could be reached$' "$OUT"
pass "dig"

# ---- stackctl dns
ls_ctl dns hosta > "$OUT" || fail "stackctl dns hosta"
assert_grep '^stub cache: [0-9]+ entries' "$OUT"
assert_grep '^www\.example\.test\. +A +[0-9]+ +positive +198\.51\.100\.10$' "$OUT"
ls_ctl dns ns > "$OUT" || fail "stackctl dns ns"
assert_grep '^resolver cache: ' "$OUT"
assert_grep '^\. +NS +- +hint +a\.root-servers\.test\.$' "$OUT"
assert_grep '^nope\.example\.test\. +\* +[0-9]+ +NXDOMAIN' "$OUT"
ls_ctl dns hosta flush > "$OUT" || fail "flush"
assert_grep '^flushed [1-9][0-9]* cache entries$' "$OUT"
ls_ctl dns hosta > "$OUT"
assert_grep '^stub cache: 0 entries' "$OUT"
ls_ctl dns router 2> "$OUT" && fail "dns on a host without a dns layer"
assert_grep 'router has no dns layer' "$OUT"
ls_ctl dns auth zones > "$OUT" || fail "dns zones"
assert_grep '^example\.test\. +2026120201 +117 ' "$OUT"
pass "stackctl dns"

# ---- restarts: dns-svc, then the transport-svc under it
pid=$(ls_ctl status | awk '$1 == "ns-dns" { print $2 }')
kill -9 "$pid"
wait_for 20 "ls_ctl status | awk '\$1 == \"ns-dns\" && \$3 == \"ready\" && \$4 == 1' | grep -q ." || fail "ns-dns not restarted"
ls_exec hosta getent hosts mail.example.test || fail "lookup after ns-dns restarted"
assert_grep '^198\.51\.100\.25 +mail\.example\.test$' "$OUT"
[ "$(counter ns upper.restart)" -ge 1 ] || fail "ns-transport did not free the old instance's sockets"
pid=$(ls_ctl status | awk '$1 == "ns-transport" { print $2 }')
kill -9 "$pid"
wait_for 20 "ls_ctl status | awk '\$1 == \"ns-transport\" && \$3 == \"ready\" && \$4 == 1' | grep -q ." || fail "ns-transport not restarted"
wait_for 20 '[ "$(counter ns dns.transport_restart)" -ge 1 ]' || fail "ns-dns did not notice its transport restarted"
ls_exec hosta getent hosts ns1.example.test || fail "lookup after ns-transport restarted"
assert_grep '^203\.0\.113\.30 +ns1\.example\.test$' "$OUT"
pass "dns-svc and transport-svc restarts"

# ---- captures: segments and dns:transport pipes, no malformed DNS
ls_exec hosta dig many.example.test > /dev/null || fail "dig many (TC, TCP)"
ls_ctl down > /dev/null
for f in "$RUN"/pcap/lan1.pcap "$RUN"/pcap/lan2.pcap "$RUN"/pcap/lan3.pcap "$RUN"/pcap/ns-dns-transport.pcap \
         "$RUN"/pcap/hosta-dns-transport.pcap "$RUN"/pcap/auth-dns-transport.pcap; do
    [ -s "$f" ] || fail "no capture $f"
    tshark -r "$f" -Y dns > "$RUN/dns.txt" 2> "$RUN/dns.err" || fail "tshark cannot read $f"
    [ -s "$RUN/dns.txt" ] || fail "no DNS in $f"
    tshark -r "$f" -q -z expert > "$RUN/expert.txt" 2>&1
    assert_no_grep '[Mm]alformed' "$RUN/dns.txt"
    assert_no_grep '[Mm]alformed' "$RUN/expert.txt"
done
tshark -r "$RUN/pcap/lan3.pcap" -Y 'dns.flags.truncated == 1' > "$RUN/tc.txt" 2>/dev/null
[ -s "$RUN/tc.txt" ] || fail "tshark sees no truncated answer on lan3"
tshark -r "$RUN/pcap/lan3.pcap" -Y 'tcp.port == 53 && dns.count.answers == 100' > "$RUN/tcp.txt" 2>/dev/null
[ -s "$RUN/tcp.txt" ] || fail "tshark sees no 100-record answer over TCP on lan3"
tshark -r "$RUN/pcap/ns-dns-transport.pcap" -Y 'dns.qry.name == "many.example.test"' > "$RUN/pipe.txt" 2>/dev/null
[ -s "$RUN/pipe.txt" ] || fail "the dns:transport capture (since ns-transport restarted) has no many.example.test query"
pass "captures decode as DNS, none malformed"

# ---- a broken zone file: up refuses, naming the file, the line and the reason
mkdir -p "$RUN/bad/zones"
cp "$LS_ROOT"/topologies/zones/* "$RUN/bad/zones/"
cp "$LS_ROOT/tests/zones/bad-type.zone" "$RUN/bad/zones/example.test.zone"
cp "$LS_ROOT/topologies/default.yaml" "$RUN/bad/topo.yaml"
"$STACKCTL" --run-dir "$RUN/bad/run" up "$RUN/bad/topo.yaml" > "$OUT" 2>&1 && fail "up with a broken zone succeeded"
assert_grep '^stackctl up: auth-dns refused to start: dns-svc: .*/zones/example\.test\.zone:[0-9]+: unknown type' "$OUT"
"$STACKCTL" --run-dir "$RUN/bad/run" status > "$OUT" 2>&1
assert_grep 'nothing running' "$OUT"
pass "a broken zone is refused with file:line: reason"
