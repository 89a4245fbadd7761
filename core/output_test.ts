// Output messages: the key derivation and the AEAD layout checked against
// node:crypto written out independently here, RFC 8439's own vector for the
// primitive, and every way a message can be wrong.

import assert from "node:assert/strict";
import { createCipheriv, createHmac } from "node:crypto";
import { MacKey } from "../mod.ts";
import { encodeAddress } from "./address.ts";
import { fromHex, hex } from "./hex.ts";
import {
  createOutput,
  openOutput,
  type OutputKey,
  outputKey,
} from "./output.ts";

const RAW = crypto.getRandomValues(new Uint8Array(32));
const KEY = await MacKey.fromBytes(RAW);
const SERVER = "192.0.2.7";

/** A request's bytes as sent: only its first 40 matter here. */
function request(keyId = 0): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(57));
  new DataView(bytes.buffer).setUint32(24, keyId);
  return bytes;
}

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("output: node:crypto's chacha20-poly1305 is RFC 8439's (section 2.8.2)", () => {
  const key = fromHex(
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
  );
  const nonce = fromHex("070000004041424344454647");
  const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
  const plain = text(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(aad, { plaintextLength: plain.length });
  const out = cipher.update(plain);
  cipher.final();
  assert.equal(hex(out.subarray(0, 16)), "d31a8d34648e60db7b86afbc53ef7ec2");
  assert.equal(hex(cipher.getAuthTag()), "1ae10b594f09e26a7e902ecbd0600691");
});

Deno.test("output: O, the nonce and the AD are the documented ones", () => {
  for (
    const [keyId, address] of [[0, encodeAddress(SERVER)], [
      0x8f3a01c2,
      new Uint8Array(16),
    ]] as const
  ) {
    const req = request(keyId);
    const out = outputKey(KEY, { request: req, serverAddress: SERVER });
    const o = createHmac("sha256", RAW)
      .update(text("netsysrq v2 out\0")).update(address)
      .update(req.subarray(0, 40)).digest();
    const message = createOutput(out, { index: 258, text: text("hi\n") });
    assert.equal(hex(message.subarray(0, 8)), "4e53525102060000");
    assert.deepEqual(message.subarray(8, 40), req.subarray(8, 40));
    assert.equal(hex(message.subarray(40, 42)), "0102");
    const nonce = fromHex("00000000" + "0201000000000000");
    const cipher = createCipheriv("chacha20-poly1305", o, nonce, {
      authTagLength: 16,
    });
    cipher.setAAD(message.subarray(0, 42), { plaintextLength: 3 });
    const body = cipher.update(text("hi\n"));
    cipher.final();
    assert.equal(hex(message.subarray(42, 45)), hex(body), `key id ${keyId}`);
    assert.equal(hex(message.subarray(45)), hex(cipher.getAuthTag()));
  }
});

Deno.test("output: round trip at the boundary lengths and indexes", () => {
  const out = outputKey(KEY, { request: request(), serverAddress: SERVER });
  for (const length of [0, 1, 1023, 1024]) {
    for (const index of [0, 1, 65535]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const message = createOutput(out, { index, text: bytes, last: true });
      assert.equal(message.length, 58 + length);
      const chunk = openOutput(out, message);
      assert.ok(chunk, `${length} bytes, index ${index}`);
      assert.deepEqual(chunk.text, bytes);
      assert.equal(chunk.index, index);
    }
  }
});

Deno.test("output: the flags come back as sent", () => {
  const out = outputKey(KEY, { request: request(), serverAddress: SERVER });
  const cases = [
    {},
    { last: true },
    { last: true, truncated: true },
    { last: true, unfinished: true },
    { last: true, truncated: true, unfinished: true },
  ];
  for (const flags of cases) {
    const chunk = openOutput(
      out,
      createOutput(out, { index: 0, text: text("x"), ...flags }),
    )!;
    assert.deepEqual(
      [chunk.last, chunk.truncated, chunk.unfinished],
      [!!flags.last, !!("truncated" in flags), !!("unfinished" in flags)],
    );
  }
});

Deno.test("output: every single-bit change of a message is rejected", () => {
  const out = outputKey(KEY, { request: request(), serverAddress: SERVER });
  const message = createOutput(out, {
    index: 7,
    text: text("sysrq: w\n"),
    last: true,
  });
  for (let i = 0; i < message.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = message.slice();
      bad[i] ^= 1 << bit;
      assert.equal(openOutput(out, bad), null, `byte ${i} bit ${bit}`);
    }
  }
});

