/**
 * One run of the rescue benchmark: a guest with a real disk (ext4 on a
 * virtio disk, default mount options, made by the host's mkfs), a writer
 * that creates files with known content without fsync for a few seconds,
 * a hang (rescue.ts), one way of bringing the guest down, then the image
 * judged on the host (disk/disk_image.ts): fsck state and files intact.
 *
 * Methods, as docs and README name them:
 * - (a) "safe": one safe-reboot request (_safe_reboot.ts): the module's
 *   rescue thread syncs and freezes, then reboots, within safe_reboot_wait;
 * - (b) "sub": `s`, `u`, `b` as three plain requests, as an administrator
 *   does today (rescue.ts's storyline);
 * - (c) "b": `b` alone;
 * - (d) "reset": QEMU's monitor `system_reset`, what a BMC power reset does.
 *
 * @module
 */

import { diskInitrd } from "./disk/initrd.ts";
import {
  type ImageReport,
  inspectImage,
  makeImage,
} from "./disk/disk_image.ts";
import { hang, hangBootOptions, type HangKind, sendSysrq } from "./rescue.ts";
import { sendSafeReboot } from "./_safe_reboot.ts";
import { Vm } from "./vm.ts";
import { defaultKernel } from "./kernels.ts";
import { workDir } from "./_util.ts";

/** The ways to bring a hung guest down that the benchmark compares. */
export type Method = "safe" | "sub" | "b" | "reset";

/** The methods with their letters in the issue and README. */
export const METHODS: Record<Method, string> = {
  safe: "(a) safe reboot",
  sub: "(b) s, u, b",
  b: "(c) b alone",
  reset: "(d) power reset",
};

/** What one run measured. */
export interface BenchRun {
  method: Method;
  hang: HangKind;
  /** The image as the next boot meets it. */
  image: ImageReport;
  /** From the method's first command to QEMU's exit (the reboot); null
   * when the guest did not go down within the bound (then it was killed,
   * which the image shows as a power cut). */
  rebootMs: number | null;
  /** From the writer's end to the method's first command. */
  sinceWriteMs: number;
  /** Which requests were acked, for (b) and (c). */
  acks: string[];
  /** (a) with `output`: the output text that came back, and its LAST. */
  output?: string;
  outputLast?: boolean;
  /** The safe reboot's own lines (xt_SYSRQ: safe reboot: ...). */
  safeLines: string[];
  /** Whether the console showed the emergency sync / remount complete
   * (for the safe reboot: its "sync done" and "freeze done"). */
  syncCompleted: boolean;
  remountCompleted: boolean;
}

/** Options for one run. */
export interface BenchOptions {
  kernel?: string;
  /** Most files the writer creates (default 300). */
  files?: number;
  /** Longest the writer writes, seconds (default 3). */
  writeSeconds?: number;
  /** How long to wait for the reboot after the method starts. */
  exitTimeoutMs?: number;
  log?: (line: string) => void;
  /** Module parameters besides the password (e.g. safe_reboot_wait). */
  moduleParams?: string[];
  /** (a): ask for the output too (the steps, as the client shows them). */
  output?: boolean;
  /** Runs on the booted guest before the writer (a test's own checks). */
  prepare?: (vm: Vm) => Promise<void>;
}

/** Brings the hung guest down with `method`; the acks seen. */
async function bringDown(
  vm: Vm,
  method: Method,
  output: { text?: string; last?: boolean; wanted: boolean },
): Promise<string[]> {
  if (method === "reset") {
    await vm.monitor("system_reset");
    return [];
  }
  if (method === "safe") {
    const sent = await sendSafeReboot(vm, {
      output: output.wanted,
      waitMs: 15_000,
    });
    output.text = sent.output;
    output.last = sent.outputLast;
    return sent.acked ? ["b"] : [];
  }
  const acks: string[] = [];
  const keys = method === "sub" ? ["s", "u"] : [];
  for (const key of keys) {
    const step = await sendSysrq(vm, key, ["--timeout", "2"]);
    if (step.acked) acks.push(key);
  }
  // As rescue.ts: b's ack may never leave; judged by QEMU's exit.
  const b = await sendSysrq(vm, "b", ["--timeout", "1", "--retries", "0"]);
  if (b.acked) acks.push("b");
  return acks;
}

/** One run: boot, write, hang, `method`, judge the image. */
export async function benchRun(
  method: Method,
  kind: HangKind,
  options: BenchOptions = {},
): Promise<BenchRun> {
  const log = options.log ?? (() => {});
  const kernel = options.kernel ?? defaultKernel();
  const image = `${workDir()}/bench-${crypto.randomUUID().slice(0, 8)}.img`;
  await makeImage(image);
  try {
    const boot = await hangBootOptions(kind, {
      kernel,
      disks: [image],
      moduleParams: options.moduleParams,
      monitor: true,
      extraInitrd: [await diskInitrd(kernel)],
    });
    const vm = await Vm.boot(boot);
    let written = 0;
    let wroteAt = 0;
    let sinceWriteMs = 0;
    let rebootMs: number | null = null;
    let acks: string[] = [];
    const output: { text?: string; last?: boolean; wanted: boolean } = {
      wanted: options.output ?? false,
    };
    let text = "";
    try {
      await options.prepare?.(vm);
      await vm.must("nsr-disk mount", 60_000);
      // Its setup syncs: done before the writer, so that it saves nothing.
      if (kind === "storage") await vm.must("hang storage-setup", 60_000);
      const out = await vm.must(
        `nsr-disk write ${options.files ?? 300} ${options.writeSeconds ?? 3}`,
        120_000,
      );
      wroteAt = performance.now();
      written = Number(out.match(/NSR-WROTE (\d+)/)?.[1] ?? NaN);
      if (!Number.isInteger(written)) {
        throw new Error(`the writer said no count: ${out}`);
      }
      log(`wrote ${written} files; hanging: ${kind}`);
      const since = vm.mark();
      const proof = await hang(vm, kind);
      log(`hung: ${proof.detail}`);
      const started = performance.now();
      sinceWriteMs = Math.round(started - wroteAt);
      const exited = vm.waitExit(options.exitTimeoutMs ?? 30_000).then((
        ok,
      ) => ok ? Math.round(performance.now() - started) : null);
      acks = await bringDown(vm, method, output);
      rebootMs = await exited;
      text = vm.consoleSince(since);
      log(
        `${METHODS[method]}: ` +
          (rebootMs === null ? "no reboot" : `down in ${rebootMs} ms`) +
          (method === "reset" ? "" : `; acked: ${acks.join(",") || "none"}`),
      );
    } catch (e) {
      throw new Error(`${e}\n--- console tail ---\n${vm.consoleTail(30)}`);
    } finally {
      await vm.shutdown();
    }
    const report = await inspectImage(image, written);
    log(
      `image: ${report.intact}/${report.written} intact, ` +
        `${report.damaged} damaged, ${report.missing} missing; fsck ` +
        report.fsck,
    );
    return {
      method,
      hang: kind,
      image: report,
      rebootMs,
      sinceWriteMs,
      acks,
      output: output.text,
      outputLast: output.last,
      safeLines: text.split("\n").filter((l) => /safe reboot:/.test(l))
        .map((l) => l.replace(/^.*?xt_SYSRQ: /, "").trim()),
      syncCompleted: /Emergency Sync complete|safe reboot: sync done/.test(
        text,
      ),
      remountCompleted: /Emergency Remount complete|safe reboot: freeze done/
        .test(text),
    };
  } finally {
    await Deno.remove(image).catch(() => {});
  }
}
