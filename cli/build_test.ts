// `deno task compile`: with no way to download Deno's runtime it must fail
// with one clear line, and it must use DENORT_BIN when one is given.

import assert from "node:assert";

const BUILD = new URL("./build.ts", import.meta.url).pathname;

async function build(args: string[], env: Record<string, string>) {
  const base = Deno.env.toObject();
  delete base.DENORT_BIN;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", BUILD, ...args],
    env: { ...base, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

Deno.test("compile without the runtime download: one clear line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A proxy that refuses connections makes the download fail the same way
    // whether or not dl.deno.land is reachable from this machine.
    const unreachable = "http://127.0.0.1:9";
    const env = {
      HTTPS_PROXY: unreachable,
      HTTP_PROXY: unreachable,
    };
    const run = await build(["compile", dir], env);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: deno compile cannot download its runtime \(denort\)[^\n]*DENORT_BIN[^\n]*compile:node[^\n]*\n$/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile honours DENORT_BIN", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Deno's own binary stands in for denort: the build must take it instead
    // of downloading (FACTS: the result then acts as plain deno).
    const unreachable = "http://127.0.0.1:9";
    const env = { HTTPS_PROXY: unreachable, DENORT_BIN: Deno.execPath() };
    const run = await build(["compile", dir], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((await Deno.stat(`${dir}/send_sysrq`)).size > 1e6);
    // A DENORT_BIN that is not there is named in the one-line error.
    const missing = await build(["compile", dir], {
      DENORT_BIN: `${dir}/nope`,
    });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^error: deno compile failed: Could not find denort at .*nope[^\n]*\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
