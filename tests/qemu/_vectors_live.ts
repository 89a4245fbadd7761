/**
 * The stateful request vectors re-made for a live module. A vector's packet
 * names the vector's boot id and clock; the kernel draws its boot id at
 * random and runs its own clock. So each case is rebuilt around what a
 * probe of a fresh state learnt (the boot id B and the clock N), keeping
 * what the case is about: the packet's boot id is B when the vector's was
 * the state's (another one stays another), its time keeps its distance to
 * the vector's `now` (or to its floor, when that is what it tests), its
 * keys, flags and nonce are the vector's, and its tag is good exactly when
 * the vector's is. Tags are computed here with Web Crypto, not with the
 * library. The state is rebuilt the same way: the last accepted request
 * re-made and sent first, the floor raised by a request at the vector's
 * distance, the refusal budget drained by authenticated stale requests.
 * Cases whose verdict hangs on a millisecond of the live clock are skipped.
 *
 * A packet whose tag is bad at the vector's server is re-made with the key
 * (and address A) that made it, when that is one of the vectors' keys —
 * web1's request really made with web1's key and sent to web2, a request
 * made with another password — so the live packet is the attack itself;
 * otherwise (a byte changed after tagging) its good tag gets one bit off.
 *
 * @module
 */

import { fromHex, hex } from "../../core/hex.ts";
import { encodeAddress } from "../../mod.ts";
import {
  keyIdOf,
  outputFollows,
  type RequestCase,
  serverKeyHex,
} from "./_vectors.ts";

/** kernel/nsr_proto.h */
const OFF_BOOT = 8;
const OFF_TIME = 16;
const TAG_LEN = 16;
const FUTURE_SLACK_MS = 1000n;
const TYPE_REQUEST = 1;
/** Most the kernel's clock may be past the probe's estimate at judging. */
export const LATE_MS = 3_000n;
/** A request's time this close to the floor is taken relative to it. */
const NEAR_FLOOR_MS = 2_000n;

const LABEL = new TextEncoder().encode("netsysrq v2 req\0");

/**
 * A key and the MAC's address A: the server's address (password mode) or
 * null for A = 16 zero bytes (a server key).
 */
export interface Maker {
  keyHex: string;
  address: string | null;
}

/** A stateful case as the live module needs it. */
export interface LiveCase {
  c: RequestCase;
  /** The key the server holds under the packet's key id, and its A. */
  server: Maker;
  /** The key id the packet names. */
  keyId: number;
  /**
   * What made the packet's tag, when it is bad at the server but good
   * under one of the vectors' keys; null when no key makes it.
   */
  maker: Maker | null;
  /** What made the last accepted request. */
  lastMaker: Maker | null;
  /** The vector's last accepted request, to be re-made and sent first. */
  last: Uint8Array | null;
  /** Its address (it was accepted there). */
  lastAddress: string | null;
  /** Whether the case's packet is the last accepted request itself. */
  isLast: boolean;
  /** Floor above what `last` sets, relative to `now` (ms), or null. */
  raiseFloor: bigint | null;
  /** Authenticated stale requests to spend the missing refusal tokens. */
  drain: number;
}

/** The packet's u64 time. */
export function timeOf(packet: Uint8Array): bigint {
  return new DataView(packet.buffer, packet.byteOffset).getBigUint64(OFF_TIME);
}

/** Rungs 12 and 14 at one server clock: "stale", "future" or "ok". */
function nowRung(ts: bigint, now: bigint, tol: bigint): string {
  if (ts < now && now - ts > tol) return "stale";
  if (ts > now && ts - now > FUTURE_SLACK_MS) return "future";
  return "ok";
}

/** The 16 zero bytes of A with a server key, as vectors write them. */
export const ZERO_ADDRESS_HEX = "00".repeat(16);

/**
 * Why a stateful case cannot be re-made live, or its plan. `addresses`
 * maps each vector address's 16-byte hex to its text; `makers` are every
 * key of the vectors with every A, tried on a packet whose tag the
 * server's key does not make.
 */
