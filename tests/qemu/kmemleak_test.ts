/**
 * A kmemleak report read after xt_SYSRQ was unloaded shows the module's
 * frames as bare addresses: it is ours when one falls in the module's
 * range (read from /proc/modules before the unload). The report below is
 * one the sanitizer run printed for a build broken on purpose (a leaked
 * copy of each reply); the name check alone found it not ours.
 *
 * @module
 */

import assert from "node:assert";
import { isOurs } from "./kmemleak.ts";

const REPORT = `unreferenced object 0xffff88803f8db300 (size 64):
  comm "softirq", pid 0, jiffies 4294697820
  hex dump (first 32 bytes):
    4e 53 52 51 02 05 00 00 94 4c ea f0 7c 30 20 a4  NSRQ.....L..|0 .
  backtrace (crc 66f6f9e1):
    __kmalloc_node_track_caller_noprof+0x4ff/0x840
    kmemdup_noprof+0x20/0x50
    0xffffffffc051ae2d
    0xffffffffc0518655
    ipt_do_table+0xb30/0x1b60 [ip_tables]
    nf_hook_slow+0xa5/0x1c0`;

const RANGE = { start: 0xffffffffc0510000n, end: 0xffffffffc0520000n };

Deno.test("kmemleak: a frame inside the unloaded module's range is ours", () => {
  assert.equal(isOurs(REPORT, RANGE), true);
});

Deno.test("kmemleak: a report with no frame of ours is not", () => {
  const elsewhere = { start: 0xffffffffc0600000n, end: 0xffffffffc0610000n };
  assert.equal(isOurs(REPORT, elsewhere), false);
});

Deno.test("kmemleak: a symbolised frame of ours is ours", () => {
  const named = REPORT.replace("0xffffffffc051ae2d", "nsr_reply+0x1d/0x90");
  assert.equal(isOurs(named, { start: 0n, end: 0n }), true);
});
