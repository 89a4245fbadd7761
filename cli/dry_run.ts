/**
 * `--dry-run`: what a run would send, decoded — each key with its action,
 * each host with the address and port its request would go to and the
 * address its MAC would be bound to, and how the request would be dated —
 * and nothing that works as a credential. A request is stamped from the
 * server's clock and boot id, which only a probe can learn, so a dry run
 * that sends nothing cannot build a request the server would accept; and
 * it should not: a printed live request runs its keys for whoever sends it.
 * `--packet` adds each request's bytes as built with a zero boot id, which
 * no server has, so the server always refuses them (they still carry a MAC:
 * whoever has them can test password guesses offline, hence the warning).
 *
 * @module
 */

import type { Options } from "./args.ts";
import type { Planned } from "./plan.ts";
import { type HostKey, hostKey, keyName, type RunKeys } from "./host_keys.ts";
import { shownIdentity } from "./hosts.ts";
import { write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { harmfulKeys, keyAction } from "./sysrq_keys.ts";
import { requestBytes } from "./dry_run_packet.ts";

/** What a dry run is given: the run's options and keys. */
export interface DryRunContext {
  options: Options;
  keys: RunKeys;
}

/** A host that resolved, and one that did not. */
type Resolved = Exclude<Planned, { failed: unknown }>;
type Failed = Extract<Planned, { failed: unknown }>;

/** A key of the run with its action and whether it can lose data. */
interface DecodedKey {
  key: string;
  action: string;
  harmful: boolean;
}

/** What the run would do for one resolved host. */
interface HostPlan {
  /** The address the MAC would be bound to (password mode). */
  bound: string;
  /** The key the request would be made with; null with --legacy. */
  key: HostKey | null;
  /** With --packet: the request's hex, refused by every server. */
  packet?: string;
}

/**
 * Printed before any --packet bytes: they cannot be replayed, but their MAC
 * lets whoever holds them test guesses offline.
 */
const PACKET_WARNING =
  "send_sysrq: warning: --packet prints requests with a MAC made with your" +
  " password or\n  a server's key; no server accepts them (boot id" +
  " zero), but anyone who has one\n  can test guesses of a password or" +
  " admin passphrase offline: do not paste them\n  anywhere public\n";

/** Print the plan; returns the exit status (0, or 1 if a host failed). */
export async function dryRun(
  hosts: Planned[],
  context: DryRunContext,
): Promise<number> {
  const { options } = context;
  const keys = decodeKeys(options.keys);
  const now = new Date().toISOString();
  if (options.packet) write("stderr", PACKET_WARNING);
  if (!options.json) printKeys(keys);
  let failed = 0;
  for (const host of hosts) {
    if ("failed" in host) {
      failed++;
      write("stdout", failedLine(host, options.json));
      continue;
    }
    const plan = await planHost(host, context);
    write(
      "stdout",
      options.json
        ? jsonLine(host, plan, keys, options, now)
        : textLine(host, plan),
    );
  }
  if (!options.json) write("stdout", datingNote(options, now));
  return failed ? EXIT.NOT_ACKED : EXIT.OK;
}

function decodeKeys(keys: string): DecodedKey[] {
  return [...keys].map((key) => ({
    key,
    action: keyAction(key),
    harmful: harmfulKeys(key).length > 0,
  }));
}

/** The keys in order, `(!)` after each that can lose data. */
function printKeys(keys: DecodedKey[]): void {
  write("stdout", "dry run, nothing sent; the keys, in order:\n");
  for (const k of keys) {
    write("stdout", `  ${k.key}  ${k.action}${k.harmful ? "  (!)" : ""}\n`);
  }
}

function failedLine(host: Failed, json: boolean): string {
  return json
    ? JSON.stringify({ host: host.label, error: host.failed.error }) + "\n"
    : `${host.label}: error: ${host.failed.error}\n`;
}

async function planHost(
  host: Resolved,
  context: DryRunContext,
): Promise<HostPlan> {
  const { options } = context;
  const bound = options.serverAddress ?? host.address;
  const key = options.legacy === undefined
    ? await hostKey(context.keys, host.spec, options)
    : null;
  const packet = options.packet && key !== null
    ? requestBytes(options, key, bound)
    : undefined;
  return { bound, key, packet };
}

/** A server's own key (key id not 0): its MAC covers no address. */
function isServerKey(key: HostKey | null): key is HostKey {
  return key !== null && key.keyId !== 0;
}

function jsonLine(
  host: Resolved,
  plan: HostPlan,
  keys: DecodedKey[],
  options: Options,
  now: string,
): string {
  const server = isServerKey(plan.key);
  return JSON.stringify({
    host: host.label,
    address: host.address,
    port: host.spec.port,
    boundAddress: server ? undefined : plan.bound,
    keyId: plan.key === null ? undefined : keyName(plan.key.keyId),
    identity: server ? shownIdentity(host.spec) : undefined,
    keys,
    legacy: options.legacy,
    ack: options.ack,
    localTime: now,
    packet: plan.packet,
  }) + "\n";
}

function textLine(host: Resolved, plan: HostPlan): string {
  const named = host.label === host.address
    ? host.label
    : `${host.label} (${host.address})`;
  const mac = isServerKey(plan.key)
    ? `server key ${keyName(plan.key.keyId)} for identity ${
      shownIdentity(host.spec)
    } (no address in the MAC)`
    : `MAC bound to ${plan.bound}`;
  let line = `${named}: UDP port ${host.spec.port}, ${mac}`;
  if (plan.packet !== undefined) {
    line += `\n  request (refused: boot id zero): ${plan.packet}`;
  }
  return line + "\n";
}

/** How requests would be dated: the legacy format by this machine's clock. */
function datingNote(options: Options, now: string): string {
  return options.legacy
    ? `dated by this machine's clock (${now}), as the legacy format wants\n`
    : `each request would be dated from its server's clock, asked by a probe` +
      ` first\n(this machine's clock: ${now})\n`;
}