export async function liveCase(
  c: RequestCase,
  addresses: Map<string, string>,
  makers: Maker[],
): Promise<LiveCase | string> {
  const packet = fromHex(c.packetHex);
  if (packet.length < 56 || packet[5] !== TYPE_REQUEST) return "not a request";
  if (outputFollows(c)) {
    return "OUTPUT_WANTED and accepted: the kernel follows the ack with " +
      "OUTPUT_FOLLOWS and output messages, which the vector's ack (the " +
      "verifier's, flags 00) does not model; tests/qemu/output_test.ts " +
      "checks those";
  }
  const keyId = keyIdOf(packet);
  const keyHex = serverKeyHex(c, keyId);
  if (keyHex === null) {
    return "the server has no key under its id: a frame case";
  }
  const server = { keyHex, address: keyId === 0 ? c.serverAddress : null };
  const now = BigInt(c.now);
  const tol = BigInt(c.toleranceMs);
  if (c.toleranceMs !== 60_000) return "the module's tolerance is 60 s here";
  if (now < 86_400_000n) {
    return "needs a protocol clock near 1970: the kernel refuses a wall " +
      "clock earlier than its uptime";
  }
  const ts = timeOf(packet);
  // The kernel judges at some time in [N, N + LATE]: the rung must agree.
  if (nowRung(ts, now, tol) !== nowRung(ts, now + LATE_MS, tol)) {
    return `on a time edge: ${ts - now} ms from now, and the live clock is ` +
      `known to within ${LATE_MS} ms`;
  }
  const last = c.state.lastAcceptedHex === null
    ? null
    : fromHex(c.state.lastAcceptedHex);
  const floor = BigInt(c.state.floor);
  const lastTime = last === null ? 0n : timeOf(last);
  if (last !== null && now - lastTime > tol - LATE_MS) {
    return "the last accepted request is stale at the vector's clock: re-made " +
      "now it would be refused, not accepted (it needs a minute's wait)";
  }
  const raiseFloor = floor > lastTime ? floor - now : null;
  if (raiseFloor !== null && last !== null && raiseFloor <= FUTURE_SLACK_MS) {
    return "a floor above the last request but not ahead of the clock " +
      "cannot be set without replacing the last request";
  }
  const lastAddress = c.state.lastAddressHex === null ||
      c.state.lastAddressHex === ZERO_ADDRESS_HEX
    ? null
    : addresses.get(c.state.lastAddressHex) ?? null;
  const good = await tagMatches(packet, server);
  const lastMaker = last === null ? null : await makerOf(last, makers);
  if (last !== null && lastMaker === null) {
    return "no vector key makes the last accepted request's tag";
  }
  return {
    c,
    server,
    keyId,
    maker: good ? server : await makerOf(packet, makers),
    lastMaker,
    last,
    lastAddress,
    isLast: last !== null && hex(last) === hex(packet),
    raiseFloor: floor === 0n ? null : raiseFloor,
    drain: 5 - c.state.refusalTokens,
  };
}

/**
 * HMAC-SHA256 tag (16 bytes) of a request body for `address` (null: A is
 * 16 zero bytes, a server key's).
 */
export async function requestTag(
  keyHex: string,
  address: string | null,
  body: Uint8Array,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(fromHex(keyHex)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const input = new Uint8Array(32 + body.length);
  input.set(LABEL);
  if (address !== null) input.set(encodeAddress(address), 16);
  input.set(body, 32);
  const mac = await crypto.subtle.sign("HMAC", key, input);
  return new Uint8Array(mac).subarray(0, TAG_LEN);
}

/** Whether `m` makes `packet`'s tag. */
async function tagMatches(packet: Uint8Array, m: Maker): Promise<boolean> {
  const body = packet.subarray(0, packet.length - TAG_LEN);
  const tag = await requestTag(m.keyHex, m.address, body);
  return hex(tag) === hex(packet.subarray(packet.length - TAG_LEN));
}

/** The first of `makers` that makes `packet`'s tag, or null. */
async function makerOf(
  packet: Uint8Array,
  makers: Maker[],
): Promise<Maker | null> {
  for (const m of makers) if (await tagMatches(packet, m)) return m;
  return null;
}

/**
 * Every key of `cases` (derived password keys, server keys) with every A
 * (each case's address, and zeros): what may have made a vector packet.
 */
export function vectorMakers(cases: RequestCase[]): Maker[] {
  const keys = new Set<string>();
  const addresses = new Set<string | null>([null]);
  for (const c of cases) {
    if (c.keyHex !== null) keys.add(c.keyHex);
    for (const k of c.serverKeys ?? []) keys.add(k.keyHex);
    addresses.add(c.serverAddress);
  }
  return [...keys].flatMap((keyHex) =>
    [...addresses].map((address) => ({ keyHex, address }))
  );
}

/**
 * `packet` re-made: boot id `bootId` where it named `vectorBoot`, time
 * `time` (kept when null), tag made with `keyHex` and `address` (null: A
 * is zeros) or, when `badTag`, that tag one bit off.
 */
export async function remake(
  packet: Uint8Array,
  options: {
    keyHex: string;
    address: string | null;
    vectorBoot: string;
    bootId: Uint8Array;
    time: bigint | null;
    badTag: boolean;
  },
): Promise<Uint8Array> {
  const out = packet.slice();
  if (hex(out.subarray(OFF_BOOT, OFF_BOOT + 8)) === options.vectorBoot) {
    out.set(options.bootId, OFF_BOOT);
  }
  if (options.time !== null) {
    new DataView(out.buffer).setBigUint64(OFF_TIME, options.time);
  }
  const bodyLen = out.length - TAG_LEN;
  const tag = await requestTag(
    options.keyHex,
    options.address,
    out.subarray(0, bodyLen),
  );
  if (options.badTag) tag[0] ^= 1;
  out.set(tag, bodyLen);
  return out;
}

/**
 * The live time for a vector time `ts`: at the same distance from the live
 * floor when the case is about the floor (its time within 2 s of a set
 * floor), else from the live clock. Times beyond any clock stay as they are.
 */
export function liveTime(
  ts: bigint,
  c: RequestCase,
  liveNow: bigint,
  liveFloor: bigint | null,
): bigint {
  if (ts > 1n << 62n) return ts;
  const floor = BigInt(c.state.floor);
  const gap = ts > floor ? ts - floor : floor - ts;
  if (liveFloor !== null && floor !== 0n && gap <= NEAR_FLOOR_MS) {
    return liveFloor + (ts - floor);
  }
  return liveNow + (ts - BigInt(c.now));
}
