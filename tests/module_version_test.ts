/**
 * The module's version is written in three places that must agree: deno.json
 * (the packages' version), kernel/dkms.conf (the version DKMS installs) and
 * kernel/nsr_version.h (MODULE_VERSION, and what the info probe tells
 * `send_sysrq --check`). A release that bumps one and not the others would
 * make `--check` report a version that is not the one installed.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

/** MAJOR.MINOR.PATCH from nsr_version.h's three defines. */
function headerVersion(text: string): string {
  const part = (name: string) => {
    const m = text.match(
      new RegExp(`^#define\\s+NSR_MODULE_VERSION_${name}\\s+(\\d+)\\s*$`, "m"),
    );
    assert.ok(m, `nsr_version.h has no NSR_MODULE_VERSION_${name}`);
    return m[1];
  };
  return ["MAJOR", "MINOR", "PATCH"].map(part).join(".");
}

Deno.test("module version: nsr_version.h, dkms.conf and deno.json agree", async () => {
  const packaged = JSON.parse(await read("deno.json")).version;
  assert.match(packaged, /^\d+\.\d+\.\d+$/);
  const dkms = (await read("kernel/dkms.conf"))
    .match(/^PACKAGE_VERSION="([^"]*)"$/m)?.[1];
  assert.equal(dkms, packaged, "kernel/dkms.conf PACKAGE_VERSION");
  assert.equal(
    headerVersion(await read("kernel/nsr_version.h")),
    packaged,
    "kernel/nsr_version.h",
  );
});