Deno.test("output: messages of another request, address, key or mode are rejected", async () => {
  const req = request();
  const out = outputKey(KEY, { request: req, serverAddress: SERVER });
  const message = createOutput(out, { index: 0, text: text("x"), last: true });
  const otherKey = await MacKey.fromBytes(RAW.map((b) => b ^ 1));
  const others: [string, OutputKey][] = [
    [
      "another key",
      outputKey(otherKey, { request: req, serverAddress: SERVER }),
    ],
    [
      "another address",
      outputKey(KEY, { request: req, serverAddress: "192.0.2.8" }),
    ],
    [
      "another request",
      outputKey(KEY, { request: request(), serverAddress: SERVER }),
    ],
  ];
  // The same request id, but a request head that differs in its header
  // (covered by O, not carried in the message): still another key.
  const flagged = req.slice();
  flagged[6] ^= 2;
  others.push([
    "another header",
    outputKey(KEY, { request: flagged, serverAddress: SERVER }),
  ]);
  for (const [what, key] of others) {
    assert.equal(openOutput(key, message), null, what);
  }
});

/** O for `req`, computed here with node:crypto. */
function rawKey(req: Uint8Array, address = encodeAddress(SERVER)) {
  return createHmac("sha256", RAW).update(text("netsysrq v2 out\0"))
    .update(address).update(req.subarray(0, 40)).digest();
}

/** A message sealed here, header and all as given: what createOutput refuses to make. */
function sealRaw(o: Uint8Array, head: Uint8Array, plain: Uint8Array) {
  const index = (head[40] << 8) | head[41];
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index), true);
  const cipher = createCipheriv("chacha20-poly1305", o, nonce, {
    authTagLength: 16,
  });
  cipher.setAAD(head, { plaintextLength: plain.length });
  const body = cipher.update(plain);
  cipher.final();
  return new Uint8Array([...head, ...body, ...cipher.getAuthTag()]);
}

Deno.test("output: frames that are not an output message are rejected, even when sealed", () => {
  const req = request();
  const out = outputKey(KEY, { request: req, serverAddress: SERVER });
  const o = rawKey(req);
  const good = createOutput(out, { index: 0, text: text("abc"), last: true });
  const head = () => good.slice(0, 42);
  // The helper makes what createOutput makes: the changes below are the cause.
  assert.ok(openOutput(out, sealRaw(o, head(), text("abc"))));
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["57 bytes", good.subarray(0, 57)],
    ["1025 text bytes", sealRaw(o, head(), new Uint8Array(1025))],
  ];
  const changed = (what: string, at: number, value: number) => {
    const h = head();
    h[at] = value;
    cases.push([what, sealRaw(o, h, text("abc"))]);
  };
  for (const flags of [0x02, 0x04, 0x06, 0x08, 0x80]) {
    changed(`flags ${flags}`, 6, flags);
  }
  changed("count 1", 7, 1);
  changed("type 2 (an ack)", 5, 2);
  changed("version 1", 4, 1);
  changed("magic", 0, 0x6e);
  for (const [what, packet] of cases) {
    assert.equal(openOutput(out, packet), null, what);
  }
});

Deno.test("output: a message moved to another index is rejected (the index is in the nonce and AD)", () => {
  const out = outputKey(KEY, { request: request(), serverAddress: SERVER });
  const message = createOutput(out, { index: 1, text: text("second") });
  const moved = message.slice();
  moved[41] = 2;
  assert.equal(openOutput(out, moved), null);
});

Deno.test("output: wrong arguments throw, bad packets never do", () => {
  const out = outputKey(KEY, { request: request(), serverAddress: SERVER });
  assert.throws(
    () =>
      outputKey(KEY, { request: new Uint8Array(39), serverAddress: SERVER }),
    RangeError,
  );
  assert.throws(() => outputKey(KEY, { request: request() }), /serverAddress/);
  assert.throws(
    () => outputKey(KEY, { request: request(), serverAddress: "web1" }),
    TypeError,
  );
  assert.ok(outputKey(KEY, { request: request(0x80000001) })); // no address needed
  assert.throws(
    () => createOutput(out, { index: -1, text: text("") }),
    RangeError,
  );
  assert.throws(
    () => createOutput(out, { index: 65536, text: text("") }),
    RangeError,
  );
  assert.throws(
    () => createOutput(out, { index: 0, text: text(""), truncated: true }),
    RangeError,
  );
  assert.throws(
    () => createOutput({} as OutputKey, { index: 0, text: text("") }),
    TypeError,
  );
  assert.throws(
    () => openOutput(out, [1, 2] as unknown as Uint8Array),
    TypeError,
  );
});
