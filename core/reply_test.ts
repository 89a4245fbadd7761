import assert from "node:assert/strict";
import {
  createAck,
  createRefusal,
  createRequest,
  KeyStatus,
  MacKey,
  RefusalReason,
  type RequestInfo,
  Verdict,
  verifyReply,
  verifyRequest,
} from "../mod.ts";

const key = await MacKey.fromBytes(new Uint8Array(32).fill(2));
const serverAddress = "2001:db8::7";
const request: RequestInfo = {
  keys: "sub",
  timestamp: 1700000000000,
  nonce: new Uint8Array(16).fill(9),
  ackWanted: true,
};

Deno.test("reply: the server's answer to a real request verifies at the client", () => {
  const packet = createRequest(key, { keys: "su", serverAddress });
  const state = { lastAccepted: 0, refusalTokens: 5 };
  const result = verifyRequest(key, packet, {
    serverAddress,
    now: Date.now(),
    toleranceMs: 300000,
    state,
  });
  assert.equal(result.verdict, Verdict.ACCEPTED);
  const sent = result.request!;
  const ack = createAck(key, {
    serverAddress,
    request: sent,
    statuses: [KeyStatus.EXECUTED, KeyStatus.REFUSED_BY_SYSCTL],
  });
  assert.equal(ack.length, packet.length, "an ack is as long as its request");
  const reply = verifyReply(key, ack, { serverAddress, request: sent });
  assert.deepEqual(reply, {
    type: "ack",
    timestamp: sent.timestamp,
    nonce: sent.nonce,
    statuses: [0, 2],
  });
});

Deno.test("reply: refusals carry reason and server time, never exceed 48 bytes", () => {
  for (
    const reason of [
      RefusalReason.STALE,
      RefusalReason.FUTURE,
      RefusalReason.REPLAY,
    ]
  ) {
    const refusal = createRefusal(key, {
      serverAddress,
      request,
      reason,
      serverTime: 42,
    });
    assert.equal(refusal.length, 48);
    assert.deepEqual(verifyReply(key, refusal, { serverAddress, request }), {
      type: "refusal",
      reason,
      serverTime: 42,
      nonce: request.nonce,
    });
  }
});

Deno.test("reply: a refusal may answer a request stamped past 2^53", () => {
  const refusal = createRefusal(key, {
    serverAddress,
    request: { ...request, timestamp: 2 ** 64 },
    reason: RefusalReason.FUTURE,
    serverTime: 1,
  });
  assert.equal(refusal.length, 48);
});

Deno.test("reply: anything that does not answer this request is null", () => {
  const ack = createAck(key, { serverAddress, request, statuses: [0, 0, 0] });
  const ok = { serverAddress, request };
  assert.notEqual(verifyReply(key, ack, ok), null);
  const other = { ...request, nonce: new Uint8Array(16) };
  assert.equal(verifyReply(key, ack, { serverAddress, request: other }), null);
  assert.equal(
    verifyReply(key, ack, {
      serverAddress,
      request: { ...request, timestamp: 1 },
    }),
    null,
  );
  assert.equal(
    verifyReply(key, ack, {
      serverAddress,
      request: { ...request, keys: "su" },
    }),
    null,
  );
  assert.equal(
    verifyReply(key, ack, { serverAddress: "2001:db8::8", request }),
    null,
  );
  const padded = new Uint8Array(100);
  padded.set(ack);
  assert.equal(verifyReply(key, padded, ok), null);
  assert.equal(verifyReply(key, ack.subarray(0, 20), ok), null);
  for (let i = 0; i < ack.length; i++) {
    const bad = ack.slice();
    bad[i] ^= 0x10;
    assert.equal(verifyReply(key, bad, ok), null, `byte ${i} changed`);
  }
});

Deno.test("reply: bad input throws", () => {
  const base = { serverAddress, request, statuses: [0, 0, 0] as KeyStatus[] };
  assert.throws(
    () => createAck(key, { ...base, statuses: [0, 0] }),
    RangeError,
  );
  assert.throws(
    () => createAck(key, { ...base, statuses: [0, 0, 3 as KeyStatus] }),
    RangeError,
  );
  assert.throws(
    () => createAck(key, { ...base, statuses: "000" as never }),
    TypeError,
  );
  assert.throws(
    () =>
      createAck(key, {
        ...base,
        request: { ...request, nonce: new Uint8Array(8) },
      }),
    RangeError,
  );
  assert.throws(
    () => createAck(key, { ...base, request: { ...request, keys: "" } }),
    RangeError,
  );
  const refusal = {
    serverAddress,
    request,
    reason: RefusalReason.STALE,
    serverTime: 1,
  };
  assert.throws(
    () => createRefusal(key, { ...refusal, reason: 0 as never }),
    RangeError,
  );
  assert.throws(
    () => createRefusal(key, { ...refusal, serverTime: -5 }),
    RangeError,
  );
  assert.throws(
    () => createRefusal(key, { ...refusal, serverAddress: "" }),
    TypeError,
  );
  assert.throws(
    () =>
      verifyReply(key, new Uint8Array(48), {
        serverAddress,
        request: null as never,
      }),
    TypeError,
  );
});
