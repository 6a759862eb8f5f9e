#!/bin/sh
# deps.sh -- install the Debian packages layerstack needs, if any is missing.
# Called by every make target. Non-interactive; needs root only when something
# is actually missing.
set -e
PKGS="build-essential pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler check libsubunit-dev libpcap-dev libyaml-dev bind9utils universal-ctags python3 $EXTRA_PKGS"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root; please run: apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
