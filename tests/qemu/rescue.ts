/**
 * The rescue storyline: hang a guest one of the ways real servers hang,
 * prove it is hung, then bring it down cleanly with the real `send_sysrq`
 * client (cli/main.ts, run as a subprocess): `s` (sync), `u` (remount
 * read-only), `b` (reboot). The hang tests (hang_test.ts) assert on its
 * result; the demo narrates it through `log`.
 *
 * For a CPU-hog demo on Debian 12's 6.1 use "cpu-tuned": under the plain
 * "cpu" hog (FIFO 99, throttling off) no packet gets in at all there, not
 * even ping, because the starved ksoftirqd carries them (hang_test.ts,
 * hang 1). In both, `s` and `u` are acked but their work waits in starved
 * kworkers; only `b` acts at once.
 *
 * @example Rescue a guest hung by a real-time CPU hog (tuned, see above)
 * ```ts ignore
 * import { hangBootOptions, rescue } from "./rescue.ts";
 * import { Vm } from "./vm.ts";
 * const vm = await Vm.boot(await hangBootOptions("cpu-tuned"));
 * try {
 *   const result = await rescue(vm, "cpu-tuned", { log: console.log });
 *   console.log(result.steps.map((s) => `${s.key}: ${s.outcome}`));
 *   console.log(`b to QEMU exit: ${result.bToExitMs} ms`);
 * } finally {
 *   await vm.shutdown();
 * }
 * ```
 *
 * @module
 */

import { runClient, SOURCE } from "../../cli/_run_client.ts";
import { hangInitrd } from "./hang/initrd.ts";
import type { BootOptions, Vm } from "./vm.ts";
import { delay } from "./_util.ts";

/** The ways a server hangs that the scenarios reproduce. */
export type HangKind = "cpu" | "cpu-tuned" | "memory" | "stopped" | "storage";

/** How a hang was shown to be real. */
export interface HangProof {
  /** "heartbeat": the userspace heartbeat stopped; "command": a guest
   * command through the control channel did not answer. */
  method: "heartbeat" | "command";
  /** What was seen, in a sentence. */
  detail: string;
}

/** The real client's answer for one key. */
export interface KeyResult {
  key: string;
  /** The client's --json outcome: "acked", "no-reply", "refused"... */
  outcome: string;
  /** True when a verified ack said the key was executed. */
  acked: boolean;
  /** The client's exit status (0 only when acked and executed). */
  exitCode: number;
  /** Round trip of the acked attempt, as the client measured it. */
  rttMs?: number;
  /** Packets the client sent (1 + retries used). */
  attempts: number;
  /** From starting the client to its exit, start-up included. */
  clientMs: number;
  /** What the client said of the key's output (--json), in a few words. */
  output?: string;
}

/** Everything the storyline saw. */
export interface RescueResult {
  kind: HangKind;
  proof: HangProof;
  /** One per key sent: s, u, b. */
  steps: KeyResult[];
  /** From starting the client for `b` to QEMU's exit (an upper bound on
   * send-to-exit: it includes the client's start-up); null if QEMU did not
   * exit within `exitTimeoutMs`. */
  bToExitMs: number | null;
  /** Console lines of the rescue: the target's "accepted" lines, the
   * kernel's sysrq lines, hang markers, OOM kills, hung-task reports. */
  consoleLines: string[];
  /** Whether the emergency sync / remount work reported completion (a
   * starved or stuck kworker never does). */
  syncCompleted: boolean;
  remountCompleted: boolean;
  /** Kernel error lines (vm.consoleErrors) from the hang's start on. */
  errors: string[];
}

/** Options for rescue(). */
export interface RescueOptions {
  /** Narration, one line at a time (the demo passes console.log). */
  log?: (line: string) => void;
  /** How long the heartbeat must stay silent to count as stopped. */
  silenceMs?: number;
  /** How long a guest command may take before it counts as unanswered. */
  commandTimeoutMs?: number;
  /** How long to wait for QEMU to exit after `b` is sent. */
  exitTimeoutMs?: number;
}

