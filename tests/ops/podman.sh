#!/bin/sh
# tests/ops/podman.sh: the container images the ops tests run, made without a
# registry and kept between runs.
#
#   podman.sh usable        exit 0 when podman can build and run containers
#                           here, else print why and exit 77 (skip)
#   podman.sh base          make sure the Debian 12 base image exists and
#                           print its name: a debootstrap'ed minbase trimmed
#                           like the official slim image (no documentation,
#                           manual pages or translations, and dpkg told to
#                           leave them out), also tagged debian:bookworm-slim
#                           unless a real one is there, so the Dockerfile's
#                           FROM resolves without a registry
#   podman.sh systemd-image make sure the image that boots systemd exists;
#                           print its name
#   podman.sh package-image the same for the image the package is installed
#                           into: systemd and nothing of ctalertd's
#
# Images are made once and reused. Their tags carry a version (the base) or
# a hash of what they are made from (the systemd image), so a change makes
# a new one and the old one is removed. A lock keeps two tests from making
# the same image at once.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
base_version=2
base_image=localhost/ctalertd-test-base:bookworm-v$base_version
base_label=org.ctalertd.test-base
slim_image=docker.io/library/debian:bookworm-slim
mirror=${CTALERTD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
lock=${TMPDIR:-/tmp}/ctalertd-podman-images.lock

say() { printf 'podman.sh: %s\n' "$*" >&2; }

usable() {
	if ! command -v podman >/dev/null 2>&1; then
		echo "podman is not installed (apt-get install podman runc debootstrap)"
		exit 77
	fi
	if ! command -v runc >/dev/null 2>&1; then
		echo "runc is not installed (apt-get install runc)"
		exit 77
	fi
	if ! podman info >/dev/null 2>&1; then
		echo "podman cannot run here: $(podman info 2>&1 | tail -n 1)"
		exit 77
	fi
	if ! podman image exists "$base_image"; then
		if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
			echo "no base image $base_image and no way to make one (debootstrap as root)"
			exit 77
		fi
	fi
}

have_image() { podman image exists "$1"; }
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# What the official slim image leaves out, now and in every later apt-get.
slim_down() {
	mkdir -p "$1/etc/dpkg/dpkg.cfg.d"
	cat >"$1/etc/dpkg/dpkg.cfg.d/ctalertd-slim" <<-'EOF'
	path-exclude /usr/share/doc/*
	path-include /usr/share/doc/*/copyright
	path-exclude /usr/share/man/*
	path-exclude /usr/share/info/*
	path-exclude /usr/share/locale/*
	path-exclude /usr/share/lintian/*
	EOF
	find "$1/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
	rm -rf "$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/usr/share/locale/* \
		"$1"/usr/share/lintian/* "$1"/var/cache/apt/archives/*.deb \
		"$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/* "$1"/var/log/*.log
}

make_base() {
	have_image "$base_image" && return 0
	root=$(mktemp -d "${TMPDIR:-/tmp}/ctalertd-rootfs.XXXXXX")
	trap 'rm -rf "$root" "$root.log"' EXIT
	say "debootstrap bookworm (once; kept as $base_image)"
	if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		return 1
	fi
	slim_down "$root"
	tar -C "$root" -c . | podman import --quiet --change "LABEL $base_label=$base_version" \
		--change 'CMD ["bash"]' - "$base_image" >/dev/null
	rm -rf "$root" "$root.log"
	trap - EXIT
	# Earlier versions of the base go.
	for old in $(podman images --format '{{.Repository}}:{{.Tag}}' |
		grep '^localhost/ctalertd-test-base:' | grep -v -x -F "$base_image"); do
		podman rmi "$old" >/dev/null 2>&1 || true
	done
}

base() {
	make_base
	# debian:bookworm-slim: ours unless a real one (without our label) is there.
	if ! have_image "$slim_image" ||
		{ [ -n "$(podman image inspect --format "{{index .Labels \"$base_label\"}}" "$slim_image" 2>/dev/null)" ] &&
			[ "$(image_id "$slim_image")" != "$(image_id "$base_image")" ]; }; then
		podman tag "$base_image" "$slim_image"
	fi
	echo "$base_image"
}

# derived_image CONTAINERFILE NAME: an image made from the base, tagged
# localhost/NAME:HASH; earlier ones of that name go.
derived_image() {
	file=$here/$1
	base >/dev/null
	sum=$( { cat "$file"; image_id "$base_image"; } | sha256sum | cut -c1-12)
	tag=localhost/$2:$sum
	if ! have_image "$tag"; then
		say "building $tag (once)"
		podman build --quiet --isolation chroot --network host --pull=never \
			--build-arg "BASE=$base_image" -f "$file" -t "$tag" "$here" >/dev/null
		for old in $(podman images --format '{{.Repository}}:{{.Tag}}' |
			grep "^localhost/$2:" | grep -v -x -F "$tag"); do
			podman rmi "$old" >/dev/null 2>&1 || true
		done
	fi
	echo "$tag"
}

systemd_image() { derived_image systemd.Containerfile ctalertd-test-systemd; }
package_image() { derived_image package.Containerfile ctalertd-test-package; }

locked() {
	exec 9>"$lock"
	flock -w 900 9 || { say "waited too long for $lock"; exit 1; }
	"$@"
}

case "${1:-}" in
usable) usable ;;
base) locked base ;;
systemd-image) locked systemd_image ;;
package-image) locked package_image ;;
*)
	echo "usage: podman.sh usable|base|systemd-image|package-image" >&2
	exit 2
	;;
esac
