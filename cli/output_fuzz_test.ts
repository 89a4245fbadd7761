// Fuzzes the client's side of the output channel: openOutput and the
// collector that feeds on it get random datagrams and mutations of genuine
// output messages (bit flips, bytes set, cut, extended, spliced), and must
// never throw, never believe a message that is not byte for byte one the
// server sealed, and never report text the server did not send.
//
// Runs for NSR_FUZZ_SECONDS (default 5; `deno task test` sets its own) with
// a random seed it prints; NSR_FUZZ_SEED=<n> replays one run.

import assert from "node:assert/strict";
import { MacKey } from "../mod.ts";
import { createOutput, openOutput, outputKey } from "../core/output.ts";
import { hex } from "../core/hex.ts";
import { OutputCollector } from "./output_channel.ts";

const seconds = Number(Deno.env.get("NSR_FUZZ_SECONDS") ?? "5");
const seed = Number(
  Deno.env.get("NSR_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31),
);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

Deno.test(`output fuzz: random and mutated messages are cleanly refused (seed ${seed})`, async () => {
  const random = generator(seed);
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const key = await MacKey.fromBytes(bytes(32));
  const request = bytes(57);
  request.set([0x4e, 0x53, 0x52, 0x51, 2, 1, 3, 1]);
  request.fill(0, 24, 28); // password mode
  const out = outputKey(key, { request, serverAddress: "192.0.2.7" });
  // The genuine messages: the only ones that may ever open.
  const genuine = new Map<string, Uint8Array>();
  const texts: Uint8Array[] = [];
  for (let index = 0; index < 6; index++) {
    const text = bytes([0, 1, 17, 1023, 1024][int(5)]);
    texts.push(text);
    const message = createOutput(out, { index, text, last: index === 5 });
    genuine.set(hex(message), text);
  }
  const originals = [...genuine.keys()].map((h) =>
    Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16))
  );
  const mutate = (): Uint8Array => {
    const base = originals[int(originals.length)];
    switch (int(7)) {
      case 0: // random bytes, often with a plausible header
        return int(2) ? bytes(int(1200)) : (() => {
          const m = bytes(58 + int(1100));
          m.set(base.subarray(0, 42));
          return m;
        })();
      case 1: { // a few bit flips
        const m = base.slice();
        for (let n = 1 + int(3); n > 0; n--) m[int(m.length)] ^= 1 << int(8);
        return m;
      }
      case 2: { // a byte set
        const m = base.slice();
        m[int(m.length)] = int(256);
        return m;
      }
      case 3: // cut
        return base.slice(0, int(base.length));
      case 4: // extended
        return new Uint8Array([...base, ...bytes(1 + int(40))]);
      case 5: { // one message's header and index on another's body
        const other = originals[int(originals.length)];
        return new Uint8Array([...base.subarray(0, 42), ...other.subarray(42)]);
      }
      default: // a genuine one, now and then
        return base.slice();
    }
  };
  const collector = new OutputCollector(out);
  const deadline = Date.now() + seconds * 1000;
  let runs = 0;
  let opened = 0;
  while (Date.now() < deadline || runs < 2000) {
    const packet = mutate();
    const chunk = openOutput(out, packet); // must not throw
    const original = genuine.get(hex(packet));
    if (original === undefined) {
      assert.equal(chunk, null, `forged message opened: ${hex(packet)}`);
    } else {
      assert.ok(chunk, "a genuine message was refused");
      assert.deepEqual(chunk.text, original);
      opened++;
    }
    assert.equal(collector.take(packet), original !== undefined);
    runs++;
  }
  // Whatever came, the collector holds only what the server sent.
  const report = collector.report();
  report.parts.forEach((part, index) => {
    if (part !== null) assert.deepEqual(part, texts[index], `chunk ${index}`);
  });
  assert.ok(opened > 0 && report.dropped > 0, "both kinds were tried");
  console.log(
    `${runs} datagrams, ${opened} genuine, ${report.dropped} dropped`,
  );
});
