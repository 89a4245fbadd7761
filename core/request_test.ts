import assert from "node:assert/strict";
import {
  createRequest,
  deriveKey,
  MacKey,
  type RequestOptions,
  Verdict,
  verifyRequest,
} from "../mod.ts";
import { testPassword } from "../tests/_testing.ts";

const key = await MacKey.fromBytes(new Uint8Array(32).fill(1));
const serverAddress = "192.0.2.7";
const NOW = 1700000000000;

function verifyAt(
  packet: Uint8Array,
  state = { lastAccepted: NOW - 60000, refusalTokens: 5 },
  k: MacKey | null = key,
) {
  const result = verifyRequest(k, packet, {
    serverAddress,
    now: NOW,
    toleranceMs: 300000,
    state,
  });
  return { ...result, state };
}

Deno.test("createRequest: every printable key round-trips through verify", () => {
  let printable = "";
  for (let c = 0x21; c <= 0x7e; c++) printable += String.fromCharCode(c);
  let last = NOW - 60000;
  for (let i = 0; i < printable.length; i += 16) {
    const keys = printable.slice(i, i + 16);
    const packet = createRequest(key, {
      keys,
      serverAddress,
      timestamp: ++last,
    });
    assert.equal(packet.length, 48 + keys.length);
    const { verdict, request } = verifyAt(packet, {
      lastAccepted: last - 1,
      refusalTokens: 0,
    });
    assert.equal(verdict, Verdict.ACCEPTED);
    assert.equal(request?.keys, keys);
    assert.equal(request?.timestamp, last);
    assert.equal(request?.ackWanted, true);
  }
});

Deno.test("createRequest: defaults are a fresh nonce and the current time", () => {
  const before = Date.now();
  const a = createRequest(key, { keys: "s", serverAddress });
  const b = createRequest(key, { keys: "s", serverAddress });
  const after = Date.now();
  assert.notDeepEqual(a.subarray(16, 32), b.subarray(16, 32));
  const ts = Number(new DataView(a.buffer).getBigUint64(8));
  assert.ok(before <= ts && ts <= after);
  assert.equal(a[6], 1, "ack wanted by default");
  const quiet = createRequest(key, {
    keys: "s",
    serverAddress,
    ackWanted: false,
  });
  assert.equal(quiet[6], 0);
});

Deno.test("createRequest: bad input throws, naming what was wrong", () => {
  const ok: RequestOptions = { keys: "s", serverAddress };
  const cases: [
    Partial<Record<keyof RequestOptions, unknown>>,
    ErrorConstructor,
  ][] = [
    [{ keys: "" }, RangeError],
    [{ keys: "x".repeat(17) }, RangeError],
    [{ keys: "s b" }, RangeError],
    [{ keys: "é" }, RangeError],
    [{ keys: "\u0173" }, RangeError], // low byte 0x73 is 's': must not pass
    [{ keys: "😀" }, RangeError],
    [{ keys: 7 }, TypeError],
    [{ serverAddress: "server.example" }, TypeError],
    [{ serverAddress: undefined }, TypeError],
    [{ timestamp: -1 }, RangeError],
    [{ timestamp: 1.5 }, RangeError],
    [{ timestamp: NaN }, RangeError],
    [{ timestamp: 2 ** 53 }, RangeError],
    [{ timestamp: "1" }, TypeError],
    [{ nonce: new Uint8Array(15) }, RangeError],
    [{ nonce: [1, 2] }, TypeError],
    [{ ackWanted: "yes" }, TypeError],
  ];
  for (const [change, error] of cases) {
    const options = { ...ok, ...change } as RequestOptions;
    assert.throws(
      () => createRequest(key, options),
      error,
      JSON.stringify(change),
    );
  }
  assert.throws(
    () => createRequest({} as MacKey, ok),
    TypeError,
  );
  assert.throws(
    () => createRequest(key, null as unknown as RequestOptions),
    TypeError,
  );
});

Deno.test("verifyRequest: packets at any offset, and oversized ones", () => {
  const packet = createRequest(key, {
    keys: "s",
    serverAddress,
    timestamp: NOW,
  });
  const framed = new Uint8Array(200);
  framed.set(packet, 100);
  assert.equal(
    verifyAt(framed.subarray(100, 100 + packet.length)).verdict,
    Verdict.ACCEPTED,
  );
  const huge = new Uint8Array(70000);
  huge.set(packet);
  assert.equal(verifyAt(huge).verdict, Verdict.BAD_LENGTH);
});

