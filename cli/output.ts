/**
 * What the client tells its user: one result per host (text or JSON), the
 * reasons behind a refusal or a silence, a progress line on a terminal and a
 * summary line. Pure functions of the results, so they are easy to test,
 * and the {@link Printer} that writes them in the order the hosts were given.
 *
 * @module
 */

import { KeyStatus, RefusalReason } from "../mod.ts";
import type { HostOutput } from "./output_channel.ts";
import { outputJson, outputLines } from "./output_view.ts";

/** How one host ended. */
export type Outcome =
  | "acked"
  | "refused"
  | "no-reply"
  | "sent"
  | "dry-run"
  | "error";

/** The result for one host. */
export interface HostResult {
  /** The host as the user named it. */
  label: string;
  address?: string;
  port: number;
  outcome: Outcome;
  keys: string;
  /** Packets sent (attempts). */
  attempts: number;
  /** Milliseconds from the last send to the reply. */
  rttMs?: number;
  /** Per-key status from a verified ack. */
  statuses?: KeyStatus[];
  /** The ack was a re-ack (REPEAT): the keys ran once, for an earlier copy. */
  repeat?: boolean;
  /** This machine's wall clock minus the server's protocol clock, ms. */
  clockOffsetMs?: number;
  /** The first request was refused and one new one was sent. */
  restamped?: boolean;
  /** Where the silence was: the probe (nothing sent) or the request. */
  stage?: "probe" | "request";
  /** Probes sent, when the probe got no answer. */
  probes?: number;
  /** ICMP port unreachable came back: nothing listens on the port there. */
  portClosed?: boolean;
  /** From a verified refusal; offset is local clock minus server clock. */
  refusal?: {
    reason: RefusalReason;
    serverTime: number;
    clockOffsetMs: number;
    /** Not FUTURE: an earlier copy may have run (once). */
    mayHaveRun?: boolean;
  };
  /** The key its packets were made with: 0 the password's, else a key id. */
  keyId?: number;
  /** With a server key: the identity it was made for (lowercased). */
  identity?: string;
  /** --safe-reboot: the one b syncs, freezes, then reboots. */
  safeReboot?: boolean;
  /** --only-if-synced, with --safe-reboot. */
  onlyIfSynced?: boolean;
  /** Replies from this host that failed verification and were ignored. */
  ignored?: number;
  /** Hex of the packet (--dry-run). */
  packet?: string;
  error?: string;
  /** Timeout per attempt, for the no-reply message. */
  waitedMs?: number;
  /** What the keys printed, when asked for (cli/output_channel.ts). */
  output?: HostOutput;
}

/** A key id as the server shows it: 8 hex digits. */
function keyIdText(keyId: number): string {
  return keyId.toString(16).padStart(8, "0");
}

/** True when the host did everything asked (exit status 0). */
export function succeeded(result: HostResult): boolean {
  if (result.outcome === "acked") {
    return (result.statuses ?? []).every((s) => s === KeyStatus.EXECUTED);
  }
  return result.outcome === "sent" || result.outcome === "dry-run";
}

const STATUS_TEXT: Record<KeyStatus, string> = {
  [KeyStatus.EXECUTED]: "executed",
  [KeyStatus.REFUSED_BY_RULE]: "refused-by-rule",
  [KeyStatus.REFUSED_BY_SYSCTL]: "refused-by-sysctl",
};

const REASON_TEXT: Record<RefusalReason, string> = {
  [RefusalReason.STALE]: "stale",
  [RefusalReason.FUTURE]: "future",
  [RefusalReason.REPLAY]: "replay",
  [RefusalReason.BOOT]: "boot",
};

/** Keys whose effect may stop the ack from leaving the server. */
const SILENCING_KEYS: Record<string, string> = {
  b: "reboot",
  o: "power off",
  c: "crash",
};

/** Terminal colours, or none (NO_COLOR, or not a terminal). */
export interface Palette {
  good(text: string): string;
  warn(text: string): string;
  bad(text: string): string;
}

const PLAIN: Palette = { good: (t) => t, warn: (t) => t, bad: (t) => t };

/** ANSI colours when `enabled`, else plain text. */
export function palette(enabled: boolean): Palette {
  if (!enabled) return PLAIN;
  const paint = (code: number) => (text: string) =>
    `\x1b[${code}m${text}\x1b[0m`;
  return { good: paint(32), warn: paint(33), bad: paint(31) };
}

