#!/bin/sh
# Guest helper for the hang scenarios (installed as /bin/hang): puts the
# guest into one of the ways a real server hangs, and says so on the console
# in NSR-HANG lines the host parses. Run it over the control channel; after
# the hang starts, that channel may never answer again (that is the point).

say() { echo "$*" >/dev/console; }
LIB=/usr/lib/nsr-hang
DELAY_MS=86400000	# dm-delay's delay is in ms: one day, i.e. never

# start_hog RUNTIME_US PRIO: RT throttling set, rt_hog started in background
start_hog() {
	echo "$1" >/proc/sys/kernel/sched_rt_runtime_us || exit 1
	# Linux 6.12 added a second throttle, the fair server, which keeps 5%
	# of each CPU for SCHED_OTHER tasks under RT load: off with the first.
	[ "$1" = -1 ] && no_fair_server
	say "NSR-HANG cpu: sched_rt_runtime_us=$1, starting rt_hog (FIFO $2)" \
		"on $(grep -c ^processor /proc/cpuinfo) CPU(s)"
	setsid "$LIB/rt_hog" "$2" </dev/null >/dev/console 2>&1 &
}

no_fair_server() {
	[ -d /sys/kernel/debug/sched ] ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	for f in /sys/kernel/debug/sched/fair_server/cpu*/runtime; do
		[ -e "$f" ] || continue
		echo 0 >"$f" && say "NSR-FAIR-SERVER off: $f"
	done
}

packet_thread_pids() {
	for d in /proc/[0-9]*; do
		case "$(cat "$d/comm" 2>/dev/null)" in
		ksoftirqd/* | irq/*) echo "${d#/proc/}" ;;
		esac
	done
}

case "$1" in
cpu) # cpu [RUNTIME_US]: a SCHED_FIFO 99 busy loop pinned on every CPU;
	# RUNTIME_US -1 (the default here) turns RT throttling off, the kernel's
	# own default 950000 leaves other tasks 5% of each second
	start_hog "${2:--1}" 99
	;;
cpu-tuned) # the same hog at FIFO 98, with the threads that carry packets
	# in (every ksoftirqd, and on PREEMPT_RT the IRQ threads) at FIFO 99
	# above it: the tuning that keeps packets coming in under an RT hog
	pids=$(packet_thread_pids)
	"$LIB/chrt_fifo" 99 $pids || exit 1
	say "NSR-TUNED ksoftirqd and IRQ threads SCHED_FIFO 99: pids" $pids
	start_hog -1 98
	;;
memory) # memory [N]: N respawning memory hogs, no swap. Like a leaking
	# service its admin shielded from the OOM killer (oom_score_adj -999,
	# still killable as a last resort), they fill RAM again and again: the
	# OOM killer takes every other process first, then a hog, forever.
	n=${2:-4}
	say "NSR-HANG memory: $(grep MemTotal /proc/meminfo | tr -s ' ')," \
		"$(grep SwapTotal /proc/meminfo | tr -s ' '), starting $n" \
		"respawning mem_hog at oom_score_adj -999"
	i=0
	while [ $i -lt "$n" ]; do
		setsid sh -c "echo -999 >/proc/self/oom_score_adj &&
			while :; do $LIB/mem_hog; done" </dev/null >/dev/null 2>&1 &
		i=$((i + 1))
	done
	;;
stopped) # SIGSTOP to every process but init, then to ourselves
	say "NSR-HANG stopped: kill -STOP -1, then this shell stops itself"
	kill -STOP -1
	kill -STOP $$
	;;
storage-setup) # ext2 on a dm-delay device over a RAM disk, mounted
	# Once only: the disk benchmark sets it up before its writer runs.
	grep -q " /mnt/stuck " /proc/mounts && exit 0
	for m in $(cat /lib/nsr/hang/modules); do
		[ -d "/sys/module/$(echo "$m" | tr - _)" ] ||
			insmod "/lib/nsr/hang/mod/$m.ko" || exit 1
	done
	export DM_DISABLE_UDEV=1
	s=$(cat /sys/block/ram0/size)
	dmsetup create stuck --noudevsync --table "0 $s delay /dev/ram0 0 0" ||
		exit 1
	mke2fs /dev/mapper/stuck >/dev/null || exit 1
	mkdir -p /mnt/stuck
	mount -t ext2 /dev/mapper/stuck /mnt/stuck || exit 1
	echo before >/mnt/stuck/before
	sync
	say "NSR-STORAGE ready: ext2 on /dev/mapper/stuck (dm-delay over /dev/ram0) at /mnt/stuck"
	;;
storage) # from now on every write to the device waits a day
	export DM_DISABLE_UDEV=1
	# Let the hung-task detector speak within the test (default 120 s):
	# its report is the kernel's own word that the writer is stuck.
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	s=$(cat /sys/block/ram0/size)
	# --nolockfs: a frozen ext2 writes its superblock when thawed, which
	# with the new table would hang dmsetup itself.
	dmsetup reload stuck --noudevsync \
		--table "0 $s delay /dev/ram0 0 0 /dev/ram0 0 $DELAY_MS" &&
		dmsetup suspend --nolockfs --noudevsync stuck &&
		dmsetup resume --noudevsync stuck || exit 1
	say "NSR-HANG storage: writes to /dev/mapper/stuck now wait $DELAY_MS ms"
	dd if=/dev/zero of=/mnt/stuck/blob bs=64k count=16 conv=fsync \
		</dev/null >/dev/null 2>&1 &
	echo "$!" >/tmp/writer.pid
	say "NSR-WRITER pid=$!"
	;;
state) # state PID: the process state letter (R, S, D, T...)
	sed 's/^[^)]*) \(.\).*/\1/' "/proc/$2/stat"
	;;
*)
	echo "usage: hang cpu [RUNTIME_US]|cpu-tuned|memory [N]|stopped|storage-setup|storage|state PID" >&2
	exit 2
	;;
esac
