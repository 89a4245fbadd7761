/**
 * What requests.json, replies.json and legacy.json share: the wire constants
 * and verdict values of docs/PROTOCOL.md and kernel/nsr_proto.h spelled out,
 * the keys of both modes, and the builders of version 2 packets, sealed with
 * Web Crypto (never with the library under test).
 *
 * @module
 */

import { fromHex, hex } from "../../core/hex.ts";
import {
  ADDRESS_HEX,
  ADMIN,
  ADMIN_NEXT,
  BOOT,
  derive,
  frame,
  keyIdOf,
  NO_ADDRESS,
  NOW,
  OTHER_PASSWORD,
  PASSWORD,
  serverKeyOf,
  text,
  V4,
} from "./_generate.ts";

/** A boot id that is not the server's (BOOT): a reboot happened. */
export const OTHER_BOOT = "0123456789abcdef";

export enum Type {
  REQUEST = 1,
  ACK = 2,
  REFUSAL = 3,
  PROBE = 4,
  CLOCK = 5,
}
const LABEL: Record<string, string> = {
  req: "netsysrq v2 req",
  ack: "netsysrq v2 ack",
  ref: "netsysrq v2 ref",
  prb: "netsysrq v2 prb",
  clk: "netsysrq v2 clk",
  v1req: "netsysrq v1 req",
};
export type Label = keyof typeof LABEL;
const LABEL_OF_TYPE: Record<number, Label> = {
  1: "req",
  2: "ack",
  3: "ref",
  4: "prb",
  5: "clk",
};
export const ACK_WANTED = 0x01;
/** The request flags of docs/PROTOCOL.md, "Request" (rung 8 judges them). */
export const OUTPUT_WANTED = 0x02;
export const SAFE_REBOOT = 0x04;
export const ONLY_IF_SYNCED = 0x08;
export const REPEAT = 0x01;

/** The verdict values of kernel/nsr_proto.h, spelled out. */
export enum Verdict {
  ACCEPTED = 0,
  NO_PASSWORD = 1,
  TRUNCATED = 2,
  BAD_MAGIC = 3,
  BAD_VERSION = 4,
  BAD_TYPE = 5,
  BAD_KEY_COUNT = 6,
  BAD_LENGTH = 7,
  BAD_FLAGS = 8,
  BAD_KEY_CHAR = 9,
  STALE = 10,
  FUTURE = 11,
  REPLAY = 12,
  BAD_MAC = 13,
  REFUSED_STALE = 14,
  REFUSED_FUTURE = 15,
  REFUSED_REPLAY = 16,
  BAD_FORMAT = 17,
  WRONG_BOOT = 18,
  REFUSED_BOOT = 19,
  REPEATED = 20,
  PROBE_ANSWERED = 21,
  UNKNOWN_KEY = 22,
}
export enum Reason {
  STALE = 1,
  FUTURE = 2,
  REPLAY = 3,
  BOOT = 4,
}

/** A nonce of its own for each seed, the same on every run. */
export function nonce(seed: number): Uint8Array {
  return Uint8Array.from({ length: 12 }, (_, i) => (seed * 16 + i) & 0xff);
}

/** The keys K of the server's password and of a wrong one. */
export const keyBytes = await derive(PASSWORD);
export const otherKeyBytes = await derive(OTHER_PASSWORD);

// Server-key mode (docs/PROTOCOL.md, "Keys").

export const KID = await keyIdOf(ADMIN);
export const KID_NEXT = await keyIdOf(ADMIN_NEXT);
/** web1 and web2 both see themselves at 192.0.2.7 (two clouds). */
export const WEB1 = await serverKeyOf(ADMIN, "web1");
export const WEB2 = await serverKeyOf(ADMIN, "web2");
export const WEB1_NEXT = await serverKeyOf(ADMIN_NEXT, "web1");

/**
 * What the server answers an info probe with (docs/PROTOCOL.md, "Clock
 * answer"): version 0.2.0; capability legacy (bit 1); kernel.sysrq 438
 * (01b6); tolerance 60 s (003c); rule keys b (bit 65: byte 8, 02), s (bit
 * 82) and u (bit 84: byte 10, 04 | 10 = 14); 4 reserved bytes.
 */
export const INFO_HEX = "000200" + "02" + "01b6" + "003c" +
  "0000000000000000" + "02" + "00" + "14" + "00" + "00000000";
export const INFO = {
  version: "0.2.0",
  capabilities: {
    noAck: false,
    legacy: true,
    output: false,
    safeReboot: false,
  },
  sysrq: 438,
  toleranceSeconds: 60,
  ruleKeys: "bsu",
};

