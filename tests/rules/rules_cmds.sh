#!/bin/sh
# `ctalertd test` and `ctalertd rules` as a rule's author runs them: the
# shipped pack passes its own tests; a rule whose test disagrees is reported
# with the record and exit 1; tests beside a rule file, native rules' tests,
# rules without tests; errors exit 2 naming the file; `ctalertd rules` lists
# name, kind, severity, file and the record fields each reads.
# Prints TAP lines; skips (77) when ctalertd is missing.
set -u
: "${top_srcdir:=.}"

if [ ! -x "${CTALERTD:-}" ]; then
	echo "# skipped: needs the ctalertd program (\$CTALERTD)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctrulecmds.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0
# check NAME WANT_STATUS WANT_OUT_FILE CMD...: stdout must be the file's text.
check() {
	name=$1 want_status=$2 want=$3
	shift 3
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -eq "$want_status" ] && cmp -s "$want" "$tmp/out"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: exit $status (expected $want_status)"
		diff "$want" "$tmp/out" | sed 's/^/# /'
		sed 's/^/# stderr: /' "$tmp/err"
		failed=$((failed + 1))
	fi
}
# stderr_has TEXT: the last command's standard error says it.
stderr_has() {
	n=$((n + 1))
	if grep -qF -- "$1" "$tmp/err"; then
		echo "ok $n - stderr says: $1"
	else
		echo "not ok $n - stderr lacks: $1"
		sed 's/^/# stderr: /' "$tmp/err"
		failed=$((failed + 1))
	fi
}

