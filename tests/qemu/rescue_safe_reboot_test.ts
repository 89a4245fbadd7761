/**
 * The safe reboot against the hangs where sync is hard (docs/PROTOCOL.md,
 * "Safe reboot"; kernel/nsr_rescue.c):
 *
 * - stuck storage: the sync never finishes. With ONLY_IF_SYNCED the server
 *   says so after safe_reboot_wait and stays up; a plain safe reboot then
 *   joins the stuck run and reboots within its bound, saying why.
 * - the real-time CPU hog (FIFO 98 on every CPU, ksoftirqd above it):
 *   SysRq s and u are acked there but their kworkers never run
 *   (hang_test.ts, hang 1b); the safe reboot makes real-time tasks normal
 *   first, so the rescue thread's sync and freeze finish and no file is
 *   lost.
 *
 * @module
 */

import assert from "node:assert";
import { benchRun } from "./bench_rescue_run.ts";
import { hang, hangBootOptions } from "./rescue.ts";
import { sendSafeReboot } from "./_safe_reboot.ts";
import { defaultKernel } from "./kernels.ts";
import { kernelHasAead } from "./_output.ts";
import { Vm } from "./vm.ts";

function scenario(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

/** The module's safe-reboot lines since `since`, prefix removed. */
function safeLines(vm: Vm, since: number): string[] {
  return vm.consoleSince(since).split("\n")
    .filter((l) => /safe reboot:/.test(l))
    .map((l) => l.replace(/^.*?xt_SYSRQ: /, "").trim());
}

scenario(
  "safe reboot, stuck storage: ONLY_IF_SYNCED reports the timeout and " +
    "does not reboot; a plain one then reboots within the bound",
  async () => {
    const boundMs = 2_000;
    const vm = await Vm.boot(
      await hangBootOptions("storage", {
        kernel: defaultKernel(),
        moduleParams: [`safe_reboot_wait=${boundMs}`],
      }),
    );
    try {
      const since = vm.mark();
      await hang(vm, "storage");
      const careful = await sendSafeReboot(vm, { onlyIfSynced: true });
      assert.ok(careful.acked, "the ONLY_IF_SYNCED request was acked");
      await vm.waitFor(
        /safe reboot: .* not done after 2000 ms, not rebooting/,
        {
          since,
          timeoutMs: 15_000,
        },
      );
      assert.equal(await vm.waitExit(3_000), false, "the guest stays up");
      // Output needs the AEAD library (not in the 6.18-debug and 7.1
      // kernels); without it the client would listen out its wait for
      // output that never comes, so the time is taken at QEMU's exit.
      const aead = kernelHasAead();
      const started = performance.now();
      let exitedAt = 0;
      const exited = vm.waitExit(20_000).then((gone) => {
        exitedAt = performance.now();
        return gone;
      });
      const plain = await sendSafeReboot(vm, { output: aead, waitMs: 8_000 });
      assert.ok(plain.acked, "the plain safe reboot was acked");
      assert.ok(await exited, "the guest rebooted");
      const ms = Math.round(exitedAt - started);
      const lines = safeLines(vm, since);
      for (const line of lines) console.log(`  guest: ${line}`);
      console.log(`  request to reboot: ${ms} ms (bound ${boundMs} ms)`);
      assert.ok(ms < boundMs + 3_000, `rebooted ${ms} ms after the request`);
      assert.ok(
        lines.some((l) =>
          /joins the earlier run, still at its sync of dm-/.test(l)
        ),
        "the second request joined the stuck sync",
      );
      assert.ok(
        lines.some((l) =>
          /sync of dm-\d+ \(ext2\) not done after 2000 ms, rebooting anyway/
            .test(l)
        ),
        "the timeout names the stuck filesystem",
      );
      // What the client hears, over the output channel, before the reboot.
      if (aead) {
        assert.match(
          plain.output ?? "",
          /not done after 2000 ms, rebooting anyway/,
        );
        assert.match(plain.output ?? "", /safe reboot: rebooting \d+ ms/);
        assert.ok(plain.outputLast, "the LAST output message came");
      }
      assert.deepEqual(vm.consoleErrors(since), [], "no kernel error");
    } finally {
      await vm.shutdown();
    }
  },
);

/**
 * The steps a safe reboot must show on the console. A PREEMPT_RT kernel
 * prints to the console from printer threads, which after SysRq n share
 * the CPUs with the former hog; a restart at once lost "freeze done" and
 * "rebooting" from the console in 1 of 2 runs on 6.12-rt (the output
 * carried them), so the module's restart waits for the consoles too.
 */
const STEPS: [string, RegExp][] = [
  ["sync done", /safe reboot: sync done in \d+ ms \(1 filesystems\)/],
  ["freeze done", /safe reboot: freeze done in \d+ ms/],
  ["rebooting", /safe reboot: rebooting \d+ ms after the request/],
];

scenario(
  "safe reboot under a real-time CPU hog: RT tasks made normal, sync and " +
    "freeze done, every file kept",
  async () => {
    const files = 50;
    // No output asked for: the restart's wait for the output session would
    // give the console its time as well, and hide whether the module waits
    // for the console itself (what an administrator on a serial console
    // needs). The stuck-storage scenario above checks the output.
    const r = await benchRun("safe", "cpu-tuned", {
      kernel: defaultKernel(),
      files,
      log: (l) => console.log(`  ${l}`),
    });
    for (const line of r.safeLines) console.log(`  guest: ${line}`);
    assert.deepEqual(r.acks, ["b"], "the safe reboot was acked");
    assert.notEqual(r.rebootMs, null, "the guest rebooted");
    const shown = r.safeLines.join("\n");
    for (const [step, re] of STEPS) {
      assert.match(shown, re, `${step}: on the console before the restart`);
    }
    // The freeze's own proof, whatever the log says: ext4's freeze flushes
    // the journal and clears needs_recovery, a sync alone leaves it set
    // ("journal"). A module that skips the freeze fails here (checked).
    assert.equal(r.image.fsck, "clean", "no journal replay pending");
    assert.equal(r.image.intact, files, `${r.image.intact} intact`);
  },
);