/** Console lines worth showing from a rescue. */
const STORY_LINES =
  /sysrq: |xt_SYSRQ|NSR-HANG|NSR-HOG|NSR-TUNED|NSR-FAIR|NSR-WRITER|Out of memory|Killed process|blocked for more than|rcu: INFO|Emergency/;
const HEARTBEAT = /NSR-HEARTBEAT (\d+)/g;

/**
 * Boot options for a guest that can hang in `kind`: the harness's options
 * plus the hang programs' archive, a heartbeat, and the guest size the
 * scenario needs (two CPUs for the CPU hog, so "every CPU" means more than
 * one; less memory for the memory hog, so it fills in seconds).
 */
export async function hangBootOptions(
  kind: HangKind,
  base: BootOptions = {},
): Promise<BootOptions> {
  const sizes: Record<HangKind, BootOptions> = {
    cpu: { smp: 2 },
    "cpu-tuned": { smp: 2 },
    memory: { memoryMb: 256 },
    stopped: {},
    storage: {},
  };
  return {
    heartbeat: true,
    ...sizes[kind],
    ...base,
    extraInitrd: [
      ...(base.extraInitrd ?? []),
      await hangInitrd(base.kernel),
    ],
  };
}

/**
 * Sends a guest command without waiting for its answer: after a hang
 * starts, the control channel may never answer again.
 */
function fire(vm: Vm, cmd: string): void {
  vm.command(cmd, 10_000).catch(() => {});
}

/** The heartbeat numbers printed after console offset `since`. */
function heartbeats(vm: Vm, since: number): number[] {
  return [...vm.consoleSince(since).matchAll(HEARTBEAT)].map((m) =>
    Number(m[1])
  );
}

/** Proves the heartbeat has stopped: none for `silenceMs` from now on. */
async function heartbeatStops(
  vm: Vm,
  silenceMs: number,
): Promise<HangProof> {
  // A beat already on its way out when the hang began may still land.
  await delay(1_000);
  const quiet = vm.mark();
  await delay(silenceMs);
  const late = heartbeats(vm, quiet);
  if (late.length > 0) {
    throw new Error(
      `not hung: heartbeat ${late.join(", ")} came after the hang began`,
    );
  }
  const before = heartbeats(vm, 0);
  return {
    method: "heartbeat",
    detail: `no heartbeat for ${silenceMs} ms (the last was ` +
      `${before.at(-1) ?? "none"}; one came every second before)`,
  };
}

/** Proves a guest command does not answer within `timeoutMs`. */
async function commandHangs(
  vm: Vm,
  cmd: string,
  timeoutMs: number,
): Promise<HangProof> {
  try {
    const { output } = await vm.command(cmd, timeoutMs);
    throw new Error(`not hung: \`${cmd}\` answered: ${output.trim()}`);
  } catch (e) {
    if (!`${e}`.includes("timed out")) throw e;
  }
  return {
    method: "command",
    detail: `\`${cmd}\` through the control channel: no answer in ` +
      `${timeoutMs} ms`,
  };
}

/** Waits until `pid`'s state in the guest is D (uninterruptible I/O). */
async function waitUninterruptible(vm: Vm, pid: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const state = (await vm.must(`hang state ${pid}`)).trim();
    if (state === "D") return;
    await delay(250);
  }
  throw new Error(`writer ${pid} never entered D state`);
}

/**
 * Puts the guest in the hang `kind` and proves it is hung; returns how.
 * The guest must have been booted with hangBootOptions(kind).
 *
 * - cpu: `rt_hog` (SCHED_FIFO 99, pinned, one per CPU, RT throttling off,
 *   and on 6.12+ the fair server off too); proof: the heartbeat stops. On
 *   6.1 this also starves ksoftirqd, so no packet gets in (see
 *   hang_test.ts, hang 1).
 * - cpu-tuned: the same hog at FIFO 98 with every ksoftirqd (and, on
 *   PREEMPT_RT, every IRQ thread) raised to FIFO 99 first; proof: the
 *   heartbeat stops.
 * - memory: four respawning `mem_hog` at oom_score_adj -999, no swap: the
 *   OOM killer takes every other process (the heartbeat too), then a hog,
 *   in a loop; proof: the OOM killer has run, then the heartbeat stops.
 * - stopped: SIGSTOP to every process but init; proof: the heartbeat
 *   stops (the control channel's shell is stopped as well).
 * - storage: ext2 on dm-delay whose writes wait a day, a writer in D state;
 *   proof: `sync` does not answer (the heartbeat goes on: it touches no
 *   disk, which is how such servers look from outside).
 */
