#!/bin/sh
# Build the iptables extension libxt_SYSRQ.so with kernel/Makefile's own
# rule, in a scratch copy of KERNEL_DIR (the source tree stays clean), and
# put it at OUT. Shared by the RPM spec (%build) and build.ts (the .deb), so
# both packages carry the same object. CFLAGS/LDFLAGS from the environment
# (rpmbuild's or dpkg-buildflags' hardening flags) reach the compiler.
# usage: build_extension.sh KERNEL_DIR OUT
set -eu
src=$1
out=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$src"/Makefile "$src"/*.c "$src"/*.h "$scratch"/
rm -f "$scratch"/libxt_SYSRQ.so
# -ffile-prefix-map: the scratch path must not reach the debug info, or
# each build would get another build-id.
make -s -C "$scratch" libxt_SYSRQ.so \
	CFLAGS="${CFLAGS:--O2 -g} -ffile-prefix-map=$scratch=." \
	LDFLAGS="${LDFLAGS:-}"
cp "$scratch"/libxt_SYSRQ.so "$out"
