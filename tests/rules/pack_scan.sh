#!/bin/sh
# The shipped rule pack through `ctalertd scan --rules etc/rules.d`, the way a
# user runs it: each record of tests/rules/pack/<rule>/, wrapped in a CloudTrail
# log object, fires exactly <rule> (fires*.json) or nothing (must-not*.json).
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
for record in "$top_srcdir"/tests/rules/pack/*/*.json; do
	n=$((n + 1))
	rule=$(basename "$(dirname "$record")")
	case $(basename "$record") in
	fires*) want=$rule ;;
	*) want= ;;
	esac
	# A CloudTrail log object holding the one record, gzipped as S3 has it.
	jq -c '{Records: [.]}' "$record" | gzip -c >"$tmp/log.json.gz" || exit 99
	timeout 30 "$CTALERTD" scan --no-progress --rules "$pack" "$tmp/log.json.gz" >"$tmp/out" 2>"$tmp/err"
	status=$?
	got=$(jq -r .rule <"$tmp/out" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ -n "$want" ]; then want_status=0; else want_status=1; fi
	if [ "$got" = "$want" ] && [ "$status" -eq "$want_status" ]; then
		echo "ok $n - $rule/$(basename "$record")"
	else
		echo "not ok $n - $rule/$(basename "$record"): matched [$got], expected [$want], exit $status"
		sed 's/^/# /' "$tmp/err"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
