#!/bin/sh
# Copy the module's source, as DKMS needs it, from KERNEL_DIR to DEST and
# stamp the package version into DEST/dkms.conf. Shared by the RPM spec and
# build.ts. Only sources are copied, never build products.
# usage: copy_module_source.sh KERNEL_DIR DEST VERSION
set -eu
src=$1
dest=$2
version=$3
mkdir -p "$dest"
for f in "$src"/*.c "$src"/*.h "$src"/Makefile "$src"/Kbuild \
	"$src"/dkms.conf; do
	[ -f "$f" ] || continue
	case ${f##*/} in
	*.mod.c) continue ;;	# kbuild output
	esac
	install -m 0644 "$f" "$dest/"
done
[ -f "$dest/dkms.conf" ] || { echo "no dkms.conf in $src" >&2; exit 1; }
sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$dest/dkms.conf"
grep -q "^PACKAGE_VERSION=\"$version\"\$" "$dest/dkms.conf" ||
	{ echo "dkms.conf has no PACKAGE_VERSION line" >&2; exit 1; }