/**
 * Whether to colour: a terminal, and `NO_COLOR` absent or empty
 * (https://no-color.org).
 */
export function wantColor(isTerminal: boolean, noColor: string | undefined) {
  return isTerminal && (noColor === undefined || noColor === "");
}

/**
 * A duration for people: "40 min 3 s", "2.5 s", "120 ms".
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { humanDuration } from "./output.ts";
 * assert.equal(humanDuration(2_403_000), "40 min 3 s");
 * assert.equal(humanDuration(1500), "1.5 s");
 * ```
 */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${Number((abs / 1000).toFixed(1))} s`;
  const total = Math.round(abs / 1000);
  const parts: string[] = [];
  const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "min"], [
    1,
    "s",
  ]];
  let rest = total;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.slice(0, 2).join(" ");
}

/**
 * How a result names its host: as given, then the address it went to (when
 * the host was a name) and, with a server key, the identity the key was
 * made for — the name that decides whether the server holds it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hostHeading } from "./output.ts";
 * assert.equal(hostHeading({ label: "web1", address: "192.0.2.7" }),
 *   "web1 (192.0.2.7)");
 * assert.equal(hostHeading({ label: "192.0.2.7:99", address: "192.0.2.7",
 *   identity: "web1" }), "192.0.2.7:99 (identity web1)");
 * ```
 */
export function hostHeading(
  host: { label: string; address?: string; identity?: string },
): string {
  const bare = host.label.replace(/^\[|\](:\d+)?$|:\d+$/g, "");
  const notes = [
    host.address !== undefined && host.address !== bare ? host.address : "",
    host.identity !== undefined ? `identity ${host.identity}` : "",
  ].filter((note) => note);
  return notes.length ? `${host.label} (${notes.join(", ")})` : host.label;
}

/** The text for one host: a status line, then indented explanations. */
export function formatText(
  result: HostResult,
  colour: Palette = PLAIN,
): string {
  const head = `${hostHeading(result)}: `;
  switch (result.outcome) {
    case "acked":
      return head + ackText(result, colour);
    case "refused":
      return head + refusalText(result, colour);
    case "no-reply":
      return head + noReplyText(result, colour);
    case "sent":
      return head + colour.good("sent") + " (no ack asked for)";
    case "dry-run":
      return head + (result.packet ?? "");
    case "error":
      return head + colour.bad("error") + `: ${result.error}`;
  }
}

function ackText(result: HostResult, colour: Palette): string {
  const statuses = result.statuses ?? [];
  const keys = [...result.keys];
  const ran = keys.filter((_, i) => statuses[i] === KeyStatus.EXECUTED);
  const byRule = keys.filter((_, i) =>
    statuses[i] === KeyStatus.REFUSED_BY_RULE
  );
  const bySysctl = keys.filter((_, i) =>
    statuses[i] === KeyStatus.REFUSED_BY_SYSCTL
  );
  const word = ran.length === keys.length
    ? colour.good("acked")
    : colour.warn("acked");
  const once = result.repeat ? "ran once; ack re-sent" : "ran once";
  const what = ran.length === 0
    ? "ran no keys"
    : `${once}: ${list(ran, result)}`;
  // A server key is named (the server logs it too); the password is not.
  const by = result.keyId ? ` by key ${keyIdText(result.keyId)}` : "";
  let line = `${word}${by} in ${humanDuration(result.rttMs ?? 0)}, ${what}`;
  if (byRule.length) {
    line += `\n  refused ${
      list(byRule, result)
    }: not in the rule's key set (iptables --sysrq-keys)`;
  }
  if (bySysctl.length) {
    line += `\n  refused ${
      list(bySysctl, result)
    }: masked by the server's kernel.sysrq setting`;
  }
  if (result.repeat) {
    line +=
      "\n  the first ack was lost; the retry (the same packet) ran nothing";
  }
  return line + restampNote(result) + offsetNote(result);
}

/** Below this clock offset, the user is not told about it. */
const OFFSET_SHOWN_MS = 1000;

/** "server clock …" when this machine's clock is off the server's. */
function offsetNote(result: HostResult): string {
  const offset = result.clockOffsetMs;
  if (offset === undefined || Math.abs(offset) < OFFSET_SHOWN_MS) return "";
  const side = offset < 0 ? "ahead of" : "behind";
  return `\n  the server's clock is ${humanDuration(offset)} ${side} this` +
    " machine's (harmless: requests are stamped from the server's clock)";
}

