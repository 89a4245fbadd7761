/**
 * The guest's default kernel is chosen from /boot as it is when a guest
 * boots, not when the harness is imported (issue 11: a fresh machine's
 * first `deno task demo` failed asking for a hard-coded 6.1.0-56 while
 * the install step had just put 6.1.0-57 in /boot). A temporary directory
 * stands in for /boot: the real one cannot be emptied and refilled here.
 *
 * @module
 */

import assert from "node:assert";
import {
  defaultKernel,
  installedImages,
  pickDefaultKernel,
} from "./kernels.ts";

/** A fake /boot holding `vmlinuz-V` for each version (and other files). */
function fakeBoot(versions: string[]): string {
  const dir = Deno.makeTempDirSync({ prefix: "nsr-boot-" });
  for (const v of versions) {
    Deno.writeTextFileSync(`${dir}/vmlinuz-${v}`, "");
    Deno.writeTextFileSync(`${dir}/config-${v}`, "");
  }
  return dir;
}

const TODAY = [
  "6.1.0-57-amd64",
  "6.12.117+deb12-amd64",
  "6.18.35-nsr-debug",
  "7.1.5-nsr",
];

Deno.test("default kernel: picked from /boot after the install, not before", () => {
  const boot = fakeBoot([]);
  try {
    // Fresh machine: nothing installed yet, so no version can be named.
    assert.throws(
      () => defaultKernel({ bootDir: boot, env: undefined }),
      /no Debian kernel image in .*apt-get install linux-image-amd64/,
    );
    // The install step puts whatever Debian ships today in /boot.
    Deno.writeTextFileSync(`${boot}/vmlinuz-6.1.0-57-amd64`, "");
    assert.equal(
      defaultKernel({ bootDir: boot, env: undefined }),
      "6.1.0-57-amd64",
    );
  } finally {
    Deno.removeSync(boot, { recursive: true });
  }
});

const cases: [string, string[], string | undefined][] = [
  ["Debian 12's 6.1 among newer kernels", TODAY, "6.1.0-57-amd64"],
  [
    "the newest 6.1, compared as numbers",
    [...TODAY, "6.1.0-9-amd64", "6.1.0-100-amd64"],
    "6.1.0-100-amd64",
  ],
  ["6.12 when no 6.1 is installed", TODAY.slice(1), "6.12.117+deb12-amd64"],
  [
    "never PREEMPT_RT or a test kernel",
    ["6.12.117+deb12-rt-amd64", "6.18.35-nsr-debug", "7.1.5-nsr"],
    undefined,
  ],
  ["nothing installed", [], undefined],
];
for (const [caption, images, want] of cases) {
  Deno.test(`default kernel: ${caption}`, () => {
    assert.equal(pickDefaultKernel(images), want);
  });
}

Deno.test("default kernel: $NSR_KERNEL wins", () => {
  const boot = fakeBoot(TODAY);
  try {
    assert.equal(
      defaultKernel({ bootDir: boot, env: "7.1.5-nsr" }),
      "7.1.5-nsr",
    );
    assert.deepEqual(installedImages(boot), [
      "7.1.5-nsr",
      "6.18.35-nsr-debug",
      "6.12.117+deb12-amd64",
      "6.1.0-57-amd64",
    ]);
  } finally {
    Deno.removeSync(boot, { recursive: true });
  }
});
