// The collector and what is shown of it, without the network.

import assert from "node:assert/strict";
import { MacKey } from "../mod.ts";
import { createOutput, outputKey } from "../core/output.ts";
import { OutputCollector } from "./output_channel.ts";
import { outputLines, outputText } from "./output_view.ts";

const KEY = await MacKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
const request = crypto.getRandomValues(new Uint8Array(57));
request.fill(0, 24, 28);
const OUT = outputKey(KEY, { request, serverAddress: "192.0.2.7" });
const bytes = (s: string) => new TextEncoder().encode(s);
const message = (index: number, text: string, last = false) =>
  createOutput(OUT, { index, text: bytes(text), last });

Deno.test("collector: out of order, duplicated, then complete", () => {
  const c = new OutputCollector(OUT);
  assert.ok(c.take(message(2, "c\n", true)));
  assert.ok(c.take(message(0, "a")));
  assert.ok(c.take(message(0, "a")));
  assert.equal(c.complete, false);
  assert.ok(c.take(message(1, "b\n")));
  assert.equal(c.complete, true);
  const report = c.report();
  assert.equal(report.chunks, 3);
  assert.equal(outputText(report), "ab\nc\n");
});

Deno.test("collector: a key made on demand is made once, on the first message", () => {
  let made = 0;
  const c = new OutputCollector(() => {
    made++;
    return outputKey(KEY, { request, serverAddress: "192.0.2.7" });
  });
  assert.equal(made, 0);
  assert.ok(c.take(message(0, "a")));
  assert.ok(c.take(message(1, "b\n", true)));
  // A forgery is judged under the same key, and dropped.
  const forged = message(2, "x");
  forged[forged.length - 1] ^= 1;
  assert.equal(c.take(forged), false);
  assert.equal(made, 1);
  assert.equal(outputText(c.report()), "ab\n");
});

Deno.test("collector: gaps become ranges; a chunk past LAST is ignored", () => {
  const c = new OutputCollector(OUT);
  c.take(message(0, "a\n"));
  for (const i of [3, 4, 5, 7]) c.take(message(i, `${i}\n`));
  c.take(message(8, "end\n", true));
  c.take(message(9, "after\n"));
  const report = c.report();
  assert.deepEqual(report.missing, [1, 2, 6]);
  assert.equal(
    outputText(report),
    "a\n[chunks 1-2 missing]\n3\n4\n5\n[chunk 6 missing]\n7\nend\n",
  );
  assert.match(
    outputLines({ state: "received", report }),
    /\n {2}output incomplete: missing chunks 1-2, 6$/,
  );
});

Deno.test("collector: the end missing, forgeries counted, nothing else believed", async () => {
  const c = new OutputCollector(OUT);
  c.take(message(0, "a\n"));
  const forged = message(1, "b\n");
  forged[50] ^= 1;
  assert.equal(c.take(forged), false);
  const other = outputKey(KEY, {
    request: request.map((b) => b ^ 1),
    serverAddress: "192.0.2.7",
  });
  assert.equal(
    c.take(createOutput(other, { index: 1, text: bytes("x"), last: true })),
    false,
  );
  await c.collect({ idleMs: 50, maxMs: 1000 });
  const report = c.report();
  assert.equal(report.ended, false);
  assert.equal(report.dropped, 2);
  const lines = outputLines({ state: "received", report });
  assert.match(lines, /its end never arrived \(after chunk 0\)/);
  assert.match(lines, /dropped 2 output messages that failed authentication/);
});

Deno.test("collector: collect returns at once when complete, and at maxMs when fed slowly", async () => {
  const c = new OutputCollector(OUT);
  c.take(message(0, "", true));
  const t0 = performance.now();
  await c.collect({ idleMs: 5000, maxMs: 5000 });
  assert.ok(performance.now() - t0 < 1000);
  assert.match(
    outputLines({ state: "received", report: c.report() }),
    /output: empty/,
  );
  const slow = new OutputCollector(OUT);
  let i = 0;
  const feed = setInterval(() => slow.take(message(i++, "x")), 20);
  try {
    await slow.collect({ idleMs: 1000, maxMs: 200 });
  } finally {
    clearInterval(feed);
  }
  assert.equal(
    slow.complete,
    false,
    "gave up at maxMs though chunks kept coming",
  );
});
