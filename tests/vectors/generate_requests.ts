/**
 * The cases of requests.json (run through generate.ts): every packet the
 * server judges, requests and probes, rung by rung of the ladder of
 * docs/PROTOCOL.md. Each case's verdict is chosen by hand; the state after and
 * the reply follow from it here, never from a verifier under test. Mutated
 * packets are resealed, so each negative case fails on its own rung only.
 *
 * @module
 */

import { fromHex, hex } from "../../core/hex.ts";
import {
  ADDRESS_HEX,
  BOOT,
  frame,
  idHex,
  NO_ADDRESS,
  NOW,
  OTHER_PASSWORD,
  PASSWORD,
  V4,
  V4_OTHER,
  V6,
} from "./_generate.ts";
import {
  ack,
  ACK_WANTED,
  answer,
  flipTag,
  INFO_HEX,
  keyBytes,
  keyedRequest,
  keyIdIn,
  KID,
  KID_NEXT,
  nonce,
  ONLY_IF_SYNCED,
  OTHER_BOOT,
  otherKeyBytes,
  OUTPUT_WANTED,
  poke,
  probe,
  Reason,
  REPEAT,
  request,
  SAFE_REBOOT,
  seal,
  timeOf,
  Type,
  Verdict,
  WEB1,
  WEB1_NEXT,
  WEB2,
} from "./_packets.ts";

const TOL = 60000;
const SLACK = 1000;
const FLOOR = NOW - 30000;
const TOKENS = 5;
const MAX_U64 = 0xffffffffffffffffn;

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
const v1Request = fromHex(
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

/** The cases of requests.json, as generate.ts writes them. */
export function requestVectors(): Promise<unknown[]> {
  return Promise.all(requestCases.map(requestCase));
}
