/**
 * Packets per second for building and verifying requests, each beside a
 * baseline of hash-wasm's bare HMAC-SHA256 over the same MAC input (label,
 * address and the request without its tag): `deno bench -A core/`.
 * Goal (issue 3): verify >= 200,000 packets/s, within 1.5x of the baseline.
 *
 * @module
 */

import { createHMAC, createSHA256 } from "hash-wasm";
import {
  createRequest,
  createServerState,
  encodeAddress,
  KeySet,
  MacKey,
  Verdict,
  verifyRequest,
} from "../mod.ts";
import {
  ADDR_LEN,
  KEY_LEN,
  LABEL_LEN,
  NONCE_LEN,
  TAG_LEN,
} from "./constants.ts";

const raw = new Uint8Array(KEY_LEN).fill(3);
const key = await MacKey.fromBytes(raw);
const bare = await createHMAC(createSHA256(), raw);
const serverAddress = "192.0.2.7";
const NOW = 1700000000000;
const nonce = new Uint8Array(NONCE_LEN).fill(5);
const state = createServerState(0);
const bootId = state.bootId;

// No ack wanted: verifyRequest then only judges (an ack is a second HMAC,
// measured apart below as "accepted and acked").
const packet = createRequest(key, {
  keys: "b",
  serverAddress,
  bootId,
  timestamp: NOW,
  nonce,
  ackWanted: false,
});
const acked = createRequest(key, {
  keys: "b",
  serverAddress,
  bootId,
  timestamp: NOW,
  nonce,
});
const macInput = new Uint8Array(LABEL_LEN + ADDR_LEN + packet.length - TAG_LEN);
macInput.set(new TextEncoder().encode("netsysrq v2 req\0"));
macInput.set(encodeAddress(serverAddress), LABEL_LEN);
macInput.set(packet.subarray(0, packet.length - TAG_LEN), LABEL_LEN + ADDR_LEN);

function bareHmac(): Uint8Array {
  bare.init();
  bare.update(macInput);
  return bare.digest("binary");
}

Deno.bench({
  name: "bare HMAC-SHA256 (hash-wasm), 73-byte MAC input",
  group: "create",
  baseline: true,
  fn: () => void bareHmac(),
});

Deno.bench({
  name: "createRequest (1 key, fixed nonce and time)",
  group: "create",
  fn: () =>
    void createRequest(key, {
      keys: "b",
      serverAddress,
      bootId,
      timestamp: NOW,
      nonce,
    }),
});

Deno.bench({
  name: "createRequest (1 key, random nonce)",
  group: "create",
  fn: () =>
    void createRequest(key, {
      keys: "b",
      serverAddress,
      bootId,
      timestamp: NOW,
    }),
});

Deno.bench({
  name: "bare HMAC-SHA256 (hash-wasm), 73-byte MAC input",
  group: "verify",
  baseline: true,
  fn: () => void bareHmac(),
});

const options = { serverAddress, now: NOW, toleranceMs: 60000, state };

/** Forget the accepted request, so the same packet is accepted again. */
function reset(): void {
  state.floor = 0n;
  state.lastAccepted = null;
}
Deno.bench({
  name: "verifyRequest, accepted (every rung and the MAC)",
  group: "verify",
  fn: () => {
    reset();
    if (verifyRequest(key, packet, options).verdict !== Verdict.ACCEPTED) {
      throw new Error("not accepted");
    }
  },
});

Deno.bench({
  name: "verifyRequest, accepted and acked (the ack is a second HMAC)",
  group: "verify",
  fn: () => {
    reset();
    if (verifyRequest(key, acked, options).reply === undefined) {
      throw new Error("no ack");
    }
  },
});

// Server-key mode: the key the packet's id names, looked up among 8, and
// the address A of 16 zero bytes (the same MAC input length as above).
const KEY_ID = 0x8f3a01c2;
const keys = new KeySet({
  serverKeys: await Promise.all(
    Array.from({ length: 8 }, async (_, i) =>
      [
        i === 7 ? KEY_ID : 0x90000000 + i,
        i === 7 ? key : await MacKey.fromBytes(new Uint8Array(KEY_LEN).fill(i)),
      ] as [number, MacKey]),
  ),
});
const keyed = createRequest(key, {
  keys: "b",
  keyId: KEY_ID,
  bootId,
  timestamp: NOW,
  nonce,
  ackWanted: false,
});
Deno.bench({
  name: "verifyRequest, accepted, server key (one of 8, A = zeros)",
  group: "verify",
  fn: () => {
    reset();
    if (verifyRequest(keys, keyed, options).verdict !== Verdict.ACCEPTED) {
      throw new Error("not accepted");
    }
  },
});

const stale = createRequest(key, {
  keys: "b",
  serverAddress,
  bootId,
  timestamp: 1,
  nonce,
});
Deno.bench({
  name: "verifyRequest, stale without refusal token (no hash)",
  group: "verify",
  fn: () => void verifyRequest(key, stale, options),
});

/** Median ns per call of `fn` over `rounds` rounds of `n` calls. */
function timeRounds(fns: Record<string, () => void>, rounds = 25, n = 20000) {
  const samples: Record<string, number[]> = {};
  for (const name in fns) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    // Interleaved, so load from other processes hits every kind alike.
    for (const [name, fn] of Object.entries(fns)) {
      const start = performance.now();
      for (let i = 0; i < n; i++) fn();
      samples[name].push(((performance.now() - start) * 1e6) / n);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return Object.fromEntries(
    Object.entries(samples).map(([name, xs]) => [name, median(xs)]),
  );
}

// `deno run -A core/core_bench.ts`: medians of interleaved rounds and ratios
// (steadier than single runs on a busy machine).
if (import.meta.main) {
  const m = timeRounds({
    hmac: () => void bareHmac(),
    create: () =>
      void createRequest(key, {
        keys: "b",
        serverAddress,
        bootId,
        timestamp: NOW,
        nonce,
      }),
    verify: () => {
      reset();
      verifyRequest(key, packet, options);
    },
    verifyKey: () => {
      reset();
      verifyRequest(keys, keyed, options);
    },
  });
  for (const [name, ns] of Object.entries(m)) {
    const perSec = Math.round(1e9 / ns).toLocaleString("en");
    console.log(
      `${name.padEnd(9)} ${ns.toFixed(0).padStart(6)} ns  ${perSec}/s`,
    );
  }
  console.log(`create/hmac ${(m.create / m.hmac).toFixed(2)}x`);
  console.log(`verify/hmac ${(m.verify / m.hmac).toFixed(2)}x`);
  console.log(`verifyKey/hmac ${(m.verifyKey / m.hmac).toFixed(2)}x`);
}
