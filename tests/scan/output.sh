#!/bin/sh
# The output cases: each tests/scan/cases/NAME.case runs `ctalertd scan` on
# the sample log and says what it must print, for people (on a terminal, made
# with script(1)) and for scripts.
#
# Keys of a case file (one per line, "key: value"; # starts a comment):
#   args:     the options and paths (shell words); the sample log, $LOG, is
#             scanned after them unless nolog: yes
#   tty:      yes: standard output (and error) are a terminal
#   env:      NAME=value for the run (repeatable)
#   stdin:    a shell command whose output is the standard input (default:
#             none, /dev/null)
#   status:   the expected exit status
#   stdout:   the output, one key per line, all of it and in order (printf %b
#             escapes, $LOG expanded)
#   contains: a text the output must contain (repeatable)
#   lines:    how many lines the output has
#   stderr:   a text the standard error must contain (repeatable)
# Output: TAP.
set -u
cases="$top_srcdir/tests/scan/cases"
LOG="$top_srcdir/tests/data/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_abc.json.gz"
export LOG
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 99

if ! command -v script >/dev/null 2>&1; then
	echo "1..0 # SKIP script(1) is not installed"
	exit 0
fi
n=0
failed=0
echo "1..$(ls "$cases"/*.case | wc -l)"
field() { sed -n "s/^$1: //p" "$2"; }
# expand TEXT: $LOG put in, printf escapes interpreted.
expand() { printf '%b\n' "$(printf '%s' "$1" | sed "s|\\\$LOG|$LOG|g")"; }

for c in "$cases"/*.case; do
	name=$(basename "$c" .case)
	args=$(field args "$c")
	[ "$(field nolog "$c")" = yes ] || args="$args \"\$LOG\""
	envs=$(field env "$c" | sed 's/^/export /; s/$/;/' | tr '\n' ' ')
	cmd="$envs exec timeout 60 \"\$CTALERTD\" scan --no-progress $args"
	if [ "$(field tty "$c")" = yes ]; then
		script -qec "$cmd 2>err" /dev/null >raw </dev/null
		rc=$?
		tr -d '\r' <raw >out
	elif grep -q '^stdin: ' "$c"; then
		sh -c "$(field stdin "$c")" | sh -c "$cmd" >out 2>err
		rc=$?
	else
		sh -c "$cmd" >out 2>err </dev/null
		rc=$?
	fi
	why=""
	want=$(field status "$c")
	[ "$rc" = "$want" ] || why="$why exit status $rc, not $want;"
	if grep -q '^stdout: ' "$c"; then
		: >want
		field stdout "$c" | while IFS= read -r l; do expand "$l" >>want; done
		cmp -s want out || why="$why output differs;"
	fi
	field contains "$c" | while IFS= read -r l; do
		grep -qF -- "$(expand "$l")" out || echo "lacks"
	done | grep -q lacks && why="$why output lacks a 'contains' text;"
	lines=$(field lines "$c")
	[ -z "$lines" ] || [ "$(wc -l <out)" -eq "$lines" ] || why="$why $(wc -l <out) lines, not $lines;"
	field stderr "$c" | while IFS= read -r l; do
		grep -qF -- "$l" err || echo "lacks"
	done | grep -q lacks && why="$why stderr lacks a text;"
	n=$((n + 1))
	if [ -z "$why" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name:$why"
		sed 's/^/# out: /' out | head -n 5
		[ -f want ] && sed 's/^/# want: /' want | head -n 5
		sed 's/^/# err: /' err | head -n 5
	fi
	rm -f want out err raw
done
[ "$failed" -eq 0 ]
