/**
 * `send_sysrq --check`: is the rescue path there? Each host gets one probe
 * (resent identically on silence), which runs nothing and changes nothing
 * on the server; its authenticated clock answer proves the host reachable,
 * the module and rule in place and the password right, and tells the
 * clock offset and the server's boot id. One line per host (or one JSON
 * object, for monitoring), and an exit status for cron.
 *
 * @module
 */

import type { Options } from "./args.ts";
import { clockOf, type Context } from "./exchange.ts";
import { resolve, shownIdentity } from "./hosts.ts";
import { hostHeading, humanDuration, keyCauses, wrapWords } from "./output.ts";
import { hostKey, keyName, loadRunKeys } from "./host_keys.ts";
import { planHosts, type Planned } from "./plan.ts";
import { write } from "./runtime.ts";
import { hostSpecs } from "./send.ts";
import { EXIT } from "./status.ts";
import { Transport } from "./transport.ts";
import { hex } from "../core/hex.ts";
import type { ServerInfo } from "../mod.ts";
import { ALL_KEYS } from "../core/info.ts";
import { sysrqAllows } from "./sysrq_keys.ts";

/** What a probe told about one host. */
export interface CheckResult {
  label: string;
  address?: string;
  port: number;
  ok: boolean;
  rttMs?: number;
  /** This machine's clock minus the server's, ms. */
  clockOffsetMs?: number;
  bootId?: string;
  /** The server's protocol clock when it answered (ISO). */
  serverTime?: string;
  /** The key probed with: 0 the password's, else the key id. */
  keyId?: number;
  /** With a server key: the identity it was made for (lowercased). */
  identity?: string;
  /** Why a host is not fine (with --json, its `reason`). */
  reason?: CheckFailure;
  /** The server's facts (from the info probe's answer). */
  info?: ServerInfo;
  /** Probes sent without an answer. */
  probes?: number;
  error?: string;
}

/**
 * Why a host is not fine: no answer to any probe; ICMP port unreachable
 * (nothing listens); its name did not resolve; the probe could not leave.
 */
export type CheckFailure =
  | "no-answer"
  | "port-closed"
  | "unresolved"
  | "send-failed";

/** Probe every host; print a line (or JSON object) each; exit status. */
export async function check(options: Options): Promise<number> {
  const { specs } = await hostSpecs(options);
  const keys = await loadRunKeys(specs, options);
  const hosts = await planHosts(specs, { ...options, keys: "" });
  const transport = new Transport({ source: options.source });
  const context: Context = { options, keys, transport };
  const started = performance.now();
  try {
    const results: CheckResult[] = new Array(hosts.length);
    let next = 0;
    const worker = async () => {
      while (next < hosts.length) {
        const index = next++;
        results[index] = await checkOne(hosts[index], context);
      }
    };
    const workers = Math.min(options.concurrency, hosts.length);
    await Promise.all(Array.from({ length: workers }, worker));
    for (const result of results) {
      if (options.verbosity < 0 && result.ok) continue;
      write(
        "stdout",
        (options.json ? checkJson(result) : checkText(result)) + "\n",
      );
    }
    const fine = results.filter((r) => r.ok).length;
    const line = `${
      results.length === 1 ? "1 host" : `${results.length} hosts`
    } in ${humanDuration(performance.now() - started)}: ${fine} fine${
      fine < results.length ? `, ${results.length - fine} not` : ""
    }`;
    write(options.json ? "stderr" : "stdout", line + "\n");
    const silent = results.filter((r) => !r.ok && r.error === undefined);
    if (silent.length && !options.json) {
      write("stdout", likelyCauses(silent) + "\n");
    }
    return fine === results.length ? EXIT.OK : EXIT.NOT_ACKED;
  } finally {
    await transport.close();
  }
}

/** Said once, under the summary, when some host did not answer. */
function likelyCauses(silent: CheckResult[]): string {
  return wrapWords(
    "no answer, likely causes: " + keyCauses(silent.map((r) => r.keyId)) +
      "; a firewall dropping the port; the xt_SYSRQ module or its rule missing",
  );
}

async function checkOne(host: Planned, context: Context): Promise<CheckResult> {
  if ("failed" in host) {
    return {
      label: host.label,
      port: host.failed.port,
      ok: false,
      reason: "unresolved",
      error: host.failed.error,
    };
  }
  const base: CheckResult = {
    label: host.label,
    address: host.address,
    port: host.spec.port,
    ok: false,
  };
  try {
    const target = await resolve(host.spec);
    const serverAddress = context.options.serverAddress ?? target.address;
    const key = await hostKey(context.keys, host.spec, context.options);
    base.keyId = key.keyId;
    if (key.keyId !== 0) base.identity = shownIdentity(host.spec);
    const clock = await clockOf(context, target, serverAddress, key, true);
    const closed = context.transport.unreachable.has(
      `${target.address} ${target.port}`,
    );
    await context.transport.release(target.address, target.port);
    if (clock === null) {
      const probes = context.options.retries + 1;
      return closed
        ? {
          ...base,
          ok: false,
          reason: "port-closed",
          error:
            `nothing listens on UDP ${target.port} there: module or rule missing`,
        }
        : { ...base, ok: false, reason: "no-answer", probes };
    }
    return {
      ...base,
      ok: true,
      rttMs: clock.rttMs,
      clockOffsetMs: clock.offsetMs,
      bootId: hex(clock.bootId),
      info: clock.info,
      serverTime: new Date(clock.serverTime).toISOString(),
    };
  } catch (error) {
    return {
      ...base,
      ok: false,
      reason: "send-failed",
      error: `cannot send: ${(error as Error).message}`,
    };
  }
}