Deno.test("verifyRequest: refusal tokens are spent only on time failures", () => {
  const stale = createRequest(key, { keys: "s", serverAddress, timestamp: 5 });
  const first = verifyAt(stale, { lastAccepted: 0, refusalTokens: 2 });
  assert.equal(first.verdict, Verdict.REFUSED_STALE);
  assert.equal(first.state.refusalTokens, 1);
  assert.equal(first.request?.timestamp, 5);
  const none = verifyAt(stale, { lastAccepted: 0, refusalTokens: 0 });
  assert.equal(none.verdict, Verdict.STALE);
  assert.equal(none.request, undefined);
  const negative = verifyAt(stale, { lastAccepted: 0, refusalTokens: -3 });
  assert.equal(negative.verdict, Verdict.STALE);
  assert.equal(negative.state.refusalTokens, -3);
  const fresh = createRequest(key, {
    keys: "s",
    serverAddress,
    timestamp: NOW,
  });
  const ok = verifyAt(fresh, { lastAccepted: 0, refusalTokens: 2 });
  assert.equal(ok.verdict, Verdict.ACCEPTED);
  assert.equal(ok.state.refusalTokens, 2);
  assert.equal(ok.state.lastAccepted, NOW);
});

Deno.test("verifyRequest: a bad MAC changes nothing but the token it took", () => {
  const packet = createRequest(key, {
    keys: "s",
    serverAddress,
    timestamp: NOW,
  });
  packet[packet.length - 1] ^= 0x80;
  const { verdict, state, request } = verifyAt(packet);
  assert.equal(verdict, Verdict.BAD_MAC);
  assert.deepEqual(state, { lastAccepted: NOW - 60000, refusalTokens: 5 });
  assert.equal(request, undefined);
});

Deno.test("verifyRequest: each tag byte counts", () => {
  const packet = createRequest(key, {
    keys: "ab",
    serverAddress,
    timestamp: NOW,
  });
  for (let i = packet.length - 16; i < packet.length; i++) {
    const bad = packet.slice();
    bad[i] ^= 1;
    assert.equal(verifyAt(bad).verdict, Verdict.BAD_MAC, `tag byte ${i}`);
  }
  assert.equal(verifyAt(packet).verdict, Verdict.ACCEPTED);
});

Deno.test("verifyRequest: no key means NO_PASSWORD before anything else", () => {
  assert.equal(
    verifyAt(new Uint8Array(0), undefined, null).verdict,
    Verdict.NO_PASSWORD,
  );
});

Deno.test("verifyRequest: a key from another password fails the MAC", async () => {
  const a = await deriveKey(testPassword());
  const b = await deriveKey(testPassword());
  const packet = createRequest(a, { keys: "s", serverAddress, timestamp: NOW });
  assert.equal(verifyAt(packet, undefined, b).verdict, Verdict.BAD_MAC);
  assert.equal(verifyAt(packet, undefined, a).verdict, Verdict.ACCEPTED);
});

Deno.test("verifyRequest: bad options throw", () => {
  const packet = createRequest(key, { keys: "s", serverAddress });
  const state = { lastAccepted: 0, refusalTokens: 0 };
  const base = { serverAddress, now: NOW, toleranceMs: 1000, state };
  assert.throws(
    () => verifyRequest(key, packet, { ...base, now: -1 }),
    RangeError,
  );
  assert.throws(
    () => verifyRequest(key, packet, { ...base, toleranceMs: 0.5 }),
    RangeError,
  );
  assert.throws(
    () => verifyRequest(key, packet, { ...base, serverAddress: "x" }),
    TypeError,
  );
  assert.throws(
    () => verifyRequest(key, "NSRQ" as unknown as Uint8Array, base),
    TypeError,
  );
  assert.throws(
    () => verifyRequest(key, packet, { ...base, state: undefined as never }),
    TypeError,
  );
});

Deno.test("deriveKey: password rules", async () => {
  await assert.rejects(deriveKey(""), RangeError);
  await assert.rejects(deriveKey("x".repeat(129)), RangeError);
  await assert.rejects(deriveKey("é".repeat(65)), RangeError); // 130 bytes
  await assert.rejects(deriveKey("a\0b"), RangeError);
  await assert.rejects(deriveKey("a\rb"), RangeError);
  await assert.rejects(deriveKey(undefined as unknown as string), TypeError);
  assert.ok((await deriveKey("é".repeat(64))) instanceof MacKey); // 128 bytes
  await assert.rejects(MacKey.fromBytes(new Uint8Array(33)), RangeError);
  await assert.rejects(
    MacKey.fromBytes([1] as unknown as Uint8Array),
    TypeError,
  );
});
