#!/usr/bin/env bash
# Build Debian packages of a kernel for netsysrq's QEMU tests from a kernel
# source tree (kernel.org or any tree with `make bindeb-pkg`), configured
# like the test kernels the project is tested on:
#
#   x86_64_defconfig + kvm_guest.config, plus what the QEMU harness needs:
#   loadable modules (unsigned allowed, uncompressed), SysRq with Debian's
#   default mask 0x1b6, devtmpfs, IPv6; e1000, netfilter with iptables (nft
#   and, unless --no-legacy, legacy), conntrack, hashlimit, brd, loop,
#   dm-delay, ext4 and netconsole as modules; no debug info, DRM, sound,
#   USB, wireless or NFS. --debug adds the sanitizers: KASAN, lockdep with
#   PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, UBSAN bounds, KFENCE and
#   kmemleak (off until booted with kmemleak=on).
#
# Usage: tools/build-test-kernel.sh [options] SOURCE_TREE
#   --debug          the sanitizer flavour (LOCALVERSION -nsr-debug)
#   --no-legacy      no legacy iptables (CONFIG_NETFILTER_XTABLES_LEGACY
#                    off; only iptables-nft, as on many kernels after 6.12)
#   --out DIR        build directory (default: SOURCE_TREE/../build-nsr[-debug])
#   --jobs N         parallel make jobs (default: nproc)
#   --config-only    write and check DIR/.config, do not build
#
# The packages land beside DIR: install both with
#   dpkg -i linux-image-V_*.deb linux-headers-V_*.deb
# or point NSR_TEST_KERNELS at that folder and run tools/install-deps.sh.
# Needs build-essential, bc, bison, flex, libelf-dev, libssl-dev, rsync,
# cpio, kmod, dpkg-dev and fakeroot (unless root). Takes an hour or more
# on 2 cores (the debug flavour longer).
set -euo pipefail

usage() {
	sed -n '/^# Usage:/,/^#   --config-only/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

debug=0
legacy=1
out=
jobs=$(nproc)
config_only=0
src=
while [ $# -gt 0 ]; do
	case "$1" in
	--debug) debug=1 ;;
	--no-legacy) legacy=0 ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift ;;
	--config-only) config_only=1 ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) [ -z "$src" ] || usage; src=$1 ;;
	esac
	shift
done
[ -n "$src" ] || usage
if [ ! -f "$src/Makefile" ] || [ ! -f "$src/scripts/kconfig/merge_config.sh" ]
then
	echo "$src is not a kernel source tree (no Makefile or" \
		"scripts/kconfig/merge_config.sh)" >&2
	exit 1
fi
src=$(cd "$src" && pwd)
localversion=-nsr
[ "$debug" -eq 1 ] && localversion=-nsr-debug
out=${out:-$src/../build${localversion}}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Our options, one per line as in .config. "# CONFIG_X is not set" turns
# one off. Symbols a tree does not know (older or newer kernels) are
# reported and skipped, not fatal. The ChaCha20-Poly1305 library (output
# messages) is a hidden symbol: WireGuard selects it, as on every
# distribution kernel; asking for it too makes the check below see it.
fragment() {
	cat <<-EOF
	CONFIG_LOCALVERSION="$localversion"
	# CONFIG_LOCALVERSION_AUTO is not set
	CONFIG_MODULES=y
	CONFIG_MODULE_UNLOAD=y
	# CONFIG_MODULE_SIG is not set
	# CONFIG_MODULE_COMPRESS is not set
	CONFIG_MAGIC_SYSRQ=y
	CONFIG_MAGIC_SYSRQ_DEFAULT_ENABLE=0x1b6
	CONFIG_DEVTMPFS=y
	CONFIG_DEVTMPFS_MOUNT=y
	CONFIG_IPV6=y
	CONFIG_E1000=m
	CONFIG_E1000E=m
	CONFIG_NETFILTER=y
	CONFIG_NETFILTER_ADVANCED=y
	CONFIG_NETFILTER_NETLINK=y
	CONFIG_NETFILTER_XTABLES=m
	CONFIG_NF_TABLES=m
	CONFIG_NF_TABLES_INET=y
	CONFIG_NF_TABLES_IPV4=y
	CONFIG_NF_TABLES_IPV6=y
	CONFIG_NFT_COMPAT=m
	CONFIG_NF_LOG_SYSLOG=m
	CONFIG_NETFILTER_XT_TARGET_LOG=m
	CONFIG_NF_CONNTRACK=m
	CONFIG_NF_NAT=m
	CONFIG_NETFILTER_XT_MATCH_CONNTRACK=m
	CONFIG_NETFILTER_XT_MATCH_STATE=m
	CONFIG_NETFILTER_XT_MATCH_HASHLIMIT=m
	CONFIG_NETFILTER_XT_MATCH_LIMIT=m
	CONFIG_NETFILTER_XT_MATCH_MULTIPORT=m
	CONFIG_NETFILTER_XT_MATCH_ADDRTYPE=m
	CONFIG_NETFILTER_XT_TARGET_CT=m
	CONFIG_NETFILTER_XT_TARGET_TPROXY=m
	CONFIG_BLK_DEV_RAM=m
	CONFIG_BLK_DEV_LOOP=m
	CONFIG_BLK_DEV_DM=m
	CONFIG_DM_DELAY=m
	CONFIG_EXT4_FS=m
	CONFIG_EXT4_USE_FOR_EXT2=y
	CONFIG_NETCONSOLE=m
	CONFIG_WIREGUARD=m
	CONFIG_CRYPTO_LIB_CHACHA20POLY1305=m
	CONFIG_VIRTIO_PCI=y
	CONFIG_VIRTIO_BLK=y
	CONFIG_VIRTIO_NET=y
	CONFIG_SCSI_VIRTIO=y
	CONFIG_DEBUG_INFO_NONE=y
	# CONFIG_DRM is not set
	# CONFIG_SOUND is not set
	# CONFIG_USB_SUPPORT is not set
	# CONFIG_WLAN is not set
	# CONFIG_WIRELESS is not set
	# CONFIG_NFS_FS is not set
	EOF
	if [ "$legacy" -eq 1 ]; then
		# NETFILTER_XTABLES_LEGACY exists from 6.13 on; older trees
		# offer the ip_tables family without it.
		cat <<-EOF
		CONFIG_NETFILTER_XTABLES_LEGACY=y
		CONFIG_IP_NF_IPTABLES=m
		CONFIG_IP_NF_FILTER=m
		CONFIG_IP_NF_MANGLE=m
		CONFIG_IP_NF_RAW=m
		CONFIG_IP_NF_NAT=m
		CONFIG_IP6_NF_IPTABLES=m
		CONFIG_IP6_NF_FILTER=m
		CONFIG_IP6_NF_MANGLE=m
		CONFIG_IP6_NF_RAW=m
		EOF
	else
		echo "# CONFIG_NETFILTER_XTABLES_LEGACY is not set"
	fi
	if [ "$debug" -eq 1 ]; then
		cat <<-EOF
		CONFIG_DEBUG_KERNEL=y
		CONFIG_DEBUG_FS=y
		CONFIG_KASAN=y
		CONFIG_KASAN_GENERIC=y
		CONFIG_KASAN_INLINE=y
		CONFIG_PROVE_LOCKING=y
		CONFIG_PROVE_RCU=y
		CONFIG_DEBUG_ATOMIC_SLEEP=y
		CONFIG_DEBUG_PREEMPT=y
		CONFIG_DEBUG_LIST=y
		CONFIG_UBSAN=y
		CONFIG_UBSAN_BOUNDS=y
		# CONFIG_UBSAN_TRAP is not set
		CONFIG_KFENCE=y
		CONFIG_DEBUG_KMEMLEAK=y
		CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y
		EOF
	fi
}