function restampNote(result: HostResult): string {
  return result.restamped
    ? "\n  the first request was refused (it never ran); one new request" +
      " was sent,\n  stamped from the refusal's clock"
    : "";
}

/** Keys as a result line names them; a safe reboot's b by what it does. */
function list(keys: string[], result: HostResult): string {
  if (keys.length === 0) return "no keys";
  if (!result.safeReboot) return keys.join(", ");
  return result.onlyIfSynced ? "safe reboot (only if synced)" : "safe reboot";
}

function refusalText(result: HostResult, colour: Palette): string {
  const refusal = result.refusal!;
  const word = colour.warn("refused");
  const why: Record<RefusalReason, string> = {
    [RefusalReason.STALE]: "too old for the server (held back on the way?)",
    [RefusalReason.FUTURE]: "stamped ahead of the server's clock",
    [RefusalReason.REPLAY]:
      "not newer than a request the server accepted or refused" +
      " (another client's, in the same moment?)",
    [RefusalReason.BOOT]:
      "made for an earlier boot of the server (the module was reloaded," +
      " its password\n  written again, or the machine rebooted)",
  };
  const fate = refusal.mayHaveRun
    ? "\n  nothing ran now; an earlier copy of this request (a retry, or a copy" +
      "\n  made on the way) may have run once: check the server before sending" +
      "\n  again"
    : "\n  it did not run, and this packet never will; send again";
  return `${word}: ${why[refusal.reason]}${fate}` + offsetNote(result);
}

function noReplyText(result: HostResult, colour: Palette): string {
  if (result.stage === "probe") return noProbeAnswerText(result, colour);
  const waited = humanDuration((result.waitedMs ?? 0) * result.attempts);
  const tries = result.attempts === 1
    ? "1 attempt"
    : `${result.attempts} attempts`;
  let text = `${colour.bad("no reply")} (${tries}, ${waited}): may not have` +
    " arrived;\n  it ran once or not at all, never twice (every retry was the" +
    " same packet)";
  const silencing = [...new Set(result.keys)].filter((k) =>
    k in SILENCING_KEYS
  );
  if (silencing.length) {
    const what = silencing.map((k) => `${k} (${SILENCING_KEYS[k]})`).join(", ");
    text +=
      `\n  expected with ${what}: the server may go down before its ack leaves`;
  }
  text += "\n  the server answered the probe, so the password and address are" +
    "\n  right; likely causes: the request or its ack lost on the way, or a" +
    "\n  rule with --sysrq-no-ack (send with --no-ack)";
  return text + ignoredNote(result);
}

function noProbeAnswerText(result: HostResult, colour: Palette): string {
  if (result.portClosed) {
    // The resending stopped at the ICMP error: no count or wait to give.
    return `${colour.bad("no reply")}: nothing listens on UDP ${result.port}` +
      " there: module or rule missing (ICMP port unreachable); no key was sent";
  }
  const probes = result.probes ?? 1;
  const waited = humanDuration((result.waitedMs ?? 0) * probes);
  const tries = probes === 1 ? "1 probe" : `${probes} probes`;
  const text = `${colour.bad("no reply")} (${tries}, ${waited}): no key was` +
    " sent (the server's clock is asked first)";
  return text + ignoredNote(result);
}

/**
 * Said once under the summary, not per host (200 dead hosts would repeat
 * it 200 times): why a probe may have gone unanswered.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { likelyCauses } from "./output.ts";
 * const silent = { label: "h", port: 9, keys: "s", attempts: 0,
 *   outcome: "no-reply" as const, stage: "probe" as const };
 * assert.match(likelyCauses([silent, silent]), /^2 hosts did not answer/);
 * assert.equal(likelyCauses([{ ...silent, portClosed: true }]), "");
 * ```
 */
export function likelyCauses(results: HostResult[]): string {
  const silent = results.filter((r) =>
    r.outcome === "no-reply" && r.stage === "probe" && !r.portClosed
  );
  if (silent.length === 0) return "";
  const who = silent.length === 1 ? "1 host did" : `${silent.length} hosts did`;
  return wrapWords(
    `${who} not answer the probe; likely causes: ` +
      keyCauses(silent.map((r) => r.keyId)) +
      `; a firewall dropping ${portList(silent)}; the xt_SYSRQ module not` +
      " loaded or no SYSRQ rule",
  );
}

