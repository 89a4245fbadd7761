/**
 * The hosts of a run, resolved before anything is sent and deduplicated by
 * address and port: an inventory that names a machine twice (by name and
 * by address) must send it one request, not race itself.
 *
 * @module
 */

import type { Options } from "./args.ts";
import { type HostSpec, identityOf, resolve } from "./hosts.ts";
import type { HostResult } from "./output.ts";
import { write } from "./runtime.ts";

/** A host to run: its spec (with the address to send to), or its failure. */
export type Planned =
  | { label: string; spec: HostSpec; address: string }
  | { label: string; failed: HostResult };

/**
 * Resolve every host (`--concurrency` at a time), drop the ones whose
 * address and port an earlier host has, and say so once on stderr.
 */
export async function planHosts(
  specs: HostSpec[],
  options: Options,
): Promise<Planned[]> {
  const planned: Planned[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      planned[index] = await planOne(specs[index], options);
    }
  };
  const workers = Math.min(options.concurrency, specs.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return dedupe(planned);
}

async function planOne(spec: HostSpec, options: Options): Promise<Planned> {
  try {
    const target = await resolve(spec, options.family);
    // The exchange resolves again: an address literal costs nothing.
    return {
      label: spec.label,
      // The identity is the name as given, not the address it resolved to.
      spec: { ...spec, identity: identityOf(spec), host: target.address },
      address: target.address,
    };
  } catch (error) {
    return {
      label: spec.label,
      failed: {
        label: spec.label,
        port: spec.port,
        keys: options.keys,
        outcome: "error",
        attempts: 0,
        error: (error as Error).message,
      },
    };
  }
}

/**
 * Keep the first host of each address and port.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { dedupe } from "./plan.ts";
 * const at = (label: string, address: string) =>
 *   ({ label, address, spec: { label, host: address, port: 9 } });
 * const kept = dedupe([at("web1", "192.0.2.7"), at("192.0.2.7", "192.0.2.7")]);
 * assert.deepEqual(kept.map((h) => h.label), ["web1"]);
 * ```
 */
export function dedupe(planned: Planned[]): Planned[] {
  const first = new Map<string, string>();
  const kept: Planned[] = [];
  for (const host of planned) {
    if ("failed" in host) {
      kept.push(host);
      continue;
    }
    const id = `${host.address} ${host.spec.port}`;
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, host.label);
      kept.push(host);
    } else {
      write(
        "stderr",
        `send_sysrq: ${host.label} is ${earlier} again (${host.address} port ${host.spec.port}): sent once\n`,
      );
    }
  }
  return kept;
}
