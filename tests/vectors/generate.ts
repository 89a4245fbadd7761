/**
 * Writes the shared vectors (requests.json, replies.json, legacy.json) from
 * fixed inputs: `deno run -A tests/vectors/generate.ts`. The expected verdict
 * of every case is chosen here by hand, never computed by the verifier under
 * test; valid packets are built with mod.ts and mutated packets resealed
 * with Web Crypto's HMAC, so each negative case fails on its own rung only.
 * tests/unit/vectors_test.ts checks every case against the WASM core and
 * Web Crypto; tests/c/ and the kernel run the same files.
 *
 * @module
 */

import {
  createAck,
  createLegacyRequest,
  createRefusal,
  createRequest,
  deriveKeyBytes,
  encodeAddress,
  KeyStatus,
  MacKey,
  RefusalReason,
  type RequestInfo,
  Verdict,
} from "../../mod.ts";
import { hex } from "../../core/hex.ts";

const DIR = new URL("./", import.meta.url);
const PASSWORD = "vector-password-1";
const OTHER_PASSWORD = "vector-password-2";
const V4 = "192.0.2.7";
const V4_OTHER = "192.0.2.8";
const V6 = "2001:db8::7";
const NOW = 1700000000000;
const TOL = 300000;
const LAST = 1699999000000;
const TOKENS = 5;

function nonce(seed: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => (seed * 16 + i) & 0xff);
}

const keyBytes = await deriveKeyBytes(PASSWORD);
const otherKeyBytes = await deriveKeyBytes(OTHER_PASSWORD);
const key = await MacKey.fromBytes(keyBytes);
const otherKey = await MacKey.fromBytes(otherKeyBytes);

const LABEL = { req: "netsysrq v1 req", ack: "netsysrq v1 ack" };

/** Replace the tag of `body` (all but its last 16 bytes) via Web Crypto. */
async function reseal(
  packet: Uint8Array,
  address: string,
  label: "req" | "ack" = "req",
): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    keyBytes,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const body = packet.subarray(0, packet.length - 16);
  const input = new Uint8Array(32 + body.length);
  input.set(new TextEncoder().encode(LABEL[label]));
  input.set(encodeAddress(address), 16);
  input.set(body, 32);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", hmacKey, input),
  );
  const out = packet.slice();
  out.set(mac.subarray(0, 16), packet.length - 16);
  return out;
}

interface Req {
  keys?: string;
  timestamp?: number;
  seed?: number;
  ackWanted?: boolean;
  address?: string;
  macKey?: MacKey;
}

function request(r: Req = {}): Uint8Array {
  return createRequest(r.macKey ?? key, {
    keys: r.keys ?? "s",
    serverAddress: r.address ?? V4,
    timestamp: r.timestamp ?? NOW,
    nonce: nonce(r.seed ?? 1),
    ackWanted: r.ackWanted ?? true,
  });
}

/** Set byte `at` of a packet to `value`. */
function poke(packet: Uint8Array, at: number, value: number): Uint8Array {
  const out = packet.slice();
  out[at] = value;
  return out;
}

function withTime(packet: Uint8Array, ms: bigint): Uint8Array {
  const out = packet.slice();
  new DataView(out.buffer).setBigUint64(8, ms);
  return out;
}

interface Case {
  name: string;
  packet: Uint8Array;
  verdict: Verdict;
  password?: string | null;
  useKeyHex?: boolean;
  serverAddress?: string;
  now?: number;
  lastAccepted?: number;
  tokens?: number;
}

function infoOf(packet: Uint8Array): RequestInfo {
  const view = new DataView(packet.buffer, packet.byteOffset);
  const count = packet[7];
  return {
    keys: String.fromCharCode(...packet.subarray(32, 32 + count)),
    timestamp: Number(view.getBigUint64(8)),
    nonce: packet.slice(16, 32),
    ackWanted: (packet[6] & 1) !== 0,
  };
}

const REASON: Partial<Record<Verdict, RefusalReason>> = {
  [Verdict.REFUSED_STALE]: RefusalReason.STALE,
  [Verdict.REFUSED_FUTURE]: RefusalReason.FUTURE,
  [Verdict.REFUSED_REPLAY]: RefusalReason.REPLAY,
};

