#!/bin/sh
# Guest helper for the netsysrq QEMU harness: load our target, install
# rules, print state. The password comes in $NSR_PASSWORD (sent over the
# control channel, never on the console).

say() { echo "$*" >/dev/console; }

ipt() { # ipt VARIANT FAMILY ARGS...: run iptables-legacy/-nft, v4 or v6
	v=$1 f=$2
	shift 2
	if [ "$f" = 6 ]; then "ip6tables-$v" "$@"; else "iptables-$v" "$@"; fi
}

case "$1" in
load) # load [PARAM=VALUE...]: insmod xt_SYSRQ with $NSR_PASSWORD
	shift
	for d in $(tr , ' ' </lib/nsr/xt_SYSRQ.deps 2>/dev/null); do
		[ -d "/sys/module/$d" ] || insmod "/lib/nsr/mod/$d.ko"
	done
	if [ -n "$NSR_PASSWORD" ]; then
		insmod /lib/nsr/xt_SYSRQ.ko "passwd=$NSR_PASSWORD" "$@"
	else
		insmod /lib/nsr/xt_SYSRQ.ko "$@"
	fi || exit 1
	say "NSR-LOADED xt_SYSRQ"
	;;
unload) # unload: remove every rule, then the module
	"$0" flush
	rmmod xt_SYSRQ || exit 1
	say "NSR-UNLOADED xt_SYSRQ"
	;;
password) # password: set $NSR_PASSWORD at runtime through sysfs
	printf '%s' "$NSR_PASSWORD" >/sys/module/xt_SYSRQ/parameters/passwd
	;;
rule) # rule VARIANT FAMILY [TARGET OPTIONS...]: SYSRQ on udp port 9
	v=$2 f=$3
	shift 3
	ipt "$v" "$f" -I INPUT -p udp --dport 9 -j SYSRQ "$@" || exit 1
	say "NSR-RULE iptables-$v ipv$f SYSRQ $*"
	;;
logrule) # logrule VARIANT FAMILY: the stock LOG target, for harness checks
	ipt "$2" "$3" -I INPUT -p udp --dport 9 -j LOG --log-prefix "NSR-LOG: " ||
		exit 1
	say "NSR-RULE iptables-$2 ipv$3 LOG"
	;;
flush) # flush: remove every INPUT rule of both variants and families
	for v in legacy nft; do
		for f in 4 6; do ipt "$v" "$f" -F INPUT 2>/dev/null; done
	done
	true
	;;
heartbeat) # heartbeat: a userspace line on the console every second
	n=0
	while :; do
		say "NSR-HEARTBEAT $n"
		n=$((n + 1))
		sleep 1
	done
	;;
*)
	echo "usage: nsr load|unload|password|rule|logrule|flush|heartbeat" >&2
	exit 2
	;;
esac
