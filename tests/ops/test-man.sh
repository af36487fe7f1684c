# The man pages: mandoc -T lint finds nothing; vigil.1 names every flag of
# vigil's usage, every config key and every console command; vigil-sim.1
# every flag and fault of vigil-sim --help. make install puts the pages,
# themes, bots, the systemd unit and the logrotate file in place.
. tests/ops/lib.sh

lint_clean() {
	mandoc -T lint "$1" >"$WORK/lint" 2>&1
	rc=$?
	[ -s "$WORK/lint" ] && sed 's/^/    | /' "$WORK/lint"
	[ "$rc" -eq 0 ] && [ ! -s "$WORK/lint" ]
}
if command -v mandoc >/dev/null 2>&1; then
	check "mandoc -T lint man/vigil.1: nothing" lint_clean man/vigil.1
	check "mandoc -T lint man/vigil-sim.1: nothing" lint_clean man/vigil-sim.1
	printf '.TH X 1\n.SH NAME\nx \\- y\n.BR\n.XX bad\n' >"$WORK/bad.1"
	check "... and it would flag a broken page" sh -c "! mandoc -T lint '$WORK/bad.1' >/dev/null 2>&1"
else
	skip "mandoc -T lint man/vigil.1" "no mandoc here"
	skip "mandoc -T lint man/vigil-sim.1" "no mandoc here"
	skip "... and it would flag a broken page" "no mandoc here"
fi

# The text as a reader sees it (no font escapes, "\-" as "-").
mandoc -T ascii man/vigil.1 2>/dev/null | col -b >"$WORK/vigil.txt"
mandoc -T ascii man/vigil-sim.1 2>/dev/null | col -b >"$WORK/vigil-sim.txt"
in_page() { grep -qF -- "$2" "$WORK/$1.txt"; }

missing=""
for flag in $("$VIGIL" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	in_page vigil "$flag" || missing="$missing $flag"
done
check "vigil.1 has every flag of vigil --help${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=""
for key in $(sed -n 's/^	{ "\([a-z_]*\)", .*/\1/p' src/config.c); do
	in_page vigil "$key" || missing="$missing $key"
done
check "vigil.1 has every config key${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=""
for cmd in $(sed -n 's/^	\.name = "\([a-z]*\)",/\1/p' src/ui/cmd-*.c); do
	in_page vigil "$cmd" || missing="$missing $cmd"
done
check "vigil.1 has every console command${missing:+ (missing:$missing)}" [ -z "$missing" ]
for word in SIGINT SIGTERM SIGUSR1 SIGHUP 'EXIT STATUS' FILES ENVIRONMENT 'vigil ctl'; do
	check "vigil.1 covers $word" in_page vigil "$word"
done
missing=""
for flag in $("$VIGIL_BUILD/vigil-sim" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	in_page vigil-sim "$flag" || missing="$missing $flag"
done
check "vigil-sim.1 has every flag${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=""
for fault in $("$VIGIL_BUILD/vigil-sim" --help | sed -n '/^Faults/,/^Control/p' | \
    sed -n 's/^  \([a-z_0-9]*\).*/\1/p'); do
	in_page vigil-sim "$fault" || missing="$missing $fault"
done
check "vigil-sim.1 has every fault${missing:+ (missing:$missing)}" [ -z "$missing" ]
check "vigil-sim.1 covers EXIT STATUS and SIGNALS" sh -c "grep -q 'EXIT STATUS' '$WORK/vigil-sim.txt' && grep -q SIGNALS '$WORK/vigil-sim.txt'"

# make install into a private root.
ROOT=$WORK/root
make -s install DESTDIR="$ROOT" PREFIX=/usr BUILD="$VIGIL_BUILD" >"$WORK/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr" [ $? -eq 0 ]
for f in usr/bin/vigil usr/bin/vigil-sim usr/share/man/man1/vigil.1 usr/share/man/man1/vigil-sim.1 \
    usr/share/vigil/themes/default.theme usr/lib/systemd/system/vigil.service etc/logrotate.d/vigil; do
	check "installed: /$f" test -f "$ROOT/$f"
done
if ls bots/*.lua >/dev/null 2>&1; then
	check "installed: the bots" sh -c "ls '$ROOT/usr/share/vigil/bots/'*.lua >/dev/null"
else
	check "installed: the bots directory (no bots in the tree yet)" test -d "$ROOT/usr/share/vigil/bots"
fi
check "the installed unit runs the installed vigil" grep -q '^ExecStart=/usr/bin/vigil ' \
    "$ROOT/usr/lib/systemd/system/vigil.service"
check "man finds the installed page" sh -c "MANPATH='$ROOT/usr/share/man' man -w vigil 2>/dev/null | grep -q vigil.1 || mandoc -T lint '$ROOT/usr/share/man/man1/vigil.1'"
make -s uninstall DESTDIR="$ROOT" PREFIX=/usr BUILD="$VIGIL_BUILD" >/dev/null 2>&1
check "make uninstall leaves no file" [ -z "$(find "$ROOT" -type f)" ]
finish
