/**
 * The attack stories of issue 12 (tests/c/replay_scenarios.c) against the C
 * verifier: a packet refused as future, a reload before an accepted
 * packet's time, a clock stepped by NTP, a retry of a lost ack, a replayed
 * probe. Each must end with no captured packet acting again. Needs make, a
 * C compiler and libssl-dev.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, OUT_DIR } from "./_harness.ts";

const STORIES = [
  "refused-now-acts-later",
  "reload-before-timestamp",
  "clock-stepped-forward",
  "retry-runs-once",
  "probe-never-acts",
  "future-copy-raced",
];

Deno.test("C verifier: no captured packet acts again in any story", async (t) => {
  await make("scenarios");
  const { code, stdout, stderr } = await new Deno.Command(
    `${OUT_DIR}replay_scenarios`,
    { stdout: "piped", stderr: "piped" },
  ).output();
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  const results = new Map(
    lines.map((l) => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)]),
  );
  for (const story of STORIES) {
    await t.step(story, () => assert.equal(results.get(story), "ok"));
  }
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.equal(lines.length, STORIES.length, "one line per story");
});