export async function hang(
  vm: Vm,
  kind: HangKind,
  options: RescueOptions = {},
): Promise<HangProof> {
  const silenceMs = options.silenceMs ?? 5_000;
  const commandMs = options.commandTimeoutMs ?? 5_000;
  // The heartbeat is alive right before the hang.
  await vm.waitFor(/NSR-HEARTBEAT \d+/, {
    since: vm.mark(),
    timeoutMs: 30_000,
  });
  switch (kind) {
    case "cpu":
    case "cpu-tuned": {
      const since = vm.mark();
      fire(vm, `hang ${kind}`);
      // The hogs' own NSR-HOG lines may never reach the console (on
      // PREEMPT_RT the serial port's IRQ thread starves too), so wait for
      // the line printed just before they start. The heartbeat, free to
      // run on any CPU, then proves every CPU is taken.
      await vm.waitFor(/NSR-HANG cpu/, { since, timeoutMs: 30_000 });
      return await heartbeatStops(vm, silenceMs);
    }
    case "memory": {
      const since = vm.mark();
      fire(vm, "hang memory 4");
      await vm.waitFor(/Killed process \d+ \(mem_hog\)/, {
        since,
        timeoutMs: 60_000,
      });
      const proof = await heartbeatStops(vm, silenceMs);
      const victims = [
        ...vm.consoleSince(since).matchAll(/Killed process \d+ \((\S+)\)/g),
      ].map((m) => m[1]).filter((name) => name !== "mem_hog");
      proof.detail += `; the OOM killer took ${
        victims.length > 0 ? [...new Set(victims)].join(", ") : "only hogs"
      } and hogs in a loop`;
      return proof;
    }
    case "stopped": {
      const since = vm.mark();
      fire(vm, "hang stopped");
      await vm.waitFor(/NSR-HANG stopped/, { since });
      return await heartbeatStops(vm, silenceMs);
    }
    case "storage": {
      await vm.must("hang storage-setup", 60_000);
      const pid = (await vm.must("hang storage && cat /tmp/writer.pid"))
        .trim().split("\n").at(-1)!;
      await waitUninterruptible(vm, pid);
      return await commandHangs(vm, "sync", commandMs);
    }
  }
}

/**
 * Runs the real client once for `key` against the guest's forwarded port
 * (the MAC covers the guest's own address, passed as --server-address) and
 * returns what it reported. The password goes in SYSRQ_PASSWORD.
 */
export async function sendSysrq(
  vm: Vm,
  key: string,
  flags: string[] = [],
): Promise<KeyResult> {
  const started = performance.now();
  const out = await runClient(SOURCE, [
    "--json",
    // A script has no terminal to confirm u and b on: say yes up front.
    "--yes",
    "--server-address",
    vm.address("v4"),
    ...flags,
    key,
    `127.0.0.1:${vm.ports.v4}`,
  ], { env: { SYSRQ_PASSWORD: vm.password ?? "" } });
  const clientMs = Math.round(performance.now() - started);
  const text = out.stdout.trim();
  let json: {
    outcome?: string;
    rttMs?: number;
    attempts?: number;
    statuses?: { status: string }[];
    output?: {
      state: string;
      bytes?: number;
      complete?: boolean;
      unfinished?: boolean;
    };
  };
  try {
    json = JSON.parse(text.split("\n")[0]);
  } catch {
    const err = out.stderr.trim();
    throw new Error(
      `send_sysrq ${key}: no JSON result (exit ${out.code}):` +
        ` ${text} ${err}`,
    );
  }
  return {
    key,
    outcome: json.outcome ?? "unknown",
    acked: json.outcome === "acked" &&
      (json.statuses ?? []).every((s) => s.status === "executed"),
    exitCode: out.code,
    rttMs: json.rttMs,
    attempts: json.attempts ?? 0,
    clientMs,
    output: outputSummary(json.output),
  };
}

