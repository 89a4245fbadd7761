import assert from "node:assert/strict";
import {
  createProbe,
  createRequest,
  createServerState,
  deriveKey,
  KeySet,
  type KeyStatus,
  MacKey,
  type RequestOptions,
  type ServerState,
  Verdict,
  verifyRequest,
} from "../mod.ts";
import { testPassword } from "../tests/_testing.ts";

const key = await MacKey.fromBytes(new Uint8Array(32).fill(1));
const serverAddress = "192.0.2.7";
const NOW = 1700000000000;
const BOOT = new Uint8Array(8).fill(0xb0);

function freshState(tokens = 5): ServerState {
  return { ...createServerState(tokens), bootId: BOOT };
}

function verifyAt(
  packet: Uint8Array,
  state = freshState(),
  k: MacKey | null = key,
  now = NOW,
) {
  const result = verifyRequest(k, packet, {
    serverAddress,
    now,
    toleranceMs: 60000,
    state,
  });
  return { ...result, state };
}

function request(keys: string, timestamp = NOW, bootId = BOOT) {
  return createRequest(key, { keys, serverAddress, bootId, timestamp });
}

Deno.test("createRequest: every printable key round-trips through verify", () => {
  let printable = "";
  for (let c = 0x21; c <= 0x7e; c++) printable += String.fromCharCode(c);
  const state = freshState(0);
  let ts = NOW - 1000;
  for (let i = 0; i < printable.length; i += 16) {
    const keys = printable.slice(i, i + 16);
    const packet = request(keys, ++ts);
    assert.equal(packet.length, 56 + keys.length);
    const { verdict, request: info } = verifyAt(packet, state);
    assert.equal(verdict, Verdict.ACCEPTED);
    assert.equal(info?.keys, keys);
    assert.equal(info?.timestamp, ts);
    assert.deepEqual(info?.bootId, BOOT);
    assert.equal(info?.ackWanted, true);
    assert.equal(state.floor, BigInt(ts));
  }
});

Deno.test("createRequest: a fresh nonce by default, the time given, ack wanted", () => {
  const a = request("s");
  const b = request("s");
  assert.notDeepEqual(a.subarray(28, 40), b.subarray(28, 40));
  assert.equal(Number(new DataView(a.buffer).getBigUint64(16)), NOW);
  assert.deepEqual(a.subarray(8, 16), BOOT);
  assert.equal(a[6], 1, "ack wanted by default");
  const quiet = createRequest(key, {
    keys: "s",
    serverAddress,
    bootId: BOOT,
    timestamp: NOW,
    ackWanted: false,
  });
  assert.equal(quiet[6], 0);
});

Deno.test("createRequest: bad input throws, naming what was wrong", () => {
  const ok: RequestOptions = {
    keys: "s",
    serverAddress,
    bootId: BOOT,
    timestamp: NOW,
  };
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
    [{ timestamp: undefined }, TypeError], // never the local clock by default
    [{ timestamp: -1 }, RangeError],
    [{ timestamp: 1.5 }, RangeError],
    [{ timestamp: NaN }, RangeError],
    [{ timestamp: 2 ** 53 }, RangeError],
    [{ timestamp: "1" }, TypeError],
    [{ bootId: undefined }, TypeError],
    [{ bootId: new Uint8Array(7) }, RangeError],
    [{ nonce: new Uint8Array(16) }, RangeError],
    [{ keyId: 1 }, RangeError],
    [{ keyId: 2 ** 32 }, RangeError],
    [{ keyId: -1 }, RangeError],
    [{ keyId: "0" }, TypeError],
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
  assert.throws(() => createRequest({} as MacKey, ok), TypeError);
  assert.throws(
    () => createRequest(key, null as unknown as RequestOptions),
    TypeError,
  );
  assert.throws(
    () => createProbe(key, { serverAddress, nonce: new Uint8Array(3) }),
    RangeError,
  );
});

Deno.test("verifyRequest: a probe is answered and changes nothing", () => {
  const state = freshState(0);
  const before = structuredClone(state);
  const result = verifyAt(createProbe(key, { serverAddress }), state);
  assert.equal(result.verdict, Verdict.PROBE_ANSWERED);
  assert.equal(result.reply?.length, 56);
  assert.deepEqual(state, before, "a probe changed the state");
});