/**
 * The key's part of the likely causes, for the key ids the silent hosts
 * were probed with: a password and its address (password mode), or a key
 * the server lacks (server keys: the identity, not the address, is in the
 * MAC, so a name other than keygen --server's is silence too).
 */
export function keyCauses(keyIds: (number | undefined)[]): string {
  const password = keyIds.some((id) => !id);
  const server = keyIds.some((id) => id);
  const passwordText = "wrong password; wrong --server-address (behind NAT," +
    " give the address the server sees itself as)";
  const serverText = "the server lacks the key of the name used here" +
    " (each line says which identity: give the name keygen --server had, as" +
    " HOST, with --identity NAME, or as netsysrq_identity)";
  if (password && server) {
    return `${passwordText} (password hosts); ${serverText} (server keys)`;
  }
  return server ? serverText : passwordText;
}

/** Breaks text into lines of at most `width` columns, between words. */
export function wrapWords(text: string, width = 72): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join("\n");
}

/** Ports named in the causes: "UDP port 9", or the first three and a count. */
function portList(results: HostResult[]): string {
  const ports = [...new Set(results.map((r) => r.port))];
  if (ports.length === 1) return `UDP port ${ports[0]}`;
  const shown = ports.slice(0, 3).join(", ");
  const rest = ports.length - 3;
  return `UDP ports ${shown}${rest > 0 ? ` and ${rest} others` : ""}`;
}

function ignoredNote(result: HostResult): string {
  if (!result.ignored) return "";
  return `\n  ignored ${result.ignored} repl${
    result.ignored === 1 ? "y" : "ies"
  }` + " that failed verification (forged, corrupted or not for this request)";
}

/** The JSON object for one host (one line of `--json` output). */
export function formatJson(result: HostResult): string {
  const keys = [...result.keys];
  return JSON.stringify({
    host: result.label,
    address: result.address,
    port: result.port,
    outcome: result.outcome,
    ok: succeeded(result),
    keyId: result.keyId === undefined
      ? undefined
      : result.keyId === 0
      ? "password"
      : keyIdText(result.keyId),
    identity: result.identity,
    keys: result.keys,
    safeReboot: result.safeReboot,
    onlyIfSynced: result.onlyIfSynced,
    attempts: result.attempts,
    rttMs: result.rttMs === undefined
      ? undefined
      : Math.round(result.rttMs * 10) / 10,
    statuses: result.statuses?.map((s, i) => ({
      key: keys[i],
      status: STATUS_TEXT[s],
    })),
    repeat: result.repeat,
    restamped: result.restamped,
    stage: result.stage,
    clockOffsetMs: result.clockOffsetMs === undefined
      ? undefined
      : Math.round(result.clockOffsetMs),
    refusal: result.refusal && {
      reason: REASON_TEXT[result.refusal.reason],
      serverTime: new Date(result.refusal.serverTime).toISOString(),
      clockOffsetMs: Math.round(result.refusal.clockOffsetMs),
      mayHaveRun: result.refusal.mayHaveRun,
    },
    ignoredReplies: result.ignored || undefined,
    portClosed: result.portClosed,
    packet: result.packet,
    error: result.error,
    output: result.output && outputJson(result.output),
  });
}

/**
 * The summary line, e.g. "3 hosts in 1.2 s: 1 acked, 1 refused, 1 no reply".
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { summary } from "./output.ts";
 * const host = { label: "h", port: 9, keys: "s", attempts: 1 };
 * const line = summary([{ ...host, outcome: "acked", statuses: [0] },
 *   { ...host, outcome: "no-reply" }], 1200);
 * assert.equal(line, "2 hosts in 1.2 s: 1 acked, 1 no reply");
 * ```
 */
