// `--check --json` as a monitor reads it, against loopback test responders:
// every host that is not fine says why in one field, and a rule without
// --sysrq-keys reports its keys as null, not as every printable character.

import assert from "node:assert";
import { deriveKey } from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import { runClient, SOURCE } from "./_run_client.ts";
import { checkJson } from "./check.ts";

const PASSWORD = testPassword();
const ENV = { SYSRQ_PASSWORD: PASSWORD };
const QUICK = ["--timeout", "0.2", "--retries", "0"];

const objects = (stdout: string) =>
  stdout.trim().split("\n").map((line) => JSON.parse(line));

Deno.test("--check --json: a reason for every failure; ruleKeys null for a rule without --sysrq-keys", async () => {
  const fine = await startResponder({ key: await deriveKey(PASSWORD) });
  // Another password: the probe fails its MAC there and gets no answer.
  const other = await startResponder({ key: await deriveKey(testPassword()) });
  try {
    const run = await runClient(SOURCE, [
      "--check",
      "--json",
      ...QUICK,
      `127.0.0.1:${fine.port}`,
      `127.0.0.1:${other.port}`,
    ], { env: ENV });
    assert.equal(run.code, 1, run.stderr);
    const [up, silent] = objects(run.stdout);
    assert.equal(up.ok, true);
    assert.equal(up.ruleKeys, null, "every key: null, not 94 characters");
    assert.equal(up.reason, undefined, "a fine host has no reason");
    assert.equal(silent.ok, false);
    assert.equal(silent.reason, "no-answer");
    assert.equal(silent.probes, 1);

    // -6 with an IPv4 address: the host fails before any probe.
    const unresolved = await runClient(SOURCE, [
      "--check",
      "--json",
      "-6",
      `127.0.0.1:${fine.port}`,
    ], { env: ENV });
    assert.equal(unresolved.code, 1, unresolved.stderr);
    const [bad] = objects(unresolved.stdout);
    assert.equal(bad.reason, "unresolved");
    assert.match(bad.error, /not an IPv6 address/);
  } finally {
    await fine.close();
    await other.close();
  }
});

Deno.test("checkJson: the rule's own key set as sent; a closed port's reason", () => {
  const info = {
    version: "0.1.0",
    sysrq: 176,
    toleranceSeconds: 60,
    ruleKeys: "bsu",
    capabilities: {
      noAck: false,
      legacy: false,
      output: true,
      safeReboot: true,
    },
  };
  const up = JSON.parse(
    checkJson({ label: "web1", port: 9, ok: true, info }),
  );
  assert.equal(up.ruleKeys, "bsu");
  assert.equal(up.runs, "sub");
  const closed = JSON.parse(checkJson({
    label: "web1",
    port: 9,
    ok: false,
    reason: "port-closed",
    error: "nothing listens on UDP 9 there: module or rule missing",
  }));
  assert.equal(closed.reason, "port-closed");
});
