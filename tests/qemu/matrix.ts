/**
 * `deno task test:matrix`: the module and the QEMU suite on each kernel
 * line: Debian 12's 6.1, 6.12, 6.12 PREEMPT_RT, and the test kernels of
 * ../shared/kernels/ (6.18 LTS debug: KASAN, lockdep, kmemleak…; 7.1: no
 * legacy iptables). For each kernel: the module's build, the suite
 * (tests/qemu/ but the hangs and the sanitizer scenarios), the sanitizer
 * scenarios (on a kernel built with them), the hang scenarios; NSR_KERNEL
 * tells the harness which kernel to boot. Missing Debian images are
 * installed when run as root:
 *
 *     apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64 \
 *       linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
 *
 * and the test kernels by tools/install-deps.sh when ../shared/kernels/
 * exists. Ends with one table, kernel × (build, suite, sanitizers, hangs)
 * with times, and `N passed, M failed` over all of it. Arguments narrow it
 * to the kernel lines whose label or version contains one of them
 * (`deno task test:matrix 6.12 7.1`: both 6.12 lines and 7.1).
 *
 * @module
 */

import { ensureHostTools } from "./_host.ts";
import { installedImages, kernelTraits } from "./kernels.ts";
import { denoTest, type TestRun } from "./test_run.ts";
import { exists, isRoot, repoRoot, run, workDir } from "./_util.ts";

interface Flavour {
  label: string;
  /** Matches the image version (the part after /boot/vmlinuz-). */
  match: RegExp;
  /** Debian packages that install it (none: a test kernel). */
  packages: string[];
}

const FLAVOURS: Flavour[] = [
  {
    label: "Debian 12 (6.1)",
    match: /^6\.1\.\d+-\d+-amd64$/,
    packages: ["linux-image-amd64", "linux-headers-amd64"],
  },
  {
    label: "6.12",
    match: /^6\.12\.[^-]*-amd64$/,
    packages: ["linux-image-6.12-amd64", "linux-headers-6.12-amd64"],
  },
  {
    label: "6.12 PREEMPT_RT",
    match: /^6\.12\.[^-]*-rt-amd64$/,
    packages: ["linux-image-6.12-rt-amd64", "linux-headers-6.12-rt-amd64"],
  },
  { label: "6.18 LTS debug", match: /^6\.18\..*-debug$/, packages: [] },
  { label: "7.1", match: /^7\.1\./, packages: [] },
];

/** Scenario files that get their own column. */
const HANGS = "tests/qemu/hang_test.ts";
const SANITIZERS = "tests/qemu/sanitizer_test.ts";

/** The newest installed image of a flavour that also has its headers. */
function installed(flavour: Flavour): string | undefined {
  return installedImages().find((v) =>
    flavour.match.test(v) && exists(`/lib/modules/${v}/build`)
  );
}

async function install(packages: string[]): Promise<boolean> {
  console.log(`matrix: installing ${packages.join(" ")}`);
  const { success } = await new Deno.Command("apt-get", {
    args: ["install", "-y", "-q", "--no-install-recommends", ...packages],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return success;
}

/** The suite's files: every QEMU test file but the hangs and sanitizers. */
function suiteFiles(): string[] {
  return [...Deno.readDirSync(`${repoRoot()}/tests/qemu`)]
    .map((e) => `tests/qemu/${e.name}`)
    .filter((f) => f.endsWith("_test.ts") && f !== HANGS && f !== SANITIZERS)
    .sort();
}

/** Builds kernel/ for `kernel` from scratch in a temporary directory. */
async function build(kernel: string): Promise<{ ok: boolean; s: number }> {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ dir: workDir(), prefix: "matrix-" });
  try {
    await run(["cp", "-r", `${repoRoot()}/kernel/.`, dir]);
    await run([
      "make",
      "-C",
      dir,
      `KVER=${kernel}`,
      `KDIR=/lib/modules/${kernel}/build`,
    ]);
    return { ok: true, s: seconds(started) };
  } catch (e) {
    console.error(`matrix: build for ${kernel} failed: ${e}`);
    return { ok: false, s: seconds(started) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 1000);
}

/** One table cell for a test run. */
function cell(r: TestRun): string {
  const verdict = r.ok
    ? `ok ${r.passed}`
    : `FAILED ${r.failed}/${r.passed + r.failed}`;
  return `${verdict}${
    r.ignored ? ` (${r.ignored} skipped)` : ""
  } ${r.seconds} s`;
}

// QEMU, busybox, iptables… and Debian's own kernel first, as every suite run
// needs them.
await ensureHostTools();
const table: string[][] = [["kernel", "build", "suite", "sanitizers", "hangs"]];
const notes: string[] = [];
let passed = 0;
let failed = 0;
const count = (r: TestRun) => {
  passed += r.passed;
  failed += r.failed;
  return cell(r);
};
const chosen = FLAVOURS.filter((f) =>
  Deno.args.length === 0 ||
  Deno.args.some((a) => f.label.includes(a) || installed(f)?.includes(a))
);
if (chosen.length === 0) {
  console.error(
    `matrix: no kernel line matches ${Deno.args.join(", ")}; lines: ${
      FLAVOURS.map((f) => f.label).join(", ")
    }`,
  );
  Deno.exit(2);
}
for (const flavour of chosen) {
  let kernel = installed(flavour);
  if (!kernel && flavour.packages.length && isRoot()) {
    if (await install(flavour.packages)) kernel = installed(flavour);
  }
  if (!kernel) {
    const how = flavour.packages.length
      ? `as root run: apt-get install ${flavour.packages.join(" ")}`
      : "install it from ../shared/kernels/ (tools/install-deps.sh)";
    table.push([flavour.label, "not installed", "-", "-", "-"]);
    notes.push(`${flavour.label}: not installed; ${how}`);
    failed += 1;
    continue;
  }
  console.log(`\nmatrix: ${flavour.label} (${kernel})`);
  const env = { NSR_KERNEL: kernel, NO_COLOR: "1" };
  const b = await build(kernel);
  if (!b.ok) failed += 1;
  const row = [
    `${flavour.label} (${kernel})`,
    `${b.ok ? "ok" : "FAILED"} ${b.s} s`,
  ];
  row.push(count(await denoTest(["test", "-A", ...suiteFiles()], env)));
  row.push(
    kernelTraits(kernel).sanitizers
      ? count(await denoTest(["test", "-A", SANITIZERS], env))
      : "n/a",
  );
  row.push(count(await denoTest(["test", "-A", HANGS], env)));
  table.push(row);
}

const widths = table[0].map((_, i) =>
  Math.max(...table.map((r) => r[i].length))
);
console.log("\nmatrix results:");
for (const r of table) {
  console.log(`  | ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
}
for (const note of notes) console.log(`  ${note}`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
