/**
 * Ansible inventories (`-i FILE`): the hosts and groups an administrator
 * already keeps, and the variables send_sysrq reads from them. A YAML
 * inventory (`.yml`, `.yaml`, `.json`, as Ansible's yaml plugin takes them)
 * is read here with npm:yaml (cli/inventory_yaml.ts); any other inventory —
 * INI, a directory, a script or a plugin's configuration — and a YAML one
 * that needs Ansible's own machinery (host ranges, `group_vars/`) is read
 * through Ansible's own `ansible-inventory --list` (cli/inventory_ansible.ts),
 * so that no inventory is understood differently from Ansible.
 *
 * Both readers give the same raw shape ({@link RawInventory}); this module
 * turns it into hosts with their variables merged as Ansible merges them
 * (group `all` first, then deeper groups, `ansible_group_priority` and the
 * group name breaking ties, the host's own variables last), picks the hosts
 * and groups a command line names, and makes each a {@link HostSpec}.
 *
 * Variables read, per host: `ansible_host` (where to send; default the
 * inventory name), `netsysrq_port` (the UDP port; `ansible_port` is SSH's
 * and is ignored), `netsysrq_identity` (the name its server key is made
 * for; default the inventory name) and `netsysrq_key_mode` (`server` or
 * `password`: a host that stays on the password during a migration).
 *
 * @module
 */

import { UsageError } from "./args.ts";
import { type HostSpec, parseHost } from "./hosts.ts";
import { normalizeIdentity } from "../mod.ts";

/** A variable's value, and the line it was set on when known. */
export interface Setting {
  value: unknown;
  line?: number;
}

/** A group as a reader found it. */
export interface RawGroup {
  /** Hosts listed directly in the group, in file order. */
  hosts: string[];
  children: string[];
  vars: Map<string, Setting>;
  line?: number;
}

/** What a reader gives: groups, and each host's own variables. */
export interface RawInventory {
  groups: Map<string, RawGroup>;
  /** Every host, in the order first seen, with its own variables. */
  hosts: Map<string, { vars: Map<string, Setting>; line?: number }>;
}

/** One host, its variables merged. */
export interface InventoryHost {
  name: string;
  vars: Map<string, Setting>;
  line?: number;
}

/** An inventory, ready to select from. */
export interface Inventory {
  /** The file as named, for messages. */
  file: string;
  /** Hosts in the order the file first names them. */
  hosts: Map<string, InventoryHost>;
  /** Each group's hosts, its children's included, in host order. */
  groups: Map<string, string[]>;
}

/** An empty group, for readers. */
export function newGroup(line?: number): RawGroup {
  return { hosts: [], children: [], vars: new Map(), line };
}

/** A problem in the inventory: exit 2, naming the file and line. */
export function inventoryError(
  file: string,
  line: number | undefined,
  problem: string,
): UsageError {
  const where = line === undefined ? "" : ` line ${line}`;
  return new UsageError(`inventory ${file}${where}: ${problem}`);
}

/**
 * Read an inventory: YAML here, anything else through ansible-inventory.
 * Throws {@link UsageError} (exit 2) naming the file, the line when it is
 * known, and the problem.
 */
export async function readInventory(file: string): Promise<Inventory> {
  let raw: RawInventory | symbol | null = null;
  if (/\.(ya?ml|json)$/i.test(file)) {
    const { readYamlInventory } = await import("./inventory_yaml.ts");
    raw = await readYamlInventory(file);
  }
  if (raw === null || typeof raw === "symbol") {
    const { readWithAnsible } = await import("./inventory_ansible.ts");
    raw = await readWithAnsible(file);
  }
  const inventory = buildInventory(file, raw);
  if (inventory.hosts.size === 0) {
    throw inventoryError(file, undefined, "names no hosts");
  }
  return inventory;
}

/**
 * Merge variables and resolve groups, as Ansible does.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { buildInventory, newGroup } from "./inventory.ts";
 * const eu = newGroup();
 * eu.hosts.push("web1");
 * eu.vars.set("netsysrq_port", { value: 99 });
 * const all = newGroup();
 * all.children.push("eu");
 * all.vars.set("netsysrq_port", { value: 9 });
 * const inventory = buildInventory("inv.yml", {
 *   groups: new Map([["all", all], ["eu", eu]]),
 *   hosts: new Map([["web1", { vars: new Map() }], ["db1", { vars: new Map() }]]),
 * });
 * assert.deepEqual(inventory.groups.get("eu"), ["web1"]);
 * assert.deepEqual(inventory.groups.get("all"), ["web1", "db1"]);
 * assert.equal(inventory.hosts.get("web1")!.vars.get("netsysrq_port")!.value, 99);
 * assert.equal(inventory.hosts.get("db1")!.vars.get("netsysrq_port")!.value, 9);
 * ```
 */
