/**
 * The promise of netsysrq, tested: a server hung in each of the ways real
 * servers hang is brought down cleanly by the real `send_sysrq` client (s,
 * u, b). Each scenario boots its own guest (sizes differ), hangs it from the
 * guest, proves the hang (the proof is named in each test), then runs the
 * storyline of rescue.ts and checks the acks, the console and the time from
 * `b` to QEMU's exit. Set NSR_KERNEL to run on another installed image.
 *
 * What counts as a kernel error: the harness's CONSOLE_ERRORS (guest_console.ts) (Oops, BUG,
 * WARNING, panic, stack-protector, general protection). Reports the kernel
 * makes about the hang itself are expected, not errors: OOM-killer reports
 * (memory), hung-task reports "blocked for more than 2 seconds" (storage;
 * the test lowers the timeout so they appear, and requires them) and RCU
 * stall reports (CPU hog, after 21 s); none of them matches.
 *
 * @module
 */

import assert from "node:assert";
import {
  hangBootOptions,
  type HangKind,
  type KeyResult,
  rescue,
  type RescueResult,
} from "./rescue.ts";
import { Vm } from "./vm.ts";
import { defaultKernel, kernelTraits } from "./kernels.ts";

/**
 * The image under test (NSR_KERNEL, set by `deno task test:matrix`), asked
 * when a scenario runs: importing this file decides nothing.
 */
const kernel = () => defaultKernel();
/** Measured: Debian 12's 6.1 shows the CPU-hog limit of hang 1. */
const ksoftirqdLimit = () => /^6\.1\./.test(kernel());
/**
 * PREEMPT_RT runs the NIC's interrupt in a thread (hang 1's limit there
 * too) and prints the console from a thread: lines logged just before `b`
 * (or while an RT hog starves that thread) never reach the console.
 */
const preemptRt = () => /-rt-/.test(kernel());

/** Boots a guest for `kind`, runs the storyline, always stops QEMU. */
async function storyline(
  kind: HangKind,
  exitTimeoutMs = 20_000,
): Promise<RescueResult> {
  const vm = await Vm.boot(await hangBootOptions(kind, { kernel: kernel() }));
  try {
    const result = await rescue(vm, kind, {
      log: (line) => console.log(`  ${line}`),
      exitTimeoutMs,
    });
    report(result);
    return result;
  } catch (e) {
    throw new Error(`${e}\n--- console tail ---\n${vm.consoleTail(40)}`);
  } finally {
    await vm.shutdown();
  }
}

/** One summary line per scenario: the figures issue 8 asks for. */
function report(r: RescueResult): void {
  const acks = r.steps.map((s) => `${s.key} ${s.acked ? "acked" : s.outcome}`)
    .join(", ");
  console.log(
    `  RESULT ${r.kind}: ${acks}; b to QEMU exit ` +
      `${r.bToExitMs === null ? "never" : `${r.bToExitMs} ms`}; sync ` +
      `${r.syncCompleted ? "completed" : "not completed"}, remount ` +
      `${r.remountCompleted ? "completed" : "not completed"}`,
  );
}

/** Index of the first line matching `pattern`, or -1. */
function lineOf(lines: string[], pattern: RegExp): number {
  return lines.findIndex((l) => pattern.test(l));
}

/** The full rescue: s and u acked, b ends QEMU within 5 s, clean console. */
function assertRescued(r: RescueResult): void {
  const [s, u, b] = r.steps;
  assert.ok(s.acked, `s acked (client said ${s.outcome})`);
  assert.ok(u.acked, `u acked (client said ${u.outcome})`);
  assert.equal(b.key, "b");
  assert.notEqual(r.bToExitMs, null, "QEMU exited after b");
  assert.ok(r.bToExitMs! <= 5_000, `b to exit ${r.bToExitMs} ms <= 5000`);
  const order = [
    /accepted, keys "s"/,
    /sysrq: Emergency Sync/,
    /accepted, keys "u"/,
    /sysrq: Emergency Remount R\/O/,
    /accepted, keys "b"/,
    /sysrq: Resetting/,
  ].map((p) => lineOf(r.consoleLines, p));
  const seen = order.filter((i) => i >= 0);
  assert.ok(
    seen.every((i, n) => n === 0 || i > seen[n - 1]),
    `the SysRq lines appear in order:\n${r.consoleLines.join("\n")}`,
  );
  if (preemptRt()) {
    // The effects (acks, QEMU's exit) are checked above; the console can
    // only show what its thread printed before the reset.
    console.log(
      `  LIMIT: PREEMPT_RT prints the console from a thread: ` +
        `${seen.length} of ${order.length} SysRq lines reached it`,
    );
  } else {
    assert.equal(
      seen.length,
      order.length,
      `every SysRq line on the console:\n${r.consoleLines.join("\n")}`,
    );
  }
  assert.deepEqual(r.errors, [], "no kernel error on the console");
  // Where output came back, the client tells what the console shows: a
  // sync or remount that did not complete is reported unfinished.
  const completed: [KeyResult, boolean][] = [
    [s, r.syncCompleted],
    [u, r.remountCompleted],
  ];
  for (const [step, done] of completed) {
    if (!/bytes/.test(step.output ?? "") || preemptRt()) continue;
    assert.equal(
      /unfinished/.test(step.output!),
      !done,
      `${step.key}: output "${step.output}", completed on the console: ${done}`,
    );
  }
}

