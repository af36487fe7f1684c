#!/bin/sh
# The layers of docs/design.md, held by the includes and by the calls:
# prints every #include that crosses a line and, given the build directory,
# every symbol a room's archive takes from a room above it. Closes on
# "N passed, N failed" (one check a rule). The link order alone cannot catch
# a wrong-way call to a file the link already pulled in; nm can.
#
#   scripts/check-layers.sh [SRC_DIR [BUILD_DIR]]
set -u
SRC=${1:-src}
BUILD=${2:-}
# Outermost first, as the Makefile's ROOMS.
ROOMS="cli ui app script net sim bot"
pass=0
fail=0

# includes FILE...: "file:line:header" for every #include in the files.
includes() {
	[ $# -gt 0 ] || return 0
	grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$@" |
	    sed 's/^\([^:]*:[0-9]*\):[^<"]*[<"]\([^>"]*\)[>"].*/\1:\2/'
}

files_in() {
	for d in "$@"; do
		[ -d "$SRC/$d" ] && find "$SRC/$d" -name '*.[ch]'
	done
}

# rule NAME ALLOWED_RE FORBIDDEN_RE FILES...: every project include (one with
# a slash, "room/file.h") must match ALLOWED_RE, and no include may match
# FORBIDDEN_RE.
rule() {
	name=$1 allowed=$2 forbidden=$3
	shift 3
	bad=$(includes "$@" | awk -F: -v a="$allowed" -v f="$forbidden" '
		{ h = $3 }
		h ~ /^(bot|script|sim|net|app|ui)\// && h !~ a { print "  " $1 ":" $2 ": " h; next }
		f != "" && h ~ f { print "  " $1 ":" $2 ": " h }')
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		printf 'ok      %s\n' "$name"
	else
		fail=$((fail + 1))
		printf 'FAILED  %s; these includes cross the line:\n%s\n' "$name" "$bad"
	fi
}

CURSES='^(n?curses(w)?/|n?curses\.h|ncursesw?/|term\.h|panel\.h|readline/)'
SYSLIBS='^(libwebsockets\.h|curl/|hiredis/|systemd/)'
SIM_ADAPTER='/(server\.[ch]|serve-[a-z-]*\.c|adapter\.h|vigil-sim\.c)$'

rule "src/bot includes only src/bot, no I/O library, no curses" \
    '^bot/' "$SYSLIBS|$CURSES" $(files_in bot)
rule "src/script includes only src/script and src/bot, no I/O library, no curses" \
    '^(script|bot)/' "$SYSLIBS|$CURSES" $(files_in script)
rule "src/sim's core includes only its core and src/bot, no libwebsockets" \
    '^(sim/(sim|core|faults|zstream)\.h|bot/)' "$SYSLIBS|$CURSES" \
    $(files_in sim | grep -Ev "$SIM_ADAPTER")
rule "src/sim's adapter includes only src/sim and src/bot, no curses" \
    '^(sim|bot)/' "$CURSES" $(files_in sim | grep -E "$SIM_ADAPTER")
rule "src/net includes only src/net and src/bot, no curses" \
    '^(net|bot)/' "$CURSES" $(files_in net)
rule "src/app includes no src/ui, no curses" \
    '^(app|net|sim|script|bot)/' "$CURSES" $(files_in app)
rule "src/ui includes no src/net or src/sim" \
    '^(ui|app|script|bot)/' '' $(files_in ui)

# calls ROOM: the symbols ROOM's archive needs that a room above defines.
calls() {
	lib=$BUILD/libvigil-$1.a above=""
	for r in $ROOMS; do
		[ "$r" = "$1" ] && break
		[ -f "$BUILD/libvigil-$r.a" ] && above="$above $BUILD/libvigil-$r.a"
	done
	[ -n "$above" ] || return 0
	nm -g --defined-only $above 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp.def"
	nm -g --undefined-only "$lib" 2>/dev/null | awk '{ print $NF }' | sort -u >"$tmp.und"
	comm -12 "$tmp.def" "$tmp.und"
}

if [ -n "$BUILD" ]; then
	tmp=$(mktemp)
	for r in $ROOMS; do
		[ -f "$BUILD/libvigil-$r.a" ] || continue
		bad=$(calls "$r")
		if [ -z "$bad" ]; then
			pass=$((pass + 1))
			printf 'ok      libvigil-%s.a calls no room above it\n' "$r"
		else
			fail=$((fail + 1))
			printf 'FAILED  libvigil-%s.a calls into a room above it:\n%s\n' "$r" \
			    "$(printf '%s\n' "$bad" | sed 's/^/  /')"
		fi
	done
	rm -f "$tmp" "$tmp.def" "$tmp.und"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
