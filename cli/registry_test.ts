// The client never asks a package registry for anything when it starts
// (issue 11: in the demo, every client run inside the test's network
// namespace printed Deno's `Download https://…/hash-wasm`). The npm
// registry is pointed at a local listener that counts connections; the
// client from source, as the tests and the demo run it and as `deno task
// start` runs it, must not connect, must print nothing of Deno's, and must
// work. (The bundle and the binary carry hash-wasm inside: forms_test.ts.)

import assert from "node:assert";
import { deriveKey, Verdict } from "../mod.ts";
import { startResponder } from "../tests/responder/responder.ts";
import { testPassword } from "../tests/_testing.ts";
import { type ClientForm, runClient, SOURCE } from "./_run_client.ts";

const PASSWORD = testPassword();
const KEY = await deriveKey(PASSWORD);
const ROOT = new URL("../", import.meta.url).pathname;

/** `deno task start`, quiet so that deno task prints no line of its own. */
const TASK: ClientForm = {
  name: "deno task start",
  command: Deno.execPath(),
  args: ["task", "--quiet", "--cwd", ROOT, "start"],
};

/** A registry that answers nothing and counts who tried. */
function fakeRegistry() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })();
  return {
    url: `http://127.0.0.1:${listener.addr.port}/`,
    connections: () => connections,
    async close() {
      listener.close();
      await serving.catch(() => {});
    },
  };
}

Deno.test("registry: the client from source starts without one", async (t) => {
  const registry = fakeRegistry();
  const responder = await startResponder({ key: KEY });
  const host = `127.0.0.1:${responder.port}`;
  const env = {
    SYSRQ_PASSWORD: PASSWORD,
    NPM_CONFIG_REGISTRY: registry.url,
  };
  try {
    for (const form of [SOURCE, TASK]) {
      await t.step(`${form.name}: --dry-run`, async () => {
        const run = await runClient(form, ["--dry-run", "s", host], { env });
        assert.equal(run.stderr, "", "Deno printed something");
        assert.equal(run.code, 0);
        assert.match(run.stdout, /^127\.0\.0\.1:\d+ .*MAC bound to /m);
      });
      await t.step(`${form.name}: a request is acked`, async () => {
        const run = await runClient(form, ["--yes", "su", host], { env });
        assert.equal(run.stderr, "", "Deno printed something");
        assert.equal(run.code, 0, run.stdout);
        assert.match(run.stdout, /acked in .*, ran once: s, u\n/);
        assert.equal(responder.seen.at(-1)?.verdict, Verdict.ACCEPTED);
      });
    }
    assert.equal(registry.connections(), 0, "the client asked the registry");
  } finally {
    await responder.close();
    await registry.close();
  }
});
