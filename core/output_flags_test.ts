// The flags that ask for output (request) and announce it (ack), through
// the library face and the WASM core's checks.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  createAck,
  createRequest,
  createServerState,
  KeyStatus,
  MacKey,
  type RequestInfo,
  Verdict,
  verifyReply,
  verifyRequest,
} from "../mod.ts";
import { encodeAddress } from "./address.ts";

const RAW = crypto.getRandomValues(new Uint8Array(32));
const KEY = await MacKey.fromBytes(RAW);
const serverAddress = "192.0.2.7";
const NOW = 1_800_000_000_000;

function info(outputWanted = true): RequestInfo {
  return {
    keys: "w",
    bootId: new Uint8Array(8).fill(1),
    timestamp: NOW,
    nonce: crypto.getRandomValues(new Uint8Array(12)),
    ackWanted: true,
    outputWanted,
  };
}

/** Re-tag `message` (any flags) with the raw key, as a server could. */
function retag(message: Uint8Array, label: string): Uint8Array {
  const out = message.slice();
  const tag = createHmac("sha256", RAW).update(new TextEncoder().encode(label))
    .update(encodeAddress(serverAddress))
    .update(out.subarray(0, out.length - 16)).digest();
  out.set(tag.subarray(0, 16), out.length - 16);
  return out;
}

Deno.test("output flags: a request asks for output with flag 02, only with an ack", () => {
  const packet = createRequest(KEY, { ...info(), serverAddress });
  assert.equal(packet[6], 0x03);
  assert.throws(
    () =>
      createRequest(KEY, {
        ...info(),
        ackWanted: false,
        serverAddress,
      }),
    /outputWanted goes with ackWanted/,
  );
  assert.equal(createRequest(KEY, { ...info(false), serverAddress })[6], 0x01);
});

Deno.test("output flags: the ladder takes OUTPUT_WANTED with ACK_WANTED, refuses it alone", () => {
  const judge = (packet: Uint8Array) =>
    verifyRequest(KEY, packet, {
      serverAddress,
      now: NOW,
      toleranceMs: 60_000,
      state: { ...createServerState(), bootId: new Uint8Array(8).fill(1) },
      output: () => "follows",
    });
  const asked = judge(createRequest(KEY, { ...info(), serverAddress }));
  assert.equal(asked.verdict, Verdict.ACCEPTED);
  assert.equal(asked.request?.outputWanted, true);
  const alone = retag(
    createRequest(KEY, { ...info(false), ackWanted: false, serverAddress }),
    "netsysrq v2 req\0",
  );
  alone[6] = 0x02;
  assert.equal(
    judge(retag(alone, "netsysrq v2 req\0")).verdict,
    Verdict.BAD_FLAGS,
  );
  const unknown = createRequest(KEY, { ...info(), serverAddress });
  unknown[6] = 0x07;
  assert.equal(
    judge(retag(unknown, "netsysrq v2 req\0")).verdict,
    Verdict.BAD_FLAGS,
  );
});

Deno.test("output flags: the server's ack says follows or busy, never on a re-ack", () => {
  const state = { ...createServerState(), bootId: new Uint8Array(8).fill(1) };
  const request = info();
  const packet = createRequest(KEY, { ...request, serverAddress });
  const options = {
    serverAddress,
    now: NOW,
    toleranceMs: 60_000,
    state,
    output: () => "follows" as const,
  };
  const first = verifyRequest(KEY, packet, options);
  const ack = verifyReply(KEY, first.reply!, { serverAddress, request });
  assert.ok(ack?.type === "ack" && ack.output === "follows");
  const again = verifyRequest(KEY, packet, options);
  assert.equal(again.verdict, Verdict.REPEATED);
  const reAck = verifyReply(KEY, again.reply!, { serverAddress, request });
  assert.ok(
    reAck?.type === "ack" && reAck.repeat && reAck.output === undefined,
  );
  // No output asked: no flag, whatever the server would do.
  const plain = info(false);
  const none = verifyRequest(
    KEY,
    createRequest(KEY, { ...plain, serverAddress, timestamp: NOW + 1 }),
    options,
  );
  assert.equal(none.reply![6], 0);
});

Deno.test("output flags: the client believes only ack flag combinations the protocol has", () => {
  const request = info();
  const statuses = [KeyStatus.EXECUTED];
  const ack = (output?: "follows" | "busy", repeat = false) =>
    createAck(KEY, { serverAddress, request, statuses, output, repeat });
  const read = (packet: Uint8Array) =>
    verifyReply(KEY, packet, { serverAddress, request });
  const busy = read(ack("busy"));
  assert.ok(busy?.type === "ack" && busy.output === "busy");
  assert.throws(() => ack("follows", true), /re-ack/);
  for (const flags of [0x03, 0x06, 0x08, 0x80]) {
    const forged = ack();
    forged[6] = flags;
    assert.equal(
      read(retag(forged, "netsysrq v2 ack\0")),
      null,
      `flags ${flags}`,
    );
  }
  // The retag helper itself makes acks the client believes.
  const fine = ack();
  fine[6] = 0x05; // REPEAT | BUSY
  assert.ok(read(retag(fine, "netsysrq v2 ack\0")));
});
