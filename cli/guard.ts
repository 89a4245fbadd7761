/**
 * Guard rails before anything is sent: a KEYS argument that is really a
 * host (swapped arguments), and the confirmation harmful keys need — on the
 * terminal, naming each key's action and every host, as `rm -i` does — or
 * `--yes` in a script.
 *
 * @module
 */

import { UsageError } from "./args.ts";
import type { HostSpec } from "./hosts.ts";
import type { Inventory } from "./inventory.ts";
import { harmfulKeys, implausibleSequence, keyAction } from "./sysrq_keys.ts";
import { openTty, type Tty } from "./tty.ts";

/** Hosts named in a confirmation before "and N more". */
const HOSTS_SHOWN = 20;
/** How long KEYS may take to resolve as a host name before we go on. */
const KEYS_LOOKUP_MS = 500;

const ORDER = "The order is KEYS HOST..., e.g. send_sysrq s web1";

/**
 * Refuse KEYS that no one meant as keys: a sequence no SysRq user sends
 * (keys after b, c or o; a key twice), or the name of a host of this run.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { checkKeysArgument } from "./guard.ts";
 * const hosts = [{ label: "web1", host: "web1", port: 9 }];
 * assert.throws(() => checkKeysArgument("localhost", hosts), /after o/);
 * assert.throws(() => checkKeysArgument("web1", hosts), /after b/);
 * checkKeysArgument("reisub", hosts);
 * ```
 */
export function checkKeysArgument(
  keys: string,
  hosts: HostSpec[],
  inventory?: Inventory,
): void {
  const why = implausibleSequence(keys);
  if (why !== null) {
    throw new UsageError(
      `KEYS "${keys}" is not a SysRq sequence: ${why}. Is it a host? ${ORDER}`,
    );
  }
  if (inventory?.hosts.has(keys) || inventory?.groups.has(keys)) {
    throw new UsageError(
      `KEYS "${keys}" is a ${
        inventory.hosts.has(keys) ? "host" : "group"
      } of inventory ${inventory.file}: arguments swapped? ${ORDER}` +
        " (or name the keys with --keys)",
    );
  }
  if (hosts.some((h) => h.host === keys || h.label === keys)) {
    throw new UsageError(
      `KEYS "${keys}" is also given as a host: arguments swapped? ${ORDER}` +
        " (or name the keys with --keys)",
    );
  }
}

/**
 * Refuse KEYS that resolve as a host name (`send_sysrq web1 web2`). Asked
 * once, while the hosts resolve, and given up after half a second: a slow
 * resolver must not hold back a rescue, and a name that does not resolve
 * that fast is no evidence either way. Digits only are skipped (the
 * resolver reads "1" as the address 0.0.0.1).
 */
export async function checkKeysNotAHost(keys: string): Promise<void> {
  if (/^[0-9]+$/.test(keys)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((r) =>
    timer = setTimeout(() => r(null), KEYS_LOOKUP_MS)
  );
  const lookup = (async () => {
    try {
      const dns = await import("node:dns/promises");
      return (await dns.lookup(keys)).address;
    } catch {
      return null;
    }
  })();
  const address = await Promise.race([lookup, late]);
  clearTimeout(timer);
  if (address !== null) {
    throw new UsageError(
      `KEYS "${keys}" resolves as a host (${address}): arguments swapped? ` +
        `${ORDER} (if you mean these keys, name them with --keys ${keys})`,
    );
  }
}

/**
 * When `keys` hold a harmful key and --yes is not given, the terminal to
 * ask on; with no terminal, refuse (exit 2, nothing sent). Null when no
 * confirmation is needed. Called before the password is read, so that a
 * script learns of the missing --yes at once.
 */
export async function needConfirmation(
  keys: string,
  yes: boolean,
): Promise<Tty | null> {
  const harmful = harmfulKeys(keys);
  if (yes || harmful.length === 0) return null;
  const tty = await openTty();
  if (tty === null) {
    throw new UsageError(
      `${harmful.join(", ")} ${
        harmful.length === 1 ? "stops or damages" : "stop or damage"
      }` +
        " a machine and there is no terminal to confirm on: add --yes to" +
        " send without asking",
    );
  }
  return tty;
}

/** What a confirmation asks about besides the keys: a safe reboot. */
export interface Confirming {
  /** --safe-reboot: the one b syncs, freezes, then reboots. */
  safeReboot?: boolean;
  /** --only-if-synced: no reboot unless every step finished. */
  onlyIfSynced?: boolean;
}

/**
 * The confirmation text: each key with its action, then every host. Under
 * a plain b, the reboot that syncs first: the moment to think of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { confirmationText } from "./guard.ts";
 * assert.match(confirmationText("sub", ["web1"]), /--safe-reboot instead/);
 * assert.match(
 *   confirmationText("b", ["web1"], { safeReboot: true }),
 *   /^ {2}b {2}safe reboot: sync, freeze, then reboot/m,
 * );
 * ```
 */
export function confirmationText(
  keys: string,
  hosts: string[],
  { safeReboot = false, onlyIfSynced = false }: Confirming = {},
): string {
  const lines = [...keys].map((key) =>
    `  ${key}  ${keyAction(key)}${harmfulKeys(key).length ? "  (!)" : ""}`
  );
  if (safeReboot) {
    lines[0] = "  b  safe reboot: sync, freeze, then reboot, each step" +
      ` bounded${onlyIfSynced ? " (no reboot unless all finished)" : ""}` +
      "  (!)";
  } else if (keys.includes("b")) {
    lines.push(
      "     (--safe-reboot instead: one request that syncs, freezes, then" +
        " reboots)",
    );
  }
  const shown = hosts.slice(0, HOSTS_SHOWN).join(", ");
  const more = hosts.length > HOSTS_SHOWN
    ? ` and ${hosts.length - HOSTS_SHOWN} more (see --dry-run)`
    : "";
  const count = hosts.length === 1 ? "1 host" : `${hosts.length} hosts`;
  return `send_sysrq: the keys, in order:\n${lines.join("\n")}\n` +
    `to ${count}: ${shown}${more}\nSend them? [y/N] `;
}

/** Ask on `tty`; true only for "y" or "yes". */
export async function confirm(
  tty: Tty,
  keys: string,
  hosts: string[],
  confirming: Confirming = {},
): Promise<boolean> {
  try {
    tty.write(confirmationText(keys, hosts, confirming));
    const answer = await tty.readLine();
    if (answer === null) tty.write("\n");
    return /^(y|yes)$/i.test((answer ?? "").trim());
  } finally {
    tty.close();
  }
}
