/**
 * Inventories that only Ansible reads (INI, directories, scripts, plugins,
 * YAML with host ranges or `group_vars/`), through Ansible's own
 * `ansible-inventory -i FILE --list`: its JSON is the inventory as Ansible
 * understands it, variables already merged per host. No npm package reads
 * Ansible's INI dialect (`host var=value` lines, `[group:children]`,
 * `[group:vars]`, ranges), and a generic INI parser reads those lines
 * wrongly; writing our own would be a hand-written parser of a format
 * Ansible defines by its implementation.
 *
 * Ansible warns and carries on with an empty inventory when it cannot parse
 * a source; here that is an error (`ANSIBLE_INVENTORY_UNPARSED_FAILED`),
 * reported with the file and line Ansible names.
 *
 * @module
 */

import {
  inventoryError,
  newGroup,
  type RawInventory,
  type Setting,
} from "./inventory.ts";
import { fileMode, isDirectory, runCommand } from "./runtime.ts";

/** The command, looked up in PATH. */
export const ANSIBLE_INVENTORY = "ansible-inventory";

/** Settings for a plain, strict, colourless run. */
const ENV = {
  ANSIBLE_INVENTORY_UNPARSED_FAILED: "True",
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: "True",
  ANSIBLE_NOCOLOR: "True",
  ANSIBLE_DEPRECATION_WARNINGS: "False",
  ANSIBLE_LOCALHOST_WARNING: "False",
};

/** Read `file` with ansible-inventory. */
export async function readWithAnsible(file: string): Promise<RawInventory> {
  if (await fileMode(file) === null && !await isDirectory(file)) {
    // Ansible would only warn "Unable to parse" about a missing file.
    throw inventoryError(file, undefined, "no such file");
  }
  let out;
  try {
    out = await runCommand(ANSIBLE_INVENTORY, ["-i", file, "--list"], ENV);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
    throw inventoryError(
      file,
      undefined,
      `only Ansible reads this kind of inventory, and ${ANSIBLE_INVENTORY} ` +
        "is not installed (Debian: apt-get install ansible-core); " +
        "a YAML inventory (.yml) needs no Ansible",
    );
  }
  if (out.code !== 0) throw ansibleError(file, out.stderr);
  let list: unknown;
  try {
    list = JSON.parse(out.stdout);
  } catch {
    throw inventoryError(
      file,
      undefined,
      `${ANSIBLE_INVENTORY} printed no inventory`,
    );
  }
  return fromList(list);
}

/**
 * The error Ansible reported, with its file and line when it names them
 * ("FILE:LINE: problem", as its INI reader says).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ansibleError } from "./inventory_ansible.ts";
 * const stderr = "[WARNING]:  * Failed to parse /x/inv with ini plugin:\n" +
 *   "/x/inv:2: Expected key=value host variable assignment, got:\n" +
 *   "ansible_host\nERROR! No inventory was parsed\n";
 * assert.equal(ansibleError("inv", stderr).message,
 *   "inventory inv line 2: Expected key=value host variable assignment, got: ansible_host");
 * ```
 */
export function ansibleError(file: string, stderr: string): Error {
  // Ansible wraps its messages at 80 columns; unwrap before matching.
  const text = stderr.replace(/\n(?!\[|ERROR!)/g, " ");
  const located = /(?:^|\s)\S+?:(\d+): (.+?)(?=\s*(?:\[WARNING\]|ERROR!|$))/m
    .exec(text);
  if (located) return inventoryError(file, Number(located[1]), located[2]);
  const error = /ERROR! (.+)/.exec(text) ??
    /\[WARNING\]:\s*\*?\s*(.+)/.exec(text);
  const message = error?.[1].trim() ?? "it failed with no message";
  return inventoryError(file, undefined, `${ANSIBLE_INVENTORY}: ${message}`);
}

/**
 * The raw inventory from `ansible-inventory --list` JSON: every key but
 * `_meta` is a group (`hosts`, `children`, `vars`); `_meta.hostvars` holds
 * each host's variables, group variables already merged in.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fromList } from "./inventory_ansible.ts";
 * const raw = fromList({
 *   _meta: { hostvars: { web1: { netsysrq_port: 99 } } },
 *   all: { children: ["ungrouped", "eu"] },
 *   eu: { hosts: ["web1"] },
 * });
 * assert.deepEqual(raw.groups.get("eu")!.hosts, ["web1"]);
 * assert.deepEqual(raw.hosts.get("web1")!.vars.get("netsysrq_port"), { value: 99 });
 * ```
 */
export function fromList(list: unknown): RawInventory {
  const raw: RawInventory = { groups: new Map(), hosts: new Map() };
  if (typeof list !== "object" || list === null) return raw;
  const entries = Object.entries(list as Record<string, unknown>);
  const meta = (list as { _meta?: { hostvars?: Record<string, unknown> } })
    ._meta?.hostvars ?? {};
  const settings = (vars: unknown) =>
    new Map<string, Setting>(
      Object.entries(typeof vars === "object" && vars ? vars : {}).map((
        [key, value],
      ) => [key, { value }]),
    );
  for (const [name, body] of entries) {
    if (name === "_meta") continue;
    const group = newGroup();
    const data = (body ?? {}) as {
      hosts?: string[];
      children?: string[];
      vars?: unknown;
    };
    group.hosts.push(...(data.hosts ?? []));
    group.children.push(...(data.children ?? []));
    group.vars = settings(data.vars);
    raw.groups.set(name, group);
    for (const host of group.hosts) {
      if (!raw.hosts.has(host)) {
        raw.hosts.set(host, { vars: settings(meta[host]) });
      }
    }
  }
  for (const [host, vars] of Object.entries(meta)) {
    if (!raw.hosts.has(host)) raw.hosts.set(host, { vars: settings(vars) });
  }
  return raw;
}