export function summary(results: HostResult[], elapsedMs: number): string {
  const names: Record<Outcome, string> = {
    "acked": "acked",
    "refused": "refused",
    "no-reply": "no reply",
    "sent": "sent",
    "dry-run": "built",
    "error": "failed",
  };
  const counts = new Map<string, number>();
  for (const r of results) {
    const name = r.outcome === "acked" && !succeeded(r)
      ? "acked with keys refused"
      : names[r.outcome];
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const parts = [...counts].map(([name, n]) => `${n} ${name}`);
  const hosts = results.length === 1 ? "1 host" : `${results.length} hosts`;
  return `${hosts} in ${humanDuration(elapsedMs)}: ${parts.join(", ")}`;
}

/**
 * The -v line: where the packets went, how many, the round trip and the
 * clock offset, whatever the outcome.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { detailText } from "./output.ts";
 * const line = detailText({ label: "h", address: "192.0.2.7", port: 9,
 *   keys: "s", attempts: 1, outcome: "acked", rttMs: 2.4, clockOffsetMs: -30 });
 * assert.equal(line, "\n  to 192.0.2.7 port 9, 1 request, round trip 2 ms, clock offset -30 ms");
 * ```
 */
export function detailText(result: HostResult): string {
  const parts = [`to ${result.address ?? result.label} port ${result.port}`];
  if (result.probes) parts.push(`${result.probes} probes`);
  parts.push(`${result.attempts} request${result.attempts === 1 ? "" : "s"}`);
  if (result.rttMs !== undefined) {
    parts.push(`round trip ${humanDuration(result.rttMs)}`);
  }
  if (result.clockOffsetMs !== undefined) {
    const sign = result.clockOffsetMs < 0 ? "-" : "";
    parts.push(`clock offset ${sign}${humanDuration(result.clockOffsetMs)}`);
  }
  return "\n  " + parts.join(", ");
}

/** What the keys printed, under the result (and -v) lines; JSON has it inline. */
function outputBelow(result: HostResult, json: boolean): string {
  return json || result.output === undefined ? "" : outputLines(result.output);
}

/** The progress line shown on a terminal while many hosts are in flight. */
export function progressLine(done: number, total: number): string {
  return `\r\x1b[K${done}/${total} hosts done`;
}

/** Where the printer writes. */
export type Sink = (stream: "stdout" | "stderr", text: string) => void;

/**
 * Prints the results of `total` hosts in the order the hosts were given,
 * each as soon as it and those before it are done, with a progress line on
 * stderr meanwhile when `progress` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Printer } from "./output.ts";
 * let out = "";
 * const printer = new Printer(2, { json: false, progress: false },
 *   (_, text) => out += text);
 * const host = { port: 9, keys: "s", attempts: 1, outcome: "sent" as const };
 * printer.done(1, { ...host, label: "b" });
 * assert.equal(out, "");
 * printer.done(0, { ...host, label: "a" });
 * assert.equal(out, "a: sent (no ack asked for)\nb: sent (no ack asked for)\n");
 * ```
 */
export class Printer {
  #results: (HostResult | undefined)[];
  #printed = 0;
  #done = 0;

  constructor(
    total: number,
    private readonly style: {
      json: boolean;
      progress: boolean;
      colour?: Palette;
      /** -1 (-q): failures only; 1 (-v): a detail line per host. */
      verbosity?: -1 | 0 | 1;
    },
    private readonly write: Sink,
  ) {
    this.#results = new Array(total);
  }

  /** Record the result of host `index` and print what is now in order. */
  done(index: number, result: HostResult): void {
    const { json, progress, colour, verbosity = 0 } = this.style;
    const total = this.#results.length;
    this.#results[index] = result;
    this.#done++;
    if (progress) this.write("stderr", "\r\x1b[K");
    while (this.#printed < total && this.#results[this.#printed]) {
      const next = this.#results[this.#printed++]!;
      if (verbosity < 0 && succeeded(next)) continue;
      const line = json ? formatJson(next) : formatText(next, colour);
      const detail = verbosity > 0 && !json ? detailText(next) : "";
      this.write("stdout", line + detail + outputBelow(next, json) + "\n");
    }
    if (progress && this.#done < total) {
      this.write("stderr", progressLine(this.#done, total));
    }
  }

  /**
   * Print every result recorded but not yet printed, out of order (the run
   * was interrupted: the hosts before them will not finish).
   */
  flush(): void {
    const { json, colour } = this.style;
    for (let i = this.#printed; i < this.#results.length; i++) {
      const next = this.#results[i];
      if (next === undefined) continue;
      this.write(
        "stdout",
        (json ? formatJson(next) : formatText(next, colour)) +
          outputBelow(next, json) + "\n",
      );
      this.#results[i] = undefined;
    }
  }
}
