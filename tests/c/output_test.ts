/**
 * The kernel's output builder (kernel/nsr_output_msg.c), built against
 * OpenSSL by tests/c/Makefile with ASan and UBSan, must produce exactly the
 * bytes docs/PROTOCOL.md ("Output (type 6)") defines. The oracle is
 * node:crypto (HMAC-SHA256 and RFC 8439 ChaCha20-Poly1305), a different
 * implementation from the OpenSSL the runner uses: O, the nonce's layout
 * (4 zero bytes, index little-endian), the associated data (bytes 0..42)
 * and the framing are each checked byte for byte. Needs make, a C
 * compiler and libssl-dev.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { make, runLines, VECTORS_DIR } from "./_harness.ts";
import { fromHex, hex } from "../../core/hex.ts";

const LABEL = new TextEncoder().encode("netsysrq v2 out\0");
const TEXT_MAX = 1024;

function random(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function h(bytes: Uint8Array): string {
  return bytes.length ? hex(bytes) : "-";
}

/** Runs output_runner with one line per case; one answer per case. */
async function runner(lines: string[]): Promise<string[]> {
  await make("output");
  return await runLines("output_runner", lines);
}

/** The 96-bit nonce: 4 zero bytes, then the index as a little-endian u64. */
function nonce96(index: bigint): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, index, true);
  return iv;
}

function seal(
  key: Uint8Array,
  index: bigint,
  ad: Uint8Array,
  text: Uint8Array,
): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce96(index), {
    authTagLength: 16,
  });
  c.setAAD(ad, { plaintextLength: text.length });
  return new Uint8Array([...c.update(text), ...c.final(), ...c.getAuthTag()]);
}

/** One output case as the protocol defines it. */
interface Case {
  key: Uint8Array;
  addr: Uint8Array;
  request: Uint8Array;
  index: number;
  flags: number;
  text: Uint8Array;
}

function randomCase(textLen: number, index = 0, flags = 1): Case {
  const request = random(40);
  request.set([0x4e, 0x53, 0x52, 0x51, 2, 1, 3, 1]);
  return {
    key: random(32),
    addr: random(16),
    request,
    index,
    flags,
    text: random(textLen),
  };
}

function line(c: Case): string {
  return `O ${hex(c.key)} ${hex(c.addr)} ${hex(c.request)} ${c.index} ` +
    `${c.flags.toString(16)} ${h(c.text)}`;
}

/** The message node:crypto makes of a case. */
function expected(c: Case): Uint8Array {
  const o = createHmac("sha256", c.key)
    .update(LABEL).update(c.addr).update(c.request).digest();
  const ad = new Uint8Array(42);
  ad.set([0x4e, 0x53, 0x52, 0x51, 2, 6, c.flags, 0]);
  ad.set(c.request.subarray(8, 40), 8);
  new DataView(ad.buffer).setUint16(40, c.index);
  return new Uint8Array([...ad, ...seal(o, BigInt(c.index), ad, c.text)]);
}

Deno.test("output: the AEAD hook is RFC 8439 ChaCha20-Poly1305 with the library's nonce layout", async () => {
  const cases = [0, 1, 42, 1024, 1500].flatMap((len) =>
    [0n, 1n, 0x0102030405060708n, (1n << 64n) - 1n].map((nonce) => ({
      key: random(32),
      nonce,
      ad: random(len % 43),
      text: random(len),
    }))
  );
  const out = await runner(
    cases.map((c) => `E ${hex(c.key)} ${c.nonce} ${h(c.ad)} ${h(c.text)}`),
  );
  for (const [i, c] of cases.entries()) {
    assert.equal(out[i], hex(seal(c.key, c.nonce, c.ad, c.text)), `case ${i}`);
  }
});

Deno.test("output: every message is exactly the bytes PROTOCOL.md defines", async () => {
  const cases = [
    randomCase(0), // the keys printed nothing: one empty, authenticated message
    randomCase(1, 0, 0),
    randomCase(1023, 1, 0),
    randomCase(TEXT_MAX, 2, 0),
    randomCase(TEXT_MAX, 257, 1),
    randomCase(500, 65535, 1 | 2), // LAST, TRUNCATED
    randomCase(7, 3, 1 | 4), // LAST, UNFINISHED
    randomCase(9, 4, 1 | 2 | 4),
  ];
  const out = await runner(cases.map(line));
  for (const [i, c] of cases.entries()) {
    const want = expected(c);
    assert.equal(want.length, 58 + c.text.length);
    assert.equal(out[i], hex(want), `case ${i}: index ${c.index}`);
  }
});

Deno.test("output: the client side opens a message and the bytes come back as sent", async () => {
  // Text with an escape sequence and invalid UTF-8: the builder carries
  // bytes; escaping is the client's job.
  const text = new Uint8Array([
    ...new TextEncoder().encode("[    1.0] task \x1b]0;x\x07 blocked\n"),
    0xff,
    0x00,
  ]);
  const c = { ...randomCase(0, 5, 1), text };
  const [msg] = await runner([line(c)]);
  const bytes = fromHex(msg);
  const o = createHmac("sha256", c.key)
    .update(LABEL).update(c.addr).update(c.request).digest();
  const d = createDecipheriv("chacha20-poly1305", o, nonce96(5n), {
    authTagLength: 16,
  });
  d.setAAD(bytes.subarray(0, 42), { plaintextLength: bytes.length - 58 });
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  const plain = new Uint8Array([
    ...d.update(bytes.subarray(42, bytes.length - 16)),
    ...d.final(),
  ]);
  assert.deepEqual(plain, text);
});

