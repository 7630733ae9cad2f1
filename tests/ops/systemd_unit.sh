#!/bin/sh
# The systemd unit as built, checked offline: `systemd-analyze verify` finds
# nothing to say, `systemd-analyze security` rates its exposure 2.0 or lower
# ("OK"), and it keeps the settings the daemon relies on. A copy with its
# sandboxing removed must fail the same rating, so the check can fail.
# Skips when systemd-analyze is missing or no unit was built.
set -eu

unit=${top_builddir:?}/systemd/ctalertd.service
skip() { echo "SKIP: $*"; exit 77; }
command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze is not installed"
[ -f "$unit" ] || skip "no unit built (configured --without-systemd)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctalertd-unit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
check() { # check NAME STATUS
	if [ "$2" -eq 0 ]; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}

# The unit names the installed program; verify wants it to exist, so point
# a copy at the one just built, and give man(1) the pages it documents.
bindir=$(sed -n 's|^ExecStart=\(.*\)/ctalertd run.*|\1|p' "$unit")
[ -n "$bindir" ] || { echo "not ok - no ExecStart=.../ctalertd run in $unit"; exit 1; }
sed "s|^ExecStart=$bindir/ctalertd |ExecStart=${CTALERTD:?} |" "$unit" >"$tmp/ctalertd.service"
mkdir -p "$tmp/man/man8" "$tmp/man/man5"
cp "${top_srcdir:?}/docs/man/ctalertd.8" "$tmp/man/man8/"
cp "$top_srcdir/docs/man/ctalertd.conf.5" "$tmp/man/man5/"

status=0
MANPATH=$tmp/man systemd-analyze verify "$tmp/ctalertd.service" >"$tmp/verify" 2>&1 || status=$?
if [ -s "$tmp/verify" ]; then
	sed 's/^/# /' "$tmp/verify"
	status=1
fi
check "systemd-analyze verify is clean" "$status"

score() { # the overall exposure of a unit file, e.g. 1.1
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
exposure=$(score "$tmp/ctalertd.service")
echo "# exposure: ${exposure:-unknown}"
[ -n "$exposure" ] && awk -v s="$exposure" 'BEGIN { exit !(s <= 2.0) }'
check "systemd-analyze security rates the unit 2.0 or lower (${exposure:-?})" $?

systemd-analyze security --offline=true --threshold=20 "$tmp/ctalertd.service" >/dev/null 2>&1
check "systemd-analyze security --threshold=20 passes" $?

# Without its sandboxing the same unit must rate worse than 2.0.
grep -v -E '^(Protect|Private|Restrict|SystemCall|Capability|NoNewPrivileges|MemoryDeny|LockPersonality|DynamicUser|UMask|RemoveIPC|SecureBits|DevicePolicy|KeyringMode|ProcSubset|AmbientCapabilities)' \
	"$tmp/ctalertd.service" >"$tmp/weak.service"
weak=$(score "$tmp/weak.service")
echo "# exposure without sandboxing: ${weak:-unknown}"
[ -n "$weak" ] && awk -v s="$weak" 'BEGIN { exit !(s > 2.0) }'
check "the rating tells a bare unit from the real one (${weak:-?})" $?

# What the daemon and the operations guide rely on (whole lines, as
# extended regular expressions).
for line in 'Type=notify' 'WatchdogSec=[1-9][0-9]*s?' 'Restart=on-failure' \
	'ExecReload=kill -HUP \$MAINPID' 'DynamicUser=yes' 'ConfigurationDirectory=ctalertd' \
	'NoNewPrivileges=yes' 'CapabilityBoundingSet=' 'ProtectSystem=strict' 'ProtectHome=yes' \
	'PrivateTmp=yes' 'PrivateDevices=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	'SystemCallFilter=@system-service' 'MemoryDenyWriteExecute=yes' 'RestartPreventExitStatus=2' \
	"ExecStart=$bindir/ctalertd run --config=%E/ctalertd/ctalertd.conf"; do
	grep -q -x -E -e "$line" "$unit"
	check "the unit has $line" $?
done
exit $fail
