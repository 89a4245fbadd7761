/**
 * Writes tests/vectors/output.json: output messages (type 6) and the ack
 * flags that announce them, from fixed inputs:
 * `deno run -A tests/vectors/generate_output.ts`. Like generate.ts, every
 * packet is built here from the tables of docs/PROTOCOL.md ("Output (type
 * 6)", "Ack"), with node:crypto's HMAC-SHA256 and ChaCha20-Poly1305 and the
 * Web Crypto key derivations of _generate.ts, never with the library, and
 * every expectation is written by hand: the file is an independent oracle
 * for core/output.ts, the C builder (tests/c) and the kernel.
 *
 * @module
 */

import { createCipheriv, createHmac } from "node:crypto";
import { fromHex, hex } from "../../core/hex.ts";
import {
  ADDRESS_HEX,
  ADMIN,
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

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

const K = await derive(PASSWORD);
const K_OTHER = await derive(OTHER_PASSWORD);
/** generate.ts's admin secret a0a1…bf: its key id and its server web1. */
const KID = await keyIdOf(ADMIN);
const K_WEB1 = await serverKeyOf(ADMIN, "web1");

/** A request (type 1, ACK_WANTED | OUTPUT_WANTED), tagged as PROTOCOL.md says. */
function request(
  keys: string,
  seed: number,
  k = K,
  address = V4,
  keyId = 0,
): Uint8Array {
  const out = frame({
    type: 1,
    flags: 0x03,
    bootId: BOOT,
    time: BigInt(NOW) + BigInt(seed),
    keyId,
    nonce: Uint8Array.from(
      { length: 12 },
      (_, i) => (seed * 31 + i * 7) & 0xff,
    ),
    body: text(keys),
  });
  const tag = hmac(
    k,
    text("netsysrq v2 req\0"),
    fromHex(ADDRESS_HEX[keyId === 0 ? address : NO_ADDRESS]),
    out.subarray(0, out.length - 16),
  );
  out.set(tag.subarray(0, 16), out.length - 16);
  return out;
}

/** O = HMAC-SHA256(K, "netsysrq v2 out\0" ‖ A ‖ request[0..40)). */
function outputKey(k: Uint8Array, addressHex: string, req: Uint8Array) {
  return hmac(
    k,
    text("netsysrq v2 out\0"),
    fromHex(addressHex),
    req.subarray(0, 40),
  );
}

/**
 * An output message as PROTOCOL.md lays it out, header as given (any flags,
 * count, type: what a server must never send is sealed too).
 */
function seal(
  o: Uint8Array,
  req: Uint8Array,
  index: number,
  flags: number,
  body: Uint8Array,
  head: { type?: number; count?: number; version?: number } = {},
): Uint8Array {
  const ad = new Uint8Array(42);
  ad.set(text("NSRQ"));
  ad.set([head.version ?? 2, head.type ?? 6, flags, head.count ?? 0], 4);
  ad.set(req.subarray(8, 40), 8);
  new DataView(ad.buffer).setUint16(40, index);
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index), true);
  const cipher = createCipheriv("chacha20-poly1305", o, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(ad, { plaintextLength: body.length });
  const ciphertext = cipher.update(body);
  cipher.final();
  return new Uint8Array([...ad, ...ciphertext, ...cipher.getAuthTag()]);
}

const flip = (p: Uint8Array, at: number) => {
  const out = p.slice();
  out[at] ^= 1;
  return out;
};

const DUMP = text(
  "[ 8123.456789] sysrq: Show Blocked State\n" +
    "[ 8123.456801] task:tar             state:D stack:0     pid:4211  tgid:4211  ppid:4100   flags:0x00004000\n" +
    "[ 8123.456802] Call Trace:\n[ 8123.456803]  <TASK>\n" +
    "[ 8123.456804]  __schedule+0x3c0/0xbc0\n",
).subarray(0, 200);
/** 1024 bytes of a `t` dump's lines: a full message. */
const FULL = text(
  Array.from(
    { length: 40 },
    (_, i) => `[ 8200.${String(i).padStart(6, "0")}] task:kworker/${i} S\n`,
  ).join(""),
).subarray(0, 1024);

interface MessageCase {
  name: string;
  k: Uint8Array;
  addressHex: string;
  req: Uint8Array;
  /** The O to seal with when not the request's own (a forgery). */
  sealO?: Uint8Array;
  packet?: Uint8Array;
  index?: number;
  flags?: number;
  body?: Uint8Array;
  head?: { type?: number; count?: number; version?: number };
  valid: boolean;
}