# Every "config SYMBOL" the tree's Kconfig files declare, one per line.
known_symbols() {
	find "$src" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]\{1,\}\).*/\2/p' |
		sort -u
}

# The value a .config line asks for: y, m, a string, or n for "is not set".
wanted_value() {
	case "$1" in
	"# CONFIG_"*" is not set") echo n ;;
	*) echo "${1#*=}" ;;
	esac
}

# The value $1 (a symbol) has in the final .config, n when unset.
actual_value() {
	local line
	line=$(grep -E "^(# )?CONFIG_$1[= ]" "$out/.config" || true)
	case "$line" in
	"" | "# "*) echo n ;;
	*) echo "${line#*=}" ;;
	esac
}

configure() {
	local frag="$out/nsr.config" symbols line sym want have bad=0
	symbols=$(known_symbols)
	: >"$frag"
	while IFS= read -r line; do
		sym=${line#\# }
		sym=${sym#CONFIG_}
		sym=${sym%%[= ]*}
		if ! grep -qx "$sym" <<<"$symbols"; then
			if [ "$sym" = NETFILTER_XTABLES_LEGACY ] &&
				[ "$legacy" -eq 0 ]; then
				echo "--no-legacy: this tree cannot build without" \
					"legacy iptables (no" \
					"CONFIG_NETFILTER_XTABLES_LEGACY before 6.13)" >&2
				exit 1
			fi
			echo "note: this tree has no CONFIG_$sym; skipped"
			continue
		fi
		echo "$line" >>"$frag"
	done < <(fragment)

	make -C "$src" O="$out" x86_64_defconfig >/dev/null
	make -C "$src" O="$out" kvm_guest.config >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$frag" >/dev/null
	make -C "$src" O="$out" olddefconfig >/dev/null

	# merge_config.sh only warns when a dependency overrides a request.
	while IFS= read -r line; do
		sym=${line#\# }
		sym=${sym#CONFIG_}
		sym=${sym%%[= ]*}
		want=$(wanted_value "$line")
		have=$(actual_value "$sym")
		if [ "$want" != "$have" ]; then
			echo "CONFIG_$sym: asked for $want, the tree gave $have" >&2
			bad=1
		fi
	done <"$frag"
	if [ "$bad" -ne 0 ]; then
		echo "the configuration differs from the request (see above)" >&2
		exit 1
	fi
	echo "configured $out/.config for" \
		"$(make -s -C "$src" kernelversion)$localversion"
}

configure
[ "$config_only" -eq 1 ] && exit 0

# bindeb-pkg: linux-image and linux-headers packages, no source package.
make -C "$src" O="$out" -j"$jobs" bindeb-pkg
echo "packages:"
ls -1 "$out"/../linux-image-*"$localversion"*.deb \
	"$out"/../linux-headers-*"$localversion"*.deb 2>/dev/null || true
