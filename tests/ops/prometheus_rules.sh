#!/bin/sh
# The alerting rules on ctalertd's own metrics (deploy/prometheus/): promtool
# accepts them, their unit tests pass, every metric they read is one
# ctalertd serves, every alert has a runbook entry in docs/operations.md,
# and the unit tests notice a rule made wrong (so they can fail). Skips
# only when promtool (Debian's prometheus package) is not installed.
set -u

dir=${top_srcdir:?}/deploy/prometheus
rules=$dir/ctalertd-alerts.yml
skip() { echo "SKIP: $*"; exit 77; }
command -v promtool >/dev/null 2>&1 || skip "promtool is not installed (apt-get install prometheus)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctalertd-prom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
check() { # check NAME STATUS
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}

status=0
promtool check rules "$rules" >"$tmp/out" 2>&1 || status=1
sed 's/^/# /' "$tmp/out"
check "promtool check rules" $status

status=0
(cd "$dir" && promtool test rules ctalertd-alerts.test.yml) >"$tmp/out" 2>&1 || status=1
sed 's/^/# /' "$tmp/out"
check "promtool test rules" $status

# Every ctalertd_* name the rules read is a family ctalertd serves
# (histograms by their _bucket, _sum and _count series).
grep -o 'ctalertd_[a-z_]*' "$rules" | sed -E 's/_(bucket|sum|count)$//' | sort -u >"$tmp/used"
grep -o '"ctalertd_[a-z_]*"' "$top_srcdir/src/daemon/metrics.c" | tr -d '"' | sort -u >"$tmp/served"
unknown=$(comm -23 "$tmp/used" "$tmp/served" | tr '\n' ' ')
[ -s "$tmp/used" ] && [ -z "$unknown" ]
check "the rules read only metrics ctalertd serves${unknown:+ (not served: $unknown)}" $?

# Every alert has its runbook entry, a heading named after it.
missing=
for a in $(sed -n 's/^ *- alert: *//p' "$rules"); do
	grep -q -x "### $a" "$top_srcdir/docs/operations.md" || missing="$missing $a"
done
[ -z "$missing" ]
check "docs/operations.md has a runbook entry for every alert${missing:+ (missing:$missing)}" $?

# The tests must notice a rule gone wrong: each copy changes one rule and
# promtool test rules must fail on it.
mutate() { # mutate NAME SED-EXPRESSION
	mkdir -p "$tmp/$1"
	sed -e "$2" "$rules" >"$tmp/$1/ctalertd-alerts.yml"
	cp "$dir/ctalertd-alerts.test.yml" "$tmp/$1/"
	cmp -s "$rules" "$tmp/$1/ctalertd-alerts.yml" && { check "mutation $1 changes the rules" 1; return; }
	! (cd "$tmp/$1" && promtool test rules ctalertd-alerts.test.yml) >/dev/null 2>&1
	check "the tests catch: $1" $?
}
mutate "down-too-soon" 's/^        for: 5m$/        for: 1m/'
mutate "lag-threshold" 's/> 300$/> 3000/'
mutate "receive-blips-fire" 's/rate(ctalertd_receive_errors_total\[5m\]) > 0/increase(ctalertd_receive_errors_total[30m]) > 0/'
mutate "no-objects-at-start" 's/ offset 1h) >= 0/) >= 0/'
mutate "poison-never" 's/increase(ctalertd_messages_poisoned_total\[15m\]) > 0/increase(ctalertd_messages_poisoned_total[15m]) > 5/'
mutate "publish-per-rule" 's/sum by (job, instance) (increase(ctalertd_alerts_failed_total\[15m\]))/increase(ctalertd_alerts_failed_total[15m])/'
exit $fail
