#!/usr/bin/env bash
# Install the Debian packages the build and the test suites need, if missing.
# Run as root; prints the apt-get command to run otherwise.
#
# Then, when a folder of test kernels exists ($NSR_TEST_KERNELS if set, else
# ../shared/kernels beside the clone, else /work/shared/kernels), install its
# linux-image-*.deb and linux-headers-*.deb that are not installed at that
# version yet, so that the build and QEMU tests cover those kernels too.
# They are optional test inputs: without the folder nothing is installed and
# the tests say which kernels they skipped. Installing a kernel runs DKMS
# autoinstall for every installed DKMS module.
set -euo pipefail

packages=(
	build-essential clang libclang-rt-14-dev sparse libssl-dev valgrind	# C verifier, fuzz, bench
	qemu-system-x86 linux-image-amd64 linux-headers-amd64	# the QEMU target
	linux-headers-6.12-amd64 linux-headers-6.12-rt-amd64	# the module must also build for 6.12 and 6.12-rt
	busybox-static iptables libxtables-dev cpio kmod iproute2
	dmsetup xz-utils	# the hung-guest scenarios
	groff-base man-db rpm dkms pkg-config dpkg-dev	# packaging
	# The client packages' test; the playbook's syntax check, which needs the
	# community.general and ansible.posix collections (not in ansible-core).
	rpm2cpio ansible
)

install_debian_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages; run as root:" >&2
		echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Wait for another apt or dpkg run (unattended upgrades) instead of failing.
	local lock=(-o DPkg::Lock::Timeout=300)
	apt-get "${lock[@]}" update -q >/dev/null
	apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}" \
		>/dev/null
}

# $NSR_TEST_KERNELS, when set, is the only place looked at: set it empty
# (or to a missing folder) to install no test kernels.
test_kernels_dir() {
	local repo d
	if [ -n "${NSR_TEST_KERNELS+set}" ]; then
		[ -n "$NSR_TEST_KERNELS" ] && [ -d "$NSR_TEST_KERNELS" ] &&
			echo "$NSR_TEST_KERNELS"
		return 0
	fi
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	for d in "$repo/../shared/kernels" /work/shared/kernels; do
		if [ -d "$d" ]; then
			echo "$d"
			return
		fi
	done
}

# Whether package $1 is on the system at version $2 with its files in place.
# A kernel whose DKMS autoinstall failed stays half-configured: installing
# it again would only fail again, so that counts as present too.
deb_present() {
	local status
	status=$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null) ||
		return 1
	case "$status" in
	*" installed $2" | *" half-configured $2" | *" triggers-"*" $2")
		return 0 ;;
	esac
	return 1
}

install_test_kernels() {
	local dir deb name version missing=() names=()
	dir=$(test_kernels_dir)
	[ -n "$dir" ] || return 0
	shopt -s nullglob
	for deb in "$dir"/linux-image-*.deb "$dir"/linux-headers-*.deb; do
		read -r name version < <(dpkg-deb --show \
			--showformat='${Package} ${Version}\n' "$deb")
		deb_present "$name" "$version" && continue
		missing+=("$deb")
		names+=("$name")
	done
	shopt -u nullglob
	[ ${#missing[@]} -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "test kernels in $dir not installed; as root:" >&2
		echo "  dpkg -i ${missing[*]}" >&2
		return 0
	fi
	echo "installing test kernels from $dir: ${names[*]}"
	# Image and headers in one dpkg run: DKMS autoinstall then finds both.
	if ! DEBIAN_FRONTEND=noninteractive dpkg -i "${missing[@]}" >/dev/null; then
		echo "dpkg -i reported errors (a DKMS module that does not build" \
			"for a new kernel leaves it half-configured; its files are" \
			"in place): see dpkg -l 'linux-*'" >&2
	fi
}

install_debian_packages
install_test_kernels
