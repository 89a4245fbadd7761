/**
 * What the vector generators (generate*.ts) share: the fixed inputs, the
 * protocol's key derivations and unsealed frame built with Web Crypto from the
 * tables of docs/PROTOCOL.md (never with the library under test), and the
 * writing of a vector file.
 *
 * @module
 */

import { fromHex } from "../../core/hex.ts";

export const PASSWORD = "vector-password-1";
export const OTHER_PASSWORD = "vector-password-2";
export const V4 = "192.0.2.7";
export const V4_OTHER = "192.0.2.8";
export const V6 = "2001:db8::7";
/** The MAC's address A of server-key mode: 16 zero bytes, not an address. */
export const NO_ADDRESS = "(server key: A = 16 zero bytes)";
/** The server's protocol clock (ms) unless a case says otherwise. */
export const NOW = 1700000000000;
export const BOOT = "b0070b0070b0070b";

/** The 16 bytes A of each address, written out (docs/PROTOCOL.md). */
export const ADDRESS_HEX: Record<string, string> = {
  [V4]: "00000000000000000000ffffc0000207",
  [V4_OTHER]: "00000000000000000000ffffc0000208",
  [V6]: "20010db8000000000000000000000007",
  [NO_ADDRESS]: "00000000000000000000000000000000",
};

/** Two admin secrets `M`: today's, and the one that replaces it. */
export const ADMIN = fromHex(
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
);
export const ADMIN_NEXT = fromHex(
  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
);

export const text = (s: string) => new TextEncoder().encode(s);

/** A key id as the kernel's `keys` parameter spells it: 8 lowercase hex digits. */
export const idHex = (id: number) => id.toString(16).padStart(8, "0");

/** The password's key K: PBKDF2-HMAC-SHA256, salt "netsysrq v1 key". */
export async function derive(
  password: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey(
    "raw",
    text(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      {
        name: "PBKDF2",
        hash: "SHA-256",
        salt: text("netsysrq v1 key"),
        iterations: 100000,
      },
      base,
      256,
    ),
  );
}

/** HMAC-SHA256(k, data), whole. */
export async function hmacRaw(
  k: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    k,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, data));
}

/** Key id: HMAC(M, "netsysrq v2 kid" 00), first 4 bytes BE, top bit set. */
export async function keyIdOf(m: Uint8Array<ArrayBuffer>): Promise<number> {
  const mac = await hmacRaw(m, text("netsysrq v2 kid\0"));
  return (new DataView(mac.buffer).getUint32(0) | 0x80000000) >>> 0;
}

/** K_server = HMAC(M, "netsysrq v2 srv" 00 || identity, ASCII lowercased). */
export function serverKeyOf(
  m: Uint8Array<ArrayBuffer>,
  identity: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const lower = identity.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return hmacRaw(m, text("netsysrq v2 srv\0" + lower));
}

/** The fields of a frame; each has the default a zero byte gives. */
export interface Frame {
  type: number;
  flags?: number;
  bootId?: string;
  time?: bigint | number;
  keyId?: number;
  nonce?: Uint8Array;
  body?: Uint8Array;
  version?: number;
}

/** The unsealed frame of docs/PROTOCOL.md, "Messages", with room for a tag. */
export function frame(f: Frame): Uint8Array {
  const body = f.body ?? new Uint8Array(0);
  const out = new Uint8Array(56 + body.length);
  out.set(text("NSRQ"));
  out[4] = f.version ?? 2;
  out[5] = f.type;
  out[6] = f.flags ?? 0;
  out[7] = body.length;
  out.set(fromHex(f.bootId ?? "0000000000000000"), 8);
  const view = new DataView(out.buffer);
  view.setBigUint64(16, BigInt(f.time ?? 0));
  view.setUint32(24, f.keyId ?? 0);
  out.set(f.nonce ?? new Uint8Array(12), 28);
  out.set(body, 40);
  return out;
}

/** Writes `content` as tests/vectors/`name`, formatted by deno fmt. */
export async function writeVectorFile(
  name: string,
  content: unknown,
): Promise<void> {
  const url = new URL(name, import.meta.url);
  await Deno.writeTextFile(url, JSON.stringify(content, null, 2) + "\n");
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", url.pathname],
  });
  if (!(await fmt.output()).success) throw new Error(`deno fmt ${name} failed`);
}
