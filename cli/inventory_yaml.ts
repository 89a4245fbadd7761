/**
 * Ansible's YAML inventory format, read with npm:yaml (the structure of
 * Ansible's `yaml` inventory plugin: groups at the top, each with `hosts`,
 * `vars` and `children`; `all` and `ungrouped` implicit), keeping the line
 * of every group, host and variable for messages.
 *
 * What only Ansible can do — host ranges such as `web[01:20]`, variables
 * in `group_vars/` or `host_vars/` beside the file, an inventory plugin's
 * configuration (`plugin: ...`) — is left to ansible-inventory: the reader
 * returns {@link NEEDS_ANSIBLE} and cli/inventory.ts asks Ansible instead,
 * so such an inventory is never half-read.
 *
 * @module
 */

import {
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { reason } from "./hosts.ts";
import {
  inventoryError,
  newGroup,
  type RawGroup,
  type RawInventory,
  type Setting,
} from "./inventory.ts";
import { isDirectory, readTextFile } from "./runtime.ts";

/** The inventory needs Ansible's own reader. */
export const NEEDS_ANSIBLE: unique symbol = Symbol("needs ansible-inventory");

/** A host pattern with a range, which only Ansible expands. */
const RANGE = /\[[^\]]*:[^\]]*\]/;

/** A value Ansible Vault encrypted (`!vault`): never decrypted here. */
export class Encrypted {
  toString(): string {
    return "an encrypted (!vault) value";
  }
}

/** Read a YAML inventory file, or say that Ansible must read it. */
export async function readYamlInventory(
  file: string,
): Promise<RawInventory | typeof NEEDS_ANSIBLE> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    throw inventoryError(file, undefined, `cannot read it: ${reason(error)}`);
  }
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".";
  const beside = await Promise.all(
    ["group_vars", "host_vars"].map((d) => isDirectory(`${dir}/${d}`)),
  );
  if (beside.some((found) => found)) return NEEDS_ANSIBLE;
  return parseYamlInventory(text, file);
}

/**
 * Parse the text of a YAML inventory.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseYamlInventory } from "./inventory_yaml.ts";
 * const raw = parseYamlInventory(
 *   "eu:\n  hosts:\n    web1:\n      ansible_host: 192.0.2.7\n", "inv.yml");
 * assert.ok(typeof raw === "object");
 * assert.deepEqual(raw.groups.get("eu")!.hosts, ["web1"]);
 * assert.deepEqual(raw.hosts.get("web1")!.vars.get("ansible_host"),
 *   { value: "192.0.2.7", line: 4 });
 * ```
 */
export function parseYamlInventory(
  text: string,
  file: string,
): RawInventory | typeof NEEDS_ANSIBLE {
  const lines = new LineCounter();
  // npm:yaml's own duplicate-key check compares every key with every other
  // (10,000 hosts: 9 s more); a Set per mapping does it below (checkUnique).
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    throw inventoryError(
      file,
      error.linePos?.[0].line,
      error.message.split(" at line ")[0].split("\n")[0],
    );
  }
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  const raw: RawInventory = { groups: new Map(), hosts: new Map() };
  const root = doc.contents;
  if (root === null || isScalar(root) && root.value === null) return raw;
  if (!isMap(root)) {
    throw inventoryError(
      file,
      lineOf(root),
      "the top level must map group names to groups (Ansible's YAML inventory)",
    );
  }
  const resolve = (node: unknown): Node | null => {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    return (resolved ?? null) as Node | null;
  };
  const valueOf = (node: Node | null): unknown => {
    if (node === null) return null;
    if (node.tag === "!vault") return new Encrypted();
    return node.toJS(doc);
  };
  const keyText = (key: unknown): string => {
    const node = resolve(key);
    return isScalar(node) ? String(node.value) : String(valueOf(node));
  };
  /** Throw on a key a mapping already has, as Ansible's YAML loader does. */
  const checkUnique = (node: { items: { key: unknown }[] }) => {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (seen.has(key)) {
        throw inventoryError(
          file,
          lineOf(pair.key as Node),
          `${
            JSON.stringify(key)
          } appears twice in one mapping (keys must be unique)`,
        );
      }
      seen.add(key);
    }
  };
  /** Variables of a mapping node, each with its line. */
  const readVars = (node: Node | null, what: string) => {
    const vars = new Map<string, Setting>();
    if (node === null || isScalar(node) && node.value === null) return vars;
    if (!isMap(node)) {
      throw inventoryError(file, lineOf(node), `${what} must be a mapping`);
    }
    checkUnique(node);
    for (const pair of node.items) {
      const value = resolve(pair.value);
      vars.set(keyText(pair.key), {
        value: valueOf(value),
        line: lineOf(value) ?? lineOf(pair.key as Node),
      });
    }
    return vars;
  };
  const readGroup = (name: string, node: Node | null, at: Node) => {
    const group: RawGroup = raw.groups.get(name) ?? newGroup(lineOf(at));
    raw.groups.set(name, group);
    if (node === null || isScalar(node) && node.value === null) return;
    if (!isMap(node)) {
      throw inventoryError(
        file,
        lineOf(node),
        `group ${name} must be a mapping of hosts, vars and children`,
      );
    }
    checkUnique(node);
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const value = resolve(pair.value);
      if (key === "hosts") readHosts(group, name, value);
      else if (key === "vars") {
        for (const [k, v] of readVars(value, `the vars of group ${name}`)) {
          group.vars.set(k, v);
        }
      } else if (key === "children") readChildren(group, name, value);
      else {
        throw inventoryError(
          file,
          lineOf(pair.key as Node),
          `group ${name}: unknown key ${JSON.stringify(key)} ` +
            "(a group has hosts, vars and children)",
        );
      }
    }
  };
  const readHosts = (group: RawGroup, name: string, node: Node | null) => {
    if (node === null || isScalar(node) && node.value === null) return;
    if (!isMap(node)) {
      throw inventoryError(
        file,
        lineOf(node),
        `the hosts of group ${name} must be a mapping (host: its variables)`,
      );
    }
    checkUnique(node);
    for (const pair of node.items) {
      const host = keyText(pair.key);
      if (RANGE.test(host)) throw NEEDS_ANSIBLE;
      const line = lineOf(pair.key as Node);
      const vars = readVars(resolve(pair.value), `the variables of ${host}`);
      const known = raw.hosts.get(host);
      if (known === undefined) raw.hosts.set(host, { vars, line });
      else for (const [k, v] of vars) known.vars.set(k, v);
      if (known === undefined || !group.hosts.includes(host)) {
        group.hosts.push(host);
      }
    }
  };
  const readChildren = (group: RawGroup, name: string, node: Node | null) => {
    if (node === null || isScalar(node) && node.value === null) return;
    if (!isMap(node)) {
      throw inventoryError(
        file,
        lineOf(node),
        `the children of group ${name} must be a mapping of groups`,
      );
    }
    checkUnique(node);
    for (const pair of node.items) {
      const child = keyText(pair.key);
      if (!group.children.includes(child)) group.children.push(child);
      readGroup(child, resolve(pair.value), pair.key as Node);
    }
  };
  try {
    checkUnique(root);
    for (const pair of root.items) {
      const name = keyText(pair.key);
      // An inventory plugin's configuration (aws_ec2, constructed...).
      if (name === "plugin") return NEEDS_ANSIBLE;
      readGroup(name, resolve(pair.value), pair.key as Node);
    }
  } catch (error) {
    if (error === NEEDS_ANSIBLE) return NEEDS_ANSIBLE;
    throw error;
  }
  return raw;
}
