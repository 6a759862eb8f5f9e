# Lesson: TCP -- the three-way handshake, data both ways, the four-way close,
# netstat showing ESTABLISHED and then TIME_WAIT on the side that closed first;
# then a transfer through seeded loss with its fast retransmits.
# Sourced by scripts/demo.sh (helpers: sc, say, show; $RUN is the run directory).
_tcp_wait() {   # _tcp_wait SECONDS COMMAND: poll (every 50 ms) until COMMAND succeeds
    local n=$(( $1 * 20 )); shift
    while ! eval "$@" >/dev/null 2>&1; do
        n=$((n - 1)); [ $n -gt 0 ] || return 1
        sleep 0.05
    done
}
say "Lesson: a TCP connection from hosta to hostb port 7000 (nc), start to end"
_tcp_dir=$(mktemp -d /tmp/ls-demo-tcp.XXXXXX)
mkfifo "$_tcp_dir/a.in" "$_tcp_dir/b.in"
printf '\033[2m$ stackctl exec hostb nc -l 7000 &\033[0m\n'
sc exec hostb nc -l 7000 < "$_tcp_dir/b.in" > "$_tcp_dir/b.out" 2>&1 &
_tcp_b=$!
exec 8> "$_tcp_dir/b.in"
_tcp_wait 10 "sc netstat hostb | grep -q ':7000 .*LISTEN'"
printf '\033[2m$ stackctl exec hosta nc -v hostb 7000\033[0m\n'
sc exec hosta nc -v hostb 7000 < "$_tcp_dir/a.in" > "$_tcp_dir/a.out" 2>&1 &
_tcp_a=$!
exec 7> "$_tcp_dir/a.in"
echo "hello from hosta" >&7
echo "hello from hostb" >&8
_tcp_wait 10 "grep -q 'hello from hostb' $_tcp_dir/a.out"
_tcp_wait 10 "grep -q 'hello from hosta' $_tcp_dir/b.out"
printf 'hosta printed:\n'; sed 's/^/  /' "$_tcp_dir/a.out"
printf 'hostb printed:\n'; sed 's/^/  /' "$_tcp_dir/b.out"
say "While both are open: ESTABLISHED on both hosts (ss adds the TCP variables)"
show netstat hosta
show netstat hostb
show ss hosta
say "hosta's stdin ends: nc sends FIN (half-close); hostb's nc sees EOF and closes too"
exec 7>&-
wait "$_tcp_a"
exec 8>&-
wait "$_tcp_b"
say "The connection in hosta's transport log: S, S., . -- data -- F., ., F., ."
printf '\033[2m$ stackctl trace --host hosta --layer transport | grep -E "7000: (Flags|[A-Z_0-9]+ ->)"\033[0m\n'
sc trace --host hosta --layer transport | grep -E '7000: (Flags|[A-Z_0-9]+ ->)' | cut -c 1-170
say "hosta closed first (the active closer): it waits in TIME_WAIT for 2*MSL; hostb has nothing left"
show netstat hosta
show netstat hostb
rm -rf "$_tcp_dir"

say "2 MiB from hosta to hostb with 2% seeded loss on hosta's net:link: fast retransmit repairs it"
show fault add hosta net:link down loss 2% seed 3
sc exec hostb xfer -l 7001 > /dev/null 2>&1 &
_tcp_b=$!
_tcp_wait 10 "sc netstat hostb | grep -q ':7001 .*LISTEN'"
printf '\033[2m$ stackctl exec hosta xfer hostb 7001 2M\033[0m\n'
sc exec hosta xfer hostb 7001 2M
wait "$_tcp_b"
printf '\033[2m$ stackctl trace --host hosta --ev cwnd | grep -E "dupack #3|ACK\\)|RTO" | head -8\033[0m\n'
sc trace --host hosta --ev cwnd | grep -E 'dupack #3|ACK\)|RTO' | head -8 | cut -c 1-170
sc stats hosta | grep -E 'fast_retransmit|tx.retransmits|cc.dupack3|cc.rto'
show fault clear