# The shipped pack passes every one of its tests.
for f in "$top_srcdir"/etc/rules.d/*.json; do
	r=$(basename "$f" .json)
	printf 'passed %s (%s tests)\n' "$r" "$(grep -c '"match":' "$f")"
done >"$tmp/want-pack"
check "the shipped pack passes its tests" 0 "$tmp/want-pack" \
	"$CTALERTD" test "$top_srcdir/etc/rules.d"

mkdir "$tmp/rules.d"
cat >"$tmp/rules.d/s3-secret.json" <<'JSON'
{"severity": "high",
 "pattern": {"detail": {"resources": {"type": ["AWS::S3::Object"], "ARN": [{"prefix": "arn:aws:s3:::secret/"}]}}},
 "tests": [
  {"name": "one object of the bucket", "match": true,
   "record": {"eventName": "GetObject", "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::secret/k"}]}},
  {"name": "the bucket and another object", "match": false,
   "record": {"eventName": "GetObject", "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::public/k"}, {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::secret/"}]}}
 ]}
JSON
cat >"$tmp/rules.d/wrong.json" <<'JSON'
{"pattern": {"eventName": ["DeleteTrail"]},
 "tests": [
  {"name": "deletes", "match": true, "record": {"eventName": "DeleteTrail"}},
  {"name": "stops", "match": true, "record": {"eventName": "StopLogging"}}
 ]}
JSON
printf '{"source": ["aws.sns"], "detail": {"eventName": ["Publish"]}}\n' >"$tmp/rules.d/beside.json"
cat >"$tmp/rules.d/beside.tests.json" <<'JSON'
[{"name": "publish", "match": true, "record": {"eventSource": "sns.amazonaws.com", "eventName": "Publish"}},
 {"name": "other service", "match": false, "record": {"eventSource": "sqs.amazonaws.com", "eventName": "Publish"}}]
JSON
printf '{"eventName": ["ConsoleLogin"]}\n' >"$tmp/rules.d/untested.json"

cat >"$tmp/want" <<'EOF2'
passed beside (2 tests)
passed s3-secret (2 tests)
untested untested
failed wrong: test 'stops' must match and did not (1 of 2 tests failed): {"eventName":"StopLogging"}
EOF2
check "a failing test names its rule and record, and exits 1" 1 "$tmp/want" \
	"$CTALERTD" test "$tmp/rules.d"

rm "$tmp/rules.d/wrong.json"
head -n 3 "$tmp/want" >"$tmp/want-ok"
check "all passed exits 0; untested rules do not fail" 0 "$tmp/want-ok" \
	"$CTALERTD" test "$tmp/rules.d"
printf 'untested untested\n' >"$tmp/want-one"
check "one rule file alone" 0 "$tmp/want-one" "$CTALERTD" test "$tmp/rules.d/untested.json"
printf 'passed beside (2 tests)\n' >"$tmp/want-beside"
check "the envelope applies unless told otherwise" 0 "$tmp/want-beside" \
	"$CTALERTD" test "$tmp/rules.d/beside.json"
printf '%s\n' "failed beside: test 'publish' must match and did not (1 of 2 tests failed): {\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"Publish\"}" >"$tmp/want-beside-none"
check "--envelope=none reads source as a field of the record" 1 "$tmp/want-beside-none" \
	"$CTALERTD" test --envelope=none "$tmp/rules.d/beside.json"

cat >"$tmp/ctalertd.conf" <<'EOF2'
rules = (
  { name = "root"; severity = "critical";
    pattern = { userIdentity = { type = [ "Root" ]; }; };
    tests = (
      { name = "root"; record = "{\"userIdentity\": {\"type\": \"Root\"}}"; match = true; },
      { name = "user"; record = "{\"userIdentity\": {\"type\": \"IAMUser\"}}"; match = true; }
    ); }
);
EOF2
printf '%s\n' "failed root: test 'user' must match and did not (1 of 2 tests failed): {\"userIdentity\":{\"type\":\"IAMUser\"}}" >"$tmp/want-conf"
check "native rules of a configuration file" 1 "$tmp/want-conf" "$CTALERTD" test "$tmp/ctalertd.conf"

printf '[{"record": [], "match": true}]\n' >"$tmp/rules.d/untested.tests.json"
check "a bad test beside its rule is an error" 2 /dev/null "$CTALERTD" test "$tmp/rules.d/untested.json"
stderr_has "untested.tests.json: rule 'untested': test #1: \"record\" must be a JSON object"
rm "$tmp/rules.d/untested.tests.json"

check "no such path" 2 /dev/null "$CTALERTD" test "$tmp/nowhere"
stderr_has "$tmp/nowhere"

printf '{"pattern": {"f": [{"wildcard": "*a*a*a*a*a*"}]}}\n' >"$tmp/complex.json"
check "a pattern EventBridge refuses" 2 /dev/null "$CTALERTD" test "$tmp/complex.json"
stderr_has "Rule is too complex"

# ctalertd rules: NAME KIND SEVERITY FILE FIELDS, tab-separated.
tab=$(printf '\t')
cat >"$tmp/want-rules" <<EOF2
beside${tab}EventBridge${tab}medium${tab}$tmp/rules.d/beside.json${tab}eventName,eventSource
s3-secret${tab}EventBridge${tab}high${tab}$tmp/rules.d/s3-secret.json${tab}resources.ARN,resources.type
untested${tab}EventBridge${tab}medium${tab}$tmp/rules.d/untested.json${tab}eventName
root${tab}native${tab}critical${tab}$tmp/ctalertd.conf:2${tab}userIdentity.type
EOF2
check "rules lists name, kind, severity, file and fields" 0 "$tmp/want-rules" \
	"$CTALERTD" rules "$tmp/rules.d" "$tmp/ctalertd.conf"
printf 'beside\tEventBridge\tmedium\t%s\tdetail.eventName,source\n' "$tmp/rules.d/beside.json" >"$tmp/want-none"
check "rules without the envelope: the pattern's own paths" 0 "$tmp/want-none" \
	"$CTALERTD" rules --envelope=none "$tmp/rules.d/beside.json"
check "rules: no such path" 2 /dev/null "$CTALERTD" rules "$tmp/nowhere"

# A rule with a condition and exceptions: the fields of all its patterns,
# and its tests judged on the whole rule.
cat >"$tmp/cond.json" <<'EOF2'
{"name": "keys", "severity": "high",
 "patterns": {"create": {"eventName": ["CreateAccessKey"]},
              "user": {"userIdentity": {"type": ["IAMUser"]}}},
 "condition": "create and not user",
 "exceptions": [{"sourceIPAddress": [{"cidr": "10.0.0.0/8"}]}],
 "tests": [
   {"name": "root", "record": {"eventName": "CreateAccessKey", "userIdentity": {"type": "Root"}}, "match": true},
   {"name": "user", "record": {"eventName": "CreateAccessKey", "userIdentity": {"type": "IAMUser"}}, "match": false},
   {"name": "inside", "record": {"eventName": "CreateAccessKey", "sourceIPAddress": "10.1.1.1"}, "match": false}]}
EOF2
printf 'keys\tEventBridge\thigh\t%s\teventName,sourceIPAddress,userIdentity.type\n' "$tmp/cond.json" >"$tmp/want-cond"
check "rules: a condition's fields are those of all its patterns" 0 "$tmp/want-cond" \
	"$CTALERTD" rules "$tmp/cond.json"
printf 'passed keys (3 tests)\n' >"$tmp/want-cond-test"
check "test: a rule with a condition and exceptions" 0 "$tmp/want-cond-test" \
	"$CTALERTD" test "$tmp/cond.json"

# A Sigma rule: kind Sigma, its tests in NAME.tests.json beside it.
mkdir "$tmp/sigma"
cat >"$tmp/sigma/trail-stopped.yml" <<'EOF2'
title: Trail logging stopped
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName:
      - StopLogging
      - DeleteTrail
  condition: selection
level: high
EOF2
cat >"$tmp/sigma/trail-stopped.tests.json" <<'EOF2'
[{"name": "stopped", "record": {"eventSource": "cloudtrail.amazonaws.com", "eventName": "stoplogging"}, "match": true},
 {"name": "started", "record": {"eventSource": "cloudtrail.amazonaws.com", "eventName": "StartLogging"}, "match": true}]
EOF2
printf 'trail-stopped\tSigma\thigh\t%s\teventName,eventSource\n' "$tmp/sigma/trail-stopped.yml" >"$tmp/want-sigma"
check "rules: a Sigma rule" 0 "$tmp/want-sigma" "$CTALERTD" rules "$tmp/sigma"
printf '%s\n' "failed trail-stopped: test 'started' must match and did not (1 of 2 tests failed): {\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StartLogging\"}" >"$tmp/want-sigma-test"
check "test: a Sigma rule's tests beside it" 1 "$tmp/want-sigma-test" "$CTALERTD" test "$tmp/sigma/trail-stopped.yml"

printf '{"Records": [{"eventSource": "cloudtrail.amazonaws.com", "eventName": "DeleteTrail"}]}\n' >"$tmp/sigma-log.json"
sed -i 's/^level: high$/level: high\nid: 7d1b0c6e-3f52-4c0b-8a0e-5c8f2d3b9e10\ntags:\n  - attack.defense-evasion/' "$tmp/sigma/trail-stopped.yml"
printf '%s\n' "{\"rule\":\"trail-stopped\",\"severity\":\"high\",\"description\":\"Trail logging stopped\",\"sigma\":{\"id\":\"7d1b0c6e-3f52-4c0b-8a0e-5c8f2d3b9e10\",\"tags\":[\"attack.defense-evasion\"]},\"object\":\"$tmp/sigma-log.json\",\"source\":\"$tmp/sigma-log.json\",\"record\":{\"eventSource\": \"cloudtrail.amazonaws.com\", \"eventName\": \"DeleteTrail\"}}" >"$tmp/want-sigma-scan"
check "scan: a Sigma rule's id and tags in its matches" 0 "$tmp/want-sigma-scan" \
	"$CTALERTD" scan --rules "$tmp/sigma" "$tmp/sigma-log.json"

# Keywords look in each record's text as the log has it, through the stream.
mkdir "$tmp/keywords"
printf 'title: tools\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  keywords:\n    - sqlmap\n  condition: keywords\nlevel: low\n' >"$tmp/keywords/tools.yml"
printf '{"Records": [{"eventName": "A", "userAgent": "SQLMap/1.7"}, {"eventName": "B", "userAgent": "curl"}]}\n' >"$tmp/keywords.json"
printf 'tools\t1\n' >"$tmp/want-keywords"
check "scan: a Sigma keyword in the records' text" 0 "$tmp/want-keywords" \
	"$CTALERTD" scan --count --rules "$tmp/keywords" "$tmp/keywords.json"

echo "1..$n"
[ "$failed" -eq 0 ]
