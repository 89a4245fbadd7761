/**
 * Writes the shared vectors (requests.json, replies.json, legacy.json,
 * keys.json) from fixed inputs: `deno run -A tests/vectors/generate.ts`. The
 * expected verdict of every case is chosen here by hand, never computed by a
 * verifier under test, and every packet is built here with Web Crypto
 * (PBKDF2, HMAC, SHA-1/SHA-256) from the tables of docs/PROTOCOL.md — not
 * with the library — so the files are an independent oracle for the WASM
 * core, the C verifier and the kernel. Mutated packets are resealed, so each
 * negative case fails on its own rung only.
 *
 * Argon2id is the one derivation Web Crypto lacks: its vector's output is
 * spelled out below as the reference implementation (Debian's `argon2`
 * command, phc-winner-argon2) printed it, and hash-wasm must agree.
 *
 * @module
 */

import { argon2id } from "hash-wasm";
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
  V4_OTHER,
  V6,
  writeVectorFile,
} from "./_generate.ts";

const TOL = 60000;
const SLACK = 1000;
const FLOOR = NOW - 30000;
const TOKENS = 5;
const OTHER_BOOT = "0123456789abcdef";
const MAX_U64 = 0xffffffffffffffffn;

/** The legacy digest's destination text (%pI4, or %pI6 without "::"). */
const LEGACY_DST: Record<string, string> = {
  [V4]: V4,
  [V4_OTHER]: V4_OTHER,
  [V6]: "2001:0db8:0000:0000:0000:0000:0000:0007",
};

enum Type {
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
type Label = keyof typeof LABEL;
const LABEL_OF_TYPE: Record<number, Label> = {
  1: "req",
  2: "ack",
  3: "ref",
  4: "prb",
  5: "clk",
};
const ACK_WANTED = 0x01;
/** The request flags of docs/PROTOCOL.md, "Request" (rung 8 judges them). */
const OUTPUT_WANTED = 0x02;
const SAFE_REBOOT = 0x04;
const ONLY_IF_SYNCED = 0x08;
const REPEAT = 0x01;

/** The verdict values of kernel/nsr_proto.h, spelled out. */
enum Verdict {
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
enum Reason {
  STALE = 1,
  FUTURE = 2,
  REPLAY = 3,
  BOOT = 4,
}

const unhex = fromHex;

function nonce(seed: number): Uint8Array {
  return Uint8Array.from({ length: 12 }, (_, i) => (seed * 16 + i) & 0xff);
}

const keyBytes = await derive(PASSWORD);
const otherKeyBytes = await derive(OTHER_PASSWORD);

// Server-key mode (docs/PROTOCOL.md, "Keys").

const KID = await keyIdOf(ADMIN);
const KID_NEXT = await keyIdOf(ADMIN_NEXT);
/** web1 and web2 both see themselves at 192.0.2.7 (two clouds). */
const WEB1 = await serverKeyOf(ADMIN, "web1");
const WEB2 = await serverKeyOf(ADMIN, "web2");
const WEB1_NEXT = await serverKeyOf(ADMIN_NEXT, "web1");
const idHex = (id: number) => id.toString(16).padStart(8, "0");

/**
 * What the server answers an info probe with (docs/PROTOCOL.md, "Clock
 * answer"): version 0.2.0; capability legacy (bit 1); kernel.sysrq 438
 * (01b6); tolerance 60 s (003c); rule keys b (bit 65: byte 8, 02), s (bit
 * 82) and u (bit 84: byte 10, 04 | 10 = 14); 4 reserved bytes.
 */
const INFO_HEX = "000200" + "02" + "01b6" + "003c" +
  "0000000000000000" + "02" + "00" + "14" + "00" + "00000000";
const INFO = {
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
  input.set(unhex(ADDRESS_HEX[address]), 16);
  input.set(body, 32);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, input));
  return mac.subarray(0, 16);
}

/** The key id of a framed packet (bytes 24..28). */
function keyIdIn(p: Uint8Array): number {
  if (p.length < 28) return 0;
  return new DataView(p.buffer, p.byteOffset).getUint32(24);
}

