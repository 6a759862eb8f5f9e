#!/bin/bash
# 60-zone-checkzone.sh -- our zone files are real master files: every shipped
# topologies/zones/*.zone loads unchanged in BIND's named-checkzone and in our
# parser (build/bin/zone-check, dns-svc/zone.c), root.hints loads as hints,
# and every tests/zones/bad-*.zone is refused by our parser and, where BIND
# also refuses it, by named-checkzone. No stack is started.
# named-checkzone comes from bind9utils (scripts/deps.sh installs it).
. "$LS_ROOT/tests/integration/lib.sh"
command -v named-checkzone > /dev/null || fail "named-checkzone not found: run scripts/deps.sh (bind9utils)"
ZC="$LS_BIN/zone-check"
[ -x "$ZC" ] || fail "no $ZC (make)"

# the zone's name, from the file's own $ORIGIN line
origin_of() { awk 'toupper($1) == "$ORIGIN" { print $2; exit }' "$1"; }

n=0
for f in "$LS_ROOT"/topologies/zones/*.zone; do
    o=$(origin_of "$f")
    [ -n "$o" ] || fail "$f has no \$ORIGIN line"
    named-checkzone -q "$o" "$f" || { named-checkzone "$o" "$f"; fail "named-checkzone rejects $f"; }
    "$ZC" "$f" > "$OUT" 2>&1 || { cat "$OUT"; fail "zone-check rejects $f"; }
    n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n zone files in topologies/zones"
"$ZC" --hints "$LS_ROOT/topologies/zones/root.hints" > "$OUT" 2>&1 || { cat "$OUT"; fail "zone-check --hints rejects root.hints"; }
pass "$n shipped zone files and root.hints load in named-checkzone and zone-check"

nbad=0
for f in "$LS_ROOT"/tests/zones/bad-*.zone; do
    b=$(basename "$f")
    if "$ZC" "$f" > "$OUT" 2>&1; then
        fail "zone-check accepts $b"
    fi
    # our message is "PATH:LINE: reason", one line
    grep -qE "^$f:[0-9]+: " "$OUT" || { cat "$OUT"; fail "zone-check: no 'FILE:LINE: reason' for $b"; }
    case "$b" in
    # BIND accepts these, by design, so they are ours alone to refuse:
    #   wildcards are valid DNS (RFC 4592) that our server does not implement;
    #   out-of-zone data is ignored by BIND with a warning;
    #   a record with no TTL gets the SOA minimum in BIND, with a warning.
    bad-wildcard.zone | bad-out-of-zone.zone | bad-no-ttl.zone) ;;
    # BIND implements $INCLUDE: it fails here only because the included
    # file does not exist, which proves nothing about the construct.
    bad-include.zone) ;;
    *)
        o=$(origin_of "$f")
        if named-checkzone -q "$o" "$f"; then
            named-checkzone "$o" "$f"
            fail "named-checkzone accepts $b"
        fi
        ;;
    esac
    nbad=$((nbad + 1))
done
[ "$nbad" -ge 5 ] || fail "only $nbad bad zone files in tests/zones"
"$ZC" --hints "$LS_ROOT/tests/zones/bad-hints-mx.hints" > "$OUT" 2>&1 && fail "zone-check --hints accepts bad-hints-mx.hints"
pass "$nbad bad zone files refused (by named-checkzone too, except the BIND-valid ones)"
