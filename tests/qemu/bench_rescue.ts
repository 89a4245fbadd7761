/**
 * `deno task bench:rescue`: what each way of bringing a hung server down
 * keeps of the data it had just written. For every hang × method, `--runs`
 * guests each (bench_rescue_run.ts): ext4 on a virtio disk, a writer
 * creating files with known content (no fsync), the hang, the method, then
 * on the host `e2fsck -fn` and the files whose content is complete and
 * correct. Prints one line per run and one table of medians.
 *
 *     deno task bench:rescue [--runs 3] [--methods safe,sub,b,reset]
 *         [--hangs stopped,memory,cpu-tuned,storage] [--files 300]
 *         [--seconds 3]
 *
 * Runs one guest at a time (the machine is shared). NSR_KERNEL picks the
 * kernel, as for the tests.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type BenchRun,
  benchRun,
  type Method,
  METHODS,
} from "./bench_rescue_run.ts";
import type { HangKind } from "./rescue.ts";
import { defaultKernel } from "./kernels.ts";

/** The hangs as the table names them. */
const HANG_NAMES: Partial<Record<HangKind, string>> = {
  stopped: "all tasks stopped",
  memory: "memory exhaustion",
  "cpu-tuned": "RT CPU hog",
  cpu: "RT CPU hog, packets starved",
  storage: "stuck storage",
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}

/** "3× clean" or "2× journal, 1× errors". */
function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}× ${v}`).join(", ");
}

/** One table row: medians over the runs of one method and hang. */
function row(runs: BenchRun[]): string[] {
  const { method, hang } = runs[0];
  const intact = median(runs.map((r) => r.image.intact));
  const written = median(runs.map((r) => r.image.written));
  const times = runs.map((r) => r.rebootMs).filter((t): t is number =>
    t !== null
  );
  const down = times.length === runs.length
    ? `${median(times)} ms`
    : `${runs.length - times.length}× no reboot` +
      (times.length ? `; else ${median(times)} ms` : "");
  return [
    METHODS[method],
    HANG_NAMES[hang] ?? hang,
    `${intact} of ${written} (${Math.round((100 * intact) / written)} %)`,
    tally(runs.map((r) => r.image.fsck)),
    down,
  ];
}

/** A Markdown table (the README carries it as printed). */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      methods: { type: "string", default: "safe,sub,b,reset" },
      hangs: { type: "string", default: "stopped,memory,cpu-tuned,storage" },
      files: { type: "string", default: "300" },
      seconds: { type: "string", default: "3" },
    },
  });
  const runs = Number(values.runs);
  const methods = values.methods.split(",") as Method[];
  const hangs = values.hangs.split(",") as HangKind[];
  for (const m of methods) {
    if (!(m in METHODS)) {
      throw new Error(`unknown method ${m}: one of ${Object.keys(METHODS)}`);
    }
  }
  for (const h of hangs) {
    if (!(h in HANG_NAMES)) {
      throw new Error(`unknown hang ${h}: one of ${Object.keys(HANG_NAMES)}`);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs must be a whole number >= 1, not ${values.runs}`);
  }
  const kernel = defaultKernel();
  const started = new Date();
  console.log(
    `bench:rescue on ${kernel}: ${runs} run(s) of ${methods.length} ` +
      `method(s) × ${hangs.length} hang(s), up to ${values.files} files ` +
      `in ${values.seconds} s each`,
  );
  const results: BenchRun[][] = [];
  for (const h of hangs) {
    for (const m of methods) {
      const group: BenchRun[] = [];
      for (let i = 1; i <= runs; i++) {
        const r = await benchRun(m, h, {
          kernel,
          files: Number(values.files),
          writeSeconds: Number(values.seconds),
        });
        console.log(
          `  ${METHODS[m]} × ${h} #${i}: ${r.image.intact}/` +
            `${r.image.written} intact (${r.image.damaged} damaged, ` +
            `${r.image.missing} missing), fsck ${r.image.fsck}, ` +
            (r.rebootMs === null ? "no reboot" : `down in ${r.rebootMs} ms`) +
            (m === "reset" ? "" : `, acked ${r.acks.join("") || "none"}`) +
            (m === "sub" || m === "safe"
              ? `, sync ${r.syncCompleted ? "done" : "not done"}, ` +
                `remount ${r.remountCompleted ? "done" : "not done"}`
              : ""),
        );
        if (r.image.detail) console.log(`    ${r.image.detail}`);
        group.push(r);
      }
      results.push(group);
    }
  }
  const cpu = (await Deno.readTextFile("/proc/cpuinfo"))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  console.log(
    `\n${started.toISOString().slice(0, 10)}, ${kernel} guest under QEMU ` +
      `TCG (1 vCPU, 2 for the CPU hog), host ${cpu}, ` +
      `${navigator.hardwareConcurrency} cores; medians of ${runs} run(s)\n`,
  );
  console.log(table(
    ["method", "hang", "files intact", "fsck", "command to reboot"],
    results.map(row),
  ));
}

if (import.meta.main) await main();