/** What the server sends back for a case (null: silence). */
function replyOf(c: Case, serverAddress: string, now: number): string | null {
  if (c.verdict !== Verdict.ACCEPTED && REASON[c.verdict] === undefined) {
    return null;
  }
  const info = infoOf(c.packet);
  if (!info.ackWanted) return null;
  if (c.verdict === Verdict.ACCEPTED) {
    const statuses = Array.from(info.keys, () => KeyStatus.EXECUTED);
    return hex(createAck(key, { serverAddress, request: info, statuses }));
  }
  return hex(createRefusal(key, {
    serverAddress,
    request: info,
    reason: REASON[c.verdict]!,
    serverTime: now,
  }));
}

function requestCase(c: Case) {
  const serverAddress = c.serverAddress ?? V4;
  const now = c.now ?? NOW;
  const lastAccepted = c.lastAccepted ?? LAST;
  const tokens = c.tokens ?? TOKENS;
  const password = c.password === undefined ? PASSWORD : c.password;
  const hashed = c.verdict === Verdict.BAD_MAC ||
    c.verdict === Verdict.ACCEPTED || REASON[c.verdict] !== undefined;
  // A time failure that reached the MAC took a refusal token.
  const timeFailed = REASON[c.verdict] !== undefined ||
    (c.verdict === Verdict.BAD_MAC && timeFails(c.packet, now, lastAccepted));
  if (c.verdict === Verdict.BAD_MAC && !hashed) throw new Error("unreachable");
  const accepted = c.verdict === Verdict.ACCEPTED;
  return {
    name: c.name,
    password: c.useKeyHex ? null : password,
    keyHex: password === null ? null : hex(
      password === OTHER_PASSWORD ? otherKeyBytes : keyBytes,
    ),
    serverAddress,
    addressHex: hex(encodeAddress(serverAddress)),
    now,
    toleranceMs: TOL,
    state: { lastAccepted, refusalTokens: tokens },
    packetHex: hex(c.packet),
    expected: {
      verdict: Verdict[c.verdict],
      verdictCode: c.verdict,
      lastAcceptedAfter: accepted ? infoOf(c.packet).timestamp : lastAccepted,
      refusalTokensAfter: timeFailed ? tokens - 1 : tokens,
      replyHex: replyOf(c, serverAddress, now),
    },
  };
}

/** For BAD_MAC cases: did the packet's time fail (so a token was taken)? */
function timeFails(packet: Uint8Array, now: number, last: number): boolean {
  const ts = new DataView(packet.buffer, packet.byteOffset).getBigUint64(8);
  return ts < BigInt(now - TOL) || ts > BigInt(now + TOL) || ts <= BigInt(last);
}

const KEYS16 = "reisubREISUB!~09";
const base = request({ keys: "sub", seed: 2 });
const big = new Uint8Array(1500);
big.set(request({ seed: 3 }));

