/**
 * The console check catches every kind of report the kernel's sanitizers
 * print (issue 13), and not the lines the harness's own scenarios expect.
 * The first lines are as the kernels print them (6.18's KASAN, KFENCE,
 * UBSAN, lockdep, kmemleak); a file stands in for the console QEMU writes
 * (harness_test.ts checks the real console with a real kernel warning).
 *
 * @module
 */

import assert from "node:assert";
import { GuestConsole } from "./guest_console.ts";

const REPORTS = [
  "[   12.1] BUG: KASAN: slab-out-of-bounds in nsr_build_reply+0x1a/0x90 [xt_SYSRQ]",
  "[   12.1] BUG: KFENCE: out-of-bounds read in nsr_build_reply+0x1a/0x90",
  "[   12.1] UBSAN: array-index-out-of-bounds in net/netfilter/x.c:10:5",
  "[   12.1] WARNING: possible circular locking dependency detected",
  "[   12.1] WARNING: possible recursive locking detected",
  "[   12.1] WARNING: inconsistent lock state",
  "[   12.1] WARNING: suspicious RCU usage",
  "[   12.1] WARNING: possible irq lock inversion dependency detected",
  "[   12.1] WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
  "[   12.1] BUG: sleeping function called from invalid context at mm/slub.c:4",
  "[   12.1] INFO: trying to register non-static key.",
  "[   12.1] list_add corruption. prev->next should be next (ffff8880)",
  "[   12.1] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
  "[   12.1] WARNING: CPU: 0 PID: 1 at net/netfilter/x.c:1 f+0x1/0x2",
  "[   12.1] Oops: general protection fault, probably for non-canonical address",
  "[   12.1] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted",
];

/** Lines the scenarios produce on purpose, or the kernel prints when well. */
const BENIGN = [
  "[    0.0] Kernel command line: console=ttyS0 panic=-1 kmemleak=on",
  "[    2.3] kmemleak: Kernel memory leak detector initialized (mem pool free: 1)",
  "[    2.3] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc.",
  "[   30.2] INFO: task dd:93 blocked for more than 2 seconds.",
  "[   40.0] sysrq: Emergency Sync",
  "NSR-READY link=up ip=10.0.2.15/24 ip6= time=1",
];

function consoleOf(lines: string[]): GuestConsole {
  const path = Deno.makeTempFileSync({ prefix: "nsr-console-" });
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
  return new GuestConsole(path, {
    exited: () => false,
    stderr: () => Promise.resolve(""),
  });
}

for (const report of REPORTS) {
  Deno.test(`console check catches: ${report.slice(10, 70)}`, () => {
    const console = consoleOf([...BENIGN, report]);
    try {
      assert.deepEqual(console.errors(), [report]);
      assert.throws(() => console.assertClean(), /kernel errors/);
    } finally {
      Deno.removeSync(console.path);
    }
  });
}

Deno.test("console check: a healthy debug kernel's lines pass", () => {
  const console = consoleOf(BENIGN);
  try {
    assert.deepEqual(console.errors(), []);
  } finally {
    Deno.removeSync(console.path);
  }
});
