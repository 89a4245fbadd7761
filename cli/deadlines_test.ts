import assert from "node:assert/strict";
import { Deadlines } from "./deadlines.ts";

/** A promise and its resolve, to answer a wait when the test says. */
function later<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("Deadlines: an answer in time wins, silence ends in null, never early", async () => {
  const deadlines = new Deadlines();
  const answered = later<string>();
  const silent = later<string>();
  const started = performance.now();
  const waits = [
    deadlines.within(answered.promise, 200),
    deadlines.within(silent.promise, 30),
  ];
  answered.resolve("ack");
  assert.equal(await waits[0], "ack");
  assert.equal(await waits[1], null);
  assert.ok(performance.now() - started >= 30, "a wait ended early");
  // An answer after its wait ended changes nothing.
  silent.resolve("late");
  assert.equal(await waits[1], null);
});

Deno.test("Deadlines: waits of different lengths end in deadline order", async () => {
  const deadlines = new Deadlines();
  const ended: number[] = [];
  const never = new Promise<never>(() => {});
  // Added out of order: 40 ms, then 10, then 25.
  const waits = [40, 10, 25].map((ms) =>
    deadlines.within(never, ms).then(() => ended.push(ms))
  );
  await Promise.all(waits);
  assert.deepEqual(ended, [10, 25, 40]);
});

Deno.test("Deadlines: a rejection passes through", async () => {
  const deadlines = new Deadlines();
  await assert.rejects(
    deadlines.within(Promise.reject(new Error("no socket")), 50),
    /no socket/,
  );
  // Reused after it went idle.
  assert.equal(await deadlines.within(new Promise(() => {}), 5), null);
});

Deno.test({
  name: "Deadlines: answered waits leave no timer behind",
  // Off by default in Deno 2: fails the test if a timer is left running
  // (the minute-long waits end at once, and nothing else is pending).
  sanitizeOps: true,
  fn: async () => {
    const deadlines = new Deadlines();
    const first = later<number>();
    const waits = [
      deadlines.within(first.promise, 60_000),
      deadlines.within(Promise.resolve(2), 30_000),
    ];
    first.resolve(1);
    assert.deepEqual(await Promise.all(waits), [1, 2]);
  },
});

Deno.test("Deadlines: thousands of waits, each ends with its own answer or null", async () => {
  const deadlines = new Deadlines();
  const answers = Array.from({ length: 3000 }, () => later<number>());
  const waits = answers.map((a) => deadlines.within(a.promise, 50));
  answers.forEach((a, i) => i % 3 !== 0 && a.resolve(i));
  const results = await Promise.all(waits);
  results.forEach((r, i) => assert.equal(r, i % 3 === 0 ? null : i));
});
