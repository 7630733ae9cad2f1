#!/bin/sh
# Runs the pipeline fuzz target briefly over the committed seed corpus.
# Skipped (77) when it was not built (no clang).
bin=${top_builddir:-.}/tests/stream/fuzz_pipeline
seeds=${top_srcdir:-.}/tests/stream/corpus
[ -x "$bin" ] || { echo "fuzz_pipeline not built (no clang): skipped"; exit 77; }
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
# New inputs land in $work/new; the committed corpus is only read.
"$bin" -runs=30000 -max_total_time=20 -max_len=16384 -timeout=10 -rss_limit_mb=512 \
	-artifact_prefix="$work/" "$work/new" "$seeds" >"$work/log" 2>&1
status=$?
tail -n 20 "$work/log"
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
	[ -f "$f" ] && { echo "input that failed ($f):"; od -c "$f" | head -n 20; }
done
exit $status
