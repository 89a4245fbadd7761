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
import { hostKey, keyName, type RunKeys } from "./host_keys.ts";
import { shownIdentity } from "./hosts.ts";
import { write } from "./runtime.ts";
import { EXIT } from "./status.ts";
import { harmfulKeys, keyAction } from "./sysrq_keys.ts";
import { requestBytes } from "./dry_run_packet.ts";

/** Print the plan; returns the exit status (0, or 1 if a host failed). */
export async function dryRun(
  hosts: Planned[],
  context: { options: Options; keys: RunKeys },
): Promise<number> {
  const { options } = context;
  const keys = [...options.keys].map((key) => ({
    key,
    action: keyAction(key),
    harmful: harmfulKeys(key).length > 0,
  }));
  const now = new Date().toISOString();
  if (options.packet) {
    write(
      "stderr",
      "send_sysrq: warning: --packet prints requests with a MAC made with your" +
        " password or\n  a server's key; no server accepts them (boot id" +
        " zero), but anyone who has one\n  can test guesses of a password or" +
        " admin passphrase offline: do not paste them\n  anywhere public\n",
    );
  }
  if (!options.json) {
    write("stdout", "dry run, nothing sent; the keys, in order:\n");
    for (const k of keys) {
      write("stdout", `  ${k.key}  ${k.action}${k.harmful ? "  (!)" : ""}\n`);
    }
  }
  let failed = 0;
  for (const host of hosts) {
    if ("failed" in host) {
      failed++;
      write(
        options.json ? "stdout" : "stdout",
        options.json
          ? JSON.stringify({ host: host.label, error: host.failed.error }) +
            "\n"
          : `${host.label}: error: ${host.failed.error}\n`,
      );
      continue;
    }
    const bound = options.serverAddress ?? host.address;
    const key = options.legacy === undefined
      ? await hostKey(context.keys, host.spec, options)
      : null;
    const server = key !== null && key.keyId !== 0;
    const packet = options.packet && key !== null
      ? requestBytes(options, key, bound)
      : undefined;
    if (options.json) {
      write(
        "stdout",
        JSON.stringify({
          host: host.label,
          address: host.address,
          port: host.spec.port,
          boundAddress: server ? undefined : bound,
          keyId: key === null ? undefined : keyName(key.keyId),
          identity: server ? shownIdentity(host.spec) : undefined,
          keys,
          legacy: options.legacy,
          ack: options.ack,
          localTime: now,
          packet,
        }) + "\n",
      );
      continue;
    }
    const named = host.label === host.address
      ? host.label
      : `${host.label} (${host.address})`;
    const mac = server
      ? `server key ${keyName(key.keyId)} for identity ${
        shownIdentity(host.spec)
      } (no address in the MAC)`
      : `MAC bound to ${bound}`;
    let line = `${named}: UDP port ${host.spec.port}, ${mac}`;
    if (packet !== undefined) {
      line += `\n  request (refused: boot id zero): ${packet}`;
    }
    write("stdout", line + "\n");
  }
  if (!options.json) {
    write(
      "stdout",
      options.legacy
        ? `dated by this machine's clock (${now}), as the legacy format wants\n`
        : `each request would be dated from its server's clock, asked by a probe` +
          ` first\n(this machine's clock: ${now})\n`,
    );
  }
  return failed ? EXIT.NOT_ACKED : EXIT.OK;
}
