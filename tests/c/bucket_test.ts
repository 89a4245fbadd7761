/**
 * The refusal bucket (kernel/nsr_bucket.h) as a pure function of the time:
 * each case starts a bucket, then takes tokens at the given milliseconds
 * and says, for each, whether a token was there and how many whole tokens
 * are left (docs/PROTOCOL.md: at most 5 per second, bursts of 5). Built by
 * tests/c/Makefile; needs make and a C compiler.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, runLines } from "./_harness.ts";

/** A monotonic clock's milliseconds, as the kernel's jiffies give them. */
const T0 = 17_179_869_184;

interface Take {
  /** When, in ms. */
  at: number;
  /** Whether a token was there to take. */
  took: boolean;
  /** Whole tokens left just after. */
  left: number;
}

interface Case {
  caption: string;
  start: { tokens: number; at: number; expected: number };
  takes: Take[];
}

const take = (at: number, took: boolean, left: number): Take => ({
  at,
  took,
  left,
});

const CASES: Case[] = [
  {
    caption: "a full bucket pays for a burst of five, then nothing",
    start: { tokens: 5, at: T0, expected: 5 },
    takes: [
      take(T0, true, 4),
      take(T0, true, 3),
      take(T0, true, 2),
      take(T0, true, 1),
      take(T0, true, 0),
      take(T0, false, 0),
    ],
  },
  {
    caption: "an empty bucket gets one token back every 200 ms",
    start: { tokens: 0, at: T0, expected: 0 },
    takes: [
      take(T0 + 199, false, 0),
      take(T0 + 200, true, 0),
      take(T0 + 200, false, 0),
      take(T0 + 399, false, 0),
      take(T0 + 400, true, 0),
    ],
  },
  {
    caption: "an hour idle refills the burst, not more",
    start: { tokens: 0, at: T0, expected: 0 },
    takes: [
      take(T0 + 3_600_000, true, 4),
      take(T0 + 3_600_000, true, 3),
      take(T0 + 3_600_000, true, 2),
      take(T0 + 3_600_000, true, 1),
      take(T0 + 3_600_000, true, 0),
      take(T0 + 3_600_000, false, 0),
    ],
  },
  {
    caption: "five a second, one every 200 ms, is always paid",
    start: { tokens: 0, at: T0, expected: 0 },
    takes: Array.from(
      { length: 10 },
      (_, i) => take(T0 + 200 * (i + 1), true, 0),
    ),
  },
  {
    caption: "ten a second: the burst and the refill, then one in two",
    start: { tokens: 5, at: T0, expected: 5 },
    takes: [
      take(T0, true, 4),
      take(T0 + 100, true, 3),
      take(T0 + 200, true, 3),
      take(T0 + 300, true, 2),
      take(T0 + 400, true, 2),
      take(T0 + 500, true, 1),
      take(T0 + 600, true, 1),
      take(T0 + 700, true, 0),
      take(T0 + 800, true, 0),
      take(T0 + 900, false, 0),
      take(T0 + 1000, true, 0),
      take(T0 + 1100, false, 0),
      take(T0 + 1200, true, 0),
    ],
  },
  {
    caption: "started with two: two tokens, then the refill",
    start: { tokens: 2, at: T0, expected: 2 },
    takes: [
      take(T0, true, 1),
      take(T0, true, 0),
      take(T0, false, 0),
      take(T0 + 200, true, 0),
    ],
  },
  {
    caption: "started with more than the burst: the burst",
    start: { tokens: 9, at: T0, expected: 5 },
    takes: [take(T0 + 10_000, true, 4)],
  },
  {
    caption: "from the clock's zero, as a fresh boot",
    start: { tokens: 5, at: 0, expected: 5 },
    takes: [take(0, true, 4), take(1, true, 3), take(1000, true, 4)],
  },
];

Deno.test("refusal bucket: tokens taken and left at each time", async (t) => {
  await make("bucket");
  for (const c of CASES) {
    await t.step(c.caption, async () => {
      const out = await runLines("bucket_runner", [
        `S ${c.start.tokens} ${c.start.at}`,
        ...c.takes.map((k) => `T ${k.at}`),
      ]);
      assert.equal(out[0], String(c.start.expected), "tokens at the start");
      for (const [i, k] of c.takes.entries()) {
        assert.equal(
          out[i + 1],
          `${k.took ? 1 : 0} ${k.left}`,
          `take ${i + 1}, at start + ${k.at - c.start.at} ms`,
        );
      }
    });
  }
});
