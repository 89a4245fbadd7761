// The distributed forms of the client — the bundle under Deno and under
// Node, and the Node SEA binary alone in an empty directory with an empty
// PATH — each against the loopback test responder.

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import {
  bundledForms,
  type ClientForm,
  runClient,
  seaForm,
} from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);
const OUTPUT =
  "[ 1.000001] sysrq: Emergency Sync\n[ 1.000002] task:\x1b]0;x\x07\n";
/** OUTPUT as the client shows it: indented, the escape sequence escaped. */
const SHOWN = String
  .raw`    \[ 1\.000001\] sysrq: Emergency Sync\n    \[ 1\.000002\] task:\\x1b\]0;x\\x07\n`;

async function hasNode(): Promise<boolean> {
  try {
    return (await new Deno.Command("node", { args: ["--version"] }).output())
      .success;
  } catch {
    return false;
  }
}

async function exercise(t: Deno.TestContext, form: ClientForm) {
  const env = { SYSRQ_PASSWORD: PASSWORD };
  // Output as the module sends it: ChaCha20-Poly1305 from node:crypto in
  // every form, and text that must come out escaped.
  const responder = await startResponder({
    key: KEY,
    refuseBySysctl: "b",
    output: { text: OUTPUT, chunkSize: 20 },
  });
  const host = `127.0.0.1:${responder.port}`;
  try {
    await t.step(`${form.name}: --version`, async () => {
      const run = await runClient(form, ["--version"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^send_sysrq \d+\.\d+\.\d+\n$/);
    });
    await t.step(`${form.name}: --dry-run sends nothing`, async () => {
      const run = await runClient(form, ["--dry-run", "s", host], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /^127\.0\.0\.1:\d+ .*MAC bound to 127\.0\.0\.1$/m,
      );
      assert.equal(responder.seen.length, 0);
    });
    await t.step(`${form.name}: a real request is acked`, async () => {
      const run = await runClient(form, ["--yes", "su", host], { env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /acked in .*, ran once: s, u\n/);
      assert.match(
        run.stdout,
        new RegExp(`\n  output \\(${OUTPUT.length} bytes\\):\n${SHOWN}`),
      );
      assert.equal(responder.seen.at(-1)?.verdict, Verdict.ACCEPTED);
    });
    await t.step(`${form.name}: --output DIR`, async () => {
      const dir = await Deno.makeTempDir();
      try {
        const run = await runClient(
          form,
          ["--yes", "--output", dir, "s", host],
          { env },
        );
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const file = `${dir}/127.0.0.1:${responder.port}.log`;
        assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
        assert.equal(
          await Deno.readTextFile(file),
          "[ 1.000001] sysrq: Emergency Sync\n[ 1.000002] task:\\x1b]0;x\\x07\n",
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
    await t.step(`${form.name}: refused key and --json`, async () => {
      const run = await runClient(form, ["--yes", "--json", "sb", host], {
        env,
      });
      assert.equal(run.code, 1);
      const result = JSON.parse(run.stdout);
      assert.equal(result.statuses[1].status, "refused-by-sysctl");
    });
    await t.step(`${form.name}: bad input exits 2 with one line`, async () => {
      const run = await runClient(form, ["s".repeat(17), host], { env });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^send_sysrq: too many keys[^\n]*\n$/);
    });
  } finally {
    await responder.close();
  }
}

Deno.test("bundle: dist/send_sysrq.js under deno run and node", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "send_sysrq_bundle_" });
  try {
    const [deno, node] = await bundledForms(dir);
    await exercise(t, deno);
    if (!await hasNode()) {
      throw new Error("node is not installed: the bundle's Node run needs it");
    }
    await exercise(t, node);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("standalone: the Node SEA binary, alone, with an empty PATH", async (t) => {
  if (!await hasNode()) {
    throw new Error("node is not installed: compile:node needs Node 20+");
  }
  const dir = await Deno.makeTempDir({ prefix: "send_sysrq_sea_test_" });
  try {
    await exercise(t, await seaForm(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
