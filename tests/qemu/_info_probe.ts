/**
 * The info probe (docs/PROTOCOL.md, "Probe" with count 24, and its clock
 * answer's facts), built and checked here with Web Crypto from the tables
 * of PROTOCOL.md, not with the library: the kernel's answer is checked
 * against an independent reading of the format.
 *
 * @module
 */

import { encodeAddress } from "../../mod.ts";

const MAGIC = [0x4e, 0x53, 0x52, 0x51];
const VERSION = 2;
const TYPE_PROBE = 4;
const TYPE_CLOCK = 5;
const OFF_KEY_ID = 24;
const OFF_NONCE = 28;
const NONCE_LEN = 12;
const OFF_BODY = 40;
const TAG_LEN = 16;
/** The body of an info probe and of its answer. */
export const INFO_LEN = 24;
const PRB = new TextEncoder().encode("netsysrq v2 prb\0");
const CLK = new TextEncoder().encode("netsysrq v2 clk\0");

/** The server's facts, as an info probe's answer carries them. */
export interface InfoFacts {
  version: [number, number, number];
  noAck: boolean;
  legacy: boolean;
  output: boolean;
  safeReboot: boolean;
  sysrq: number;
  toleranceS: number;
  /** The keys the rule allows, as a sorted string. */
  ruleKeys: string;
  reserved: number[];
}

/** How an info probe is keyed. */
export interface ProbeKey {
  keyBytes: Uint8Array;
  /** 0: the password's key (A = the address); else a server key (A = 0). */
  keyId: number;
  /** The server's address as it sees it (password mode only). */
  address: string;
}

async function tag(
  k: ProbeKey,
  label: Uint8Array,
  msg: Uint8Array,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(k.keyBytes),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const input = new Uint8Array(32 + msg.length);
  input.set(label);
  if (k.keyId === 0) input.set(encodeAddress(k.address), 16);
  input.set(msg, 32);
  const mac = await crypto.subtle.sign("HMAC", key, input);
  return new Uint8Array(mac).subarray(0, TAG_LEN);
}

/**
 * An info probe (80 bytes) with a fresh nonce; `body` replaces its 24 zero
 * bytes (a test of rung 9).
 */
export async function infoProbe(
  k: ProbeKey,
  body = new Uint8Array(INFO_LEN),
): Promise<{ packet: Uint8Array; nonce: Uint8Array }> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  const packet = new Uint8Array(OFF_BODY + INFO_LEN + TAG_LEN);
  packet.set(MAGIC);
  packet[4] = VERSION;
  packet[5] = TYPE_PROBE;
  packet[7] = INFO_LEN;
  new DataView(packet.buffer).setUint32(OFF_KEY_ID, k.keyId);
  packet.set(nonce, OFF_NONCE);
  packet.set(body, OFF_BODY);
  const end = OFF_BODY + INFO_LEN;
  packet.set(await tag(k, PRB, packet.subarray(0, end)), end);
  return { packet, nonce };
}

/**
 * The facts of `reply` if it is a good answer to the info probe with
 * `nonce` (length, frame, key id and nonce echoed, a boot id, the tag
 * under the probe's key), else a string saying what is wrong.
 */
export async function readInfoAnswer(
  k: ProbeKey,
  nonce: Uint8Array,
  reply: Uint8Array,
): Promise<InfoFacts | string> {
  const want = OFF_BODY + INFO_LEN + TAG_LEN;
  if (reply.length !== want) return `${reply.length} bytes, want ${want}`;
  const view = new DataView(reply.buffer, reply.byteOffset, reply.length);
  const frame = [...reply.subarray(0, 8)];
  const wantFrame = [...MAGIC, VERSION, TYPE_CLOCK, 0, INFO_LEN];
  if (frame.join() !== wantFrame.join()) return `frame ${frame}`;
  if (reply.subarray(8, 16).every((b) => b === 0)) return "boot id all zero";
  if (view.getUint32(OFF_KEY_ID) !== k.keyId) return "another key id";
  const echoed = reply.subarray(OFF_NONCE, OFF_NONCE + NONCE_LEN);
  if (echoed.join() !== nonce.join()) return "another nonce";
  const end = OFF_BODY + INFO_LEN;
  const good = await tag(k, CLK, reply.subarray(0, end));
  if (good.join() !== reply.subarray(end).join()) return "bad tag";
  return facts(reply.subarray(OFF_BODY, end));
}

/** The 24 bytes of facts, field by field (PROTOCOL.md's table). */
function facts(body: Uint8Array): InfoFacts {
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  let ruleKeys = "";
  for (let i = 0; i < 96; i++) {
    if (body[8 + (i >> 3)] & (1 << (i & 7))) {
      ruleKeys += i < 94 ? String.fromCharCode(0x21 + i) : `<bit ${i}>`;
    }
  }
  return {
    version: [body[0], body[1], body[2]],
    noAck: (body[3] & 1) !== 0,
    legacy: (body[3] & 2) !== 0,
    output: (body[3] & 4) !== 0,
    safeReboot: (body[3] & 8) !== 0,
    sysrq: view.getUint16(4),
    toleranceS: view.getUint16(6),
    ruleKeys: [...ruleKeys].sort().join(""),
    reserved: [...body.subarray(20, 24)],
  };
}

/** Every key 0x21..0x7e, sorted: what a rule without --sysrq-keys allows. */
export const ALL_KEYS = Array.from(
  { length: 94 },
  (_, i) => String.fromCharCode(0x21 + i),
).join("");
