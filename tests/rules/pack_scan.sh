#!/bin/sh
# The shipped rule pack through `ctalertd scan --rules etc/rules.d`, the way a
# user runs it: each test record of each rule file, wrapped in a CloudTrail log
# object, fires exactly its rule (a test with "match": true) or nothing.
# Prints TAP lines; skips (77) when ctalertd or jq is missing.
set -u
: "${top_srcdir:=.}"
pack="$top_srcdir/etc/rules.d"

if [ ! -x "${CTALERTD:-}" ] || ! command -v jq >/dev/null 2>&1; then
	echo "# skipped: needs the ctalertd program (\$CTALERTD) and jq"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctpack.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0
# One test a line, with the name of its rule: {"rule": ..., "name": ..., ...}.
for file in "$pack"/*.json; do
	jq -c '.name as $r | .tests[] | {rule: $r} + .' "$file" || exit 99
done >"$tmp/tests"
[ -s "$tmp/tests" ] || { echo "# no tests in $pack"; exit 99; }
while read -r test; do
	n=$((n + 1))
	rule=$(printf '%s\n' "$test" | jq -r .rule)
	name=$(printf '%s\n' "$test" | jq -r .name)
	if [ "$(printf '%s\n' "$test" | jq .match)" = true ]; then want=$rule; else want=; fi
	# A CloudTrail log object holding the one record, gzipped as S3 has it.
	printf '%s\n' "$test" | jq -c '{Records: [.record]}' | gzip -c >"$tmp/log.json.gz" ||
		exit 99
	timeout 30 "$CTALERTD" scan --no-progress --rules "$pack" "$tmp/log.json.gz" >"$tmp/out" 2>"$tmp/err"
	status=$?
	got=$(jq -r .rule <"$tmp/out" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ -n "$want" ]; then want_status=0; else want_status=1; fi
	if [ "$got" = "$want" ] && [ "$status" -eq "$want_status" ]; then
		echo "ok $n - $rule: $name"
	else
		echo "not ok $n - $rule: $name: matched [$got], expected [$want], exit $status"
		sed 's/^/# /' "$tmp/err"
		failed=$((failed + 1))
	fi
done <"$tmp/tests"
echo "1..$n"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
