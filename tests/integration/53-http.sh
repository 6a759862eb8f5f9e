#!/bin/bash
# 53-http.sh -- HTTP/1.0 from hosta to httpd on hostb: GET / -> 200 and the
# page, GET /missing -> 404 (http-get exits 1), and a connect to a port
# nobody listens on fails with ECONNREFUSED (the peer's RST).
. "$(dirname "$0")/lib.sh"
ls_up topologies/default.yaml

"$STACKCTL" --run-dir "$RUN" exec hostb httpd -p 80 -c 2 > "$RUN/httpd.txt" 2>&1 &
hpid=$!
wait_for 10 "grep -q 'serving http://hostb:80/' $RUN/httpd.txt" || fail "httpd did not start"
ls_exec hosta http-get http://hostb/ > /dev/null || fail "http-get / failed"
assert_grep '<h1>Hello from hostb</h1>' "$OUT"
ls_exec hosta http-get -i http://198.51.100.10:80/missing > /dev/null && fail "http-get of a 404 exited 0"
assert_grep '^HTTP/1\.0 404 Not Found' "$OUT"
wait "$hpid" || fail "httpd exited with an error"
assert_grep '^192\.0\.2\.10:[0-9]+ "GET / HTTP/1\.0" 200 [0-9]+$' "$RUN/httpd.txt"
assert_grep '^192\.0\.2\.10:[0-9]+ "GET /missing HTTP/1\.0" 404 [0-9]+$' "$RUN/httpd.txt"
pass "GET / 200, GET /missing 404"

ls_exec hosta http-get http://hostb:8080/ > /dev/null && fail "connect to a closed port succeeded"
assert_grep 'failed to connect to 198\.51\.100\.10 port 8080: Connection refused' "$OUT"
ls_exec hosta nc hostb 9 < /dev/null > /dev/null && fail "nc to a closed port succeeded"
assert_grep 'connect to 198\.51\.100\.10 port 9 \(tcp\) failed: Connection refused' "$OUT"
[ "$(counter hostb tcp.tx.rst)" -ge 2 ] || fail "hostb sent no RSTs"
pass "closed port -> ECONNREFUSED"
