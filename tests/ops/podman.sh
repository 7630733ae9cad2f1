#!/bin/sh
# tests/ops/podman.sh: the container images the ops tests run, made without a
# registry and kept between runs.
#
#   podman.sh usable        exit 0 when podman can build and run containers
#                           here, else print why and exit 77 (skip)
#   podman.sh base          make sure the Debian 12 base image exists (a
#                           debootstrap'ed minbase, also tagged
#                           debian:bookworm-slim for the Dockerfile); print its name
#   podman.sh systemd-image make sure the image that boots systemd exists;
#                           print its name
#
# Images are made once and reused: the systemd image's tag is a hash of
# its Containerfile, so a changed package list makes a new one. A lock keeps
# two tests from making the same image at once.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
base_image=localhost/ctalertd-test-base:bookworm
slim_image=docker.io/library/debian:bookworm-slim
mirror=${CTALERTD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
lock=${TMPDIR:-/tmp}/ctalertd-podman-images.lock

say() { printf 'podman.sh: %s\n' "$*" >&2; }

usable() {
	if ! command -v podman >/dev/null 2>&1; then
		echo "podman is not installed (apt-get install podman runc)"
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

make_base() {
	have_image "$base_image" && return 0
	root=$(mktemp -d "${TMPDIR:-/tmp}/ctalertd-rootfs.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	say "debootstrap bookworm (once; the image is kept as $base_image)"
	if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		rm -f "$root.log"
		return 1
	fi
	rm -f "$root.log"
	# What a slim image leaves out, and nothing to pull from apt's cache.
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	tar -C "$root" -c . | podman import --quiet - "$base_image" >/dev/null
	rm -rf "$root"
	trap - EXIT
}

base() {
	make_base
	have_image "$slim_image" || podman tag "$base_image" "$slim_image"
	echo "$base_image"
}

systemd_image() {
	file=$here/systemd.Containerfile
	tag=localhost/ctalertd-test-systemd:$(sha256sum "$file" | cut -c1-12)
	if ! have_image "$tag"; then
		base >/dev/null
		say "building $tag (once)"
		podman build --quiet --isolation chroot --network host --pull=never \
			-f "$file" -t "$tag" "$here" >/dev/null
	fi
	echo "$tag"
}

locked() {
	exec 9>"$lock"
	flock -w 900 9 || { say "waited too long for $lock"; exit 1; }
	"$@"
}

case "${1:-}" in
usable) usable ;;
base) locked base ;;
systemd-image) locked systemd_image ;;
*)
	echo "usage: podman.sh usable|base|systemd-image" >&2
	exit 2
	;;
esac
