#!/bin/sh
# Installs the Debian packages vigil needs to build, test and run, and only
# those that are missing. Run by `make` when a pkg-config module or header is
# absent; safe to run by hand. Uses sudo when not root.
set -eu

# package            what needs it
PKGS="
build-essential      compiler-and-make
pkg-config           finds-the-libraries
libwebsockets-dev    gateway-websocket-and-emulator
libcurl4-openssl-dev REST-client
libjansson-dev       JSON-payloads-config-state-file
libncurses-dev       the-console
libreadline-dev      the-command-line
libjsmn-dev          zero-allocation-frame-tokenizer
libcmocka-dev        unit-tests
zlib1g-dev           zlib-stream-transport-compression
libzstd-dev          zstd-stream-transport-compression
liblua5.4-dev        bot-scripts-in-Lua-and-the-simulated-Redis
libssl-dev           gateway-TLS-and-the-upgrade-SHA-1
openssl              TLS-tests-make-their-certificates
libhiredis-dev       cluster-store-client-(Redis)
redis-server         cluster-tests-start-their-own
ca-certificates      TLS-to-real-Discord
tmux                 end-to-end-console-tests
procps               tests-read-process-state
iproute2             network-namespace-chaos-test
clang                fuzzing-with-libFuzzer
libclang-rt-14-dev   libFuzzer-and-sanitizer-runtimes
valgrind             leak-checks
"

missing=""
for p in $(printf '%s\n' "$PKGS" | awk 'NF {print $1}'); do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all build and test packages are present"
	exit 0
fi

echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: not root and no sudo; install these by hand:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "deps: apt-get update failed; trying the install anyway" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: done"