const reqW = request("w", 1);
const reqT = request("t", 2);
const reqS = request("s", 3);
const reqV6 = request("m", 4, K, V6);
const reqKeyed = request("l", 5, K_WEB1, V4, KID);
const oW = outputKey(K, ADDRESS_HEX[V4], reqW);
const good = seal(oW, reqW, 0, 1, DUMP);
const P = { k: K, addressHex: ADDRESS_HEX[V4] };

const messageCases: MessageCase[] = [
  {
    name: "w: the whole dump, one LAST message",
    ...P,
    req: reqW,
    index: 0,
    flags: 1,
    body: DUMP,
    valid: true,
  },
  {
    name: "t: a full first message (1024 bytes of text)",
    ...P,
    req: reqT,
    index: 0,
    flags: 0,
    body: FULL,
    valid: true,
  },
  {
    name: "t: the second and last",
    ...P,
    req: reqT,
    index: 1,
    flags: 1,
    body: DUMP.subarray(0, 57),
    valid: true,
  },
  {
    name: "empty output: index 0, LAST, no text",
    ...P,
    req: reqS,
    index: 0,
    flags: 1,
    body: new Uint8Array(0),
    valid: true,
  },
  {
    name: "LAST | TRUNCATED",
    ...P,
    req: reqT,
    index: 64,
    flags: 3,
    body: FULL.subarray(0, 100),
    valid: true,
  },
  {
    name: "LAST | UNFINISHED (s: no completion line in time)",
    ...P,
    req: reqS,
    index: 0,
    flags: 5,
    body: text("[ 9.1] sysrq: Emergency Sync\n"),
    valid: true,
  },
  {
    name: "LAST | TRUNCATED | UNFINISHED",
    ...P,
    req: reqS,
    index: 2,
    flags: 7,
    body: text("x"),
    valid: true,
  },
  {
    name: "index 65535, the highest",
    ...P,
    req: reqT,
    index: 65535,
    flags: 0,
    body: text("y"),
    valid: true,
  },
  {
    name: "password mode over IPv6",
    k: K,
    addressHex: ADDRESS_HEX[V6],
    req: reqV6,
    index: 0,
    flags: 1,
    body: DUMP,
    valid: true,
  },
  {
    name: "server key: A is 16 zero bytes",
    k: K_WEB1,
    addressHex: ADDRESS_HEX[NO_ADDRESS],
    req: reqKeyed,
    index: 0,
    flags: 1,
    body: DUMP,
    valid: true,
  },
  {
    name:
      "any bytes: an escape sequence and invalid UTF-8, carried as they are",
    ...P,
    req: reqW,
    index: 1,
    flags: 1,
    body: new Uint8Array([...text("task:\x1b]0;x\x07 D\n"), 0xff, 0x9b, 0x0a]),
    valid: true,
  },
  // Authentic-looking but wrong: every one must be rejected.
  {
    name: "tag flipped",
    ...P,
    req: reqW,
    packet: flip(good, good.length - 1),
    valid: false,
  },
  {
    name: "ciphertext bit flipped",
    ...P,
    req: reqW,
    packet: flip(good, 42),
    valid: false,
  },
  {
    name: "index changed after sealing (0 -> 1)",
    ...P,
    req: reqW,
    packet: flip(good, 41),
    valid: false,
  },
  {
    name: "request id changed (boot id byte)",
    ...P,
    req: reqW,
    packet: flip(good, 8),
    valid: false,
  },
  {
    name: "request id changed (nonce byte)",
    ...P,
    req: reqW,
    packet: flip(good, 39),
    valid: false,
  },
  {
    name: "flags changed after sealing (LAST cleared)",
    ...P,
    req: reqW,
    packet: flip(good, 6),
    valid: false,
  },
  {
    name: "sealed under another request's O",
    ...P,
    req: reqW,
    sealO: outputKey(K, ADDRESS_HEX[V4], reqT),
    index: 0,
    flags: 1,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed under the wrong password's O",
    ...P,
    req: reqW,
    sealO: outputKey(K_OTHER, ADDRESS_HEX[V4], reqW),
    index: 0,
    flags: 1,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed for another address",
    ...P,
    req: reqW,
    sealO: outputKey(K, ADDRESS_HEX[V4_OTHER], reqW),
    index: 0,
    flags: 1,
    body: DUMP,
    valid: false,
  },
  {
    name: "server key sealed with A = the server's address",
    k: K_WEB1,
    addressHex: ADDRESS_HEX[NO_ADDRESS],
    req: reqKeyed,
    sealO: outputKey(K_WEB1, ADDRESS_HEX[V4], reqKeyed),
    index: 0,
    flags: 1,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed: TRUNCATED without LAST (0x02)",
    ...P,
    req: reqW,
    index: 0,
    flags: 2,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed: UNFINISHED without LAST (0x04)",
    ...P,
    req: reqW,
    index: 0,
    flags: 4,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed: unknown flag 0x08",
    ...P,
    req: reqW,
    index: 0,
    flags: 9,
    body: DUMP,
    valid: false,
  },
  {
    name: "sealed: count 1",
    ...P,
    req: reqW,
    index: 0,
    flags: 1,
    body: DUMP,
    head: { count: 1 },
    valid: false,
  },
  {
    name: "sealed: type 2 (an ack's)",
    ...P,
    req: reqW,
    index: 0,
    flags: 1,
    body: DUMP,
    head: { type: 2 },
    valid: false,
  },
  {
    name: "sealed: version 1",
    ...P,
    req: reqW,
    index: 0,
    flags: 1,
    body: DUMP,
    head: { version: 1 },
    valid: false,
  },
  {
    name: "sealed: 1025 bytes of text (1083 bytes)",
    ...P,
    req: reqT,
    index: 0,
    flags: 1,
    body: new Uint8Array(1025),
    valid: false,
  },
  {
    name: "57 bytes: shorter than any output message",
    ...P,
    req: reqS,
    packet: seal(
      outputKey(K, ADDRESS_HEX[V4], reqS),
      reqS,
      0,
      1,
      new Uint8Array(0),
    ).subarray(0, 57),
    valid: false,
  },
  { name: "the request itself", ...P, req: reqW, packet: reqW, valid: false },
];

