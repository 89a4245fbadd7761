#!/usr/bin/env bash
# Install the Debian packages the build and the test suites need, if missing.
# Run as root; prints the apt-get command to run otherwise.
set -euo pipefail

packages=(
	build-essential clang libclang-rt-14-dev sparse libssl-dev valgrind	# C verifier, fuzz, bench
	qemu-system-x86 linux-image-amd64 linux-headers-amd64	# the QEMU target
	linux-headers-6.12-amd64	# the module must also build for 6.12
	busybox-static iptables libxtables-dev cpio kmod iproute2
	dmsetup xz-utils	# the hung-guest scenarios
	groff-base man-db rpm dkms pkg-config dpkg-dev	# packaging
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages; run as root:" >&2
	echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
