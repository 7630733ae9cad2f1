#!/bin/sh
# The guard cases: each tests/stream/cases/NAME.case makes one bad (or odd)
# input at test time and says what `ctalertd scan` must do with it, scanning
# the sample log after it to prove that a bad file never stops the others.
#
# Keys of a case file (one per line, "key: value"; # starts a comment):
#   input:   a shell command, run in a scratch directory, that writes ./input;
#            $CASES is the cases directory, $CASEGEN the input maker
#   args:    more options for ctalertd scan (shell words)
#   status:  the expected exit status
#   stderr:  a text the standard error must contain (repeatable)
#   stdout:  a text the standard output must contain (repeatable)
#   matches: how many match lines from ./input (default 0)
#   good:    the file scanned after ./input, in $CASES (default: the sample log)
# Each case runs once per decompressor built in (CTALERTD_INFLATE=isal, zlib).
# Every case also runs under valgrind (when installed and the build has no
# sanitizers), which must report no error and no leak.
# Output: TAP.
set -u
cases="$top_srcdir/tests/stream/cases"
CASEGEN="$top_builddir/tests/stream/casegen"
good="$top_srcdir/tests/data/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_abc.json.gz"
tutorial='{"eventSource":["sns.amazonaws.com"],"eventName":["CreateTopic"]}'
export CASES="$cases" CASEGEN
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT

valgrind=
# (a sanitizer build cannot run under valgrind)
if command -v valgrind >/dev/null 2>&1 && ! grep -q "^CT_CFLAGS = .*-fsanitize=address" "$top_builddir/Makefile"; then
	valgrind="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
fi

backends=zlib
grep -q 'define HAVE_ISAL 1' "$top_builddir/config.h" && backends="isal zlib"
runs=$(echo $backends | wc -w)
[ -n "$valgrind" ] && runs=$((runs + 1))
n=0
total=$(( $(ls "$cases"/*.case | wc -l) * runs ))
echo "1..$total"

ok() { n=$((n + 1)); echo "ok $n - $*"; }
failed=0
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
field() { sed -n "s/^$1: //p" "$2"; }

# check TITLE BACKEND ARGS...: one run of one case in $dir.
check() {
	title=$1 backend=$2
	shift 2
	why=""
	(cd "$dir" && CTALERTD_INFLATE=$backend timeout 60 "$CTALERTD" scan --no-progress \
		-p "$tutorial" "$@" input "$g" >out 2>err)
	rc=$?
	want=$(field status "$c")
	[ "$rc" = "$want" ] || why="$why exit status $rc, not $want;"
	field stderr "$c" >"$dir/want.err"
	while IFS= read -r s; do
		grep -qF -- "$s" "$dir/err" || why="$why stderr lacks '$s';"
	done <"$dir/want.err"
	field stdout "$c" >"$dir/want.out"
	while IFS= read -r s; do
		grep -qF -- "$s" "$dir/out" || why="$why stdout lacks '$s';"
	done <"$dir/want.out"
	# the file after the bad input was scanned all the same
	grep -qF "\"source\":\"$g\"" "$dir/out" || why="$why the file after it was not scanned;"
	want=$(( $(field matches "$c" | head -n1) + 1 ))
	got=$(wc -l <"$dir/out")
	[ "$got" -eq "$want" ] || why="$why $got match lines, not $want;"
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$dir/err" && why="$why sanitizer report;"
	if [ -z "$why" ]; then
		ok "$title"
	else
		not_ok "$title:$why"
		sed 's/^/# /' "$dir/err" | head -n 20
	fi
}

for c in "$cases"/*.case; do
	name=$(basename "$c" .case)
	dir="$work/$name"
	mkdir "$dir"
	why=""
	if ! (cd "$dir" && eval "$(field input "$c")") 2>"$dir/make.err"; then
		not_ok "$name: cannot make the input: $(cat "$dir/make.err")"
		for i in $(seq 2 $runs); do not_ok "$name: (no input)"; done
		continue
	fi
	eval "set -- $(field args "$c")"
	g=$(field good "$c")
	g=${g:+$cases/$g}
	g=${g:-$good}
	for b in $backends; do
		check "$name ($b)" "$b" "$@"
	done
	[ -n "$valgrind" ] || continue
	(cd "$dir" && timeout 120 $valgrind "$CTALERTD" scan --no-progress -p "$tutorial" "$@" input \
		>/dev/null 2>verr)
	if [ $? -ne 99 ] && ! grep -q '^==' "$dir/verr"; then
		ok "$name: valgrind"
	else
		not_ok "$name: valgrind"
		sed 's/^/# /' "$dir/verr" | head -n 30
	fi
done
exit $((failed > 0))
