#!/bin/sh
# `ctalertd scan` under valgrind: the bundled sample logs and every bad input
# of the stream guard cases (tests/stream/cases), all in one process per run
# so that what one file leaves behind meets the next, scanned with the whole
# shipped rule pack, with both decompressors, with tight limits, as NDJSON,
# from standard input, and the errors of bad rules. Each run must end with its
# own exit status (0, 1 or 2), and valgrind must report no error and no leak.
# Skipped (77) without valgrind or on a sanitizer build. Output: TAP.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
cases="$top_srcdir/tests/stream/cases"
data="$top_srcdir/tests/data"
pack="$top_srcdir/etc/rules.d"
CASEGEN="$top_builddir/tests/stream/casegen"
tutorial='{"eventSource":["sns.amazonaws.com"],"eventName":["CreateTopic"]}'

if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 77
fi
if [ ! -x "${CTALERTD:-}" ] || [ ! -x "$CASEGEN" ]; then
	echo "1..0 # SKIP needs ctalertd (\$CTALERTD) and tests/stream/casegen"
	exit 77
fi
if grep -q __asan_init "$CTALERTD"; then
	echo "1..0 # SKIP ctalertd is built with sanitizers"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ctvg.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT INT TERM
export CASES="$cases" CASEGEN

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
	sed 's/^/# /' "$work/vg" | head -n 40
}

# vg TITLE STATUS ARGS...: ctalertd scan ARGS under valgrind (standard input
# from $stdin); passes when it exits STATUS and valgrind said nothing.
stdin=/dev/null
vg() {
	title=$1 want=$2
	shift 2
	timeout 600 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect,possible --log-file="$work/vg" \
		"$CTALERTD" scan --no-progress "$@" <"$stdin" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$work/vg" ]; then
		ok "$title"
		grep -F 'ctalertd scan:' "$work/err" | sed 's/^/# /'
	else
		echo "# exit status $rc, want $want"
		sed 's/^/# stderr: /' "$work/err" | head -n 5
		not_ok "$title"
	fi
}

# Every guard case's input, made the way tests/stream/guards.sh makes it.
inputs=""
for c in "$cases"/*.case; do
	name=$(basename "$c" .case)
	make=$(sed -n 's/^input: //p' "$c")
	[ "$make" = ":" ] && continue # no file at all
	mkdir "$work/$name"
	(cd "$work/$name" && eval "$make") 2>"$work/make.err"
	if [ ! -f "$work/$name/input" ] || [ -s "$work/make.err" ]; then
		echo "# cannot make the input of $name: $(cat "$work/make.err")"
		exit 99
	fi
	inputs="$inputs $work/$name/input"
done

backends=zlib
grep -q 'define HAVE_ISAL 1' "$top_builddir/config.h" 2>/dev/null && backends="isal zlib"
for b in $backends; do
	vg "sample logs and bad inputs, the rule pack, $b" 2 \
		--inflate="$b" --rules "$pack" -p "$tutorial" --stats "$data" $inputs
done
vg "bad inputs with tight limits" 2 --rules "$pack" --max-record-size=4K --max-depth=32 \
	--max-inflated-size=1M --max-ratio=20 $inputs "$data"
vg "bad inputs read as NDJSON, counted" 2 --format=ndjson --count --rules "$pack" \
	"$cases/tutorial.ndjson" $inputs
stdin=$(find "$data" -name '*.json.gz' | head -n 1)
vg "a sample log from standard input, the envelope off" 0 --envelope=none -p "$tutorial" -
stdin=/dev/null

# Bad rules: each is refused with status 2 before any file is read.
mkdir "$work/rules"
printf '{"name": "x", "pattern": {"eventName": ["A"],}}\n' >"$work/rules/bad-json.json"
vg "a rule file that is not JSON" 2 --rules "$work/rules" "$data"
rm "$work/rules/bad-json.json"
printf '{"name": "x", "pattern": {"eventName": [{"numeric": [">", "y"]}]}}\n' >"$work/rules/bad-op.json"
vg "a rule with a bad numeric operator" 2 --rules "$work/rules" "$data"
cp "$pack"/*.json "$work/rules/"
vg "a bad rule among the pack" 2 --rules "$work/rules" "$data"
vg "a pattern that is not an object" 2 -p 'x=[1,2]' "$data"
printf 'rules = ( { name = "x"; pattern = { eventName = ["A"]; } }\n' >"$work/bad.conf"
vg "a configuration file with a syntax error" 2 --config "$work/bad.conf" "$data"
vg "a configuration file that does not exist" 2 --config "$work/missing.conf" "$data"

echo "1..$n"
exit $((failed > 0))
