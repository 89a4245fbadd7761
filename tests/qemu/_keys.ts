/**
 * Server keys for the key-mode scenarios (docs/PROTOCOL.md, "Server-key
 * mode"): admin secrets drawn fresh for each test, each server's key and
 * the key id derived from them here with Web Crypto from the formulas of
 * PROTOCOL.md (not with the library, so the kernel is checked against an
 * independent derivation), and the module's `keys` parameter read and
 * written through the control channel (never the console).
 *
 * @module
 */

import { hex } from "../../core/hex.ts";
import { MacKey } from "../../mod.ts";
import { shellQuote } from "./control_channel.ts";
import { Sender } from "./_packets.ts";
import { concat } from "./_util.ts";
import type { Vm } from "./vm.ts";

/** Where the module's key set is read and written. */
export const KEYS_PARAM = "/sys/module/xt_SYSRQ/parameters/keys";

const KID_LABEL = "netsysrq v2 kid\0";
const SRV_LABEL = "netsysrq v2 srv\0";

/** One server key: its id, its 32 bytes, and a MAC key made of them. */
export interface ServerKey {
  /** The key id, 0x80000000..0xffffffff. */
  id: number;
  /** The id as the parameter takes and shows it: 8 lowercase hex digits. */
  idHex: string;
  /** The key, 64 hex digits (what an administrator installs). */
  keyHex: string;
  key: MacKey;
}

/** A fresh random admin secret (32 bytes), as `send_sysrq keygen` makes. */
export function adminSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", k, new Uint8Array(data)),
  );
}

/**
 * The key id of admin secret `m`: the first 4 bytes of HMAC-SHA256(m,
 * "netsysrq v2 kid\0"), big-endian, top bit set.
 */
export async function keyIdOf(m: Uint8Array): Promise<number> {
  const mac = await hmac(m, new TextEncoder().encode(KID_LABEL));
  return (new DataView(mac.buffer).getUint32(0) | 0x80000000) >>> 0;
}

/** The id as 8 lowercase hex digits. */
export function idHex(id: number): string {
  return id.toString(16).padStart(8, "0");
}

/**
 * The key of server `identity` under admin secret `m`: HMAC-SHA256(m,
 * "netsysrq v2 srv\0" ‖ identity). `identity` must already be in its
 * canonical form (lowercase ASCII).
 */
export async function serverKey(
  m: Uint8Array,
  identity: string,
): Promise<ServerKey> {
  const enc = new TextEncoder();
  const bytes = await hmac(
    m,
    concat(enc.encode(SRV_LABEL), enc.encode(identity)),
  );
  const id = await keyIdOf(m);
  return {
    id,
    idHex: idHex(id),
    keyHex: hex(bytes),
    key: await MacKey.fromBytes(bytes),
  };
}

/** A server key with a given id and random bytes (no admin secret). */
export async function randomServerKey(id: number): Promise<ServerKey> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return {
    id,
    idHex: idHex(id),
    keyHex: hex(bytes),
    key: await MacKey.fromBytes(bytes),
  };
}

/** `ID:HEX64`, one entry of the parameter. */
export function entry(k: ServerKey): string {
  return `${k.idHex}:${k.keyHex}`;
}

/** A Sender speaking with `k` (address A is zeros in key mode). */
export function keySender(k: ServerKey, vm: Vm): Sender {
  return new Sender(k.key, vm.address("v4"), k.id);
}

/**
 * Writes `value` to the keys parameter in one write(2), with a
 * trailing newline as `echo` writes it (an empty write would not reach the
 * module at all);
 * resolves with the shell's exit code and what it printed.
 */
export async function writeKeys(
  vm: Vm,
  value: string,
): Promise<{ code: number; output: string }> {
  return await vm.command(
    `printf '%s\\n' ${shellQuote(value)} >${KEYS_PARAM}`,
  );
}

/** Like writeKeys, but throws unless the write succeeded. */
export async function mustWriteKeys(vm: Vm, value: string): Promise<void> {
  const { code, output } = await writeKeys(vm, value);
  if (code !== 0) {
    throw new Error(`writing the keys parameter failed (${code}): ${output}`);
  }
}

/** What reading the parameter shows, as it shows it. */
export async function readKeys(vm: Vm): Promise<string> {
  return await vm.must(`cat ${KEYS_PARAM}`);
}

/** The installed key ids, in the order the parameter shows them. */
export async function installedIds(vm: Vm): Promise<string[]> {
  const text = (await readKeys(vm)).trim();
  return text === "" ? [] : text.split(",");
}
