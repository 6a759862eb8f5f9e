#!/bin/bash
# 54-netstat.sh -- an nc session hosta -> hostb seen through `stackctl
# netstat`: ESTABLISHED on both hosts while open; after hosta's stdin ends
# (FIN first) hosta -- the active closer -- sits in TIME_WAIT for 2*MSL
# (MSL 1 s in this topology) while hostb's side is gone. Then an app killed
# with SIGKILL: transport-svc misses its heartbeats and closes its socket
# with FIN, so the peer sees end-of-stream.
. "$(dirname "$0")/lib.sh"
ls_up tests/topologies/transport-msl.yaml

mkfifo "$RUN/a.in" "$RUN/b.in"
"$STACKCTL" --run-dir "$RUN" exec hostb nc -l 6000 < "$RUN/b.in" > "$RUN/b.out" 2>&1 &
bpid=$!
exec 8> "$RUN/b.in"
wait_for 10 "ls_ctl netstat hostb | grep -qE '0\.0\.0\.0:6000 +0\.0\.0\.0:\* +LISTEN'" || fail "nc -l not listening"
"$STACKCTL" --run-dir "$RUN" exec hosta nc hostb 6000 < "$RUN/a.in" > "$RUN/a.out" 2>&1 &
apid=$!
exec 7> "$RUN/a.in"
echo "hello from hosta" >&7
echo "hello from hostb" >&8
wait_for 10 "grep -q 'hello from hosta' $RUN/b.out" || fail "hostb did not receive"
wait_for 10 "grep -q 'hello from hostb' $RUN/a.out" || fail "hosta did not receive"
ls_ctl netstat hosta > "$RUN/ns-a.txt"; ls_ctl netstat hostb > "$RUN/ns-b.txt"
cat "$RUN/ns-a.txt" "$RUN/ns-b.txt"
assert_grep '^Proto Recv-Q Send-Q Local Address +Foreign Address +State$' "$RUN/ns-a.txt"
assert_grep '^tcp +0 +[0-9]+ 192\.0\.2\.10:[0-9]+ +198\.51\.100\.10:6000 +ESTABLISHED$' "$RUN/ns-a.txt"
assert_grep '^tcp +0 +[0-9]+ 198\.51\.100\.10:6000 +192\.0\.2\.10:[0-9]+ +ESTABLISHED$' "$RUN/ns-b.txt"
ls_ctl ss hosta > "$RUN/ss-a.txt"
assert_grep '^ESTAB ' "$RUN/ss-a.txt"
assert_grep 'snd_una:[0-9]+ snd_nxt:[0-9]+ rcv_nxt:[0-9]+' "$RUN/ss-a.txt"
pass "ESTABLISHED on both hosts"

exec 7>&-   # hosta's stdin ends: FIN from hosta first
wait "$apid" || fail "nc on hosta exited with an error"
wait "$bpid" || fail "nc on hostb exited with an error"
exec 8>&-
ls_ctl netstat hosta > "$RUN/ns-a2.txt"
cat "$RUN/ns-a2.txt"
assert_grep '^tcp +0 +0 192\.0\.2\.10:[0-9]+ +198\.51\.100\.10:6000 +TIME_WAIT$' "$RUN/ns-a2.txt"
wait_for 5 "! ls_ctl netstat hostb | grep -q ':6000 .*192\.0\.2\.10'" || fail "hostb still lists the connection"
wait_for 10 "! ls_ctl netstat hosta | grep -q TIME_WAIT" || fail "TIME_WAIT did not end after 2*MSL"
pass "TIME_WAIT on the active closer, then gone after 2*MSL"

# an app that dies without closing: its socket is closed for it
mkfifo "$RUN/c.in" "$RUN/d.in"
"$STACKCTL" --run-dir "$RUN" exec hostb nc -l 6001 < "$RUN/d.in" > "$RUN/d.out" 2>&1 &
dpid=$!
exec 8> "$RUN/d.in"
wait_for 10 "ls_ctl netstat hostb | grep -q ':6001 .*LISTEN'" || fail "nc -l 6001 not listening"
"$STACKCTL" --run-dir "$RUN" exec hosta nc hostb 6001 < "$RUN/c.in" > "$RUN/c.out" 2>&1 &
cpid=$!
exec 7> "$RUN/c.in"
wait_for 10 "ls_ctl netstat hosta | grep -q ':6001 .*ESTABLISHED'" || fail "second session not established"
kill -9 "$cpid"
wait "$cpid" 2>/dev/null
wait_for 15 "! kill -0 $dpid 2>/dev/null" || fail "hostb's nc never saw end-of-stream after hosta's nc died"
exec 7>&- 8>&-
[ "$(counter hosta transport.app.timeout)" -ge 1 ] || fail "hosta transport.app.timeout"
assert_grep 'app session [0-9a-f]+ ended \(no heartbeat: the app died\): closed 1 socket' "$RUN/log/hosta-transport.log"
pass "a killed app's socket closed with FIN by transport-svc"