Deno.test("verifyRequest: exactly once: a retry is re-acked with the stored statuses", () => {
  const state = freshState();
  const packet = request("sub");
  let ran = 0;
  const options = {
    serverAddress,
    now: NOW,
    toleranceMs: 60000,
    state,
    statuses: (keys: string) => {
      ran++;
      return Array.from(keys, (_, i) => i as KeyStatus);
    },
  };
  const first = verifyRequest(key, packet, options);
  assert.equal(first.verdict, Verdict.ACCEPTED);
  for (let i = 0; i < 3; i++) {
    const again = verifyRequest(key, packet, { ...options, now: NOW + 1000 });
    assert.equal(again.verdict, Verdict.REPEATED);
    assert.equal(again.reply?.[6], 1, "REPEAT flag");
    assert.deepEqual([...again.reply!.subarray(40, 43)], [0, 1, 2]);
  }
  assert.equal(ran, 1, "the keys were judged (and run) more than once");
  // Another request since: the old one is a replay, never run again.
  assert.equal(
    verifyAt(request("h", NOW + 1), state).verdict,
    Verdict.ACCEPTED,
  );
  assert.equal(verifyAt(packet, state).verdict, Verdict.REFUSED_REPLAY);
});

Deno.test("verifyRequest: refused as FUTURE now, never accepted later", () => {
  const state = freshState();
  const ahead = request("b", NOW + 3600000);
  assert.equal(verifyAt(ahead, state).verdict, Verdict.REFUSED_FUTURE);
  assert.equal(state.floor, BigInt(NOW + 3600000));
  const later = verifyAt(ahead, state, key, NOW + 3600000);
  assert.equal(later.verdict, Verdict.REFUSED_REPLAY);
  // Consumed even with no token to answer it.
  const quiet = freshState(0);
  assert.equal(verifyAt(ahead, quiet).verdict, Verdict.FUTURE);
  assert.equal(quiet.floor, BigInt(NOW + 3600000));
});

Deno.test("verifyRequest: a request for another boot id never acts", () => {
  const other = request("b", NOW, new Uint8Array(8).fill(7));
  const state = freshState();
  const r = verifyAt(other, state);
  assert.equal(r.verdict, Verdict.REFUSED_BOOT);
  assert.deepEqual(r.reply?.subarray(8, 16), BOOT, "refusal names this boot");
  assert.equal(state.floor, 0n);
  assert.equal(verifyAt(other, freshState(0)).verdict, Verdict.WRONG_BOOT);
});

