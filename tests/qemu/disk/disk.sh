#!/bin/sh
# Guest helper for the disk benchmark (installed as /bin/nsr-disk): mounts
# the virtio disk the host made (ext4, default mount options) and runs the
# writer on it. NSR-DISK lines on the console say what happened.

say() { echo "$*" >/dev/console; }
LIB=/usr/lib/nsr-disk
MNT=/mnt/disk

case "$1" in
mount) # mount: load the disk's modules, mount /dev/vda on /mnt/disk
	for m in $(cat /lib/nsr/disk/modules); do
		[ -d "/sys/module/$(echo "$m" | tr - _)" ] ||
			insmod "/lib/nsr/disk/mod/$m.ko" || exit 1
	done
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	mkdir -p "$MNT"
	mount -t ext4 /dev/vda "$MNT" || exit 1
	mkdir -p "$MNT/nsr" && sync || exit 1
	say "NSR-DISK mounted: $(grep " $MNT " /proc/mounts)"
	;;
write) # write MAX SECONDS: files with known content in /mnt/disk/nsr
	"$LIB/writer" "$MNT/nsr" "$2" "$3" 2>&1 | tee /dev/console
	;;
*)
	echo "usage: nsr-disk mount|write MAX SECONDS" >&2
	exit 2
	;;
esac
