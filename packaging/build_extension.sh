#!/bin/sh
# Build the iptables extension libxt_SYSRQ.so from KERNEL_DIR into OUT.
# Shared by the RPM spec (%build) and build.ts (the .deb), so both packages
# carry the same object. Extra flags come from CFLAGS/LDFLAGS (rpmbuild and
# dpkg-buildflags set hardening flags there).
# usage: build_extension.sh KERNEL_DIR OUT
set -eu
src=$1
out=$2
cc=${CC:-cc}
# shellcheck disable=SC2086 # word splitting of flag lists is intended
$cc ${CFLAGS:--O2 -g} -Wall -Wextra -fPIC -shared \
	$(pkg-config --cflags xtables) -I"$src" \
	-o "$out" "$src/libxt_SYSRQ.c" \
	${LDFLAGS:-} $(pkg-config --libs xtables)
