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
  type Document,
  isAlias,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
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
  const r = parse(text, file);
  try {
    const top = mappingOf(
      r,
      r.doc.contents,
      "the top level must map group names to groups (Ansible's YAML inventory)",
    );
    for (const pair of top?.items ?? []) {
      const name = keyText(r, pair.key);
      // An inventory plugin's configuration (aws_ec2, constructed...).
      if (name === "plugin") return NEEDS_ANSIBLE;
      readGroup(r, name, resolve(r, pair.value), pair.key as Node);
    }
  } catch (error) {
    // A host range deep inside: the whole file goes to Ansible.
    if (error === NEEDS_ANSIBLE) return NEEDS_ANSIBLE;
    throw error;
  }
  return r.raw;
}

/** What the readers below share: the document, its lines, the result. */
interface Reader {
  doc: Document.Parsed;
  lines: LineCounter;
  file: string;
  raw: RawInventory;
}

/** Parse `text`; a syntax error is thrown with its line. */
function parse(text: string, file: string): Reader {
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
  return { doc, lines, file, raw: { groups: new Map(), hosts: new Map() } };
}

function lineOf(r: Reader, node: Node | null | undefined): number | undefined {
  return node?.range ? r.lines.linePos(node.range[0]).line : undefined;
}

/** The node an alias (`*name`) stands for; any other node itself. */
function resolve(r: Reader, node: unknown): Node | null {
  const resolved = isAlias(node) ? node.resolve(r.doc) : node;
  return (resolved ?? null) as Node | null;
}

function valueOf(r: Reader, node: Node | null): unknown {
  if (node === null) return null;
  if (node.tag === "!vault") return new Encrypted();
  return node.toJS(r.doc);
}

function keyText(r: Reader, key: unknown): string {
  const node = resolve(r, key);
  return isScalar(node) ? String(node.value) : String(valueOf(r, node));
}

/** Throw on a key a mapping already has, as Ansible's YAML loader does. */
function checkUnique(r: Reader, node: YAMLMap): void {
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = keyText(r, pair.key);
    if (seen.has(key)) {
      throw inventoryError(
        r.file,
        lineOf(r, pair.key as Node),
        `${
          JSON.stringify(key)
        } appears twice in one mapping (keys must be unique)`,
      );
    }
    seen.add(key);
  }
}

/**
 * `node` as a mapping with unique keys, or null when it is empty (nothing
 * or `~`); anything else is an error saying `mustBe`.
 */
function mappingOf(r: Reader, node: Node | null, mustBe: string) {
  if (node === null || isScalar(node) && node.value === null) return null;
  if (!isMap(node)) throw inventoryError(r.file, lineOf(r, node), mustBe);
  checkUnique(r, node);
  return node;
}

/** Variables of a mapping node, each with its line. */
function readVars(r: Reader, node: Node | null, what: string) {
  const vars = new Map<string, Setting>();
  const map = mappingOf(r, node, `${what} must be a mapping`);
  for (const pair of map?.items ?? []) {
    const value = resolve(r, pair.value);
    vars.set(keyText(r, pair.key), {
      value: valueOf(r, value),
      line: lineOf(r, value) ?? lineOf(r, pair.key as Node),
    });
  }
  return vars;
}

/** A group (`at` its name's node); a name seen again adds to the group. */
function readGroup(r: Reader, name: string, node: Node | null, at: Node) {
  const group: RawGroup = r.raw.groups.get(name) ?? newGroup(lineOf(r, at));
  r.raw.groups.set(name, group);
  const map = mappingOf(
    r,
    node,
    `group ${name} must be a mapping of hosts, vars and children`,
  );
  for (const pair of map?.items ?? []) {
    const key = keyText(r, pair.key);
    const value = resolve(r, pair.value);
    if (key === "hosts") readHosts(r, group, name, value);
    else if (key === "vars") {
      for (const [k, v] of readVars(r, value, `the vars of group ${name}`)) {
        group.vars.set(k, v);
      }
    } else if (key === "children") readChildren(r, group, name, value);
    else {
      throw inventoryError(
        r.file,
        lineOf(r, pair.key as Node),
        `group ${name}: unknown key ${JSON.stringify(key)} ` +
          "(a group has hosts, vars and children)",
      );
    }
  }
}

/** A group's hosts; a host in several groups has their variables merged. */
function readHosts(
  r: Reader,
  group: RawGroup,
  name: string,
  node: Node | null,
) {
  const map = mappingOf(
    r,
    node,
    `the hosts of group ${name} must be a mapping (host: its variables)`,
  );
  for (const pair of map?.items ?? []) {
    const host = keyText(r, pair.key);
    if (RANGE.test(host)) throw NEEDS_ANSIBLE;
    const line = lineOf(r, pair.key as Node);
    const vars = readVars(
      r,
      resolve(r, pair.value),
      `the variables of ${host}`,
    );
    const known = r.raw.hosts.get(host);
    if (known === undefined) r.raw.hosts.set(host, { vars, line });
    else for (const [k, v] of vars) known.vars.set(k, v);
    if (known === undefined || !group.hosts.includes(host)) {
      group.hosts.push(host);
    }
  }
}

function readChildren(
  r: Reader,
  group: RawGroup,
  name: string,
  node: Node | null,
) {
  const map = mappingOf(
    r,
    node,
    `the children of group ${name} must be a mapping of groups`,
  );
  for (const pair of map?.items ?? []) {
    const child = keyText(r, pair.key);
    if (!group.children.includes(child)) group.children.push(child);
    readGroup(r, child, resolve(r, pair.value), pair.key as Node);
  }
}
