// Fleet: the real client against 1,000 loopback responders in one run. Every
// host must be reported as acked; the time is printed for the issue notes
// (goal: under 2 s on the project's 2-core machines).

import assert from "node:assert";
import { deriveKey } from "../mod.ts";
import { startFleet } from "../tests/responder/responder.ts";
import { runClient, SOURCE } from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const FLEET = 1000;

Deno.test(`fleet: ${FLEET} loopback responders, every host reported`, async () => {
  const password = testPassword();
  const key = await deriveKey(password);
  const fleet = await startFleet(FLEET, { key });
  const dir = await Deno.makeTempDir();
  try {
    const hosts = fleet.map((r) => `127.0.0.1:${r.port}`);
    await Deno.writeTextFile(`${dir}/hosts`, hosts.join("\n") + "\n");
    const run = await runClient(SOURCE, [
      "--json",
      "--hosts-file",
      `${dir}/hosts`,
      "s",
    ], {
      env: { SYSRQ_PASSWORD: password },
    });
    const results = run.stdout.trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    const acked = results.filter((r) => r.outcome === "acked").length;
    const retried = results.filter((r) => r.attempts > 1).length;
    console.log(
      `fleet of ${FLEET}: client process ${
        run.ms.toFixed(0)
      } ms, ${retried} hosts needed a retry;` +
        ` client says "${run.stderr.trim()}"`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(results.map((r) => r.host), hosts, "every host, in order");
    assert.equal(acked, FLEET);
    assert.ok(fleet.every((r) => r.seen.length >= 1));
  } finally {
    await Promise.all(fleet.map((r) => r.close()));
    await Deno.remove(dir, { recursive: true });
  }
});
