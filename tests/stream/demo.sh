#!/bin/sh
# The Quick-start demo runs and shows the tutorial's alert.
failed=0
nok() { echo "$*"; failed=1; } # a "not ok" line fails the test too
out=$(timeout 60 "$top_srcdir/tools/demo" "$top_builddir" 2>&1)
status=$?
echo "$out" | sed 's/^/# /' | cut -c1-160
echo "1..2"
[ $status -eq 0 ] && echo "ok 1 - tools/demo exits 0" || nok "not ok 1 - tools/demo exits $status"
echo "$out" | grep -q '^ALERT  sns-create-topic' && echo "$out" | grep -q 'arn:aws:iam::123456789012:user/alice' &&
	echo "ok 2 - the CreateTopic alert is shown" || nok "not ok 2 - no CreateTopic alert"
exit $failed
