#!/bin/sh
# The memory bound: scanning one gzip object of 50,000 records (about 65 MB of
# JSON, made at test time) must take hardly more memory than scanning the
# small sample log: memory follows the largest record, not the object.
# Not a timing test. Output: TAP.
failed=0
nok() { echo "$*"; failed=1; } # a "not ok" line fails the test too
set -u
gen="$top_builddir/tests/bench/gen_corpus"
casegen="$top_builddir/tests/stream/casegen"
peakrss="$top_builddir/tests/stream/peakrss"
log="$top_srcdir/tests/data/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T1200Z_abc.json.gz"
tutorial='{"eventSource":["sns.amazonaws.com"],"eventName":["CreateTopic"]}'
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
echo "1..4"

"$gen" -n 50000 -t 5000 | "$casegen" gzip 1 >"$work/big.json.gz" || exit 99

rss() { # rss FILE...: peak KiB of a scan in $kib, its exit status in $rc
	timeout 300 "$peakrss" "$CTALERTD" scan --no-progress -p "$tutorial" "$@" \
		>"$work/out" 2>"$work/err"
	rc=$?
	kib=$(sed -n 's/^peakrss: //p' "$work/err")
	kib=${kib:-999999}
}

rss "$log"
small=$kib
rss "$work/big.json.gz"
big=$kib
[ "$rc" -eq 0 ] && [ "$(wc -l <"$work/out")" -eq 10 ] &&
	echo "ok 1 - 50,000 records scanned, 10 matches" || nok "not ok 1 - big object: status $rc"
echo "# peak RSS: sample log ${small} KiB, 50,000-record object ${big} KiB"
# A copy of the object would be over 60 MiB; allow 8 MiB of noise.
[ $((big - small)) -lt 8192 ] && echo "ok 2 - memory does not grow with the object" ||
	nok "not ok 2 - memory grew by $((big - small)) KiB"
if grep -q "^CT_CFLAGS = .*-fsanitize=address" "$top_builddir/Makefile"; then
	echo "ok 3 - peak RSS under 32 MiB # SKIP sanitizers inflate RSS"
else
	[ "$big" -lt 32768 ] && echo "ok 3 - peak RSS under 32 MiB" ||
		nok "not ok 3 - peak RSS $big KiB"
fi
# The same from standard input, as the daemon streams it: no size known in advance.
gzip -dc "$work/big.json.gz" | timeout 300 "$peakrss" "$CTALERTD" scan --no-progress \
	-p "$tutorial" - >"$work/out" 2>"$work/err"
piped=$(sed -n 's/^peakrss: //p' "$work/err")
piped=${piped:-999999}
[ $((piped - small)) -lt 8192 ] && echo "ok 4 - plain JSON from standard input too (${piped} KiB)" ||
	nok "not ok 4 - from standard input: $piped KiB"
exit $failed
