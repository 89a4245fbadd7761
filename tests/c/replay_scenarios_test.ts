/**
 * The attack stories of issue 12 (tests/c/replay_scenarios.c) against the C
 * verifier: a packet refused as future, a reload before an accepted
 * packet's time, a clock stepped by NTP, a retry of a lost ack, a replayed
 * probe. Each must end with no captured packet acting again. Needs make, a
 * C compiler and libssl-dev.
 *
 * @module
 */
import { checkStories } from "./_harness.ts";

const STORIES = [
  "refused-now-acts-later",
  "reload-before-timestamp",
  "clock-stepped-forward",
  "retry-runs-once",
  "probe-never-acts",
  "future-copy-raced",
];

Deno.test(
  "C verifier: no captured packet acts again in any story",
  (t) => checkStories(t, "replay_scenarios", STORIES),
);
