/**
 * The rescue benchmark's short form (bench_rescue.ts has the full table):
 * one hang (every process stopped), a few files written without fsync on
 * ext4 on a virtio disk, then two ways down, each judged on the host by
 * e2fsck and by the files' bytes.
 *
 * - (d) a power reset (QEMU's `system_reset`, what a BMC does) leaves a
 *   journal to replay and keeps only what the kernel happened to write
 *   before it (a count that varies run to run: reported, not asserted);
 * - (a) one safe-reboot request keeps them all and leaves the filesystem
 *   clean (bench_rescue.ts shows (b) `s`, `u`, `b` and (c) `b` alone).
 *
 * @module
 */

import assert from "node:assert";
import { benchRun } from "./bench_rescue_run.ts";
import { defaultKernel } from "./kernels.ts";
import { kernelHasAead } from "./_output.ts";
import type { Vm } from "./vm.ts";

const FILES = 50;
/** Output needs the AEAD library (not in the 6.18-debug and 7.1 kernels). */
const aead = kernelHasAead();

function scenario(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

scenario(
  "rescue disk: a power reset of a hung guest leaves its filesystem " +
    "needing journal recovery",
  async () => {
    const r = await benchRun("reset", "stopped", {
      kernel: defaultKernel(),
      files: FILES,
      log: (l) => console.log(`  ${l}`),
    });
    assert.equal(r.image.written, FILES, "the writer wrote every file");
    assert.notEqual(r.rebootMs, null, "system_reset ended QEMU");
    assert.equal(r.image.fsck, "journal", "needs journal recovery");
    // How many files a reset loses varies from run to run: measured here
    // 0, 1 and 50 of 50 kept, each about 6 s after the last write (the
    // kernel writes some dirty pages by itself meanwhile). So this only
    // reports the count; bench:rescue gives medians. What is certain: the
    // filesystem was not left clean.
    console.log(
      `  reset ${r.sinceWriteMs} ms after the last write: ` +
        `${r.image.intact} of ${r.image.written} intact`,
    );
  },
);

/** Bad values of safe_reboot_wait are refused, saying why; the value stays. */
async function wrongWaitsRefused(vm: Vm): Promise<void> {
  const param = "/sys/module/xt_SYSRQ/parameters/safe_reboot_wait";
  assert.equal((await vm.must(`cat ${param}`)).trim(), "10000", "default");
  for (const bad of ["0", "600001", "99999999999", "ten", "-5"]) {
    const since = vm.mark();
    const { code } = await vm.command(`echo ${bad} >${param}`);
    assert.notEqual(code, 0, `writing ${bad} failed`);
    await vm.waitFor(/safe_reboot_wait: refused .*100\.\.600000 ms/, {
      since,
    });
  }
  assert.equal((await vm.must(`cat ${param}`)).trim(), "10000", "unchanged");
}

scenario(
  "rescue disk: a safe reboot of a hung guest keeps every file, fsck " +
    "clean; safe_reboot_wait refuses 0 and huge values",
  async () => {
    const r = await benchRun("safe", "stopped", {
      kernel: defaultKernel(),
      files: FILES,
      log: (l) => console.log(`  ${l}`),
      prepare: wrongWaitsRefused,
      output: aead,
    });
    for (const line of r.safeLines) console.log(`  guest: ${line}`);
    if (aead) {
      for (const line of (r.output ?? "").trimEnd().split("\n")) {
        console.log(`  output: ${line}`);
      }
      // The steps came back over the output channel, the last one too.
      for (
        const step of [/sync done in/, /freeze done in/, /rebooting \d+ ms/]
      ) {
        assert.match(r.output ?? "", step, "in the output");
      }
      assert.ok(r.outputLast, "the LAST output message came before reboot");
    } else {
      console.log("  output: off (no AEAD library in this kernel): not asked");
    }
    assert.equal(r.image.written, FILES, "the writer wrote every file");
    assert.deepEqual(r.acks, ["b"], "the safe reboot was acked");
    assert.notEqual(r.rebootMs, null, "the guest rebooted");
    assert.ok(r.syncCompleted, "sync done");
    assert.ok(r.remountCompleted, "freeze done");
    assert.equal(r.image.intact, FILES, `${r.image.intact} intact`);
    assert.equal(r.image.fsck, "clean");
  },
);