export function buildInventory(file: string, raw: RawInventory): Inventory {
  const groups = new Map(raw.groups);
  if (!groups.has("all")) groups.set("all", newGroup());
  // Hosts in no group are in "ungrouped"; groups no one parents are "all"'s.
  const grouped = new Set([...groups.values()].flatMap((g) => g.hosts));
  const loose = [...raw.hosts.keys()].filter((h) => !grouped.has(h));
  if (loose.length) {
    const ungrouped = groups.get("ungrouped") ?? newGroup();
    ungrouped.hosts.push(...loose);
    groups.set("ungrouped", ungrouped);
  }
  const parented = new Set([...groups.values()].flatMap((g) => g.children));
  for (const name of groups.keys()) {
    const all = groups.get("all")!;
    if (name !== "all" && !parented.has(name) && !all.children.includes(name)) {
      all.children.push(name);
    }
  }
  const depth = groupDepths(file, groups);
  const parents = new Map<string, string[]>();
  for (const [name, group] of groups) {
    for (const child of group.children) {
      parents.set(child, [...(parents.get(child) ?? []), name]);
    }
  }
  const hostGroups = new Map<string, Set<string>>();
  for (const [name, group] of groups) {
    for (const host of group.hosts) {
      const set = hostGroups.get(host) ?? new Set();
      for (const ancestor of ancestors(name, parents)) set.add(ancestor);
      hostGroups.set(host, set);
    }
  }
  const hosts = new Map<string, InventoryHost>();
  for (const [name, own] of raw.hosts) {
    const order = [...(hostGroups.get(name) ?? ["all"])].sort((a, b) =>
      compareGroups(a, b, depth, groups)
    );
    const vars = new Map<string, Setting>();
    for (const group of order) {
      for (const [key, setting] of groups.get(group)!.vars) {
        vars.set(key, setting);
      }
    }
    for (const [key, setting] of own.vars) vars.set(key, setting);
    hosts.set(name, { name, vars, line: own.line });
  }
  const members = new Map<string, string[]>();
  for (const name of groups.keys()) {
    members.set(
      name,
      [...hosts.keys()].filter((h) => hostGroups.get(h)?.has(name)),
    );
  }
  return { file, hosts, groups: members };
}