Deno.test("output: another index, request, address or key changes every byte after the header", async () => {
  const base = randomCase(64, 9, 0);
  const variants: Case[] = [
    base,
    { ...base, index: 10 },
    { ...base, request: base.request.map((b, i) => i === 39 ? b ^ 1 : b) },
    { ...base, addr: base.addr.map((b, i) => i === 0 ? b ^ 1 : b) },
    { ...base, key: base.key.map((b, i) => i === 31 ? b ^ 1 : b) },
  ];
  const out = (await runner(variants.map(line))).map(fromHex);
  for (let i = 1; i < out.length; i++) {
    const a = out[0].subarray(42), b = out[i].subarray(42);
    const same = a.filter((x, j) => x === b[j]).length;
    // Independent keystreams agree on about 1 byte in 256.
    assert.ok(same < 8, `variant ${i}: ${same} of ${a.length} bytes equal`);
  }
});

Deno.test("output: the builder refuses text over 1024 bytes and flags the protocol forbids", async () => {
  const out = await runner([
    line(randomCase(TEXT_MAX + 1)),
    line(randomCase(5, 0, 2)), // TRUNCATED without LAST
    line(randomCase(5, 0, 4)), // UNFINISHED without LAST
    line(randomCase(5, 0, 8)), // an unknown flag
    line(randomCase(5, 0, 0x81)),
  ]);
  assert.deepEqual(out, Array(5).fill("refused"));
});

/** One message of tests/vectors/output.json (generate_output.ts). */
interface OutputVector {
  name: string;
  keyHex: string;
  addressHex: string;
  requestHex: string;
  outputKeyHex: string;
  packetHex: string;
  expected: { index: number; textHex: string } | null;
}

/** The sealed text of `packet` under `o`, or null when it does not open. */
function openUnder(o: Uint8Array, packet: Uint8Array): Uint8Array | null {
  if (packet.length < 58) return null;
  const index = new DataView(packet.buffer, packet.byteOffset).getUint16(40);
  const d = createDecipheriv("chacha20-poly1305", o, nonce96(BigInt(index)), {
    authTagLength: 16,
  });
  d.setAAD(packet.subarray(0, 42), { plaintextLength: packet.length - 58 });
  d.setAuthTag(packet.subarray(packet.length - 16));
  try {
    const body = packet.subarray(42, packet.length - 16);
    return new Uint8Array([...d.update(body), ...d.final()]);
  } catch {
    return null;
  }
}

/** The builder's input line for `v`: its index, flags and `text`. */
function vectorLine(v: OutputVector, flags: number, text: Uint8Array): string {
  const packet = fromHex(v.packetHex);
  const index = new DataView(packet.buffer).getUint16(40);
  return `O ${v.keyHex} ${v.addressHex} ${v.requestHex.slice(0, 80)} ` +
    `${index} ${flags.toString(16)} ${h(text)}`;
}

Deno.test("output: the shared vectors (tests/vectors/output.json), byte for byte", async () => {
  const file = JSON.parse(
    await Deno.readTextFile(`${VECTORS_DIR}output.json`),
  ) as { messages: OutputVector[] };
  const vectors = file.messages;
  // O for every vector, the rejected ones included.
  const keys = await runner(
    vectors.map((v) =>
      `K ${v.keyHex} ${v.addressHex} ${v.requestHex.slice(0, 80)}`
    ),
  );
  for (const [i, v] of vectors.entries()) {
    assert.equal(keys[i], v.outputKeyHex, `${v.name}: O`);
  }
  // Every message a server may send: built from its index, flags and
  // text, it must be the vector's packet exactly.
  const valid = vectors.filter((v) => v.expected !== null);
  const built = await runner(
    valid.map((v) =>
      vectorLine(v, fromHex(v.packetHex)[6], fromHex(v.expected!.textHex))
    ),
  );
  for (const [i, v] of valid.entries()) {
    assert.equal(built[i], v.packetHex, v.name);
  }
  // The rejected messages that are properly sealed under the request's O
  // with a well-formed header (flags or length the protocol forbids): the
  // builder refuses to make them. The others (tampered after sealing,
  // sealed under another key, another header) it cannot be asked for.
  const o = (v: OutputVector) => fromHex(v.outputKeyHex);
  const wellFormed = (p: Uint8Array) => p[4] === 2 && p[5] === 6 && p[7] === 0;
  const forbidden = vectors.filter((v) =>
    v.expected === null && wellFormed(fromHex(v.packetHex)) &&
    openUnder(o(v), fromHex(v.packetHex)) !== null
  );
  assert.ok(forbidden.length >= 4, `forbidden cases: ${forbidden.length}`);
  const refused = await runner(forbidden.map((v) => {
    const p = fromHex(v.packetHex);
    return vectorLine(v, p[6], openUnder(o(v), p)!);
  }));
  for (const [i, v] of forbidden.entries()) {
    assert.equal(refused[i], "refused", v.name);
  }
  assert.ok(valid.length >= 10, `valid messages: ${valid.length}`);
});
