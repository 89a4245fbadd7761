/**
 * What each SysRq key does (drivers/tty/sysrq.c, as kernel/nsr_sysrq.c
 * mirrors it), which keys stop or damage a machine, and the checks that
 * tell a KEYS argument from a mistyped command line.
 *
 * @module
 */

/** One key's action and how much harm it does to a running machine. */
export interface KeyAction {
  /** What the kernel does, for the confirmation and --dry-run. */
  action: string;
  /** True when the key stops the machine or loses work: needs --yes. */
  harmful: boolean;
  /** True when no key after this one can run (the machine is gone). */
  final?: boolean;
}

/**
 * The kernel's key table. Harmful: the three that end the machine (b, c, o),
 * the three that kill processes (e, i, f), k (kills every process on the
 * console, a rescue shell included) and u (every filesystem read-only: the
 * services on a machine that is not hung fail their next write). Harmless:
 * sync, the dumps, the log level, n, r, j, h.
 */
export const KEY_ACTIONS: Readonly<Record<string, KeyAction>> = {
  b: { action: "reboot at once, without syncing", harmful: true, final: true },
  c: {
    action: "crash the kernel (kdump if set up)",
    harmful: true,
    final: true,
  },
  o: { action: "power off at once", harmful: true, final: true },
  e: { action: "SIGTERM to every process but init", harmful: true },
  i: { action: "SIGKILL to every process but init", harmful: true },
  f: { action: "OOM-kill the largest process", harmful: true },
  k: { action: "kill every process on the console (SAK)", harmful: true },
  u: { action: "remount every filesystem read-only", harmful: true },
  s: { action: "sync every filesystem", harmful: false },
  j: { action: "thaw frozen filesystems", harmful: false },
  n: { action: "real-time tasks to normal priority", harmful: false },
  r: { action: "keyboard out of raw mode", harmful: false },
  l: { action: "backtrace of every CPU", harmful: false },
  m: { action: "memory report", harmful: false },
  p: { action: "registers of this CPU", harmful: false },
  q: { action: "timer list", harmful: false },
  t: { action: "list every task", harmful: false },
  w: { action: "list blocked tasks", harmful: false },
  d: { action: "held locks (lockdep kernels)", harmful: false },
  z: { action: "dump the ftrace buffer", harmful: false },
  h: { action: "print the SysRq help", harmful: false },
};

/**
 * A key's action, e.g. "reboot at once, without syncing"; digits set the
 * console log level; keys with no handler in a standard kernel say so.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { keyAction } from "./sysrq_keys.ts";
 * assert.equal(keyAction("9"), "console log level 9");
 * assert.match(keyAction("b"), /^reboot/);
 * ```
 */
export function keyAction(key: string): string {
  if (/^[0-9]$/.test(key)) return `console log level ${key}`;
  return KEY_ACTIONS[key]?.action ??
    "no handler in a standard kernel (prints the help)";
}

/** The harmful keys of `keys`, each once, in order. */
export function harmfulKeys(keys: string): string[] {
  return [...new Set(keys)].filter((key) => KEY_ACTIONS[key]?.harmful);
}

/**
 * Why `keys` cannot be a SysRq sequence anyone meant, or null when it can.
 * No key can follow b, c or o (the machine is gone before it would run),
 * and no key but s (a habit: "sync, sync") and the log-level digits is
 * worth sending twice in one request. Typed host names fail these rules:
 * "localhost" (keys after o), "web1" (a key after b).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { implausibleSequence } from "./sysrq_keys.ts";
 * assert.equal(implausibleSequence("reisub"), null);
 * assert.equal(implausibleSequence("ssub"), null);
 * assert.match(implausibleSequence("localhost")!, /after o/);
 * assert.match(implausibleSequence("web1")!, /after b/);
 * assert.match(implausibleSequence("stt")!, /t twice/);
 * ```
 */
export function implausibleSequence(keys: string): string | null {
  const chars = [...keys];
  const end = chars.findIndex((key) => KEY_ACTIONS[key]?.final);
  if (end !== -1 && end < chars.length - 1) {
    const key = chars[end];
    return `keys after ${key} (${KEY_ACTIONS[key].action}) would never run`;
  }
  const seen = new Set<string>();
  for (const key of chars) {
    if (seen.has(key) && key !== "s" && !/[0-9]/.test(key)) {
      return `${key} twice: no SysRq sequence repeats it`;
    }
    seen.add(key);
  }
  return null;
}

/**
 * The `kernel.sysrq` bit each key needs (drivers/tty/sysrq.c's enable
 * masks): 2 log level, 4 keyboard, 8 dumps (and crash), 16 sync, 32
 * remount, 64 signals (and thaw), 128 reboot and power off, 256 nice.
 */
const SYSRQ_BITS: Readonly<Record<string, number>> = {
  k: 4,
  r: 4,
  c: 8,
  d: 8,
  l: 8,
  m: 8,
  p: 8,
  q: 8,
  t: 8,
  w: 8,
  z: 8,
  s: 16,
  u: 32,
  e: 64,
  f: 64,
  i: 64,
  j: 64,
  b: 128,
  o: 128,
  n: 256,
};

/**
 * Whether `kernel.sysrq` (0 none, 1 all, else a mask) lets `key` run; the
 * help (`h`) always runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sysrqAllows } from "./sysrq_keys.ts";
 * assert.equal(sysrqAllows(438, "b"), true); // Debian's default
 * assert.equal(sysrqAllows(438, "c"), false);
 * assert.equal(sysrqAllows(16, "b"), false); // RHEL's: sync only
 * assert.equal(sysrqAllows(1, "c"), true);
 * ```
 */
export function sysrqAllows(sysrq: number, key: string): boolean {
  if (sysrq === 1 || key === "h") return true;
  const bit = /^[0-9]$/.test(key) ? 2 : SYSRQ_BITS[key];
  return bit !== undefined && (sysrq & bit) !== 0;
}