function messageCase(c: MessageCase) {
  const o = outputKey(c.k, c.addressHex, c.req);
  const packet = c.packet ??
    seal(c.sealO ?? o, c.req, c.index!, c.flags!, c.body!, c.head);
  return {
    name: c.name,
    keyHex: hex(c.k),
    keyIdHex: hex(c.req.subarray(24, 28)),
    addressHex: c.addressHex,
    requestHex: hex(c.req),
    outputKeyHex: hex(o),
    packetHex: hex(packet),
    expected: c.valid
      ? {
        index: c.index,
        last: (c.flags! & 1) !== 0,
        truncated: (c.flags! & 2) !== 0,
        unfinished: (c.flags! & 4) !== 0,
        textHex: hex(c.body!),
      }
      : null,
  };
}

/** The ack of `req` with `flags`, tagged as PROTOCOL.md says. */
function ack(req: Uint8Array, flags: number, k = K): Uint8Array {
  const n = req[7];
  const out = new Uint8Array(56 + n);
  out.set(req.subarray(0, 40));
  out[5] = 2;
  out[6] = flags;
  const tag = hmac(
    k,
    text("netsysrq v2 ack\0"),
    fromHex(ADDRESS_HEX[V4]),
    out.subarray(0, out.length - 16),
  );
  out.set(tag.subarray(0, 16), out.length - 16);
  return out;
}

const ackCases = [
  { name: "OUTPUT_FOLLOWS (0x02)", flags: 0x02, output: "follows" },
  { name: "OUTPUT_BUSY (0x04)", flags: 0x04, output: "busy" },
  { name: "REPEAT and OUTPUT_BUSY (0x05)", flags: 0x05, output: "busy" },
  { name: "no output flag: the server sends none", flags: 0x00, output: null },
  { name: "OUTPUT_FOLLOWS with REPEAT (0x03)", flags: 0x03 },
  { name: "OUTPUT_FOLLOWS with OUTPUT_BUSY (0x06)", flags: 0x06 },
  { name: "unknown flag 0x08", flags: 0x08 },
].map((c) => ({
  name: c.name,
  keyHex: hex(K),
  serverAddress: V4,
  requestHex: hex(reqW),
  packetHex: hex(ack(reqW, c.flags)),
  expected: "output" in c
    ? { repeat: (c.flags & 1) !== 0, output: c.output }
    : null,
}));

/** output.json's content. */
export function outputVectors() {
  return { messages: messageCases.map(messageCase), acks: ackCases };
}

if (import.meta.main) {
  await writeVectorFile("output.json", outputVectors());
  const { messages, acks } = outputVectors();
  console.log(`output.json: ${messages.length} messages, ${acks.length} acks`);
}