Deno.test("verifyRequest: packets at any offset, and oversized ones", () => {
  const packet = request("s");
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

Deno.test("verifyRequest: refusal tokens are spent only on refusals and re-acks", () => {
  const stale = request("s", 5);
  const first = verifyAt(stale, freshState(2));
  assert.equal(first.verdict, Verdict.REFUSED_STALE);
  assert.equal(first.state.refusalTokens, 1);
  assert.equal(first.request?.timestamp, 5);
  const none = verifyAt(stale, freshState(0));
  assert.equal(none.verdict, Verdict.STALE);
  assert.equal(none.request, undefined);
  const negative = verifyAt(stale, freshState(-3));
  assert.equal(negative.verdict, Verdict.STALE);
  assert.equal(negative.state.refusalTokens, -3);
  const ok = verifyAt(request("s"), freshState(2));
  assert.equal(ok.verdict, Verdict.ACCEPTED);
  assert.equal(ok.state.refusalTokens, 2);
  assert.equal(ok.state.floor, BigInt(NOW));
});

Deno.test("verifyRequest: a bad MAC changes nothing", () => {
  const packet = request("s");
  packet[packet.length - 1] ^= 0x80;
  const { verdict, state, request: info, reply } = verifyAt(packet);
  assert.equal(verdict, Verdict.BAD_MAC);
  assert.deepEqual(state, freshState());
  assert.equal(info, undefined);
  assert.equal(reply, undefined);
});

Deno.test("verifyRequest: each tag byte counts", () => {
  const packet = request("ab");
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
  const packet = createRequest(a, {
    keys: "s",
    serverAddress,
    bootId: BOOT,
    timestamp: NOW,
  });
  assert.equal(verifyAt(packet, undefined, b).verdict, Verdict.BAD_MAC);
  assert.equal(verifyAt(packet, undefined, a).verdict, Verdict.ACCEPTED);
});

Deno.test("verifyRequest: bad options throw", () => {
  const packet = request("s");
  const base = {
    serverAddress,
    now: NOW,
    toleranceMs: 1000,
    state: freshState(),
  };
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
  assert.throws(
    () =>
      verifyRequest(key, packet, {
        ...base,
        state: { ...freshState(), floor: 5 as never },
      }),
    TypeError,
  );
  assert.throws(
    () =>
      verifyRequest(key, packet, {
        ...base,
        state: { ...freshState(), bootId: new Uint8Array(4) },
      }),
    RangeError,
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

// Server keys: the key the packet's id names (rung K), A = zeros.

const ID = 0x8f3a01c2;
const randomKey = () =>
  MacKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));

Deno.test("verifyRequest names the key from rung K on, never before", async () => {
  const k = await randomKey();
  const keys = new KeySet({ serverKeys: [[ID, k]] });
  const state = createServerState(0);
  const options = {
    serverAddress: "192.0.2.7",
    now: 1700000000000,
    toleranceMs: 60000,
    state,
  };
  const packet = createRequest(k, {
    keys: "s",
    keyId: ID,
    bootId: state.bootId,
    timestamp: 1700000000000,
  });
  const cut = verifyRequest(keys, packet.subarray(0, 50), options);
  assert.deepEqual(cut, { verdict: Verdict.BAD_LENGTH });
  const stale = createRequest(k, {
    keys: "s",
    keyId: ID,
    bootId: state.bootId,
    timestamp: 1,
  });
  assert.deepEqual(verifyRequest(keys, stale, options), {
    verdict: Verdict.STALE,
    keyId: ID,
  });
  const accepted = verifyRequest(keys, packet, options);
  assert.equal(accepted.verdict, Verdict.ACCEPTED);
  assert.equal(accepted.keyId, ID);
  assert.equal(accepted.request?.keyId, ID);
  keys.remove(ID);
  keys.password = k;
  assert.deepEqual(verifyRequest(keys, packet, options), {
    verdict: Verdict.UNKNOWN_KEY,
  });
});

Deno.test("server key: every one-bit change of a request or info probe is refused", async () => {
  const k = await randomKey();
  const keys = new KeySet({
    serverKeys: [[ID, k], [0x8f3a01c3, await randomKey()]],
  });
  const state = () => ({ ...createServerState(5), bootId: BOOT });
  const options = (s = state()) => ({
    serverAddress: "192.0.2.7",
    now: 1700000000000,
    toleranceMs: 60000,
    state: s,
  });
  const packets = [
    createRequest(k, {
      keys: "sub",
      keyId: ID,
      bootId: BOOT,
      timestamp: 1700000000000,
    }),
    createProbe(k, { keyId: ID, info: true }),
  ];
  for (const packet of packets) {
    const good = verifyRequest(keys, packet, options()).verdict;
    assert.ok(good === Verdict.ACCEPTED || good === Verdict.PROBE_ANSWERED);
    for (let i = 0; i < packet.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = packet.slice();
        bad[i] ^= 1 << bit;
        const s = state();
        const { verdict, reply } = verifyRequest(keys, bad, options(s));
        const where = `byte ${i} bit ${bit}: ${Verdict[verdict]}`;
        assert.ok(
          verdict !== Verdict.ACCEPTED && verdict !== Verdict.PROBE_ANSWERED,
          where,
        );
        assert.equal(reply, undefined, where);
        assert.equal(s.floor, 0n, where);
        assert.equal(s.lastAccepted, null, where);
      }
    }
  }
});

Deno.test("password mode after server-key mode still checks the address", async () => {
  const k = await randomKey();
  // Server-key mode leaves A = 16 zero bytes in place; an empty or bad
  // address given next must be refused, not taken for that A.
  for (const serverAddress of ["", "0.0.0", "web1"]) {
    createProbe(k, { keyId: ID });
    assert.throws(() => createProbe(k, { serverAddress }), TypeError);
    createProbe(k, { keyId: ID });
    assert.throws(
      () =>
        createRequest(k, {
          keys: "s",
          serverAddress,
          bootId: BOOT,
          timestamp: NOW,
        }),
      TypeError,
    );
  }
  // A server key with a bad address given: refused as well (it is unused,
  // but a wrong argument is a caller's mistake worth saying).
  assert.throws(
    () => createProbe(k, { keyId: ID, serverAddress: "x" }),
    TypeError,
  );
});

Deno.test("verifyRequest: a bad server address throws whatever the packet", async () => {
  const k = await randomKey();
  const keys = new KeySet({ serverKeys: [[ID, k]] });
  const packets = [
    new Uint8Array(3), // TRUNCATED
    createProbe(k, { keyId: 0x8f3a01c3 }), // UNKNOWN_KEY
    createProbe(k, { keyId: ID }), // PROBE_ANSWERED
  ];
  for (const packet of packets) {
    for (const set of [keys, null]) {
      assert.throws(
        () =>
          verifyRequest(set, packet, {
            serverAddress: "server.example",
            now: NOW,
            toleranceMs: 60000,
            state: freshState(),
          }),
        TypeError,
      );
    }
  }
});
