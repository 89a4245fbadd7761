/**
 * tools/install-deps.sh installs the packages of a test-kernel folder that
 * are not installed yet, once: a second run installs nothing. The folder
 * here holds a stand-in, an empty package named like a kernel's headers
 * (installing a real kernel takes a minute and changes what other tests
 * build for); NSR_TEST_KERNELS points the script at it. Needs root.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runCommand } from "./_testing.ts";

const script = new URL("../tools/install-deps.sh", import.meta.url).pathname;
const NAME = "linux-headers-0.0.0-nsr-selftest";

async function run(cmd: string, args: string[], env = {}) {
  const r = await runCommand(cmd, args, { env });
  return { code: r.code, text: r.stdout + r.stderr };
}

async function status(): Promise<string> {
  return (await run("dpkg-query", ["-W", "-f=${Status} ${Version}", NAME]))
    .text;
}

/** An empty package named like a kernel's headers, in a fresh folder. */
async function standInFolder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "nsr-kernels-" });
  const tree = `${dir}/tree`;
  await Deno.mkdir(`${tree}/DEBIAN`, { recursive: true });
  await Deno.writeTextFile(
    `${tree}/DEBIAN/control`,
    [
      `Package: ${NAME}`,
      "Version: 1.0-1",
      "Architecture: all",
      "Maintainer: netsysrq tests <netsysrq@localhost>",
      "Description: stand-in for a test kernel's headers (install-deps test)",
      "",
    ].join("\n"),
  );
  const deb = `${dir}/${NAME}_1.0-1_all.deb`;
  const built = await run("dpkg-deb", [
    "--build",
    "--root-owner-group",
    tree,
    deb,
  ]);
  assert.equal(built.code, 0, built.text);
  await Deno.remove(tree, { recursive: true });
  return dir;
}

Deno.test({
  name: "install-deps.sh installs a test-kernel folder's packages once",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await run("dpkg", ["--purge", NAME]);
    const dir = await standInFolder();
    const env = { NSR_TEST_KERNELS: dir };
    try {
      assert.doesNotMatch(await status(), /installed/);
      const first = await run("bash", [script], env);
      assert.equal(first.code, 0, first.text);
      assert.match(first.text, new RegExp(`installing test kernels .*${NAME}`));
      assert.equal(await status(), "install ok installed 1.0-1");

      const second = await run("bash", [script], env);
      assert.equal(second.code, 0, second.text);
      assert.equal(second.text, "", "the second run did something");
    } finally {
      await run("dpkg", ["--purge", NAME]);
      await Deno.remove(dir, { recursive: true });
    }
    assert.doesNotMatch(await status(), /installed/);
  },
});
