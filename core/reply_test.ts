import assert from "node:assert/strict";
import {
  createAck,
  createClockAnswer,
  createRefusal,
  createRequest,
  createServerState,
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
const BOOT = new Uint8Array(8).fill(0xb0);
const request: RequestInfo = {
  keys: "sub",
  bootId: BOOT,
  timestamp: 1700000000000,
  nonce: new Uint8Array(12).fill(9),
  ackWanted: true,
};

Deno.test("reply: the server's answer to a real request verifies at the client", () => {
  const state = createServerState();
  const packet = createRequest(key, {
    keys: "su",
    serverAddress,
    bootId: state.bootId,
    timestamp: 1700000000000,
  });
  const result = verifyRequest(key, packet, {
    serverAddress,
    now: 1700000000000,
    toleranceMs: 60000,
    state,
    statuses: () => [KeyStatus.EXECUTED, KeyStatus.REFUSED_BY_SYSCTL],
  });
  assert.equal(result.verdict, Verdict.ACCEPTED);
  const sent = result.request!;
  const ack = result.reply!;
  assert.equal(ack.length, packet.length, "an ack is as long as its request");
  const reply = verifyReply(key, ack, { serverAddress, request: sent });
  assert.deepEqual(reply, {
    type: "ack",
    bootId: state.bootId,
    timestamp: sent.timestamp,
    nonce: sent.nonce,
    statuses: [0, 2],
    repeat: false,
  });
});

Deno.test("reply: refusals carry reason, boot id and server time, 56 bytes", () => {
  for (
    const reason of [
      RefusalReason.STALE,
      RefusalReason.FUTURE,
      RefusalReason.REPLAY,
      RefusalReason.BOOT,
    ]
  ) {
    const bootId = new Uint8Array(8).fill(reason);
    const refusal = createRefusal(key, {
      serverAddress,
      nonce: request.nonce,
      reason,
      bootId,
      serverTime: 1700000300000,
    });
    assert.equal(refusal.length, 56);
    assert.deepEqual(verifyReply(key, refusal, { serverAddress, request }), {
      type: "refusal",
      reason,
      bootId,
      serverTime: 1700000300000,
      nonce: request.nonce,
    });
  }
});

Deno.test("reply: a clock answer fits only its probe, never a request", () => {
  const nonce = new Uint8Array(12).fill(4);
  const answer = createClockAnswer(key, {
    serverAddress,
    nonce,
    bootId: BOOT,
    serverTime: 42,
  });
  const probe = { probe: true as const, nonce };
  assert.equal(
    verifyReply(key, answer, { serverAddress, request: probe })?.type,
    "clock",
  );
  const asRequest = { ...request, nonce };
  assert.equal(
    verifyReply(key, answer, { serverAddress, request: asRequest }),
    null,
  );
  const other = { probe: true as const, nonce: new Uint8Array(12) };
  assert.equal(
    verifyReply(key, answer, { serverAddress, request: other }),
    null,
  );
  // An ack or a refusal is never the answer to a probe.
  const refusal = createRefusal(key, {
    serverAddress,
    nonce,
    reason: RefusalReason.STALE,
    bootId: BOOT,
    serverTime: 42,
  });
  assert.equal(
    verifyReply(key, refusal, { serverAddress, request: probe }),
    null,
  );
});

Deno.test("reply: anything that does not answer this request is null", () => {
  const ack = createAck(key, { serverAddress, request, statuses: [0, 0, 0] });
  const ok = { serverAddress, request };
  assert.notEqual(verifyReply(key, ack, ok), null);
  const other = { ...request, nonce: new Uint8Array(12) };
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
    nonce: request.nonce,
    reason: RefusalReason.STALE,
    bootId: BOOT,
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
    () => createRefusal(key, { ...refusal, bootId: new Uint8Array(9) }),
    RangeError,
  );
  assert.throws(
    () =>
      verifyReply(key, new Uint8Array(56), {
        serverAddress,
        request: null as never,
      }),
    TypeError,
  );
});
