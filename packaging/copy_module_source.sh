#!/bin/sh
# Copy the module's source, as DKMS needs it, from KERNEL_DIR to DEST and
# stamp the DKMS name and the package version into DEST/dkms.conf (DKMS
# requires them to match the directory, /usr/src/NAME-VERSION). Shared by
# the RPM spec and build.ts. Only sources are copied, never build products.
# usage: copy_module_source.sh KERNEL_DIR DEST NAME VERSION
set -eu
src=$1
dest=$2
name=$3
version=$4
mkdir -p "$dest"
for f in "$src"/*.c "$src"/*.h "$src"/Makefile "$src"/Kbuild \
	"$src"/dkms.conf; do
	[ -f "$f" ] || continue
	case ${f##*/} in
	*.mod.c) continue ;;	# kbuild output
	esac
	install -m 0644 "$f" "$dest/"
done
conf=$dest/dkms.conf
[ -f "$conf" ] || { echo "no dkms.conf in $src" >&2; exit 1; }
sed -i -e "s/^PACKAGE_NAME=.*/PACKAGE_NAME=\"$name\"/" \
	-e "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$conf"
grep -q "^PACKAGE_NAME=\"$name\"\$" "$conf" &&
	grep -q "^PACKAGE_VERSION=\"$version\"\$" "$conf" ||
	{ echo "$conf lacks a PACKAGE_NAME or PACKAGE_VERSION line" >&2; exit 1; }
