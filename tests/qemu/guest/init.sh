#!/bin/busybox sh
# Guest /init for the netsysrq QEMU harness (busybox sh).
#
# Brings up eth0 from the nsr.* words of the kernel command line, prints
# NSR-* lines on the console (ttyS0) that the host parses, then serves the
# control channel on ttyS1: each request line is "<id> <base64 command>",
# the command's output goes back on ttyS1 followed by "@@NSR-END <id> <rc>".
# Commands (and so passwords) never appear on the console.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# kmemleak's scan and report live in debugfs (debug kernels).
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "NSR-INIT kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"

# arg NAME: the value of nsr.NAME= on the kernel command line
arg() {
	for w in $(cat /proc/cmdline); do
		case "$w" in "nsr.$1="*) echo "${w#*=}"; return ;; esac
	done
}

for m in $(cat /lib/nsr/modules); do
	insmod "/lib/nsr/mod/$m.ko" || echo "NSR-ERROR insmod $m"
done

ip link set lo up
ip link set eth0 up
for a in $(arg ip | tr , ' '); do ip addr add "$a" dev eth0; done
# busybox ip has no "nodad": turn duplicate address detection off instead,
# so the static IPv6 address is usable at once.
echo 0 >/proc/sys/net/ipv6/conf/eth0/accept_dad
for a in $(arg ip6 | tr , ' '); do ip -6 addr add "$a" dev eth0; done
gw=$(arg gw)
[ -n "$gw" ] && ip route add default via "$gw"

# The e1000 link comes up a few seconds into the boot under TCG.
n=0
while [ "$(cat /sys/class/net/eth0/operstate)" != up ] && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done

[ "$(arg heartbeat)" = 1 ] && nsr heartbeat &

stty -F /dev/ttyS1 raw -echo
exec 3<>/dev/ttyS1
echo "NSR-READY link=$(cat /sys/class/net/eth0/operstate)" \
	"ip=$(arg ip) ip6=$(arg ip6) time=$(date +%s)"

while :; do
	if ! read -r id b64 <&3; then
		sleep 1
		continue
	fi
	cmd=$(echo "$b64" | base64 -d)
	sh -c "$cmd" >&3 2>&3 </dev/null
	echo "@@NSR-END $id $?" >&3
done
