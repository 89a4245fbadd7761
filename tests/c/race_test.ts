/**
 * Acceptance is atomic (docs/PROTOCOL.md): the C verifier, run on two
 * threads that take on each packet at the same instant (tests/c/
 * race_verify.c), accepts every packet exactly once; and the refusal
 * bucket raided by both at once gives out its burst, never more. Needs
 * make, a C compiler, libssl-dev and at least two CPUs to race for real.
 *
 * @module
 */
import assert from "node:assert/strict";
import { make, OUT_DIR } from "./_harness.ts";

/** Runs race_verify with `args`; returns the two numbers it prints. */
async function race(...args: string[]): Promise<[number, number]> {
  await make("race");
  const { code, stdout, stderr } = await new Deno.Command(
    `${OUT_DIR}race_verify`,
    { args, stdout: "piped", stderr: "piped" },
  ).output();
  const out = new TextDecoder().decode(stdout).trim();
  assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
  const [got, want] = out.split(" ").map(Number);
  return [got, want];
}

Deno.test("C verifier: a packet racing on two CPUs is accepted once", async () => {
  const [accepted, packets] = await race();
  assert.ok(packets > 0);
  assert.equal(accepted, packets);
});

Deno.test("refusal bucket: two CPUs taking at once get the burst, no more", async () => {
  const [taken, there] = await race("bucket");
  assert.ok(there > 0);
  assert.equal(taken, there);
});
