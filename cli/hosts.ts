/**
 * Host arguments (`name`, `192.0.2.7`, `2001:db8::7`, `host:port`,
 * `[v6]:port`), hosts files, and name resolution.
 *
 * @module
 */

import { normalizeIdentity } from "../mod.ts";
import { addressBytes } from "../core/address.ts";
import { UsageError } from "./args.ts";
import { readStdin, readTextFile } from "./runtime.ts";

/** One host as the user named it. */
export interface HostSpec {
  /** As typed, for messages. */
  label: string;
  /** Name or IP address, without brackets. */
  host: string;
  port: number;
  /**
   * The name the server's key is made for (server-key mode): the
   * inventory's name or `netsysrq_identity`; else the host as given.
   */
  identity?: string;
  /** From an inventory's `netsysrq_key_mode`: this host's key mode. */
  keyMode?: "server" | "password";
}

/**
 * The identity a host's server key is made for: the one the inventory
 * gave, else the host as given (name or address, without port).
 */
export function identityOf(spec: HostSpec): string {
  return spec.identity ?? spec.host;
}

/**
 * The identity as the server key uses it, for messages: ASCII letters
 * lowercased (`Web1` and `web1` are one identity, docs/PROTOCOL.md "Keys").
 */
export function shownIdentity(spec: HostSpec): string {
  return normalizeIdentity(identityOf(spec));
}

/** A host with the address its packets go to. */
export interface Target extends HostSpec {
  address: string;
  family: 4 | 6;
}

/** 4 or 6 for an IP address literal, else 0 (as node:net's isIP). */
export function isIP(text: string): 0 | 4 | 6 {
  try {
    // Kept: a run asks this of each host three times (parse, plan, send).
    addressBytes(text);
  } catch {
    return 0;
  }
  return text.includes(":") ? 6 : 4;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;

/**
 * Parse one host argument; throws {@link UsageError} naming the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseHost } from "./hosts.ts";
 * assert.deepEqual(parseHost("[2001:db8::7]:9999", 9), {
 *   label: "[2001:db8::7]:9999", host: "2001:db8::7", port: 9999,
 * });
 * assert.equal(parseHost("web1.example", 9).port, 9);
 * ```
 */
export function parseHost(text: string, defaultPort: number): HostSpec {
  const label = text;
  let host = text;
  let port = defaultPort;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (isIP(host) !== 6) {
      throw new UsageError(
        `malformed host "${text}": [${host}] is not an IPv6 address`,
      );
    }
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], text);
  } else if (text.split(":").length === 2) {
    [host] = text.split(":");
    port = parsePort(text.split(":")[1], text);
  }
  if (host.includes(":")) {
    if (isIP(host) !== 6) {
      throw new UsageError(`malformed host "${text}": not an IPv6 address`);
    }
  } else if (/^[0-9.]+$/.test(host)) {
    if (isIP(host) !== 4) {
      throw new UsageError(`malformed host "${text}": not an IPv4 address`);
    }
  } else if (!HOSTNAME.test(host)) {
    throw new UsageError(
      `malformed host "${text}": not a host name or IP address`,
    );
  }
  return { label, host, port };
}

function parsePort(text: string, host: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(
      `malformed port in "${host}": "${text}" is not 1 to 65535`,
    );
  }
  return port;
}

/**
 * Parse a hosts file: one host per line, `#` starts a comment, blank lines
 * are skipped. A bad line is reported with its line number.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseHostsFile } from "./hosts.ts";
 * const hosts = parseHostsFile("# fleet\nweb1\n\n192.0.2.7:99 # db\n", "f", 9);
 * assert.deepEqual(hosts.map((h) => h.port), [9, 99]);
 * ```
 */
export function parseHostsFile(
  text: string,
  name: string,
  defaultPort: number,
): HostSpec[] {
  const hosts: HostSpec[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    try {
      if (/\s/.test(line)) throw new UsageError("one host per line");
      hosts.push(parseHost(line, defaultPort));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new UsageError(`hosts file ${name} line ${index + 1}: ${why}`);
    }
  });
  return hosts;
}

/** Read a hosts file (`-` for stdin). */
export async function readHostsFile(
  path: string,
  defaultPort: number,
): Promise<HostSpec[]> {
  let text: string;
  try {
    text = path === "-" ? await readStdin() : await readTextFile(path);
  } catch (error) {
    throw new UsageError(`cannot read hosts file ${path}: ${reason(error)}`);
  }
  const name = path === "-" ? "(stdin)" : path;
  const hosts = parseHostsFile(text, name, defaultPort);
  if (hosts.length === 0) {
    throw new UsageError(`hosts file ${name} names no hosts`);
  }
  return hosts;
}

/** A short reason from a Node or Deno error. */
export function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EACCES") return "permission denied";
    if (code === "EISDIR") return "is a directory";
    if (code === "ENOTDIR") return "not a directory";
    return error.message.split("\n")[0];
  }
  return String(error);
}

/**
 * Resolve a host to the address to send to. Throws an Error whose message
 * says why; the caller fails only this host.
 */
export async function resolve(
  spec: HostSpec,
  only?: 4 | 6,
): Promise<Target> {
  const family = isIP(spec.host);
  if (family === 4 || family === 6) {
    if (only !== undefined && family !== only) {
      throw new Error(`${spec.host} is not an IPv${only} address (-${only})`);
    }
    return { ...spec, address: spec.host, family };
  }
  let found;
  try {
    // Loaded only when a name needs resolving: node:dns is slow to start.
    const { lookup } = await import("node:dns/promises");
    found = await lookup(spec.host, { family: only ?? 0 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOTFOUND" ? "no such host" : reason(error);
    throw new Error(`cannot resolve ${spec.host}: ${why}`);
  }
  return {
    ...spec,
    address: found.address,
    family: found.family === 6 ? 6 : 4,
  };
}