const requestCases: Case[] = [
  // Valid requests.
  { name: "valid: IPv4, 1 key", packet: request(), verdict: Verdict.ACCEPTED },
  {
    name: "valid: IPv6, 1 key",
    packet: request({ address: V6, seed: 4 }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: IPv4, 16 keys including '!' and '~'",
    packet: request({ keys: KEYS16, seed: 5 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: IPv6, 16 keys",
    packet: request({ keys: KEYS16, address: V6, seed: 6 }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: ack not wanted (no reply)",
    packet: request({ ackWanted: false, seed: 7 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: the server holds only the derived key (keyHex)",
    packet: request({ seed: 8 }),
    useKeyHex: true,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: timestamp exactly now - tolerance",
    packet: request({ timestamp: NOW - TOL, seed: 9 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: timestamp exactly now + tolerance",
    packet: request({ timestamp: NOW + TOL, seed: 10 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: timestamp one ms after the last accepted",
    packet: request({ timestamp: LAST + 1, seed: 11 }),
    now: LAST + 1,
    verdict: Verdict.ACCEPTED,
  },
  // Rung 1.
  {
    name: "no password configured",
    packet: request(),
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "no password configured, garbage packet",
    packet: new Uint8Array(3),
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  // Rungs 2 and 7: every length class.
  { name: "empty", packet: new Uint8Array(0), verdict: Verdict.TRUNCATED },
  {
    name: "7 bytes: shorter than the header",
    packet: base.slice(0, 7),
    verdict: Verdict.TRUNCATED,
  },
  {
    name: "8 bytes: header only",
    packet: base.slice(0, 8),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "32 bytes: cut after the nonce",
    packet: base.slice(0, 32),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "35 bytes: cut after the keys, no tag",
    packet: base.slice(0, 35),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "one byte short of the tag",
    packet: base.slice(0, base.length - 1),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "one trailing byte",
    packet: Uint8Array.from([...base, 0]),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "16 keys and one trailing byte (65 bytes)",
    packet: Uint8Array.from([...request({ keys: KEYS16, seed: 12 }), 0x41]),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "valid request padded to 1500 bytes",
    packet: big,
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "count says 2 keys, packet has 3",
    packet: await reseal(poke(base, 7, 2), V4),
    verdict: Verdict.BAD_LENGTH,
  },
  // Rungs 3 to 6.
  {
    name: "wrong magic (NSRX)",
    packet: await reseal(poke(base, 3, 0x58), V4),
    verdict: Verdict.BAD_MAGIC,
  },
  {
    name: "wrong version (2)",
    packet: await reseal(poke(base, 4, 2), V4),
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "wrong version (0)",
    packet: await reseal(poke(base, 4, 0), V4),
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "type ack sent as a request",
    packet: createAck(key, {
      serverAddress: V4,
      request: infoOf(base),
      statuses: [0, 0, 0],
    }),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "type 0",
    packet: await reseal(poke(base, 5, 0), V4),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "zero keys (48 bytes)",
    packet: await reseal(poke(base.slice(0, 48), 7, 0), V4),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "17 keys (65 bytes)",
    packet: await reseal(
      poke(Uint8Array.from([...request({ keys: KEYS16 }), 0x41]), 7, 17),
      V4,
    ),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "count 255",
    packet: await reseal(poke(base, 7, 255), V4),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  // Rungs 8 and 9.
  {
    name: "unknown flag bit 0x02",
    packet: await reseal(poke(base, 6, 0x03), V4),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "unknown flag bit 0x80",
    packet: await reseal(poke(base, 6, 0x80), V4),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "key is a space (0x20)",
    packet: await reseal(poke(base, 33, 0x20), V4),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is DEL (0x7f)",
    packet: await reseal(poke(base, 34, 0x7f), V4),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is NUL",
    packet: await reseal(poke(base, 32, 0x00), V4),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is 0xff",
    packet: await reseal(poke(base, 32, 0xff), V4),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "frame rung before time: stale request with a bad flag",
    packet: await reseal(poke(request({ timestamp: 1, seed: 13 }), 6, 4), V4),
    verdict: Verdict.BAD_FLAGS,
  },
  // Rung 13.
  {
    name: "bad MAC: one tag bit flipped",
    packet: poke(base, base.length - 1, base[base.length - 1] ^ 1),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: a key changed after tagging",
    packet: poke(base, 32, 0x62),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: the nonce changed after tagging",
    packet: poke(base, 20, base[20] ^ 0x80),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: ack-wanted flag cleared after tagging",
    packet: poke(base, 6, 0),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made for another host (192.0.2.8)",
    packet: request({ address: V4_OTHER, seed: 14 }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made for the IPv4 host, received on IPv6",
    packet: request({ seed: 15 }),
    serverAddress: V6,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made with another password",
    packet: request({ macKey: otherKey, seed: 16 }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: an ack's tag on a request (label separation)",
    packet: await reseal(base, V4, "ack"),
    verdict: Verdict.BAD_MAC,
  },
  // Rungs 10 to 12 without a refusal token: no hash, silence.
  {
    name: "stale by 1 ms, no refusal token",
    packet: request({ timestamp: NOW - TOL - 1, seed: 17 }),
    tokens: 0,
    verdict: Verdict.STALE,
  },
  {
    name: "future by 1 ms, no refusal token",
    packet: request({ timestamp: NOW + TOL + 1, seed: 18 }),
    tokens: 0,
    verdict: Verdict.FUTURE,
  },
  {
    name: "equal to the last accepted, no refusal token",
    packet: request({ timestamp: NOW - 1000, seed: 19 }),
    lastAccepted: NOW - 1000,
    tokens: 0,
    verdict: Verdict.REPLAY,
  },
  {
    name: "stale with a bad tag, no refusal token: STALE, not BAD_MAC",
    packet: poke(
      request({ timestamp: 1000, seed: 20 }),
      40,
      request({ timestamp: 1000, seed: 20 })[40] ^ 1,
    ),
    tokens: 0,
    verdict: Verdict.STALE,
  },
  {
    name: "timestamp 2^64 - 1, no refusal token",
    packet: await reseal(withTime(base, 0xffffffffffffffffn), V4),
    tokens: 0,
    verdict: Verdict.FUTURE,
  },
  {
    name: "timestamp 0 with now below the tolerance: not stale, a replay",
    packet: await reseal(withTime(base, 0n), V4),
    now: 1000,
    lastAccepted: 0,
    tokens: 0,
    verdict: Verdict.REPLAY,
  },
  // Rungs 10 to 12 with a token: the MAC decides, a refusal is sent.
  {
    name: "stale, authenticated: refused with a refusal reply",
    packet: request({ timestamp: NOW - TOL - 1, seed: 21 }),
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "future, authenticated: refused",
    packet: request({ timestamp: NOW + TOL + 1, seed: 22 }),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "timestamp 2^64 - 1, authenticated: refused as future",
    packet: await reseal(
      withTime(request({ seed: 23 }), 0xffffffffffffffffn),
      V4,
    ),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "equal to the last accepted, authenticated: refused as replay",
    packet: request({ timestamp: NOW - 1000, seed: 24 }),
    lastAccepted: NOW - 1000,
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "older than the last accepted, inside the window: refused replay",
    packet: request({ timestamp: NOW - 1000, seed: 25 }),
    lastAccepted: NOW,
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "refused replay, IPv6, 16 keys",
    packet: request({
      keys: KEYS16,
      address: V6,
      timestamp: NOW - 2000,
      seed: 26,
    }),
    serverAddress: V6,
    lastAccepted: NOW - 1000,
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "stale, authenticated, ack not wanted: refused in silence",
    packet: request({ timestamp: 1000, ackWanted: false, seed: 27 }),
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "stale, authenticated, the last refusal token",
    packet: request({ timestamp: 1000, seed: 28 }),
    tokens: 1,
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "stale with a bad tag and a token: BAD_MAC, token spent",
    packet: poke(
      request({ timestamp: 1000, seed: 29 }),
      40,
      request({ timestamp: 1000, seed: 29 })[40] ^ 1,
    ),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "replay from another host with a token: BAD_MAC, token spent",
    packet: request({ address: V4_OTHER, timestamp: NOW - 1000, seed: 30 }),
    lastAccepted: NOW,
    verdict: Verdict.BAD_MAC,
  },
];

// Replies, checked by the client against the request they answer.
const replyRequest: RequestInfo = {
  keys: "sub",
  timestamp: NOW,
  nonce: nonce(40),
  ackWanted: true,
};
const goodAck = createAck(key, {
  serverAddress: V4,
  request: replyRequest,
  statuses: [
    KeyStatus.EXECUTED,
    KeyStatus.REFUSED_BY_RULE,
    KeyStatus.REFUSED_BY_SYSCTL,
  ],
});
const refusalOf = (reason: RefusalReason, address = V4, k = key) =>
  createRefusal(k, {
    serverAddress: address,
    request: replyRequest,
    reason,
    serverTime: NOW + 2400000,
  });

interface ReplyCase {
  name: string;
  packet: Uint8Array;
  valid: boolean;
  serverAddress?: string;
}

const replyCases: ReplyCase[] = [
  {
    name: "ack: executed, refused by rule, refused by sysctl",
    packet: goodAck,
    valid: true,
  },
  {
    name: "refusal: stale",
    packet: refusalOf(RefusalReason.STALE),
    valid: true,
  },
  {
    name: "refusal: future",
    packet: refusalOf(RefusalReason.FUTURE),
    valid: true,
  },
  {
    name: "refusal: replay",
    packet: refusalOf(RefusalReason.REPLAY),
    valid: true,
  },
  {
    name: "ack over IPv6",
    packet: createAck(key, {
      serverAddress: V6,
      request: replyRequest,
      statuses: [0, 0, 0],
    }),
    serverAddress: V6,
    valid: true,
  },
  {
    name: "ack: tag bit flipped",
    packet: poke(goodAck, 49, goodAck[49] ^ 1),
    valid: false,
  },
  {
    name: "ack: status changed after tagging",
    packet: poke(goodAck, 33, 0),
    valid: false,
  },
  {
    name: "ack: another request's nonce",
    packet: await reseal(poke(goodAck, 16, goodAck[16] ^ 1), V4, "ack"),
    valid: false,
  },
  {
    name: "ack: another request's timestamp",
    packet: await reseal(withTime(goodAck, BigInt(NOW + 1)), V4, "ack"),
    valid: false,
  },
  {
    name: "ack: count 2 for a 3-key request",
    packet: await reseal(poke(goodAck.slice(0, 50), 7, 2), V4, "ack"),
    valid: false,
  },
  {
    name: "ack: status 3 (unknown)",
    packet: await reseal(poke(goodAck, 32, 3), V4, "ack"),
    valid: false,
  },
  {
    name: "ack: flags not zero",
    packet: await reseal(poke(goodAck, 6, 1), V4, "ack"),
    valid: false,
  },
  {
    name: "ack: from another host",
    packet: createAck(key, {
      serverAddress: V4_OTHER,
      request: replyRequest,
      statuses: [0, 0, 0],
    }),
    valid: false,
  },
  {
    name: "ack: tagged with the request label",
    packet: await reseal(goodAck, V4, "req"),
    valid: false,
  },
  {
    name: "ack: one trailing byte",
    packet: Uint8Array.from([...goodAck, 0]),
    valid: false,
  },
  { name: "ack: truncated", packet: goodAck.slice(0, 40), valid: false },
  {
    name: "the request itself echoed back",
    packet: request({ keys: "sub", seed: 40 }),
    valid: false,
  },
  {
    name: "refusal: another password",
    packet: refusalOf(RefusalReason.STALE, V4, otherKey),
    valid: false,
  },
  {
    name: "refusal: reason 4 (unknown)",
    packet: await reseal(poke(refusalOf(RefusalReason.STALE), 6, 4), V4, "ack"),
    valid: false,
  },
  {
    name: "refusal: nonce changed after tagging",
    packet: poke(refusalOf(RefusalReason.STALE), 31, 0),
    valid: false,
  },
  { name: "empty", packet: new Uint8Array(0), valid: false },
];

function replyCase(c: ReplyCase) {
  const serverAddress = c.serverAddress ?? V4;
  const p = c.packet;
  const view = new DataView(p.buffer, p.byteOffset);
  const expected = !c.valid ? null : p[5] === 2
    ? {
      type: "ack",
      timestamp: Number(view.getBigUint64(8)),
      statuses: [...p.subarray(32, 32 + p[7])],
    }
    : {
      type: "refusal",
      reason: p[6],
      serverTime: Number(view.getBigUint64(8)),
    };
  return {
    name: c.name,
    password: PASSWORD,
    keyHex: hex(keyBytes),
    serverAddress,
    addressHex: hex(encodeAddress(serverAddress)),
    request: {
      keys: replyRequest.keys,
      timestamp: replyRequest.timestamp,
      nonceHex: hex(replyRequest.nonce),
      ackWanted: true,
    },
    packetHex: hex(p),
    expected,
  };
}

// Legacy text format.
const SEQ = 1700000000;
const RECIPE_SALT = btoa(String.fromCharCode(...nonce(50).subarray(0, 12)));
const text = (s: string) => new TextEncoder().encode(s);
const legacy = (o: {
  keys?: string;
  seqno?: number;
  salt?: string;
  address?: string;
  hash?: "sha1" | "sha256";
  newline?: boolean;
  password?: string;
}) =>
  createLegacyRequest({
    password: o.password ?? PASSWORD,
    keys: o.keys ?? "s",
    seqno: o.seqno ?? SEQ + 60,
    salt: o.salt ?? RECIPE_SALT,
    serverAddress: o.address ?? V4,
    hash: o.hash,
    newline: o.newline,
  });
const recipe = await legacy({ newline: true });
const recipeText = new TextDecoder().decode(recipe);

interface LegacyCase {
  name: string;
  packet: Uint8Array;
  verdict: Verdict;
  keys?: string;
  hash?: "sha1" | "sha256";
  password?: string | null;
  serverAddress?: string;
  lastSeqno?: number;
}

const legacyCases: LegacyCase[] = [
  {
    name: "man-page recipe: sha1, base64 salt, trailing newline",
    packet: recipe,
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "no trailing newline",
    packet: await legacy({ keys: "b", seqno: SEQ + 61 }),
    verdict: Verdict.ACCEPTED,
    keys: "b",
  },
  {
    name: "sha256 digest (64 hex digits)",
    packet: await legacy({ hash: "sha256", newline: true }),
    hash: "sha256",
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "IPv6 destination in %pI6 full form",
    packet: await legacy({ address: V6, keys: "u", newline: true }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
    keys: "u",
  },
  {
    name: "several keys run in order",
    packet: await legacy({ keys: "sub" }),
    verdict: Verdict.ACCEPTED,
    keys: "sub",
  },
  {
    name: "16 keys, the most a request may carry",
    packet: await legacy({ keys: "h".repeat(16) }),
    verdict: Verdict.ACCEPTED,
    keys: "h".repeat(16),
  },
  {
    name: "17 keys: refused as malformed, as in v1",
    packet: await legacy({ keys: "h".repeat(17) }),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "seqno one above the last",
    packet: await legacy({ seqno: SEQ + 1 }),
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "no password configured",
    packet: recipe,
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "257 bytes",
    packet: text(recipeText.trimEnd() + "\n".repeat(257 - recipe.length + 1)),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "seqno equal to the last: replay",
    packet: await legacy({ seqno: SEQ }),
    verdict: Verdict.REPLAY,
  },
  {
    name: "seqno below the last: replay",
    packet: await legacy({ seqno: SEQ - 1 }),
    verdict: Verdict.REPLAY,
  },
  {
    name: "wrong password",
    packet: await legacy({ password: OTHER_PASSWORD }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "made for another host",
    packet: await legacy({ address: V4_OTHER }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "IPv6 digest over the compressed text (not %pI6)",
    packet: await (async () => {
      const prefix = `s,${SEQ + 60},${RECIPE_SALT},`;
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-1", text(`${prefix}${V6},${PASSWORD}`)),
      );
      return text(prefix + hex(digest));
    })(),
    serverAddress: V6,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "sha256 digest with its last digit changed (the whole digest counts)",
    packet: await (async () => {
      const p = await legacy({ hash: "sha256" });
      return poke(p, p.length - 1, p[p.length - 1] === 0x30 ? 0x31 : 0x30);
    })(),
    hash: "sha256",
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "the packet that panics xtables-addons 3.23",
    packet: text(`h,99999999999,x,${"0".repeat(40)}`),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "uppercase hex digest",
    packet: text(recipeText.trimEnd().toUpperCase().replace(/^S/, "s")),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "39 hex digits",
    packet: recipe.slice(0, recipe.length - 2),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "two trailing newlines",
    packet: text(recipeText + "\n"),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "only two commas",
    packet: text(`s,${SEQ + 60},${"0".repeat(40)}`),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "no keys",
    packet: text(recipeText.slice(1)),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "seqno not decimal",
    packet: text(`s,17e8,${RECIPE_SALT},${"0".repeat(40)}`),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "empty",
    packet: new Uint8Array(0),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "a space among the keys",
    packet: text(`s b,${SEQ + 60},${RECIPE_SALT},${"0".repeat(40)}`),
    verdict: Verdict.BAD_KEY_CHAR,
  },
];

function legacyCase(c: LegacyCase) {
  const password = c.password === undefined ? PASSWORD : c.password;
  const accepted = c.verdict === Verdict.ACCEPTED;
  const seqno = accepted
    ? Number(new TextDecoder().decode(c.packet).split(",")[1])
    : SEQ;
  return {
    name: c.name,
    password,
    serverAddress: c.serverAddress ?? V4,
    hash: c.hash ?? "sha1",
    state: { lastSeqno: c.lastSeqno ?? SEQ },
    packetHex: hex(c.packet),
    expected: {
      verdict: Verdict[c.verdict],
      verdictCode: c.verdict,
      keys: accepted ? c.keys ?? null : null,
      lastSeqnoAfter: seqno,
    },
  };
}

async function write(name: string, cases: unknown[]): Promise<void> {
  const url = new URL(name, DIR);
  await Deno.writeTextFile(url, JSON.stringify({ cases }, null, 2) + "\n");
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "-q", url.pathname],
  });
  if (!(await fmt.output()).success) throw new Error(`deno fmt ${name} failed`);
  console.log(`${name}: ${cases.length} cases`);
}

/** The cases of each vector file, as generate.ts writes them. */
export function vectorFiles(): Record<string, unknown[]> {
  return {
    "requests.json": requestCases.map(requestCase),
    "replies.json": replyCases.map(replyCase),
    "legacy.json": legacyCases.map(legacyCase),
  };
}

if (import.meta.main) {
  for (const [name, cases] of Object.entries(vectorFiles())) {
    await write(name, cases);
  }
}