/** The first 16 bytes of HMAC-SHA256(K, label || A || body). */
async function tag(
  k: Uint8Array<ArrayBuffer>,
  label: Label,
  address: string,
  body: Uint8Array,
): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    k,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const input = new Uint8Array(32 + body.length);
  input.set(text(LABEL[label]));
  input.set(fromHex(ADDRESS_HEX[address]), 16);
  input.set(body, 32);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, input));
  return mac.subarray(0, 16);
}

/** The key id of a framed packet (bytes 24..28). */
export function keyIdIn(p: Uint8Array): number {
  if (p.length < 28) return 0;
  return new DataView(p.buffer, p.byteOffset).getUint32(24);
}

/** Replace the tag (the last 16 bytes) of `packet`. */
export async function seal(
  packet: Uint8Array,
  address = V4,
  label?: Label,
  k = keyBytes,
): Promise<Uint8Array> {
  const out = packet.slice();
  const body = out.subarray(0, out.length - 16);
  out.set(
    await tag(k, label ?? LABEL_OF_TYPE[out[5]] ?? "req", address, body),
    out.length - 16,
  );
  return out;
}

export interface Req {
  keys?: string;
  time?: bigint | number;
  seed?: number;
  ackWanted?: boolean;
  /** The whole flags byte; overrides `ackWanted`. */
  flags?: number;
  address?: string;
  bootId?: string;
  keyId?: number;
  k?: Uint8Array<ArrayBuffer>;
}

export function request(r: Req = {}): Promise<Uint8Array> {
  return seal(
    frame({
      type: Type.REQUEST,
      flags: r.flags ?? (r.ackWanted === false ? 0 : ACK_WANTED),
      bootId: r.bootId ?? BOOT,
      time: r.time ?? NOW,
      keyId: r.keyId ?? 0,
      nonce: nonce(r.seed ?? 1),
      body: text(r.keys ?? "s"),
    }),
    r.address ?? V4,
    "req",
    r.k,
  );
}

/** A request under web1's server key (key id KID, A = zeros) by default. */
export function keyedRequest(r: Req = {}): Promise<Uint8Array> {
  return request({ keyId: KID, k: WEB1, address: NO_ADDRESS, ...r });
}

export function probe(
  seed: number,
  address = V4,
  k = keyBytes,
  keyId = 0,
  info = false,
) {
  return seal(
    frame({
      type: Type.PROBE,
      keyId,
      nonce: nonce(seed),
      body: new Uint8Array(info ? 24 : 0),
    }),
    address,
    "prb",
    k,
  );
}

/** Set byte `at` of a packet to `value`. */
export function poke(
  packet: Uint8Array,
  at: number,
  value: number,
): Uint8Array {
  const out = packet.slice();
  out[at] = value;
  return out;
}

export const flipTag = (p: Uint8Array) =>
  poke(p, p.length - 1, p[p.length - 1] ^ 1);

export function timeOf(p: Uint8Array): bigint {
  return new DataView(p.buffer, p.byteOffset).getBigUint64(16);
}

/** The ack of `req` (its count, boot id, time, key id, nonce echoed). */
export function ack(
  req: Uint8Array,
  statuses: number[],
  flags = 0,
  address = V4,
  k = keyBytes,
): Promise<Uint8Array> {
  return seal(
    frame({
      type: Type.ACK,
      flags,
      bootId: hex(req.subarray(8, 16)),
      time: timeOf(req),
      keyId: keyIdIn(req),
      nonce: req.slice(28, 40),
      body: Uint8Array.from(statuses),
    }),
    address,
    "ack",
    k,
  );
}

/**
 * A refusal or clock answer: the server's boot id and clock, key id and
 * nonce echoed; a clock answer to an info probe carries INFO_HEX.
 */
export function answer(
  type: Type.REFUSAL | Type.CLOCK,
  to: Uint8Array,
  flags: number,
  bootId: string,
  time: number,
  address = V4,
  k = keyBytes,
): Promise<Uint8Array> {
  const info = type === Type.CLOCK && to[5] === Type.PROBE && to[7] === 24;
  return seal(
    frame({
      type,
      flags,
      bootId,
      time,
      keyId: keyIdIn(to),
      nonce: to.slice(28, 40),
      body: info ? fromHex(INFO_HEX) : undefined,
    }),
    address,
    type === Type.REFUSAL ? "ref" : "clk",
    k,
  );
}