/** A group and every group above it. */
function ancestors(name: string, parents: Map<string, string[]>): string[] {
  const seen = new Set<string>([name]);
  const queue = [name];
  while (queue.length) {
    for (const parent of parents.get(queue.shift()!) ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  return [...seen];
}

/**
 * Each group's depth (its longest path from "all"), as Ansible orders
 * group variables; a group that is its own ancestor is an error.
 */
function groupDepths(
  file: string,
  groups: Map<string, RawGroup>,
): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (name: string, level: number, path: string[]) => {
    if (path.includes(name)) {
      throw inventoryError(
        file,
        groups.get(name)?.line,
        `group ${name} is its own child (${[...path, name].join(" > ")})`,
      );
    }
    if ((depth.get(name) ?? -1) >= level) return;
    depth.set(name, level);
    for (const child of groups.get(name)?.children ?? []) {
      visit(child, level + 1, [...path, name]);
    }
  };
  visit("all", 0, []);
  // Groups that only each other parent: "all" never reaches them.
  for (const name of groups.keys()) {
    if (!depth.has(name)) visit(name, 1, ["all"]);
  }
  return depth;
}

function compareGroups(
  a: string,
  b: string,
  depth: Map<string, number>,
  groups: Map<string, RawGroup>,
): number {
  const priority = (name: string) => {
    const value = groups.get(name)?.vars.get("ansible_group_priority")?.value;
    return typeof value === "number" ? value : Number(value ?? 1) || 1;
  };
  return (depth.get(a) ?? 0) - (depth.get(b) ?? 0) ||
    priority(a) - priority(b) ||
    (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The hosts that `names` (host and group names, as on the command line)
 * select, each once, in the order named (a group's in inventory order).
 * An unknown name is an error: nothing is sent.
 */
export function selectHosts(
  inventory: Inventory,
  names: string[],
): InventoryHost[] {
  const chosen = new Map<string, InventoryHost>();
  for (const name of names) {
    const group = inventory.groups.get(name);
    const found = group ?? (inventory.hosts.has(name) ? [name] : undefined);
    if (found === undefined) {
      throw new UsageError(
        `${JSON.stringify(name)} is neither a host nor a group of inventory ` +
          `${inventory.file}${suggestion(inventory, name)}; nothing sent`,
      );
    }
    for (const host of found) chosen.set(host, inventory.hosts.get(host)!);
  }
  return [...chosen.values()];
}

/** ": did you mean web1?" for a name one letter off a known one. */
function suggestion(inventory: Inventory, name: string): string {
  const known = [...inventory.hosts.keys(), ...inventory.groups.keys()];
  const near = known.find((k) => editDistance(k, name) <= 1);
  return near === undefined ? "" : ` (did you mean ${near}?)`;
}

/**
 * Edit distance counting a swap of two neighbours as one edit (the usual
 * typo), for the suggestion only.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The variables send_sysrq reads. */
const VARS = {
  host: "ansible_host",
  port: "netsysrq_port",
  identity: "netsysrq_identity",
  keyMode: "netsysrq_key_mode",
} as const;

/**
 * A selected host as the client sends to it, its variables checked; a bad
 * one is an error naming the file, the line that set it and the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { hostSpec } from "./inventory.ts";
 * const vars = new Map([["ansible_host", { value: "192.0.2.7", line: 3 }]]);
 * assert.deepEqual(hostSpec("inv.yml", { name: "web1", vars }, 9), {
 *   label: "web1", host: "192.0.2.7", port: 9, identity: "web1",
 * });
 * ```
 */
export function hostSpec(
  file: string,
  host: InventoryHost,
  defaultPort: number,
): HostSpec {
  const fail = (name: string, problem: string): never => {
    const line = host.vars.get(name)?.line ?? host.line;
    throw inventoryError(file, line, `host ${host.name}: ${problem}`);
  };
  const text = (name: string): string | undefined => {
    const value = host.vars.get(name)?.value;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" && typeof value !== "number") {
      return fail(name, `${name} must be a string, not ${typeName(value)}`);
    }
    const string = String(value);
    if (string.includes("{{") || string.includes("{%")) {
      fail(
        name,
        `${name} is a Jinja2 template (${string}), which send_sysrq does ` +
          "not evaluate: give the value itself",
      );
    }
    return string;
  };
  const address = text(VARS.host) ?? host.name;
  let spec: HostSpec;
  try {
    spec = parseHost(address.includes(":") ? `[${address}]` : address, 0);
  } catch {
    return fail(
      VARS.host,
      `${VARS.host} ${
        JSON.stringify(address)
      } is not a host name or IP address`,
    );
  }
  const port = text(VARS.port);
  if (port !== undefined) {
    const number = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(number >= 1 && number <= 65535)) {
      fail(
        VARS.port,
        `${VARS.port} must be a UDP port, 1 to 65535, not ${
          JSON.stringify(port)
        }`,
      );
    }
  }
  const identity = text(VARS.identity) ?? host.name;
  try {
    normalizeIdentity(identity);
  } catch (error) {
    fail(VARS.identity, `its identity: ${(error as Error).message}`);
  }
  const keyMode = text(VARS.keyMode);
  if (keyMode !== undefined && keyMode !== "server" && keyMode !== "password") {
    fail(
      VARS.keyMode,
      `${VARS.keyMode} must be server or password, not ${
        JSON.stringify(keyMode)
      }`,
    );
  }
  return {
    label: host.name,
    host: spec.host,
    port: port === undefined ? defaultPort : Number(port),
    identity,
    ...(keyMode === undefined
      ? {}
      : { keyMode: keyMode as "server" | "password" }),
  };
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value !== "object" || value === null) return `a ${typeof value}`;
  // An encrypted (!vault) value names itself (inventory_yaml.ts).
  return value.toString === Object.prototype.toString
    ? "a mapping"
    : String(value);
}
