/**
 * Acceptance is atomic (docs/PROTOCOL.md): the C verifier, run on two
 * threads that take on each packet at the same instant (tests/c/
 * race_verify.c), accepts every packet exactly once. Needs make, a C
 * compiler, libssl-dev and at least two CPUs to race for real.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, OUT_DIR } from "./_harness.ts";

Deno.test("C verifier: a packet racing on two CPUs is accepted once", async () => {
  await make("race");
  const { code, stdout, stderr } = await new Deno.Command(
    `${OUT_DIR}race_verify`,
    { stdout: "piped", stderr: "piped" },
  ).output();
  const out = new TextDecoder().decode(stdout).trim();
  assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
  const [accepted, packets] = out.split(" ").map(Number);
  assert.ok(packets > 0);
  assert.equal(accepted, packets);
});