/** The client's --json `output`, in a few words: "2.1 KiB, unfinished". */
function outputSummary(
  output?: {
    state: string;
    bytes?: number;
    complete?: boolean;
    unfinished?: boolean;
  },
): string | undefined {
  if (output === undefined) return undefined;
  if (output.state !== "received") return output.state;
  const words = [`${output.bytes ?? 0} bytes`];
  if (output.unfinished) words.push("unfinished");
  else if (!output.complete) words.push("incomplete");
  return words.join(", ");
}

/** The console lines of the story since `since`, escape codes removed. */
function storyLines(vm: Vm, since: number): string[] {
  const lines = vm.consoleSince(since).split("\n")
    // deno-lint-ignore no-control-regex
    .map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g, "").trim())
    .filter((l) => STORY_LINES.test(l));
  // An OOM loop kills dozens of hogs: keep the first few, count the rest.
  const kills = lines.filter((l) => /Killed process/.test(l));
  const skipped = new Set(kills.slice(3));
  const kept = lines.filter((l) => !skipped.has(l));
  if (skipped.size > 0) {
    kept.splice(
      kept.indexOf(kills[2]) + 1,
      0,
      `(${skipped.size} more OOM kills)`,
    );
  }
  return kept;
}

/**
 * The whole storyline on a booted guest (booted with hangBootOptions(kind)):
 * hang it, prove it, then send `s`, `u` and `b` with the real client, one
 * run each, and time `b` until QEMU exits (-no-reboot). Never throws for a
 * missing ack: the result says what arrived, and the caller decides.
 */
export async function rescue(
  vm: Vm,
  kind: HangKind,
  options: RescueOptions = {},
): Promise<RescueResult> {
  const log = options.log ?? (() => {});
  const since = vm.mark();
  log(`hanging the guest: ${kind}`);
  const proof = await hang(vm, kind, options);
  log(`hung: ${proof.detail}`);
  const steps: KeyResult[] = [];
  for (const key of ["s", "u"]) {
    // Two seconds per attempt: a loaded TCG guest may answer slowly.
    const step = await sendSysrq(vm, key, ["--timeout", "2"]);
    steps.push(step);
    log(
      `send_sysrq ${key}: ${step.outcome}` +
        (step.rttMs !== undefined ? ` in ${step.rttMs} ms` : "") +
        ` (${step.attempts} packet(s)); output ${step.output ?? "none"}; ` +
        `client ran ${step.clientMs} ms`,
    );
  }
  // The ack of b is queued before the reboot and may never leave: send it
  // once, and judge b by its effect, QEMU exiting.
  const bStarted = performance.now();
  const exited = vm.waitExit(options.exitTimeoutMs ?? 20_000).then((ok) =>
    ok ? Math.round(performance.now() - bStarted) : null
  );
  const b = await sendSysrq(vm, "b", ["--timeout", "1", "--retries", "0"]);
  steps.push(b);
  const bToExitMs = await exited;
  log(
    bToExitMs === null
      ? "send_sysrq b: the guest did not go down"
      : `send_sysrq b: the guest went down ${bToExitMs} ms after the ` +
        `client started (ack ${b.acked ? "received" : "not received"})`,
  );
  const text = vm.consoleSince(since);
  return {
    kind,
    proof,
    steps,
    bToExitMs,
    consoleLines: storyLines(vm, since),
    syncCompleted: /Emergency Sync complete/.test(text),
    remountCompleted: /Emergency Remount complete/.test(text),
    errors: vm.consoleErrors(since),
  };
}
