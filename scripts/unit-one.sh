#!/bin/sh
# unit-one.sh -- build and run a few suites in isolation, under ASan+UBSan.
#   scripts/unit-one.sh common/wire/ipv4.c net-svc/route.c tests/unit/test_ipv4.c ...
# Links the given files with common/wire/{bytes,csum}.c and common/runtime/{log,counters}.c and the check runner.
# Lets one module be iterated on while other modules are half-written.
set -e
[ -f build/gen/proto/layerstack.pb-c.h ] || { mkdir -p build/gen; protoc-c --c_out=build/gen proto/layerstack.proto; }
out=build/one/$(echo "$*" | md5sum | cut -c1-8)
mkdir -p "$out"
grep -ho '^Suite \*[a-z0-9_]*_suite(void)' "$@" | sed 's/^Suite \*\(.*\)(void)/X(\1)/' | sort > "$out/suites.h"
extra=""
for f in common/wire/bytes.c common/wire/csum.c common/runtime/log.c common/runtime/counters.c; do case " $* " in *" $f "*) ;; *) extra="$extra $f";; esac; done
gcc -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -D_GNU_SOURCE \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
    -I"$out" -I. -Icommon -Ibuild/gen -o "$out/runner" tests/unit/check_main.c $extra "$@" \
    $(pkg-config --cflags --libs libzmq libprotobuf-c check libpcap yaml-0.1) -lm
LS_UNIT_ONLY=1 "$out/runner"
