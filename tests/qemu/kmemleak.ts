/**
 * kmemleak in the guest (debug kernels booted with kmemleak=on; debugfs is
 * mounted by the guest's init): forget what is known so far, scan, and
 * read the reports, each split into its own block.
 *
 * @module
 */

import type { Vm } from "./vm.ts";

const KMEMLEAK = "/sys/kernel/debug/kmemleak";

/** Our code, as it appears in a report's backtrace while it is loaded. */
const OUR_NAMES = /xt_SYSRQ|\bnsr_|sysrq_tg/;

/** Where xt_SYSRQ's code sat in memory, read before it is unloaded. */
export interface ModuleRange {
  start: bigint;
  end: bigint;
}

/**
 * xt_SYSRQ's address range from /proc/modules (root sees real addresses).
 * Once the module is gone a backtrace shows its frames as bare addresses,
 * so a leak is ours when one of them falls in this range.
 */
export async function moduleRange(vm: Vm): Promise<ModuleRange> {
  const line = (await vm.must("grep '^xt_SYSRQ ' /proc/modules")).trim();
  const [, size, , , , base] = line.split(/\s+/);
  const start = BigInt(base);
  if (start === 0n) throw new Error(`no module address: ${line}`);
  return { start, end: start + BigInt(size) };
}

/** Whether a kmemleak report names our code or an address inside it. */
export function isOurs(report: string, range: ModuleRange): boolean {
  if (OUR_NAMES.test(report)) return true;
  return [...report.matchAll(/\b0x(ffff[0-9a-f]{12})\b/g)].some((m) => {
    const a = BigInt(`0x${m[1]}`);
    return a >= range.start && a < range.end;
  });
}

/**
 * Marks every object reported so far as known (boot-time reports are not
 * ours to judge), so a later scan reports only what is new.
 */
export async function kmemleakClear(vm: Vm): Promise<void> {
  await vm.must(`echo clear > ${KMEMLEAK}`);
}

/**
 * Scans twice (an object is reported only once a scan has seen it
 * unreferenced twice: the first scan may miss a pointer in flight) and
 * returns the reports, one string per "unreferenced object".
 */
export async function kmemleakScan(vm: Vm): Promise<string[]> {
  for (let i = 0; i < 2; i++) {
    await vm.must(`echo scan > ${KMEMLEAK}`, 300_000);
  }
  const text = await vm.must(`cat ${KMEMLEAK}`, 120_000);
  return text.split(/(?=unreferenced object)/)
    .map((r) => r.trim())
    .filter((r) => r.startsWith("unreferenced object"));
}