/** Replace the tag (the last 16 bytes) of `packet`. */
async function seal(
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

interface Req {
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

function request(r: Req = {}): Promise<Uint8Array> {
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
function keyedRequest(r: Req = {}): Promise<Uint8Array> {
  return request({ keyId: KID, k: WEB1, address: NO_ADDRESS, ...r });
}

function probe(
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
function poke(packet: Uint8Array, at: number, value: number): Uint8Array {
  const out = packet.slice();
  out[at] = value;
  return out;
}

const flipTag = (p: Uint8Array) => poke(p, p.length - 1, p[p.length - 1] ^ 1);

function timeOf(p: Uint8Array): bigint {
  return new DataView(p.buffer, p.byteOffset).getBigUint64(16);
}

/** The ack of `req` (its count, boot id, time, key id, nonce echoed). */
function ack(
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
function answer(
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
      body: info ? unhex(INFO_HEX) : undefined,
    }),
    address,
    type === Type.REFUSAL ? "ref" : "clk",
    k,
  );
}

// Requests the server judges.

interface Case {
  name: string;
  packet: Uint8Array;
  verdict: Verdict;
  password?: string | null;
  /** Server keys installed, as [id, key] (none unless given). */
  serverKeys?: [number, Uint8Array<ArrayBuffer>][];
  useKeyHex?: boolean;
  serverAddress?: string;
  now?: number;
  bootId?: string;
  floor?: bigint | number;
  /** The last accepted request, the statuses it got, where it was sent. */
  last?: { packet: Uint8Array; statuses: number[]; address?: string };
  tokens?: number;
}

const REASON: Partial<Record<Verdict, Reason>> = {
  [Verdict.REFUSED_STALE]: Reason.STALE,
  [Verdict.REFUSED_FUTURE]: Reason.FUTURE,
  [Verdict.REFUSED_REPLAY]: Reason.REPLAY,
  [Verdict.REFUSED_BOOT]: Reason.BOOT,
};
/** The verdicts for which a refusal token was taken (if there was one). */
const TAKES_TOKEN = new Set([
  Verdict.REFUSED_STALE,
  Verdict.REFUSED_FUTURE,
  Verdict.REFUSED_REPLAY,
  Verdict.REFUSED_BOOT,
  Verdict.REPEATED,
]);

/**
 * The key and address A that seal a case's replies: the key the packet's id
 * names, and the server's address (id 0) or zeros (a server key).
 */
function replyKey(c: Case): [Uint8Array<ArrayBuffer>, string] {
  const id = keyIdIn(c.packet);
  if (id === 0) {
    const password = c.password === undefined ? PASSWORD : c.password;
    const k = password === OTHER_PASSWORD ? otherKeyBytes : keyBytes;
    return [k, c.serverAddress ?? V4];
  }
  const entry = (c.serverKeys ?? []).find(([i]) => i === id);
  if (entry === undefined) throw new Error(`${c.name}: no key ${idHex(id)}`);
  return [entry[1], NO_ADDRESS];
}

/** What the server sends back for a case (null: silence). */
async function replyOf(c: Case, now: number, boot: string) {
  const p = c.packet;
  const answers = c.verdict === Verdict.PROBE_ANSWERED ||
    c.verdict === Verdict.ACCEPTED || c.verdict === Verdict.REPEATED ||
    REASON[c.verdict] !== undefined;
  if (!answers) return null;
  const [k, address] = replyKey(c);
  if (c.verdict === Verdict.PROBE_ANSWERED) {
    return await answer(Type.CLOCK, p, 0, boot, now, address, k);
  }
  if (!(p[6] & ACK_WANTED)) return null;
  if (c.verdict === Verdict.ACCEPTED) {
    return await ack(
      p,
      Array.from(p.subarray(40, 40 + p[7]), () => 0),
      0,
      address,
      k,
    );
  }
  if (c.verdict === Verdict.REPEATED) {
    return await ack(p, c.last!.statuses, REPEAT, address, k);
  }
  return await answer(
    Type.REFUSAL,
    p,
    REASON[c.verdict]!,
    boot,
    now,
    address,
    k,
  );
}

/** BAD_MAC cases that took a token before the tag (rungs 10, 12, 13). */
function tokenBeforeTag(c: Case, now: number, boot: string): boolean {
  const p = c.packet;
  if (p[5] !== Type.REQUEST) return false;
  const t = timeOf(p);
  const floor = BigInt(c.floor ?? FLOOR);
  return hex(p.subarray(8, 16)) !== boot ||
    t < BigInt(now - TOL) || t <= floor;
}

async function requestCase(c: Case) {
  const serverAddress = c.serverAddress ?? V4;
  const now = c.now ?? NOW;
  const boot = c.bootId ?? BOOT;
  const floor = BigInt(c.floor ?? FLOOR);
  const tokens = c.tokens ?? TOKENS;
  const password = c.password === undefined ? PASSWORD : c.password;
  const taken = TAKES_TOKEN.has(c.verdict) ||
    (c.verdict === Verdict.BAD_MAC && tokenBeforeTag(c, now, boot));
  const accepted = c.verdict === Verdict.ACCEPTED;
  const consumed = c.verdict === Verdict.FUTURE ||
    c.verdict === Verdict.REFUSED_FUTURE;
  const reply = await replyOf(c, now, boot);
  // The A an accepted request is stored with: zeros for a server key.
  const macAddress = keyIdIn(c.packet) === 0 ? serverAddress : NO_ADDRESS;
  return {
    name: c.name,
    password: c.useKeyHex ? null : password,
    keyHex: password === null ? null : hex(
      password === OTHER_PASSWORD ? otherKeyBytes : keyBytes,
    ),
    serverKeys: (c.serverKeys ?? []).map(([id, k]) => ({
      keyIdHex: idHex(id),
      keyHex: hex(k),
    })),
    serverAddress,
    addressHex: ADDRESS_HEX[serverAddress],
    infoHex: INFO_HEX,
    now,
    toleranceMs: TOL,
    state: {
      bootIdHex: boot,
      floor: floor.toString(),
      lastAcceptedHex: c.last ? hex(c.last.packet) : null,
      lastStatusHex: c.last ? hex(Uint8Array.from(c.last.statuses)) : null,
      lastAddressHex: c.last ? ADDRESS_HEX[c.last.address ?? V4] : null,
      refusalTokens: tokens,
    },
    packetHex: hex(c.packet),
    expected: {
      verdict: Verdict[c.verdict],
      verdictCode: c.verdict,
      floorAfter: (accepted || consumed ? timeOf(c.packet) : floor).toString(),
      lastAcceptedAfterHex: accepted
        ? hex(c.packet)
        : c.last
        ? hex(c.last.packet)
        : null,
      lastAddressAfterHex: accepted
        ? ADDRESS_HEX[macAddress]
        : c.last
        ? ADDRESS_HEX[c.last.address ?? V4]
        : null,
      refusalTokensAfter: taken && tokens > 0 ? tokens - 1 : tokens,
      replyHex: reply ? hex(reply) : null,
    },
  };
}

const KEYS16 = "reisubREISUB!~09";
const base = await request({ keys: "sub", seed: 2 });
const big = new Uint8Array(1500);
big.set(await request({ seed: 3 }));
/** The last accepted request of the REPEATED cases, and its statuses. */
const lastSub = await request({ keys: "sub", time: FLOOR, seed: 60 });
const last = { packet: lastSub, statuses: [0, 1, 2] };
/** A version 1 request, as the v1 vectors had it (48 bytes + 1 key). */
const v1Request = unhex(
  "4e535251010101010000018bcfe56800101112131415161718191a1b1c1d1e1f73" +
    "f799044a024f3072ff1aedd854c425c4",
);
const aProbe = await probe(50);

// Rung 8 on today's flags (docs/PROTOCOL.md, "Request", "Safe reboot"):
// OUTPUT_WANTED only with ACK_WANTED; SAFE_REBOOT only with ACK_WANTED, count
// 1 and the key `b`; ONLY_IF_SYNCED only with SAFE_REBOOT. The verifier's ack
// has flags 00: OUTPUT_FOLLOWS / OUTPUT_BUSY are the output session's
// (output.json), not the ladder's.
const W = ACK_WANTED | OUTPUT_WANTED;
const SR = ACK_WANTED | SAFE_REBOOT;
const SRS = SR | ONLY_IF_SYNCED;
const safeReboot = await request({ keys: "b", flags: SR, seed: 201 });
const flagCases: Case[] = [
  {
    name: "flags 03: ack and output wanted, 3 keys: accepted, ack flags 00",
    packet: await request({ keys: "sub", flags: W, seed: 202 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 03: ack and output wanted, IPv6, 16 keys: accepted",
    packet: await request({ keys: KEYS16, flags: W, address: V6, seed: 203 }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 05: safe reboot, key b: accepted, ack flags 00",
    packet: safeReboot,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 07: safe reboot with output, key b: accepted",
    packet: await request({ keys: "b", flags: SR | OUTPUT_WANTED, seed: 204 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 0d: safe reboot only if synced, key b: accepted",
    packet: await request({ keys: "b", flags: SRS, seed: 205 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 0f: safe reboot only if synced, with output, key b: accepted",
    packet: await request({
      keys: "b",
      flags: SRS | OUTPUT_WANTED,
      seed: 206,
    }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "flags 0f under web1's server key, key b: accepted",
    packet: await keyedRequest({
      keys: "b",
      flags: SRS | OUTPUT_WANTED,
      seed: 207,
    }),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "safe reboot sent again: re-acked (REPEAT), nothing starts",
    packet: safeReboot,
    last: { packet: safeReboot, statuses: [0] },
    floor: NOW,
    verdict: Verdict.REPEATED,
  },
  {
    name: "flags 04: safe reboot without ack wanted, key b",
    packet: await request({ keys: "b", flags: SAFE_REBOOT, seed: 208 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 06: safe reboot and output without ack wanted, key b",
    packet: await request({
      keys: "b",
      flags: SAFE_REBOOT | OUTPUT_WANTED,
      seed: 209,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0c: only if synced, safe reboot, no ack wanted, key b",
    packet: await request({
      keys: "b",
      flags: SAFE_REBOOT | ONLY_IF_SYNCED,
      seed: 210,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0e: all but ack wanted, key b",
    packet: await request({
      keys: "b",
      flags: SAFE_REBOOT | ONLY_IF_SYNCED | OUTPUT_WANTED,
      seed: 211,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05: safe reboot with key s instead of b",
    packet: await request({ keys: "s", flags: SR, seed: 212 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05: safe reboot with key B (upper case) instead of b",
    packet: await request({ keys: "B", flags: SR, seed: 213 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05: safe reboot with 2 keys, b then s",
    packet: await request({ keys: "bs", flags: SR, seed: 214 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05: safe reboot with 2 keys, s then b",
    packet: await request({ keys: "sb", flags: SR, seed: 215 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0d: only if synced with keys s, u, b",
    packet: await request({ keys: "sub", flags: SRS, seed: 216 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0f: with output, key s instead of b",
    packet: await request({ keys: "s", flags: SRS | OUTPUT_WANTED, seed: 217 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 09: only if synced without safe reboot, key b",
    packet: await request({
      keys: "b",
      flags: ACK_WANTED | ONLY_IF_SYNCED,
      seed: 218,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 08: only if synced alone, key b",
    packet: await request({ keys: "b", flags: ONLY_IF_SYNCED, seed: 219 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0b: only if synced with output, no safe reboot, key b",
    packet: await request({
      keys: "b",
      flags: W | ONLY_IF_SYNCED,
      seed: 220,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 0a: only if synced and output, no ack wanted, key b",
    packet: await request({
      keys: "b",
      flags: OUTPUT_WANTED | ONLY_IF_SYNCED,
      seed: 221,
    }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 02: output wanted without ack wanted, key b",
    packet: await request({ keys: "b", flags: OUTPUT_WANTED, seed: 222 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 15: safe reboot, key b, unknown bit 0x10",
    packet: await request({ keys: "b", flags: SR | 0x10, seed: 223 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 45 (unknown 0x40), key b, bad tag: the flags rung comes first",
    packet: flipTag(
      await request({ keys: "b", flags: SR | 0x40, seed: 224 }),
    ),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05, key is a space: the flags rung comes before the key rung",
    packet: await request({ keys: " ", flags: SR, seed: 225 }),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "flags 05 with 17 keys: the count rung comes before the flags rung",
    packet: await seal(
      poke(
        Uint8Array.from([
          ...await request({ keys: KEYS16, flags: SR, seed: 226 }),
          0x41,
        ]),
        7,
        17,
      ),
    ),
    verdict: Verdict.BAD_KEY_COUNT,
  },
];

const requestCases: Case[] = [
  // Valid requests.
  {
    name: "valid: IPv4, 1 key",
    packet: await request(),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: IPv6, 1 key",
    packet: await request({ address: V6, seed: 4 }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: IPv4, 16 keys including '!' and '~'",
    packet: await request({ keys: KEYS16, seed: 5 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: IPv6, 16 keys",
    packet: await request({ keys: KEYS16, address: V6, seed: 6 }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: ack not wanted (no reply)",
    packet: await request({ ackWanted: false, seed: 7 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: the server holds only the derived key (keyHex)",
    packet: await request({ seed: 8 }),
    useKeyHex: true,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: time exactly now - tolerance",
    packet: await request({ time: NOW - TOL, seed: 9 }),
    floor: 0,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: time exactly now + 1000 ms (the slack)",
    packet: await request({ time: NOW + SLACK, seed: 10 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: time one ms above the floor",
    packet: await request({ time: FLOOR + 1, seed: 11 }),
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: a fresh state (floor 0, nothing accepted yet)",
    packet: await request({ seed: 12 }),
    floor: 0,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: protocol clock near 0 (wall clock at 1970 when set)",
    packet: await request({ time: 5000, seed: 13 }),
    now: 5000,
    floor: 0,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "valid: replaces the last accepted request",
    packet: await request({ keys: "u", seed: 14 }),
    last,
    verdict: Verdict.ACCEPTED,
  },
  // Rung 1.
  {
    name: "no password configured",
    packet: await request(),
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "no password configured, garbage packet",
    packet: new Uint8Array(3),
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "no password configured, a probe",
    packet: aProbe,
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
    name: "40 bytes: cut after the nonce",
    packet: base.slice(0, 40),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "43 bytes: cut after the keys, no tag",
    packet: base.slice(0, 43),
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
    name: "16 keys and one trailing byte (73 bytes)",
    packet: Uint8Array.from([
      ...await request({ keys: KEYS16, seed: 15 }),
      0x41,
    ]),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "valid request padded to 1500 bytes",
    packet: big,
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "count says 2 keys, packet has 3",
    packet: await seal(poke(base, 7, 2)),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "a v1-sized probe (48 bytes)",
    packet: aProbe.slice(0, 48),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "probe with one trailing byte (57 bytes)",
    packet: Uint8Array.from([...aProbe, 0]),
    verdict: Verdict.BAD_LENGTH,
  },
  // Rungs 3 to 6.
  {
    name: "wrong magic (NSRX)",
    packet: await seal(poke(base, 3, 0x58)),
    verdict: Verdict.BAD_MAGIC,
  },
  {
    name: "a version 1 request: refused as a version",
    packet: v1Request,
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "wrong version (1) on a v2 frame",
    packet: await seal(poke(base, 4, 1)),
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "wrong version (0)",
    packet: await seal(poke(base, 4, 0)),
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "wrong version (3)",
    packet: await seal(poke(base, 4, 3)),
    verdict: Verdict.BAD_VERSION,
  },
  {
    name: "type ack sent as a request",
    packet: await ack(base, [0, 0, 0]),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "type refusal sent as a request",
    packet: await answer(Type.REFUSAL, base, Reason.STALE, BOOT, NOW),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "type clock answer sent as a probe",
    packet: await answer(Type.CLOCK, aProbe, 0, BOOT, NOW),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "type 0",
    packet: await seal(poke(base, 5, 0), V4, "req"),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "type 6",
    packet: await seal(poke(base, 5, 6), V4, "req"),
    verdict: Verdict.BAD_TYPE,
  },
  {
    name: "request with zero keys (56 bytes)",
    packet: await seal(poke(aProbe, 5, Type.REQUEST), V4, "req"),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "17 keys (73 bytes)",
    packet: await seal(
      poke(Uint8Array.from([...await request({ keys: KEYS16 }), 0x41]), 7, 17),
    ),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "count 255",
    packet: await seal(poke(base, 7, 255)),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "probe with a key (count 1)",
    packet: await seal(
      poke(
        Uint8Array.from([
          ...aProbe.subarray(0, 40),
          0x73,
          ...aProbe.subarray(40),
        ]),
        7,
        1,
      ),
    ),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  // Rungs 8 and 9.
  {
    name: "safe reboot (flags 05) with keys s, u, b",
    packet: await seal(poke(base, 6, 0x05)),
    verdict: Verdict.BAD_FLAGS,
  },
  ...flagCases,
  {
    name: "output wanted without ack wanted (0x02 alone)",
    packet: await seal(poke(base, 6, 0x02)),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "unknown flag bit 0x80",
    packet: await seal(poke(base, 6, 0x80)),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "probe with the ack-wanted flag",
    packet: await seal(poke(aProbe, 6, ACK_WANTED)),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "key is a space (0x20)",
    packet: await seal(poke(base, 41, 0x20)),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is DEL (0x7f)",
    packet: await seal(poke(base, 42, 0x7f)),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is NUL",
    packet: await seal(poke(base, 40, 0x00)),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "key is 0xff",
    packet: await seal(poke(base, 40, 0xff)),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "frame rung before time: stale request with a bad flag",
    packet: await seal(poke(await request({ time: 1, seed: 16 }), 6, 4)),
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "frame rung before boot id: another boot's request with a bad flag",
    packet: await seal(
      poke(await request({ bootId: OTHER_BOOT, seed: 17 }), 6, 4),
    ),
    verdict: Verdict.BAD_FLAGS,
  },
  // Probes.
  {
    name: "probe: answered with the boot id and clock",
    packet: aProbe,
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "probe over IPv6",
    packet: await probe(51, V6),
    serverAddress: V6,
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "probe with the refusal budget spent: answered all the same",
    packet: await probe(52),
    tokens: 0,
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "probe: boot id and time fields are ignored (not zero here)",
    packet: await seal(
      frame({
        type: Type.PROBE,
        bootId: OTHER_BOOT,
        time: 12345,
        nonce: nonce(53),
      }),
      V4,
      "prb",
    ),
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "probe: answered without touching the floor or the last request",
    packet: await probe(54),
    last,
    floor: FLOOR,
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "probe: one tag bit flipped",
    packet: flipTag(await probe(55)),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "probe: tagged with the request label",
    packet: await seal(await probe(56), V4, "req"),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "probe: made for another host",
    packet: await probe(57, V4_OTHER),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "probe: another password",
    packet: await probe(58, V4, otherKeyBytes),
    verdict: Verdict.BAD_MAC,
  },
  // Rung 15: the tag of a request that passes every state rung.
  {
    name: "bad MAC: one tag bit flipped",
    packet: flipTag(base),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: a key changed after tagging",
    packet: poke(base, 40, 0x62),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: the nonce changed after tagging",
    packet: poke(base, 28, base[28] ^ 0x80),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: the time changed after tagging",
    packet: poke(base, 23, base[23] ^ 1),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: ack-wanted flag cleared after tagging",
    packet: poke(base, 6, 0),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made for another host (192.0.2.8)",
    packet: await request({ address: V4_OTHER, seed: 18 }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made for the IPv4 host, received on IPv6",
    packet: await request({ seed: 19 }),
    serverAddress: V6,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: made with another password",
    packet: await request({ k: otherKeyBytes, seed: 20 }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: an ack's label on a request (label separation)",
    packet: await seal(base, V4, "ack"),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: the v1 request label on a v2 frame",
    packet: await seal(base, V4, "v1req"),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "bad MAC: a probe's label on a request",
    packet: await seal(base, V4, "prb"),
    verdict: Verdict.BAD_MAC,
  },
  // Rung 10: the boot id.
  {
    name: "another boot id, authenticated: refused, answered with this boot's",
    packet: await request({ bootId: OTHER_BOOT, seed: 21 }),
    verdict: Verdict.REFUSED_BOOT,
  },
  {
    name: "accepted before a reload (old boot id), sent after it",
    packet: await request({ bootId: OTHER_BOOT, time: NOW + 200000, seed: 22 }),
    floor: 0,
    now: NOW + 60000,
    verdict: Verdict.REFUSED_BOOT,
  },
  {
    name: "another boot id, no refusal token: no hash, silence",
    packet: await request({ bootId: OTHER_BOOT, seed: 23 }),
    tokens: 0,
    verdict: Verdict.WRONG_BOOT,
  },
  {
    name: "another boot id and a bad tag, with a token: BAD_MAC, token spent",
    packet: flipTag(await request({ bootId: OTHER_BOOT, seed: 24 })),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "boot id all zero (a probe's), authenticated: refused as boot",
    packet: await request({ bootId: "0000000000000000", seed: 25 }),
    verdict: Verdict.REFUSED_BOOT,
  },
  {
    name: "another boot id, ack not wanted: refused in silence",
    packet: await request({ bootId: OTHER_BOOT, ackWanted: false, seed: 26 }),
    verdict: Verdict.REFUSED_BOOT,
  },
  // Rung 11: the last accepted request again.
  {
    name: "the last accepted request again: re-acked (REPEAT), nothing runs",
    packet: lastSub,
    last,
    verdict: Verdict.REPEATED,
  },
  {
    name: "the last accepted request again, no token: silence",
    packet: lastSub,
    last,
    tokens: 0,
    verdict: Verdict.REPLAY,
  },
  {
    name: "the last accepted request again, now stale: still re-acked",
    packet: lastSub,
    last,
    now: FLOOR + TOL + 1,
    verdict: Verdict.REPEATED,
  },
  {
    name: "the last accepted request again, floor raised since: re-acked",
    packet: lastSub,
    last,
    floor: NOW + 5000,
    verdict: Verdict.REPEATED,
  },
  {
    name: "the last accepted request, ack not wanted, again: silence",
    packet: await request({
      keys: "h",
      time: FLOOR,
      ackWanted: false,
      seed: 61,
    }),
    last: {
      packet: await request({
        keys: "h",
        time: FLOOR,
        ackWanted: false,
        seed: 61,
      }),
      statuses: [0],
    },
    verdict: Verdict.REPEATED,
  },
  {
    name: "the last accepted request again, at another of the server's " +
      "addresses: not a copy, BAD_MAC",
    packet: lastSub,
    last,
    serverAddress: V6,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "the last accepted request with a tag bit flipped: BAD_MAC",
    packet: flipTag(lastSub),
    last,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "same time as the last accepted, another nonce: refused replay",
    packet: await request({ keys: "sub", time: FLOOR, seed: 62 }),
    last,
    verdict: Verdict.REFUSED_REPLAY,
  },
  // Rung 12: stale.
  {
    name: "stale by 1 ms, no refusal token: no hash, silence",
    packet: await request({ time: NOW - TOL - 1, seed: 27 }),
    floor: 0,
    tokens: 0,
    verdict: Verdict.STALE,
  },
  {
    name: "stale by 1 ms, authenticated: refused with this boot's clock",
    packet: await request({ time: NOW - TOL - 1, seed: 28 }),
    floor: 0,
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "stale with a bad tag, no refusal token: STALE, not BAD_MAC",
    packet: flipTag(await request({ time: 1000, seed: 29 })),
    tokens: 0,
    verdict: Verdict.STALE,
  },
  {
    name: "stale with a bad tag and a token: BAD_MAC, token spent",
    packet: flipTag(await request({ time: 1000, seed: 30 })),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "stale, authenticated, ack not wanted: refused in silence",
    packet: await request({ time: 1000, ackWanted: false, seed: 31 }),
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "stale, authenticated, the last refusal token",
    packet: await request({ time: 1000, seed: 32 }),
    tokens: 1,
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "time 0 with the clock below the tolerance: not stale, a replay",
    packet: await request({ time: 0, seed: 33 }),
    now: 1000,
    floor: 0,
    tokens: 0,
    verdict: Verdict.REPLAY,
  },
  // Rung 13: at or below the floor.
  {
    name: "equal to the floor, no refusal token: silence",
    packet: await request({ time: FLOOR, seed: 34 }),
    tokens: 0,
    verdict: Verdict.REPLAY,
  },
  {
    name: "equal to the floor, authenticated: refused as replay",
    packet: await request({ time: FLOOR, seed: 35 }),
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "below the floor inside the window: refused replay",
    packet: await request({ time: FLOOR - 1000, seed: 36 }),
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "refused replay, IPv6, 16 keys",
    packet: await request({
      keys: KEYS16,
      address: V6,
      time: FLOOR - 2000,
      seed: 37,
    }),
    serverAddress: V6,
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "replay from another host with a token: BAD_MAC, token spent",
    packet: await request({ address: V4_OTHER, time: FLOOR - 1000, seed: 38 }),
    verdict: Verdict.BAD_MAC,
  },
  // Rung 14: ahead of the clock: always hashed, consumed when authentic.
  {
    name: "future by 1 ms past the slack, authenticated: refused, consumed",
    packet: await request({ time: NOW + SLACK + 1, seed: 39 }),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "future, authenticated, no refusal token: consumed in silence",
    packet: await request({ time: NOW + SLACK + 1, seed: 40 }),
    tokens: 0,
    verdict: Verdict.FUTURE,
  },
  {
    name: "an hour ahead, authenticated: refused, the floor is raised to it",
    packet: await request({ time: NOW + 3600000, seed: 41 }),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "time 2^64 - 1, authenticated: refused, consumed",
    packet: await request({ time: MAX_U64, seed: 42 }),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "future with a bad tag: BAD_MAC, no token taken, floor kept",
    packet: flipTag(await request({ time: NOW + 3600000, seed: 43 })),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "future with a bad tag, no refusal token: hashed, BAD_MAC",
    packet: flipTag(await request({ time: NOW + 3600000, seed: 44 })),
    tokens: 0,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "future, authenticated, ack not wanted: consumed in silence",
    packet: await request({ time: NOW + 3600000, ackWanted: false, seed: 45 }),
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "refused as future, sent again when its time comes: replay",
    packet: await request({ time: NOW + 3600000, seed: 46 }),
    now: NOW + 3600000,
    floor: NOW + 3600000,
    verdict: Verdict.REFUSED_REPLAY,
  },
  // Info probes (count 24, 80 bytes): answered with the server's facts.
  {
    name: "info probe: answered with the clock and infoHex's facts (80 bytes)",
    packet: await probe(80, V4, keyBytes, 0, true),
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "info probe under a server key: answered with the facts",
    packet: await probe(81, NO_ADDRESS, WEB1, KID, true),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "info probe with a body byte not zero",
    packet: await seal(poke(await probe(82, V4, keyBytes, 0, true), 63, 1)),
    verdict: Verdict.BAD_KEY_CHAR,
  },
  {
    name: "probe with count 23 (79 bytes)",
    packet: await seal(
      poke((await probe(83, V4, keyBytes, 0, true)).slice(0, 79), 7, 23),
    ),
    verdict: Verdict.BAD_KEY_COUNT,
  },
  {
    name: "info probe cut to 79 bytes",
    packet: (await probe(84, V4, keyBytes, 0, true)).slice(0, 79),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "info probe with a bad tag",
    packet: flipTag(await probe(85, V4, keyBytes, 0, true)),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "81 bytes: longer than any message",
    packet: Uint8Array.from([...await probe(86, V4, keyBytes, 0, true), 0]),
    verdict: Verdict.BAD_LENGTH,
  },
  // Server keys: the key id names the key, A is 16 zero bytes.
  {
    name: "server key: web1's request at web1",
    packet: await keyedRequest({ seed: 90 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: web1's request at web2, the same address: BAD_MAC",
    packet: await keyedRequest({ seed: 91 }),
    password: null,
    serverKeys: [[KID, WEB2]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "server key: web1's request at web1 through NAT (another address)",
    packet: await keyedRequest({ seed: 92 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: beside a password, 16 keys",
    packet: await keyedRequest({ keys: KEYS16, seed: 93 }),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: a password request beside server keys (key id 0)",
    packet: await request({ seed: 94 }),
    serverKeys: [[KID, WEB1], [KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: rotation, both installed: the old key is accepted",
    packet: await keyedRequest({ seed: 95 }),
    password: null,
    serverKeys: [[KID, WEB1], [KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: rotation, both installed: the new key is accepted",
    packet: await keyedRequest({ keyId: KID_NEXT, k: WEB1_NEXT, seed: 96 }),
    password: null,
    serverKeys: [[KID, WEB1], [KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.ACCEPTED,
  },
  {
    name: "server key: the old key removed: UNKNOWN_KEY, no hash, no reply",
    packet: await keyedRequest({ seed: 97 }),
    password: null,
    serverKeys: [[KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "server key: a key id the server never had: UNKNOWN_KEY",
    packet: await keyedRequest({ keyId: KID_NEXT, k: WEB1_NEXT, seed: 98 }),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "server key: key id with the top bit clear (00000001): UNKNOWN_KEY",
    packet: await keyedRequest({ keyId: 1, seed: 99 }),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "key id 0 at a server with server keys only: UNKNOWN_KEY",
    packet: await request({ seed: 100 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "server key packet at a server with no key at all: NO_PASSWORD",
    packet: await keyedRequest({ seed: 101 }),
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "server key: a key id that exists, made with another key: BAD_MAC",
    packet: await keyedRequest({ k: WEB1_NEXT, seed: 102 }),
    password: null,
    serverKeys: [[KID, WEB1], [KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "server key: tagged over the server's address instead of zeros",
    packet: await keyedRequest({ address: V4, seed: 103 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "server key: key id rewritten to 0 (the password's) after tagging",
    packet: (await keyedRequest({ seed: 104 })).fill(0, 24, 28),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "server key: the password's key under a server key id: BAD_MAC",
    packet: await keyedRequest({ k: keyBytes, seed: 105 }),
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "unknown key id comes after the frame rungs: bad flags first",
    packet: await seal(
      poke(await keyedRequest({ seed: 106 }), 6, 4),
      NO_ADDRESS,
      "req",
      WEB1,
    ),
    password: null,
    serverKeys: [[KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.BAD_FLAGS,
  },
  {
    name: "unknown key id comes before the state: another boot, no token",
    packet: await keyedRequest({ bootId: OTHER_BOOT, seed: 107 }),
    password: null,
    serverKeys: [[KID_NEXT, WEB1_NEXT]],
    tokens: 0,
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "server key: a probe, answered under the same key and key id",
    packet: await probe(108, NO_ADDRESS, WEB1, KID),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.PROBE_ANSWERED,
  },
  {
    name: "server key: web1's probe at web2: BAD_MAC",
    packet: await probe(109, NO_ADDRESS, WEB1, KID),
    password: null,
    serverKeys: [[KID, WEB2]],
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "server key: a probe under a removed key: UNKNOWN_KEY",
    packet: await probe(110, NO_ADDRESS, WEB1, KID),
    password: null,
    serverKeys: [[KID_NEXT, WEB1_NEXT]],
    verdict: Verdict.UNKNOWN_KEY,
  },
  {
    name: "server key: stale, authenticated: refused under the same key",
    packet: await keyedRequest({ time: NOW - TOL - 1, seed: 111 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    floor: 0,
    verdict: Verdict.REFUSED_STALE,
  },
  {
    name: "server key: another boot id, authenticated: refused as boot",
    packet: await keyedRequest({ bootId: OTHER_BOOT, seed: 112 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.REFUSED_BOOT,
  },
  {
    name: "server key: future, authenticated: refused, the floor raised",
    packet: await keyedRequest({ time: NOW + 3600000, seed: 113 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    verdict: Verdict.REFUSED_FUTURE,
  },
  {
    name: "one floor for every key: a server key request at the floor a " +
      "password request set: refused replay",
    packet: await keyedRequest({ time: FLOOR, seed: 114 }),
    serverKeys: [[KID, WEB1]],
    last,
    verdict: Verdict.REFUSED_REPLAY,
  },
  {
    name: "server key: the last accepted request again, sent to another " +
      "address: a copy (A is zeros), re-acked",
    packet: await keyedRequest({ keys: "sub", time: FLOOR, seed: 115 }),
    password: null,
    serverKeys: [[KID, WEB1]],
    serverAddress: V4_OTHER,
    last: {
      packet: await keyedRequest({ keys: "sub", time: FLOOR, seed: 115 }),
      statuses: [0, 1, 2],
      address: NO_ADDRESS,
    },
    verdict: Verdict.REPEATED,
  },
  {
    name: "server key: a new key with the old key's last request again: " +
      "removed, UNKNOWN_KEY",
    packet: await keyedRequest({ keys: "sub", time: FLOOR, seed: 116 }),
    password: null,
    serverKeys: [[KID_NEXT, WEB1_NEXT]],
    last: {
      packet: await keyedRequest({ keys: "sub", time: FLOOR, seed: 116 }),
      statuses: [0, 0, 0],
      address: NO_ADDRESS,
    },
    verdict: Verdict.UNKNOWN_KEY,
  },
];

// Replies, checked by the client against the request or probe they answer.

const replyRequest = await request({ keys: "sub", seed: 70 });
const replyProbe = await probe(71);
const goodAck = await ack(replyRequest, [0, 1, 2]);
const refusalOf = (reason: number, address = V4, k = keyBytes) =>
  answer(Type.REFUSAL, replyRequest, reason, BOOT, NOW + 2400000, address, k);
const goodClock = await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW);

interface ReplyCase {
  name: string;
  packet: Uint8Array;
  valid: boolean;
  /** The reply answers the probe (else the request). */
  toProbe?: boolean;
  /** What the reply answers, when neither replyRequest nor replyProbe. */
  to?: Uint8Array;
  /** The key `to` was made with (a server key), when not the password's. */
  key?: Uint8Array<ArrayBuffer>;
  serverAddress?: string;
}

// Replies in server-key mode: web1's key, key id KID, A = zeros.
const keyedReplyRequest = await keyedRequest({ keys: "sub", seed: 120 });
const keyedAck = await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB1);
const keyedProbe = await probe(121, NO_ADDRESS, WEB1, KID);
const infoProbe = await probe(122, V4, keyBytes, 0, true);
const keyedInfoProbe = await probe(123, NO_ADDRESS, WEB1, KID, true);
const infoAnswer = await answer(Type.CLOCK, infoProbe, 0, BOOT, NOW);
const keyedReplies: ReplyCase[] = [
  {
    name: "server key: ack, sealed with web1's key over zeros",
    packet: keyedAck,
    to: keyedReplyRequest,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: ack from web1 read through NAT (another address)",
    packet: keyedAck,
    to: keyedReplyRequest,
    key: WEB1,
    serverAddress: V6,
    valid: true,
  },
  {
    name: "server key: ack sealed with web2's key",
    packet: await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB2),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: ack sealed over the server's address, not zeros",
    packet: await ack(keyedReplyRequest, [0, 0, 1], 0, V4, WEB1),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: ack naming another key id (resealed)",
    packet: await seal(
      (await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB1))
        .fill(0, 24, 28),
      NO_ADDRESS,
      "ack",
      WEB1,
    ),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: refusal, future, under web1's key",
    packet: await answer(
      Type.REFUSAL,
      keyedReplyRequest,
      Reason.FUTURE,
      BOOT,
      NOW - 5000,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedReplyRequest,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: clock answer to a probe",
    packet: await answer(
      Type.CLOCK,
      keyedProbe,
      0,
      BOOT,
      NOW,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedProbe,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: clock answer under the password's key and key id 0",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW),
    to: keyedProbe,
    key: WEB1,
    valid: false,
  },
  {
    name: "info probe: the answer carries the facts",
    packet: infoAnswer,
    to: infoProbe,
    valid: true,
  },
  {
    name: "server key: info probe answered with the facts",
    packet: await answer(
      Type.CLOCK,
      keyedInfoProbe,
      0,
      BOOT,
      NOW,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedInfoProbe,
    key: WEB1,
    valid: true,
  },
  {
    name: "info probe answered with a plain clock answer (56 bytes)",
    packet: await seal(
      frame({
        type: Type.CLOCK,
        bootId: BOOT,
        time: NOW,
        nonce: infoProbe.slice(28, 40),
      }),
    ),
    to: infoProbe,
    valid: false,
  },
  {
    name: "a plain probe answered with facts (80 bytes)",
    packet: await seal(
      frame({
        type: Type.CLOCK,
        bootId: BOOT,
        time: NOW,
        nonce: replyProbe.slice(28, 40),
        body: unhex(INFO_HEX),
      }),
    ),
    toProbe: true,
    valid: false,
  },
  {
    name: "info answer: a fact changed after tagging",
    packet: poke(infoAnswer, 45, 0),
    to: infoProbe,
    valid: false,
  },
  {
    name: "info answer: count 23 (79 bytes, resealed)",
    packet: await seal(poke(infoAnswer.slice(0, 79), 7, 23)),
    to: infoProbe,
    valid: false,
  },
];

const replyCases: ReplyCase[] = [
  {
    name: "ack: executed, refused by rule, refused by sysctl",
    packet: goodAck,
    valid: true,
  },
  {
    name: "ack with REPEAT: ran once, ack re-sent",
    packet: await ack(replyRequest, [0, 1, 2], REPEAT),
    valid: true,
  },
  {
    name: "refusal: stale",
    packet: await refusalOf(Reason.STALE),
    valid: true,
  },
  {
    name: "refusal: future",
    packet: await refusalOf(Reason.FUTURE),
    valid: true,
  },
  {
    name: "refusal: replay",
    packet: await refusalOf(Reason.REPLAY),
    valid: true,
  },
  {
    name: "refusal: another boot, with the server's boot id",
    packet: await answer(
      Type.REFUSAL,
      replyRequest,
      Reason.BOOT,
      OTHER_BOOT,
      NOW + 60000,
    ),
    valid: true,
  },
  {
    name: "clock answer to the probe",
    packet: goodClock,
    toProbe: true,
    valid: true,
  },
  {
    name: "ack over IPv6",
    packet: await ack(replyRequest, [0, 0, 0], 0, V6),
    serverAddress: V6,
    valid: true,
  },
  {
    name: "clock answer over IPv6",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW, V6),
    toProbe: true,
    serverAddress: V6,
    valid: true,
  },
  { name: "ack: tag bit flipped", packet: flipTag(goodAck), valid: false },
  {
    name: "ack: status changed after tagging",
    packet: poke(goodAck, 41, 0),
    valid: false,
  },
  {
    name: "ack: another request's nonce",
    packet: await seal(poke(goodAck, 28, goodAck[28] ^ 1)),
    valid: false,
  },
  {
    name: "ack: another key id than the request's (resealed)",
    packet: await seal(poke(goodAck, 27, 1)),
    valid: false,
  },
  {
    name: "ack: another request's time",
    packet: await seal(poke(goodAck, 23, goodAck[23] ^ 1)),
    valid: false,
  },
  {
    name: "ack: another boot id than the request's",
    packet: await seal(poke(goodAck, 8, goodAck[8] ^ 1)),
    valid: false,
  },
  {
    name: "ack: count 2 for a 3-key request",
    packet: await seal(poke(goodAck.slice(0, 58), 7, 2)),
    valid: false,
  },
  {
    name: "ack: status 3 (unknown)",
    packet: await seal(poke(goodAck, 40, 3)),
    valid: false,
  },
  {
    name: "ack: unknown flag 0x08",
    packet: await seal(poke(goodAck, 6, 8)),
    valid: false,
  },
  {
    name: "ack: OUTPUT_FOLLOWS with REPEAT (0x03: a re-ack never has output)",
    packet: await seal(poke(goodAck, 6, 3)),
    valid: false,
  },
  {
    name: "ack: OUTPUT_FOLLOWS with OUTPUT_BUSY (0x06)",
    packet: await seal(poke(goodAck, 6, 6)),
    valid: false,
  },
  {
    name: "ack: version 1",
    packet: await seal(poke(goodAck, 4, 1)),
    valid: false,
  },
  {
    name: "ack: from another host",
    packet: await ack(replyRequest, [0, 0, 0], 0, V4_OTHER),
    valid: false,
  },
  {
    name: "ack: tagged with the request label",
    packet: await seal(goodAck, V4, "req"),
    valid: false,
  },
  {
    name: "ack: one trailing byte",
    packet: Uint8Array.from([...goodAck, 0]),
    valid: false,
  },
  { name: "ack: truncated", packet: goodAck.slice(0, 48), valid: false },
  {
    name: "the request itself echoed back",
    packet: replyRequest,
    valid: false,
  },
  {
    name: "refusal: another password",
    packet: await refusalOf(Reason.STALE, V4, otherKeyBytes),
    valid: false,
  },
  {
    name: "refusal: reason 5 (unknown)",
    packet: await refusalOf(5),
    valid: false,
  },
  {
    name: "refusal: nonce changed after tagging",
    packet: poke(await refusalOf(Reason.STALE), 39, 0),
    valid: false,
  },
  {
    name: "refusal: boot id all zero",
    packet: await answer(
      Type.REFUSAL,
      replyRequest,
      Reason.BOOT,
      "0000000000000000",
      NOW,
    ),
    valid: false,
  },
  {
    name: "refusal: tagged with the clock label",
    packet: await seal(await refusalOf(Reason.STALE), V4, "clk"),
    valid: false,
  },
  {
    name: "clock answer to a request (not a probe)",
    packet: await answer(Type.CLOCK, replyRequest, 0, BOOT, NOW),
    valid: false,
  },
  {
    name: "clock answer: another probe's nonce",
    packet: await answer(Type.CLOCK, await probe(72), 0, BOOT, NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: tagged with the refusal label",
    packet: await seal(goodClock, V4, "ref"),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: flags not zero",
    packet: await seal(poke(goodClock, 6, 1)),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: boot id all zero",
    packet: await answer(Type.CLOCK, replyProbe, 0, "0000000000000000", NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: from another host",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW, V4_OTHER),
    toProbe: true,
    valid: false,
  },
  {
    name: "a refusal in answer to the probe",
    packet: await answer(Type.REFUSAL, replyProbe, Reason.STALE, BOOT, NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "the probe itself echoed back",
    packet: replyProbe,
    toProbe: true,
    valid: false,
  },
  { name: "empty", packet: new Uint8Array(0), valid: false },
  ...keyedReplies,
];

function expectedReply(p: Uint8Array) {
  const bootIdHex = hex(p.subarray(8, 16));
  const time = Number(timeOf(p));
  if (p[5] === Type.ACK) {
    return {
      type: "ack",
      bootIdHex,
      timestamp: time,
      statuses: [...p.subarray(40, 40 + p[7])],
      repeat: (p[6] & REPEAT) !== 0,
    };
  }
  if (p[5] === Type.REFUSAL) {
    return { type: "refusal", reason: p[6], bootIdHex, serverTime: time };
  }
  if (p[7] === 0) return { type: "clock", bootIdHex, serverTime: time };
  return {
    type: "clock",
    bootIdHex,
    serverTime: time,
    infoHex: hex(p.subarray(40, 64)),
    info: INFO,
  };
}

function replyCase(c: ReplyCase) {
  const serverAddress = c.serverAddress ?? V4;
  const p = c.packet;
  const to = c.to ?? (c.toProbe ? replyProbe : replyRequest);
  const keyId = keyIdIn(to);
  const common = { keyIdHex: idHex(keyId), nonceHex: hex(to.subarray(28, 40)) };
  return {
    name: c.name,
    password: c.key === undefined ? PASSWORD : null,
    keyHex: hex(c.key ?? keyBytes),
    serverAddress,
    addressHex: ADDRESS_HEX[serverAddress],
    macAddressHex: ADDRESS_HEX[keyId === 0 ? serverAddress : NO_ADDRESS],
    request: to[5] === Type.PROBE
      ? { probe: true, ...common, info: to[7] === 24 }
      : {
        keys: new TextDecoder().decode(to.subarray(40, 40 + to[7])),
        bootIdHex: hex(to.subarray(8, 16)),
        timestamp: Number(timeOf(to)),
        ...common,
        ackWanted: (to[6] & ACK_WANTED) !== 0,
      },
    packetHex: hex(p),
    expected: c.valid ? expectedReply(p) : null,
  };
}

// Legacy text format (unchanged by version 2).

const SEQ = 1700000000;
const RECIPE_SALT = btoa(String.fromCharCode(...nonce(50).subarray(0, 12)));

async function digestHex(hash: "sha1" | "sha256", s: string) {
  const name = hash === "sha1" ? "SHA-1" : "SHA-256";
  return hex(new Uint8Array(await crypto.subtle.digest(name, text(s))));
}

async function legacy(o: {
  keys?: string;
  seqno?: number;
  salt?: string;
  address?: string;
  hash?: "sha1" | "sha256";
  newline?: boolean;
  password?: string;
} = {}): Promise<Uint8Array> {
  const prefix = `${o.keys ?? "s"},${o.seqno ?? SEQ + 60},` +
    `${o.salt ?? RECIPE_SALT},`;
  const dst = LEGACY_DST[o.address ?? V4];
  const digest = await digestHex(
    o.hash ?? "sha1",
    `${prefix}${dst},${o.password ?? PASSWORD}`,
  );
  return text(prefix + digest + (o.newline ? "\n" : ""));
}

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
      return text(
        prefix + await digestHex("sha1", `${prefix}${V6},${PASSWORD}`),
      );
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

// Derivations (keys.json): admin secret -> key id and server keys.

const ARGON2_PASSWORD = "vector-admin-password";
/**
 * Argon2id(ARGON2_PASSWORD, salt "netsysrq v2 admin secret", t = 3,
 * m = 65536 KiB, p = 1, 32 bytes), as the reference implementation printed
 * it: `echo -n vector-admin-password | argon2 "netsysrq v2 admin secret"
 * -id -t 3 -m 16 -p 1 -l 32 -r` (Debian 12's argon2 0~20171227).
 */
const ARGON2_SECRET_HEX =
  "832e40f1e0b9d3cbd7a021b21e60a74d22159ac4b087110b9972a1428f72b372";

async function argon2Secret(password: string): Promise<Uint8Array> {
  return await argon2id({
    password,
    salt: "netsysrq v2 admin secret",
    iterations: 3,
    memorySize: 65536,
    parallelism: 1,
    hashLength: 32,
    outputType: "binary",
  });
}

interface KeyCase {
  name: string;
  password?: string;
  secret: Uint8Array<ArrayBuffer>;
  /** null: the key id alone. */
  identity: string | null;
  /** The identity is refused (no server key). */
  invalid?: boolean;
}

const argon2Admin = unhex(ARGON2_SECRET_HEX);
const keyCases: KeyCase[] = [
  { name: "key id of the admin secret", secret: ADMIN, identity: null },
  { name: "web1", secret: ADMIN, identity: "web1" },
  {
    name: "web2: another server, another key",
    secret: ADMIN,
    identity: "web2",
  },
  {
    name: "WEB1: ASCII letters lowercased, web1's key",
    secret: ADMIN,
    identity: "WEB1",
  },
  {
    name: "a longer name is another identity",
    secret: ADMIN,
    identity: "web1.example.com",
  },
  {
    name: "a new key for web1 under the same secret",
    secret: ADMIN,
    identity: "web1#2",
  },
  {
    name: "non-ASCII letters are kept as they are",
    secret: ADMIN,
    identity: "ÄRGER-é",
  },
  {
    name: "255 bytes: the longest identity",
    secret: ADMIN,
    identity: "a".repeat(255),
  },
  {
    name: "the next admin secret: its key id",
    secret: ADMIN_NEXT,
    identity: null,
  },
  { name: "the next admin secret: web1", secret: ADMIN_NEXT, identity: "web1" },
  {
    name: "admin secret from a password (Argon2id): key id",
    password: ARGON2_PASSWORD,
    secret: argon2Admin,
    identity: null,
  },
  {
    name: "admin secret from a password (Argon2id): web1",
    password: ARGON2_PASSWORD,
    secret: argon2Admin,
    identity: "web1",
  },
  ...[
    ["empty", ""],
    ["a space", "web 1"],
    ["a tab", "web\t1"],
    ["a newline", "web1\n"],
    ["NUL", "web\u00001"],
    ["DEL", "web\u007f1"],
    ["a C1 control character", "web\u00851"],
    ["a no-break space", "web\u00a01"],
    ["256 bytes", "a".repeat(256)],
    ["256 bytes of two-byte letters", "é".repeat(128)],
  ].map(([what, identity]): KeyCase => ({
    name: `invalid identity: ${what}`,
    secret: ADMIN,
    identity,
    invalid: true,
  })),
];

async function keyCase(c: KeyCase) {
  return {
    name: c.name,
    password: c.password ?? null,
    adminSecretHex: hex(c.secret),
    keyIdHex: idHex(await keyIdOf(c.secret)),
    identity: c.identity,
    serverKeyHex: c.identity === null || c.invalid
      ? null
      : hex(await serverKeyOf(c.secret, c.identity)),
  };
}

const requestVectors = await Promise.all(requestCases.map(requestCase));
if (hex(await argon2Secret(ARGON2_PASSWORD)) !== ARGON2_SECRET_HEX) {
  throw new Error("hash-wasm's Argon2id disagrees with the reference argon2");
}
const keyVectors = await Promise.all(keyCases.map(keyCase));

/** The cases of each vector file, as generate.ts writes them. */
export function vectorFiles(): Record<string, unknown[]> {
  return {
    "requests.json": requestVectors,
    "replies.json": replyCases.map(replyCase),
    "legacy.json": legacyCases.map(legacyCase),
    "keys.json": keyVectors,
  };
}

if (import.meta.main) {
  for (const [name, cases] of Object.entries(vectorFiles())) {
    await writeVectorFile(name, { cases });
    console.log(`${name}: ${cases.length} cases`);
  }
}
