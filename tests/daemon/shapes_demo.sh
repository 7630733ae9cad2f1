#!/bin/sh
# tools/demo, the README's first command (through tools/bootstrap demo):
# against its own local AWS it must print the tutorial's alert, exit 0 and
# leave nothing running behind it.
set -u
: "${top_srcdir:?}" "${CTALERTD:?}"
out=$(mktemp "${TMPDIR:-/tmp}/ctalertd-demo-test.XXXXXX")
trap 'rm -f "$out"' EXIT

n=0
check() { # check DESCRIPTION COMMAND...: one TAP line
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		failed=1
	fi
}
failed=0

status=0
timeout 120 "$top_srcdir/tools/demo" "$(dirname "$CTALERTD")" >"$out" 2>&1 || status=$?
sed 's/^/# /' "$out"
check "tools/demo exits 0" test "$status" -eq 0
check "ctalertd scanned the uploaded log" grep -q "scanned in" "$out"
check "the alert names the tutorial's call" grep -q "^\[low\] sns-create-topic: CreateTopic by arn:aws:iam::123456789012:user/alice" "$out"
check "the alert names the log it came from" \
	grep -q "log   s3://ctalertd-demo-trail/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/" "$out"
check "the full JSON alert is printed" grep -q '"schema": "ctalertd.alert/1"' "$out"
check "the record is in it" grep -q '"clientProvidedHostHeader": "sns.us-east-1.amazonaws.com"' "$out"
check "no error from ctalertd" sh -c "! grep -q 'ctalertd: error' '$out'"
env=$(sed -n 's/^SQS, S3 and SNS at \(http:[^ ]*\) .*/\1/p' "$out")
check "the local AWS was stopped" sh -c "[ -n '$env' ] && ! curl -s -m 2 -o /dev/null '$env'"
echo "1..$n"
exit $failed
