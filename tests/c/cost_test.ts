/**
 * The verifier's cost goals of issue 4, checked with callgrind on every
 * `deno task test` (instruction counts do not depend on machine load):
 * cheap rejections compute no hash and cost at most 300 instructions; an
 * accepted request costs at most 1.25x one HMAC-SHA256 with precomputed
 * pads. `deno task bench:kernel` prints the full table. Needs valgrind.
 *
 * @module
 */
import assert from "node:assert/strict";
import { measure, missedGoal, ROWS } from "./callgrind.ts";

Deno.test("C verifier: cost goals under callgrind", async (t) => {
  const costs = await measure();
  for (const row of ROWS.filter((r) => r.cheapMax ?? r.ratioMax)) {
    await t.step(row.label, () => {
      assert.equal(missedGoal(row, costs), null);
    });
  }
});
