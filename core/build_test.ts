import assert from "node:assert/strict";
import { buildCore } from "./build.ts";

Deno.test("build: committed netsysrq_core.wasm and its hashes match a fresh build", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netsysrq-core-" });
  try {
    const fresh = await buildCore(dir);
    const committed = new URL("./netsysrq_core.wasm", import.meta.url);
    assert.deepEqual(
      await Deno.readFile(fresh.wasm),
      await Deno.readFile(committed),
      "core/netsysrq_core.wasm is stale: run `deno task build:core` and commit it",
    );
    assert.equal(
      await Deno.readTextFile(fresh.sums),
      await Deno.readTextFile(
        new URL("./netsysrq_core.wasm.sha256", import.meta.url),
      ),
      "core/netsysrq_core.wasm.sha256 is stale: run `deno task build:core`",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build: the module imports nothing and exports only the core", async () => {
  const bytes = await Deno.readFile(
    new URL("./netsysrq_core.wasm", import.meta.url),
  );
  const module = await WebAssembly.compile(bytes);
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  assert.ok(bytes.length < 8192, `${bytes.length} bytes`);
});