function scenario(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

scenario(
  "hang 1: CPU hog, SCHED_FIFO 99 on every CPU, RT throttling off " +
    "(proof: heartbeat stops) — on 6.1 and PREEMPT_RT packets stop: the limit",
  async () => {
    // Why: the NIC's packets are handled in the NET_RX softirq. Linux 6.1
    // defers every softirq to the per-CPU ksoftirqd thread once that
    // thread is runnable ("softirq: Let ksoftirqd do its job", reverted
    // upstream in 6.5), and ksoftirqd is SCHED_OTHER: a FIFO 99 task that
    // never sleeps starves it, so packets stay in the receive ring and no
    // netfilter target, ours included, sees them. Measured with ping over
    // a tap: the first echo after the hang may still be answered, later
    // ones are not. PREEMPT_RT handles the NIC in an IRQ thread at FIFO 50:
    // starved too. 6.12 (no deferral; its fair server turned off by the
    // hang, see hang.sh) is rescued. hang 1b shows the tuning that lifts
    // the limit.
    const r = await storyline("cpu", 8_000);
    assert.equal(r.proof.method, "heartbeat");
    assert.deepEqual(r.errors, [], "no kernel error on the console");
    if (ksoftirqdLimit() || preemptRt()) {
      const got = r.steps.filter((s) => s.acked).map((s) => s.key);
      assert.equal(r.bToExitMs, null, "the limit: b never reaches the target");
      assert.ok(got.length < 2, `the limit: at most one request got in`);
      console.log(
        "  LIMIT: under a never-sleeping SCHED_FIFO 99 hog on every CPU, " +
          "the threads that carry packets in (ksoftirqd; on PREEMPT_RT " +
          "the NIC's IRQ thread) never run: the rescue cannot happen " +
          `(requests acked: ${got.join(", ") || "none"})`,
      );
    } else {
      assertRescued(r);
    }
  },
);

scenario(
  "hang 1b: CPU hog at FIFO 98 with ksoftirqd and IRQ threads at FIFO 99 " +
    "(proof: heartbeat stops): rescued",
  async () => {
    const r = await storyline("cpu-tuned");
    assert.equal(r.proof.method, "heartbeat");
    assertRescued(r);
    // s and u were acked (handed to the kernel), but their work runs in
    // SCHED_OTHER kworkers, which the hog starves: nothing is synced or
    // remounted before b. Shown, not hidden.
    assert.equal(r.syncCompleted, false, "emergency sync starved");
    assert.equal(r.remountCompleted, false, "emergency remount starved");
    console.log(
      "  LIMIT: s and u are acked but their kworkers never run under " +
        "the hog: no sync, no remount before b",
    );
  },
);

scenario(
  "hang 2: memory exhaustion, OOM-shielded hogs in a loop, no swap " +
    "(proof: heartbeat stops): rescued",
  async () => {
    const r = await storyline("memory");
    assert.equal(r.proof.method, "heartbeat");
    assertRescued(r);
  },
);

scenario(
  "hang 3: every process but init stopped with SIGSTOP (proof: heartbeat " +
    "stops; the control shell is stopped too): rescued",
  async () => {
    const r = await storyline("stopped");
    assert.equal(r.proof.method, "heartbeat");
    assertRescued(r);
  },
);

scenario(
  "hang 4: stuck storage, ext2 on dm-delay, writer in D state (proof: " +
    "`sync` does not answer): s does not wedge the target, rescued",
  async () => {
    const r = await storyline("storage");
    assert.equal(r.proof.method, "command");
    assertRescued(r);
    // The sync itself cannot finish: its writes wait on the stuck device.
    assert.equal(r.syncCompleted, false, "emergency sync stays stuck");
    // The hung-task detector (set to 2 s here) reports the blocked writer:
    // the kernel describing the hang we made, not a kernel error, and it
    // does not match CONSOLE_ERRORS (checked by assertRescued).
    if (!kernelTraits(kernel()).hungTaskDetector) {
      console.log(
        `  SKIP the hung-task report: ${kernel()} is built without ` +
          "CONFIG_DETECT_HUNG_TASK",
      );
      return;
    }
    assert.ok(
      r.consoleLines.some((l) => /blocked for more than/.test(l)),
      "the hung-task detector reported the stuck writer",
    );
  },
);