/**
 * One line for a host.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkText } from "./check.ts";
 * assert.equal(
 *   checkText({ label: "web1", address: "192.0.2.7", port: 9, ok: true,
 *     rttMs: 1.2, clockOffsetMs: -2500, bootId: "00112233aabbccdd" }),
 *   "web1 (192.0.2.7): fine: key right, answered in 1 ms, server clock 2.5 s ahead, boot id 00112233aabbccdd",
 * );
 * ```
 */
export function checkText(result: CheckResult): string {
  const named = hostHeading(result);
  if (result.error !== undefined) return `${named}: error: ${result.error}`;
  if (!result.ok) {
    const probes = result.probes === 1 ? "1 probe" : `${result.probes} probes`;
    return `${named}: no answer (${probes})`;
  }
  const offset = result.clockOffsetMs ?? 0;
  const clock = Math.abs(offset) < 1000
    ? "clocks agree within 1 s"
    : `server clock ${humanDuration(offset)} ${
      offset < 0 ? "ahead" : "behind"
    }`;
  const key = result.keyId ? `key ${keyName(result.keyId)}` : "key";
  return `${named}: fine: ${key} right, answered in ${
    humanDuration(result.rttMs ?? 0)
  }, ${clock}, boot id ${result.bootId}` +
    (result.info ? "\n  " + infoText(result.info) : "");
}

/** The keys --check reports on: the rescue keys, the harmful, the dumps. */
const REPORTED = "subocefitwml";

/** Which of the reported keys would run, and why the others would not. */
function keyVerdicts(info: ServerInfo) {
  const keys = [...REPORTED];
  const byRule = keys.filter((k) => !info.ruleKeys.includes(k));
  const bySysrq = keys.filter((k) =>
    info.ruleKeys.includes(k) && !sysrqAllows(info.sysrq, k)
  );
  const runs = keys.filter((k) => !byRule.includes(k) && !bySysrq.includes(k));
  return { runs, byRule, bySysrq };
}

/**
 * The line about the server's facts: its module, which keys would run and
 * why the others would not, and what the rule does differently.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { infoText } from "./check.ts";
 * const info = { version: "0.1.0", sysrq: 438, toleranceSeconds: 60,
 *   ruleKeys: "bsu", capabilities: { noAck: true, legacy: false,
 *   output: false, safeReboot: false } };
 * assert.equal(infoText(info),
 *   "module 0.1.0, kernel.sysrq 438: runs s u b; refuses o c e f i t w m l" +
 *   " (not in the rule's --sysrq-keys); the rule has --sysrq-no-ack: no ack" +
 *   " comes back, send with --no-ack");
 * ```
 */
export function infoText(info: ServerInfo): string {
  const { runs, byRule, bySysrq } = keyVerdicts(info);
  const refused = [
    byRule.length ? `${byRule.join(" ")} (not in the rule's --sysrq-keys)` : "",
    bySysrq.length ? `${bySysrq.join(" ")} (kernel.sysrq)` : "",
  ].filter((part) => part).join(", ");
  let text = `module ${info.version}, kernel.sysrq ${info.sysrq}: runs ${
    runs.length ? runs.join(" ") : "none of " + [...REPORTED].join(" ")
  }${refused ? `; refuses ${refused}` : ""}`;
  if (info.capabilities.noAck) {
    text += "; the rule has --sysrq-no-ack: no ack comes back, send with" +
      " --no-ack";
  }
  return text;
}

/** The JSON object for a host (one line of `--check --json`). */
export function checkJson(result: CheckResult): string {
  return JSON.stringify({
    host: result.label,
    address: result.address,
    port: result.port,
    ok: result.ok,
    keyId: result.keyId === undefined ? undefined : keyName(result.keyId),
    identity: result.identity,
    reason: result.reason,
    rttMs: result.rttMs === undefined
      ? undefined
      : Math.round(result.rttMs * 10) / 10,
    clockOffsetMs: result.clockOffsetMs === undefined
      ? undefined
      : Math.round(result.clockOffsetMs),
    bootId: result.bootId,
    serverTime: result.serverTime,
    module: result.info?.version,
    sysrq: result.info?.sysrq,
    // A rule without --sysrq-keys allows every key: said as null, not as
    // the 94 printable characters the server's bitmap then holds.
    ruleKeys: result.info === undefined
      ? undefined
      : result.info.ruleKeys === ALL_KEYS
      ? null
      : result.info.ruleKeys,
    runs: result.info ? keyVerdicts(result.info).runs.join("") : undefined,
    toleranceSeconds: result.info?.toleranceSeconds,
    capabilities: result.info?.capabilities,
    probes: result.probes,
    error: result.error,
  });
}
