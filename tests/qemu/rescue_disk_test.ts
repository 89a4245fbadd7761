/**
 * The rescue benchmark's short form (bench_rescue.ts has the full table):
 * one hang (every process stopped), a few files written without fsync on
 * ext4 on a virtio disk, then two ways down, each judged on the host by
 * e2fsck and by the files' bytes.
 *
 * - (d) a power reset (QEMU's `system_reset`, what a BMC does) loses the
 *   files still in the page cache, and leaves a journal to replay;
 * - (b) `s`, `u`, `b` as three requests keeps them all, here, because the
 *   stopped hang leaves the kernel's workers free: the console shows the
 *   emergency sync and remount complete before `b`.
 *
 * @module
 */

import assert from "node:assert";
import { benchRun } from "./bench_rescue_run.ts";
import { defaultKernel } from "./kernels.ts";

const FILES = 50;

function scenario(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

scenario(
  "rescue disk: a power reset of a hung guest loses the files it had " +
    "just written (journal left to replay)",
  async () => {
    const r = await benchRun("reset", "stopped", {
      kernel: defaultKernel(),
      files: FILES,
      log: (l) => console.log(`  ${l}`),
    });
    assert.equal(r.image.written, FILES, "the writer wrote every file");
    assert.notEqual(r.rebootMs, null, "system_reset ended QEMU");
    assert.ok(
      r.image.intact < r.image.written,
      `files lost: ${r.image.intact} of ${r.image.written} intact`,
    );
    assert.equal(r.image.fsck, "journal", "needs journal recovery");
  },
);

scenario(
  "rescue disk: s, u, b on a guest with every process stopped keeps " +
    "every file, fsck clean",
  async () => {
    const r = await benchRun("sub", "stopped", {
      kernel: defaultKernel(),
      files: FILES,
      log: (l) => console.log(`  ${l}`),
    });
    assert.equal(r.image.written, FILES, "the writer wrote every file");
    assert.deepEqual(r.acks, ["s", "u", "b"].slice(0, r.acks.length));
    assert.ok(r.acks.includes("s") && r.acks.includes("u"), "s, u acked");
    assert.notEqual(r.rebootMs, null, "b rebooted the guest");
    assert.ok(r.syncCompleted, "Emergency Sync complete on the console");
    assert.ok(r.remountCompleted, "Emergency Remount complete");
    assert.equal(r.image.intact, FILES, `${r.image.intact} intact`);
    assert.equal(r.image.fsck, "clean");
  },
);
